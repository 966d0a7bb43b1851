//! JSON documents (for scripts) and the notes under text tables. The text tables themselves
//! live in `export::text`, shared with the TUI.

use serde::Serialize;

use crate::domain::ledger::LedgerWarning;

pub use crate::export::text::{
    Amounts, balance_table, cash_ledger_table, counts_table, itc_ledger_table, records_table, tax_ledger_table,
    text_table,
};

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
