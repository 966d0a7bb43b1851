//! Files consultants open or send: typed tables written to `.xlsx` (rust_xlsxwriter) or
//! `.csv`, with file naming that never overwrites.
//!
//! Every table the app shows is built once as an [`ExportTable`] — columns with a kind
//! (text, money, date, count) and rows of typed [`Cell`]s. The CLI renders the same table as
//! text; the writers here turn it into a workbook or CSV. The TUI's "download this view" can
//! pass the rows and columns as shown (filter, sort, columns) and run [`ExportJob::spawn`]
//! off the UI thread with a progress callback.
//!
//! Cell types in `.xlsx`: money is a number with a ₹ format whose value is the exact decimal
//! (see [`xlsx::money_number`]); dates are date cells (`dd-mm-yyyy`); GSTINs, document numbers
//! and periods are text (leading zeros kept); counts are integers. In `.csv`: money as exact
//! decimals with at least two decimals (`0.30`), dates as ISO `YYYY-MM-DD`, text as is.

pub mod csv_out;
pub mod files;
pub mod followup;
pub mod ims;
pub mod tables;
pub mod text;
pub mod xlsx;

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::domain::Money;

pub use files::{OutTarget, Written};

/// What a column holds; decides the cell type, format and alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// GSTINs, document numbers, periods, labels: always text.
    Text,
    /// Rupees: a number with the ₹ format.
    Money,
    /// A calendar date.
    Date,
    /// A whole number.
    Count,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportColumn {
    pub title: String,
    pub kind: ColumnKind,
}

impl ExportColumn {
    pub fn new(title: impl Into<String>, kind: ColumnKind) -> Self {
        ExportColumn {
            title: title.into(),
            kind,
        }
    }
    pub fn text(title: impl Into<String>) -> Self {
        Self::new(title, ColumnKind::Text)
    }
    pub fn money(title: impl Into<String>) -> Self {
        Self::new(title, ColumnKind::Money)
    }
    pub fn date(title: impl Into<String>) -> Self {
        Self::new(title, ColumnKind::Date)
    }
    pub fn count(title: impl Into<String>) -> Self {
        Self::new(title, ColumnKind::Count)
    }
}

/// One value. A cell may differ from its column's kind: a date GSTN sent in a form we cannot
/// read stays [`Cell::Text`] with the raw text, never dropped or guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Money(Money),
    Date(NaiveDate),
    Count(u64),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    /// A date from the API's text: a date cell when it parses (any documented form), else
    /// the raw text; empty text is an empty cell.
    pub fn date_or_text(raw: &str) -> Cell {
        if raw.trim().is_empty() {
            return Cell::Empty;
        }
        match crate::domain::period::parse_date_lenient(raw) {
            Some(d) => Cell::Date(d),
            None => Cell::Text(raw.to_string()),
        }
    }
    pub fn opt_text(s: Option<&str>) -> Cell {
        match s {
            Some(s) if !s.is_empty() => Cell::Text(s.to_string()),
            _ => Cell::Empty,
        }
    }
}

/// A table on its way to a file: one worksheet, or one CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportTable {
    /// Worksheet name (≤ 31 characters after cleaning) and CSV file stem.
    pub name: String,
    pub columns: Vec<ExportColumn>,
    pub rows: Vec<Vec<Cell>>,
    /// Lines written under the table in `.xlsx` (what the figures are, what is missing);
    /// not written to CSV, which stays a plain table for scripts.
    pub notes: Vec<String>,
}

impl ExportTable {
    pub fn new(name: impl Into<String>, columns: Vec<ExportColumn>) -> Self {
        ExportTable {
            name: name.into(),
            columns,
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width of {}", self.name);
        self.rows.push(row);
    }
    pub fn with_notes(mut self, notes: Vec<String>) -> Self {
        self.notes = notes;
        self
    }

    /// The view as shown: the columns at `columns` (in that order) of the rows at `rows` (in
    /// that order), e.g. a screen's visible columns after its filter and sort. Indexes out of
    /// range are an error naming them, never a silently shorter file.
    pub fn view(&self, columns: &[usize], rows: impl IntoIterator<Item = usize>) -> Result<ExportTable, ExportError> {
        if let Some(c) = columns.iter().find(|c| **c >= self.columns.len()) {
            return Err(ExportError(format!(
                "{}: no column {c} (the table has {})",
                self.name,
                self.columns.len()
            )));
        }
        let mut t = ExportTable::new(
            self.name.clone(),
            columns.iter().map(|c| self.columns[*c].clone()).collect(),
        );
        for r in rows {
            let row = self
                .rows
                .get(r)
                .ok_or_else(|| ExportError(format!("{}: no row {r} (the table has {})", self.name, self.rows.len())))?;
            t.rows.push(columns.iter().map(|c| row[*c].clone()).collect());
        }
        t.notes = self.notes.clone();
        Ok(t)
    }
}

/// File format of an export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// One Excel workbook, a sheet per table.
    #[default]
    Xlsx,
    /// CSV: one file for one table, a folder of files for several.
    Csv,
}

impl FileFormat {
    pub fn ext(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }
}

/// How far a write has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub rows_done: u64,
    pub rows_total: u64,
    /// All rows are in; the file is being compressed and written.
    pub saving: bool,
}

/// A failed export: one line naming the path or the cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError(pub String);

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ExportError {}

impl ExportError {
    pub fn io(what: impl fmt::Display, e: std::io::Error) -> Self {
        ExportError(format!("{what}: {e}"))
    }
}

/// What a download writes, as handed to the engine's file job. IMS record views can be
/// 100,000 rows: they travel as the shared records plus the indexes in screen order, and the
/// table is built on the job's thread, never on the UI thread.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportSource {
    /// Tables already built (ledgers, balance, outward supplies: small).
    Tables(Vec<ExportTable>),
    /// IMS records of one section, the rows at `view` (screen order).
    ImsRecords {
        section: crate::domain::Section,
        records: std::sync::Arc<Vec<crate::domain::ImsRecord>>,
        view: Vec<u32>,
        /// The columns as the screen shows them (order, trade names, local actions); `None`
        /// writes every field in the default order.
        shown: Option<Box<crate::app::ims::columns::ShownColumns>>,
    },
    /// A report the engine assembles from the store (and GSTN, for what was never pulled)
    /// before writing it: the tables are not known on the UI thread.
    Report(Report),
}

/// The reports of the dashboard (issue 7): built by the engine's download job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// "Download IMS details": every listable IMS table, the ISD and import counts and a
    /// summary by action, for the whole IMS (as the dashboard counts it).
    ImsDetails,
    /// Rejected and pending documents per supplier GSTIN with what the supplier must do.
    Followup,
    /// The audit journal: every decision, or `period`'s (made from its first day to its
    /// GSTR-3B due date).
    Journal {
        period: Option<crate::domain::ReturnPeriod>,
    },
}

impl ExportSource {
    /// Data rows the file will hold (for the progress gauge).
    pub fn rows(&self) -> usize {
        match self {
            ExportSource::Tables(t) => t.iter().map(|t| t.rows.len()).sum(),
            ExportSource::ImsRecords { view, .. } => view.len(),
            // Counted once the engine has assembled it.
            ExportSource::Report(_) => 0,
        }
    }

    /// The tables to write (building the IMS table from the view).
    pub fn into_tables(self) -> Vec<ExportTable> {
        match self {
            ExportSource::Tables(t) => t,
            ExportSource::ImsRecords {
                section,
                records,
                view,
                shown,
            } => {
                let rows: Vec<crate::domain::ImsRecord> =
                    view.iter().filter_map(|i| records.get(*i as usize).cloned()).collect();
                vec![match shown {
                    Some(s) => s.export_table(section, &rows),
                    None => tables::records(section, &rows),
                }]
            }
            // Needs the store: the engine turns it into `Tables` first (`sync::downloads`).
            ExportSource::Report(_) => vec![],
        }
    }
}

/// Everything an export needs: the tables, the format and where the file(s) go.
#[derive(Clone, Debug)]
pub struct ExportJob {
    pub tables: Vec<ExportTable>,
    pub format: FileFormat,
    pub target: OutTarget,
}

impl ExportJob {
    /// Writes the file(s) on this thread.
    pub fn run(self, progress: &mut dyn FnMut(Progress)) -> Result<Written, ExportError> {
        if self.tables.is_empty() {
            return Err(ExportError("nothing to export: no tables".into()));
        }
        match self.format {
            FileFormat::Xlsx => {
                let (file, path) = self.target.create_file(FileFormat::Xlsx)?;
                let stats = files::cleanup_on_error(&path, || xlsx::write(file, &self.tables, progress))?;
                Ok(Written {
                    paths: vec![path],
                    rows: stats.rows,
                    money_as_text: stats.money_as_text,
                })
            }
            FileFormat::Csv if self.tables.len() == 1 => {
                let (file, path) = self.target.create_file(FileFormat::Csv)?;
                let rows = files::cleanup_on_error(&path, || csv_out::write(file, &self.tables[0], progress))?;
                Ok(Written {
                    paths: vec![path],
                    rows,
                    money_as_text: 0,
                })
            }
            FileFormat::Csv => {
                let dir = self.target.create_dir()?;
                let mut paths: Vec<PathBuf> = Vec::new();
                let mut rows = 0;
                let total: u64 = self.tables.iter().map(|t| t.rows.len() as u64).sum();
                for (i, t) in self.tables.iter().enumerate() {
                    let stem = files::clean_stem(&t.name, i);
                    let path = dir.join(format!("{stem}.csv"));
                    let file = files::create_new(&path)?;
                    let base = rows;
                    let mut scaled = |p: Progress| {
                        progress(Progress {
                            rows_done: base + p.rows_done,
                            rows_total: total,
                            saving: false,
                        })
                    };
                    rows += files::cleanup_on_error(&path, || csv_out::write(file, t, &mut scaled))?;
                    paths.push(path);
                }
                progress(Progress {
                    rows_done: rows,
                    rows_total: total,
                    saving: true,
                });
                Ok(Written {
                    paths,
                    rows,
                    money_as_text: 0,
                })
            }
        }
    }

    /// Writes on tokio's blocking pool, so a 100,000-row export never stalls the UI or the
    /// network; `progress` is called from that thread.
    pub fn spawn(
        self,
        mut progress: impl FnMut(Progress) + Send + 'static,
    ) -> tokio::task::JoinHandle<Result<Written, ExportError>> {
        tokio::task::spawn_blocking(move || self.run(&mut progress))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_keeps_the_columns_and_rows_as_shown() {
        let mut t = ExportTable::new(
            "B2B",
            vec![
                ExportColumn::text("A"),
                ExportColumn::money("B"),
                ExportColumn::count("C"),
            ],
        );
        for i in 0..4 {
            t.push(vec![
                Cell::text(format!("r{i}")),
                Cell::Money(Money::from(i)),
                Cell::Count(i as u64),
            ]);
        }
        let v = t.view(&[2, 0], [3, 1]).unwrap();
        assert_eq!(v.columns, vec![ExportColumn::count("C"), ExportColumn::text("A")]);
        assert_eq!(
            v.rows,
            vec![
                vec![Cell::Count(3), Cell::text("r3")],
                vec![Cell::Count(1), Cell::text("r1")]
            ]
        );
        assert!(t.view(&[3], [0]).unwrap_err().0.contains("no column 3"));
        assert!(t.view(&[0], [9]).unwrap_err().0.contains("no row 9"));
    }
}
