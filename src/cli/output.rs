//! Plain output for scripts and terminals: aligned tables, JSON, CSV.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;

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

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A simple table: headers, rows of strings, per-column alignment.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(cols: &[(&str, Align)]) -> Self {
        Table {
            headers: cols.iter().map(|c| c.0.to_string()).collect(),
            align: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    /// Aligned text, columns separated by two spaces, a rule under the header.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut w: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(width(c));
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| match self.align[i] {
                    Align::Left => format!("{c:<width$}", width = w[i]),
                    Align::Right => format!("{c:>width$}", width = w[i]),
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(&self.headers);
        out.push('\n');
        out.push_str(&w.iter().map(|n| "-".repeat(*n)).collect::<Vec<_>>().join("  "));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }

    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut wtr = csv::Writer::from_writer(Vec::new());
        wtr.write_record(&self.headers)?;
        for r in &self.rows {
            wtr.write_record(r)?;
        }
        let bytes = wtr.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8(bytes).expect("csv of strings is utf-8"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_csv_quotes() {
        let mut t = Table::new(&[("Head", Align::Left), ("Amount", Align::Right)]);
        t.row(vec!["IGST".into(), "1,00,000.00".into()]);
        t.row(vec!["CGST, total".into(), "5.00".into()]);
        let s = t.render();
        assert_eq!(s.lines().nth(2).unwrap(), "IGST         1,00,000.00");
        assert_eq!(s.lines().nth(3).unwrap(), "CGST, total         5.00");
        let c = t.to_csv().unwrap();
        assert!(c.contains("\"CGST, total\",5.00"), "{c}");
    }
}
