//! Plain output for scripts and terminals: aligned tables, JSON, CSV.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;

pub use crate::export::text::{Align, Table};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document (exact decimal amounts).
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// Writes `value` as JSON, or `table` as text/CSV, to stdout.
pub fn emit<T: Serialize>(format: Format, value: &T, table: &Table, notes: &[String]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, value)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let s = table.to_csv().map_err(std::io::Error::other)?;
            out.write_all(s.as_bytes())?;
        }
        Format::Table => {
            out.write_all(table.render().as_bytes())?;
            for n in notes {
                writeln!(out, "{n}")?;
            }
        }
    }
    out.flush()
}
