//! Text tables for people and plain CSV: the CLI prints them, the TUI's ledger screens show
//! them. Built from the typed [`ExportTable`]s, so a screen, a file and a terminal agree.
//! Tables show amounts with Indian grouping; CSV keeps plain exact decimals.

use crate::api::wire::CountGroup;
use crate::domain::export_ledger::{Breakup, LedgerRow};
use crate::domain::ims::ImsRecord;
use crate::domain::ledger::{CashItcBalance, CashLedger, ItcLedger, LiabilityLedger};
use crate::domain::period;
use crate::domain::{GoodsType, Money, Section};
use crate::export::{Cell, ColumnKind, ExportTable, tables};

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

/// How amounts are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amounts {
    /// `12,34,567.89`
    Grouped,
    /// `1234567.89` exactly as received
    Plain,
}

impl Amounts {
    pub fn fmt(self, m: Money) -> String {
        match self {
            Amounts::Grouped => m.inr(),
            Amounts::Plain => m.0.to_string(),
        }
    }
    /// Counts follow the same choice: `1,23,456` for people, `123456` for scripts.
    pub fn count(self, n: u64) -> String {
        match self {
            Amounts::Grouped => crate::domain::money::format_count(n),
            Amounts::Plain => n.to_string(),
        }
    }
}

/// The text form of a typed table: amounts and counts as `a` says, dates `DD-MM-YYYY`;
/// money and counts right-aligned.
pub fn text_table(t: &ExportTable, a: Amounts) -> Table {
    let cols: Vec<(&str, Align)> = t
        .columns
        .iter()
        .map(|c| {
            let align = match c.kind {
                ColumnKind::Money | ColumnKind::Count => Align::Right,
                ColumnKind::Text | ColumnKind::Date => Align::Left,
            };
            (c.title.as_str(), align)
        })
        .collect();
    let mut out = Table::new(&cols);
    out.rows.reserve(t.rows.len());
    for r in &t.rows {
        out.row(
            r.iter()
                .map(|c| match c {
                    Cell::Empty => String::new(),
                    Cell::Text(s) => s.clone(),
                    Cell::Money(m) => a.fmt(*m),
                    Cell::Date(d) => period::fmt_dash(*d),
                    Cell::Count(n) => a.count(*n),
                })
                .collect(),
        );
    }
    out
}

pub fn balance_table(b: &CashItcBalance, a: Amounts) -> Table {
    text_table(&tables::balance(b), a)
}

pub fn cash_ledger_table(l: &CashLedger, a: Amounts) -> Table {
    text_table(&tables::cash_ledger(l), a)
}

pub fn itc_ledger_table(l: &ItcLedger, a: Amounts) -> Table {
    text_table(&tables::itc_ledger(l), a)
}

pub fn tax_ledger_table(l: &LiabilityLedger, a: Amounts) -> Table {
    text_table(&tables::tax_ledger(l), a)
}

pub fn counts_table(goods: GoodsType, g: &CountGroup, a: Amounts) -> (Table, Vec<String>) {
    let t = tables::counts(goods, g);
    (text_table(&t, a), t.notes)
}

pub fn records_table(section: Section, recs: &[ImsRecord], a: Amounts) -> Table {
    text_table(&tables::records(section, recs), a)
}

// ---- export ledger and ICEGATE (derived figures) ----

/// The ledger rows as the portal lists them, with the running balance.
pub fn export_ledger_table<'a>(rows: impl IntoIterator<Item = &'a LedgerRow>, a: Amounts) -> Table {
    text_table(&tables::export_ledger(rows), a)
}

/// The transaction breakup per period (6A, 9A, SEZ, notes, 3.1(b)).
pub fn transactions_table<'a>(breakup: impl IntoIterator<Item = &'a Breakup>, a: Amounts) -> Table {
    text_table(&tables::export_transactions(breakup), a)
}

pub fn icegate_counts_table(t: &crate::domain::icegate::Tracking, a: Amounts) -> Table {
    text_table(&tables::icegate_counts(t), a)
}

/// Not transmitted or rejected by ICEGATE, with the reason.
pub fn icegate_failed_table<'a>(
    invoices: impl IntoIterator<Item = &'a crate::domain::icegate::InvoiceStatus>,
    a: Amounts,
) -> Table {
    text_table(&tables::icegate_failed(invoices), a)
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
