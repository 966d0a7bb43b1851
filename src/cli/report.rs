//! Turns API results into tables (for people and CSV) and JSON documents (for scripts).
//! Tables show amounts with Indian grouping; CSV keeps plain exact decimals.

use serde::Serialize;

use super::output::{Align, Table};
use crate::api::wire::{CountGroup, SectionName};
use crate::domain::ims::ImsRecord;
use crate::domain::ledger::{CashItcBalance, CashLedger, Head, ItcLedger, LedgerWarning, LiabilityLedger};
use crate::domain::{GoodsType, Money, Section};

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

pub fn balance_table(b: &CashItcBalance, a: Amounts) -> Table {
    let mut t = Table::new(&[
        ("Head", Align::Left),
        ("Cash tax", Align::Right),
        ("Interest", Align::Right),
        ("Penalty", Align::Right),
        ("Fee", Align::Right),
        ("Other", Align::Right),
        ("Cash total", Align::Right),
        ("ITC", Align::Right),
        ("ITC blocked", Align::Right),
    ]);
    let mut tot = [Money::ZERO; 8];
    for h in Head::ALL {
        let (m, cash_tot) = b.cash_bal.head(h);
        let blocked = b.itc_blck_bal.as_ref().map(|x| x.head(h)).unwrap_or_default();
        let vals = [m.tx, m.intr, m.pen, m.fee, m.oth, cash_tot, b.itc_bal.head(h), blocked];
        for (i, v) in vals.iter().enumerate() {
            tot[i] += *v;
        }
        let mut row = vec![h.label().to_string()];
        row.extend(vals.iter().map(|v| a.fmt(*v)));
        t.row(row);
    }
    let mut row = vec!["Total".to_string()];
    row.extend(tot.iter().map(|v| a.fmt(*v)));
    t.row(row);
    t
}

/// Columns shared by the three ledgers: date, reference, one ledger-specific column, the
/// movement per head, the amount and the running figure.
fn movement_table(third: (&str, Align), running: &str) -> Table {
    Table::new(&[
        ("Date", Align::Left),
        ("Reference", Align::Left),
        third,
        ("Cr/Dr", Align::Left),
        ("Description", Align::Left),
        ("IGST", Align::Right),
        ("CGST", Align::Right),
        ("SGST", Align::Right),
        ("CESS", Align::Right),
        ("Amount", Align::Right),
        (running, Align::Right),
    ])
}

pub fn cash_ledger_table(l: &CashLedger, a: Amounts) -> Table {
    let mut t = movement_table(("Period", Align::Left), "Balance");
    let line = |t: &mut Table, label: &str, l: &crate::domain::ledger::HeadsLine| {
        let mut row = vec![
            String::new(),
            label.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        row.extend(Head::ALL.iter().map(|h| a.fmt(l.head(*h).total())));
        row.push(String::new());
        row.push(a.fmt(l.tot_rng_bal));
        t.row(row);
    };
    line(&mut t, "Opening balance", &l.op_bal);
    for r in &l.tr {
        let mut row = vec![
            r.rpt_dt.clone(),
            r.ref_no.clone(),
            r.ret_period.clone(),
            r.tr_typ.code().to_string(),
            r.desc.clone(),
        ];
        row.extend(Head::ALL.iter().map(|h| a.fmt(r.movement_of(*h).total())));
        row.push(a.fmt(r.tot_tr_amt));
        row.push(a.fmt(r.tot_rng_bal));
        t.row(row);
    }
    line(&mut t, "Closing balance", &l.cl_bal);
    t
}

pub fn itc_ledger_table(l: &ItcLedger, a: Amounts) -> Table {
    let d = &l.details;
    let mut t = movement_table(("Period", Align::Left), "Balance");
    let line = |t: &mut Table, label: &str, l: &crate::domain::ledger::ItcLine| {
        let mut row = vec![
            String::new(),
            label.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        row.extend(Head::ALL.iter().map(|h| a.fmt(l.head(*h))));
        row.push(String::new());
        row.push(a.fmt(l.tot_rng_bal));
        t.row(row);
    };
    line(&mut t, "Opening balance", &d.op_bal);
    for r in &d.tr {
        let mut row = vec![
            r.dt.clone(),
            r.ref_no.clone(),
            r.ret_period.clone(),
            r.tr_typ.code().to_string(),
            r.desc.clone(),
        ];
        row.extend(Head::ALL.iter().map(|h| a.fmt(r.amount(*h))));
        row.push(a.fmt(r.tot_tr_amt));
        row.push(a.fmt(r.tot_rng_bal));
        t.row(row);
    }
    line(&mut t, "Closing balance", &d.cl_bal);
    t
}

pub fn tax_ledger_table(l: &LiabilityLedger, a: Amounts) -> Table {
    let mut t = movement_table(("Discharge", Align::Left), "Liability");
    for r in &l.tr {
        let mut row = vec![
            r.dt.clone(),
            r.ref_no.clone(),
            r.dschrg_typ.clone(),
            r.tr_typ.code().to_string(),
            r.desc.clone(),
        ];
        row.extend(Head::ALL.iter().map(|h| a.fmt(r.movement_of(*h).total())));
        row.push(a.fmt(r.tot_tr_amt));
        row.push(a.fmt(r.tot_rng_bal));
        t.row(row);
    }
    let mut row = vec![
        String::new(),
        "Closing balance".into(),
        String::new(),
        String::new(),
        String::new(),
    ];
    row.extend(Head::ALL.iter().map(|h| a.fmt(l.cl_bal.head(*h).total())));
    row.push(String::new());
    row.push(a.fmt(l.cl_bal.tot_rng_bal));
    t.row(row);
    t
}

pub fn counts_table(goods: GoodsType, g: &CountGroup) -> (Table, Vec<String>) {
    let mut t = Table::new(&[
        ("Section", Align::Left),
        ("No action", Align::Right),
        ("Accepted", Align::Right),
        ("Rejected", Align::Right),
        ("Pending", Align::Right),
        ("Total", Align::Right),
    ]);
    let mut sum = crate::domain::ims::StatusCounts::default();
    let mut add_row = |t: &mut Table, label: String, c: &crate::domain::ims::StatusCounts| {
        sum.noaction += c.noaction;
        sum.accept += c.accept;
        sum.reject += c.reject;
        sum.pending += c.pending;
        t.row(vec![
            label,
            c.noaction.to_string(),
            c.accept.to_string(),
            c.reject.to_string(),
            c.pending.to_string(),
            c.total().to_string(),
        ]);
    };
    for s in goods.sections() {
        add_row(&mut t, s.label().to_string(), &g.get(*s));
    }
    // Sections the API sent that we do not know: shown, never dropped.
    for (name, c) in &g.sections {
        if let SectionName::Unknown(k) = name {
            add_row(&mut t, format!("{k} (unknown section)"), c);
        }
    }
    t.row(vec![
        "Total".into(),
        sum.noaction.to_string(),
        sum.accept.to_string(),
        sum.reject.to_string(),
        sum.pending.to_string(),
        sum.total().to_string(),
    ]);
    let mut notes = vec![];
    if sum.total() != g.ttl_cnt {
        notes.push(format!(
            "⚠ ttl_cnt from the API is {} but the sections add up to {}",
            g.ttl_cnt,
            sum.total()
        ));
    }
    if goods != GoodsType::Others {
        notes.push(format!(
            "{} can be counted but not listed or acted on through the API.",
            goods.label()
        ));
    }
    (t, notes)
}

pub fn records_table(section: Section, recs: &[ImsRecord], a: Amounts) -> Table {
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("Supplier GSTIN", Align::Left),
        ("Document", Align::Left),
        ("Date", Align::Left),
        ("Type", Align::Left),
        ("Taxable", Align::Right),
        ("IGST", Align::Right),
        ("CGST", Align::Right),
        ("SGST", Align::Right),
        ("Cess", Align::Right),
        ("Value", Align::Right),
        ("POS", Align::Left),
        ("Form", Align::Left),
        ("Period", Align::Left),
        ("Action", Align::Left),
        ("Pending", Align::Left),
        ("Filed", Align::Left),
        ("Flags", Align::Left),
    ]);
    for (i, r) in recs.iter().enumerate() {
        let flags: Vec<String> = r
            .flags()
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        t.row(vec![
            (i + 1).to_string(),
            r.stin.clone(),
            r.doc_number().to_string(),
            r.doc_date_raw().to_string(),
            r.inv_typ.clone().unwrap_or_else(|| section.short().to_string()),
            a.fmt(r.txval),
            a.fmt(r.iamt),
            a.fmt(r.camt),
            a.fmt(r.samt),
            a.fmt(r.cess),
            a.fmt(r.val),
            r.pos.clone(),
            r.srcform.clone(),
            r.rtnprd.clone(),
            r.action.label().to_string(),
            if r.pending_blocked() {
                "blocked".into()
            } else {
                "allowed".into()
            },
            if r.supplier_filed() { "yes".into() } else { "no".into() },
            flags.join("; "),
        ]);
    }
    t
}
