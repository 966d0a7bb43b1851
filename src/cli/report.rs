//! Turns API results into tables (for people and CSV) and JSON documents (for scripts).
//! Tables show amounts with Indian grouping; CSV keeps plain exact decimals.

use serde::Serialize;

use super::output::{Align, Table};
use crate::api::wire::CountGroup;
use crate::domain::ims::ImsRecord;
use crate::domain::ledger::{CashItcBalance, CashLedger, ItcLedger, LedgerWarning, LiabilityLedger};
use crate::domain::period;
use crate::domain::{GoodsType, Money, Section};
use crate::export::{Cell, ColumnKind, ExportTable, tables};

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

/// JSON document around a result: who, what, when, and the arithmetic warnings.
#[derive(Serialize)]
pub struct Doc<'a, T: Serialize> {
    pub gstin: &'a str,
    pub query: serde_json::Value,
    pub fetched_at: String,
    pub data: &'a T,
    pub warnings: Vec<String>,
}

pub fn warning_notes(w: &[LedgerWarning]) -> Vec<String> {
    if w.is_empty() {
        return vec![];
    }
    let mut v = vec![format!(
        "⚠ {} arithmetic warning(s) in what GSTN sent (figures shown as received):",
        w.len()
    )];
    v.extend(w.iter().map(|w| format!("  {w}")));
    v
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
