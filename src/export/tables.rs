//! The tables the app shows, built once with typed cells. The CLI prints them as text
//! (`export::text`), the writers turn them into `.xlsx`/`.csv`.

use super::{Cell, ExportColumn, ExportTable};
use crate::api::wire::{CountGroup, SectionName};
use crate::domain::ims::{ImsRecord, StatusCounts};
use crate::domain::ledger::{CashItcBalance, CashLedger, Head, HeadsLine, ItcLedger, ItcLine, LiabilityLedger};
use crate::domain::{GoodsType, Money, Section};

/// Cash and ITC balance per head, with a total row.
pub fn balance(b: &CashItcBalance) -> ExportTable {
    let mut t = ExportTable::new(
        "Balance",
        vec![
            ExportColumn::text("Head"),
            ExportColumn::money("Cash tax"),
            ExportColumn::money("Interest"),
            ExportColumn::money("Penalty"),
            ExportColumn::money("Fee"),
            ExportColumn::money("Other"),
            ExportColumn::money("Cash total"),
            ExportColumn::money("ITC"),
            ExportColumn::money("ITC blocked"),
        ],
    );
    let mut tot = [Money::ZERO; 8];
    for h in Head::ALL {
        let (m, cash_tot) = b.cash_bal.head(h);
        let blocked = b.itc_blck_bal.as_ref().map(|x| x.head(h)).unwrap_or_default();
        let vals = [m.tx, m.intr, m.pen, m.fee, m.oth, cash_tot, b.itc_bal.head(h), blocked];
        for (i, v) in vals.iter().enumerate() {
            tot[i] += *v;
        }
        let mut row = vec![Cell::text(h.label())];
        row.extend(vals.iter().map(|v| Cell::Money(*v)));
        t.push(row);
    }
    let mut row = vec![Cell::text("Total")];
    row.extend(tot.iter().map(|v| Cell::Money(*v)));
    t.push(row);
    t
}

/// Columns shared by the three ledgers: date, reference, one ledger-specific column, the
/// movement per head, the amount and the running figure.
fn movement_table(name: &str, third: &str, running: &str) -> ExportTable {
    ExportTable::new(
        name,
        vec![
            ExportColumn::date("Date"),
            ExportColumn::text("Reference"),
            ExportColumn::text(third),
            ExportColumn::text("Cr/Dr"),
            ExportColumn::text("Description"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CGST"),
            ExportColumn::money("SGST"),
            ExportColumn::money("CESS"),
            ExportColumn::money("Amount"),
            ExportColumn::money(running),
        ],
    )
}

/// An opening/closing line: label in the reference column, figures per head and the balance.
fn balance_line(label: &str, heads: impl Fn(Head) -> Money, running: Money) -> Vec<Cell> {
    let mut row = vec![Cell::Empty, Cell::text(label), Cell::Empty, Cell::Empty, Cell::Empty];
    row.extend(Head::ALL.iter().map(|h| Cell::Money(heads(*h))));
    row.push(Cell::Empty);
    row.push(Cell::Money(running));
    row
}

fn heads_line(label: &str, l: &HeadsLine) -> Vec<Cell> {
    balance_line(label, |h| l.head(h).total(), l.tot_rng_bal)
}

fn itc_line(label: &str, l: &ItcLine) -> Vec<Cell> {
    balance_line(label, |h| l.head(h), l.tot_rng_bal)
}

pub fn cash_ledger(l: &CashLedger) -> ExportTable {
    let mut t = movement_table("Cash ledger", "Period", "Balance");
    t.push(heads_line("Opening balance", &l.op_bal));
    for r in &l.tr {
        let mut row = vec![
            Cell::date_or_text(&r.rpt_dt),
            Cell::text(&r.ref_no),
            Cell::text(&r.ret_period),
            Cell::text(r.tr_typ.code()),
            Cell::text(&r.desc),
        ];
        row.extend(Head::ALL.iter().map(|h| Cell::Money(r.movement_of(*h).total())));
        row.push(Cell::Money(r.tot_tr_amt));
        row.push(Cell::Money(r.tot_rng_bal));
        t.push(row);
    }
    t.push(heads_line("Closing balance", &l.cl_bal));
    t
}

pub fn itc_ledger(l: &ItcLedger) -> ExportTable {
    let d = &l.details;
    let mut t = movement_table("ITC ledger", "Period", "Balance");
    t.push(itc_line("Opening balance", &d.op_bal));
    for r in &d.tr {
        let mut row = vec![
            Cell::date_or_text(&r.dt),
            Cell::text(&r.ref_no),
            Cell::text(&r.ret_period),
            Cell::text(r.tr_typ.code()),
            Cell::text(&r.desc),
        ];
        row.extend(Head::ALL.iter().map(|h| Cell::Money(r.amount(*h))));
        row.push(Cell::Money(r.tot_tr_amt));
        row.push(Cell::Money(r.tot_rng_bal));
        t.push(row);
    }
    t.push(itc_line("Closing balance", &d.cl_bal));
    t
}

pub fn tax_ledger(l: &LiabilityLedger) -> ExportTable {
    let mut t = movement_table("Liability ledger", "Discharge", "Liability");
    for r in &l.tr {
        let mut row = vec![
            Cell::date_or_text(&r.dt),
            Cell::text(&r.ref_no),
            Cell::text(&r.dschrg_typ),
            Cell::text(r.tr_typ.code()),
            Cell::text(&r.desc),
        ];
        row.extend(Head::ALL.iter().map(|h| Cell::Money(r.movement_of(*h).total())));
        row.push(Cell::Money(r.tot_tr_amt));
        row.push(Cell::Money(r.tot_rng_bal));
        t.push(row);
    }
    t.push(heads_line("Closing balance", &l.cl_bal));
    t
}

fn counts_row(label: String, c: &StatusCounts) -> Vec<Cell> {
    vec![
        Cell::Text(label),
        Cell::Count(c.noaction),
        Cell::Count(c.accept),
        Cell::Count(c.reject),
        Cell::Count(c.pending),
        Cell::Count(c.total()),
    ]
}

/// Counts by section and status for one goods type, a total row, and notes (a `ttl_cnt`
/// that does not add up; groups that cannot be listed).
pub fn counts(goods: GoodsType, g: &CountGroup) -> ExportTable {
    let name = match goods {
        GoodsType::Others => "Counts",
        GoodsType::Isd => "ISD",
        GoodsType::Imports => "Imports",
    };
    let mut t = ExportTable::new(
        name,
        vec![
            ExportColumn::text("Section"),
            ExportColumn::count("No action"),
            ExportColumn::count("Accepted"),
            ExportColumn::count("Rejected"),
            ExportColumn::count("Pending"),
            ExportColumn::count("Total"),
        ],
    );
    let mut sum = StatusCounts::default();
    let mut add = |t: &mut ExportTable, label: String, c: &StatusCounts| {
        sum.noaction += c.noaction;
        sum.accept += c.accept;
        sum.reject += c.reject;
        sum.pending += c.pending;
        t.push(counts_row(label, c));
    };
    for s in goods.sections() {
        add(&mut t, s.label().to_string(), &g.get(*s));
    }
    // Sections the API sent that we do not know: shown, never dropped.
    for (name, c) in &g.sections {
        if let SectionName::Unknown(k) = name {
            add(&mut t, format!("{k} (unknown section)"), c);
        }
    }
    t.push(counts_row("Total".into(), &sum));
    if sum.total() != g.ttl_cnt {
        t.notes.push(format!(
            "⚠ ttl_cnt from the API is {} but the sections add up to {}",
            g.ttl_cnt,
            sum.total()
        ));
    }
    if goods != GoodsType::Others {
        t.notes.push(format!(
            "{} can be counted but not listed or acted on through the API.",
            goods.label()
        ));
    }
    t
}

/// IMS records of one section as the review table shows them.
pub fn records(section: Section, recs: &[ImsRecord]) -> ExportTable {
    let mut t = ExportTable::new(
        section.short(),
        vec![
            ExportColumn::count("#"),
            ExportColumn::text("Supplier GSTIN"),
            ExportColumn::text("Document"),
            ExportColumn::date("Date"),
            ExportColumn::text("Type"),
            ExportColumn::money("Taxable"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CGST"),
            ExportColumn::money("SGST"),
            ExportColumn::money("Cess"),
            ExportColumn::money("Value"),
            ExportColumn::text("POS"),
            ExportColumn::text("Form"),
            ExportColumn::text("Period"),
            ExportColumn::text("Action"),
            ExportColumn::text("Pending"),
            ExportColumn::text("Filed"),
            ExportColumn::text("Original document"),
            ExportColumn::date("Original date"),
            ExportColumn::text("Remarks"),
            ExportColumn::text("Flags"),
        ],
    );
    t.rows.reserve(recs.len());
    for (i, r) in recs.iter().enumerate() {
        let flags: Vec<String> = r
            .flags()
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        t.push(vec![
            Cell::Count(i as u64 + 1),
            Cell::text(&r.stin),
            Cell::text(r.doc_number()),
            Cell::date_or_text(r.doc_date_raw()),
            Cell::Text(r.inv_typ.clone().unwrap_or_else(|| section.short().to_string())),
            Cell::Money(r.txval),
            Cell::Money(r.iamt),
            Cell::Money(r.camt),
            Cell::Money(r.samt),
            Cell::Money(r.cess),
            Cell::Money(r.val),
            Cell::text(&r.pos),
            Cell::text(&r.srcform),
            Cell::text(&r.rtnprd),
            Cell::text(r.action.label()),
            Cell::text(if r.pending_blocked() { "blocked" } else { "allowed" }),
            Cell::text(if r.supplier_filed() { "yes" } else { "no" }),
            Cell::opt_text(r.original_number()),
            Cell::date_or_text(r.original_date().unwrap_or("")),
            Cell::opt_text(r.remarks.as_deref()),
            if flags.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(flags.join("; "))
            },
        ]);
    }
    t
}

/// Arithmetic checks that failed, as a table, so the evidence travels with the figures.
/// `None` when every check passes.
pub fn checks(w: &[crate::domain::ledger::LedgerWarning]) -> Option<ExportTable> {
    if w.is_empty() {
        return None;
    }
    let mut t = ExportTable::new(
        "Checks",
        vec![
            ExportColumn::text("Rule"),
            ExportColumn::text("Where"),
            ExportColumn::money("Expected"),
            ExportColumn::money("Found"),
            ExportColumn::money("Difference"),
        ],
    );
    for x in w {
        t.push(vec![
            Cell::text(x.rule),
            Cell::text(&x.location),
            Cell::Money(x.expected),
            Cell::Money(x.found),
            Cell::Money(x.difference()),
        ]);
    }
    t.notes
        .push("Figures are as GSTN sent them; these are the checks of api.md §7.2 that did not add up.".into());
    Some(t)
}

/// Outward supplies summary: per form and portal table, documents by the recipient's action.
pub fn outward_summary(doc: &crate::domain::outward::SalesDoc) -> ExportTable {
    let mut t = ExportTable::new(
        "Outward summary",
        vec![
            ExportColumn::text("Form"),
            ExportColumn::text("Section"),
            ExportColumn::text("Portal table"),
            ExportColumn::count("Accepted"),
            ExportColumn::count("Rejected"),
            ExportColumn::count("Pending"),
            ExportColumn::count("No action"),
            ExportColumn::count("Other"),
            ExportColumn::count("Total"),
            ExportColumn::money("Value"),
            ExportColumn::money("Tax"),
        ],
    );
    for l in crate::domain::outward::summarise(doc) {
        let c = &l.counts;
        t.push(vec![
            Cell::text(l.form),
            Cell::text(&l.section),
            Cell::text(l.table),
            Cell::Count(c.accepted as u64),
            Cell::Count(c.rejected as u64),
            Cell::Count(c.pending as u64),
            Cell::Count(c.no_action as u64),
            Cell::Count(c.other as u64),
            Cell::Count(c.total() as u64),
            Cell::Money(c.value),
            Cell::Money(c.tax),
        ]);
    }
    t
}

/// Rejected records whose liability was added back, with a total row of what returns to the
/// supplier's liability. No records (GSTN's IMS0027) is an empty table with a note saying so.
pub fn added_back(a: &crate::domain::outward::AddedBack) -> ExportTable {
    let mut t = ExportTable::new(
        "Added back",
        vec![
            ExportColumn::text("Section"),
            ExportColumn::text("Recipient GSTIN"),
            ExportColumn::text("Recipient"),
            ExportColumn::text("Document"),
            ExportColumn::date("Date"),
            ExportColumn::text("Type"),
            ExportColumn::text("Original document"),
            ExportColumn::money("Value"),
            ExportColumn::money("Taxable"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CGST"),
            ExportColumn::money("SGST"),
            ExportColumn::money("Cess"),
            ExportColumn::text("Supplier period"),
            ExportColumn::text("Form"),
            ExportColumn::text("Remarks"),
        ],
    );
    let recs = a.all();
    for (sec, r) in &recs {
        t.push(vec![
            Cell::text(*sec),
            Cell::opt_text(r.ctin.as_deref()),
            Cell::opt_text(r.tradenm.as_deref()),
            Cell::opt_text(r.nt_num.as_deref().or(r.inum.as_deref())),
            Cell::date_or_text(r.nt_dt.as_deref().or(r.idt.as_deref()).unwrap_or("")),
            Cell::opt_text(r.ntty.as_deref().or(r.inv_typ.as_deref())),
            Cell::opt_text(r.oinum.as_deref()),
            Cell::Money(r.val),
            Cell::Money(r.txval),
            Cell::Money(r.iamt),
            Cell::Money(r.camt),
            Cell::Money(r.samt),
            Cell::Money(r.csamt),
            Cell::text(&r.sup_prd),
            Cell::text(&r.form),
            Cell::opt_text(r.remarks.as_deref()),
        ]);
    }
    if recs.is_empty() {
        t.notes
            .push("None: no rejected records had their liability added back for this period.".into());
    } else {
        let [tx, i, c, s, cs] = a.totals();
        let mut row = vec![Cell::text("Total"), Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty];
        row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
        row.extend([tx, i, c, s, cs].map(Cell::Money));
        row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
        t.push(row);
        t.notes
            .push("The Total row is what comes back to the supplier's liability (taxable value and tax).".into());
    }
    t
}

/// Column titles of the outward records table, shared by the screen and the files.
pub const OUTWARD_RECORD_COLUMNS: [&str; 15] = [
    "Form",
    "Table",
    "Recipient GSTIN",
    "Document",
    "Date",
    "Type",
    "Value",
    "Taxable",
    "IGST",
    "CGST",
    "SGST",
    "Cess",
    "Period",
    "Recipient action",
    "Recipient filed",
];

/// Outward documents (the records of the supplier view) in the order given.
pub fn outward_records<'a>(recs: impl IntoIterator<Item = &'a crate::domain::outward::OutwardRecord>) -> ExportTable {
    let c = OUTWARD_RECORD_COLUMNS;
    let mut t = ExportTable::new(
        "Outward records",
        vec![
            ExportColumn::text(c[0]),
            ExportColumn::text(c[1]),
            ExportColumn::text(c[2]),
            ExportColumn::text(c[3]),
            ExportColumn::date(c[4]),
            ExportColumn::text(c[5]),
            ExportColumn::money(c[6]),
            ExportColumn::money(c[7]),
            ExportColumn::money(c[8]),
            ExportColumn::money(c[9]),
            ExportColumn::money(c[10]),
            ExportColumn::money(c[11]),
            ExportColumn::text(c[12]),
            ExportColumn::text(c[13]),
            ExportColumn::text(c[14]),
        ],
    );
    for r in recs {
        t.push(vec![
            Cell::text(r.form),
            Cell::text(r.table),
            Cell::text(&r.ctin),
            Cell::text(&r.doc),
            Cell::date_or_text(&r.date),
            Cell::text(&r.typ),
            Cell::Money(r.val),
            Cell::Money(r.txval),
            Cell::Money(r.iamt),
            Cell::Money(r.camt),
            Cell::Money(r.samt),
            Cell::Money(r.csamt),
            Cell::text(&r.rtnprd),
            Cell::text(r.action.label()),
            Cell::text(filed_label(r.recipient_filed.as_deref())),
        ]);
    }
    t
}

/// `Y` → yes, `N` → no, nothing → "—" (GSTN did not say); anything else as sent.
pub fn filed_label(cfs: Option<&str>) -> &str {
    match cfs.map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("Y") => "yes",
        Some(s) if s.eq_ignore_ascii_case("N") => "no",
        Some("") | None => "—",
        Some(s) => s,
    }
}

// ---- export ledger and ICEGATE (derived figures; the label goes under every sheet) ----

fn derived_notes() -> Vec<String> {
    vec![format!(
        "Computed by gstdash: {}.",
        crate::domain::export_ledger::DERIVED_LABEL
    )]
}

/// The export ledger's rows as the portal lists them, with the running balance per head.
/// Periods are text (`MMYYYY`, as GSTN writes them).
pub fn export_ledger<'a>(rows: impl IntoIterator<Item = &'a crate::domain::export_ledger::LedgerRow>) -> ExportTable {
    let mut t = ExportTable::new(
        "Export ledger",
        vec![
            ExportColumn::text("Return period"),
            ExportColumn::text("Return type"),
            ExportColumn::text("Credit/Debit"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CESS"),
            ExportColumn::money("Balance IGST"),
            ExportColumn::money("Balance CESS"),
        ],
    );
    for r in rows {
        t.push(vec![
            Cell::text(r.period.wire()),
            Cell::text(r.ret_type.to_string()),
            Cell::text(r.dr_cr.to_string()),
            Cell::Money(r.amount.igst),
            Cell::Money(r.amount.cess),
            Cell::Money(r.balance.igst),
            Cell::Money(r.balance.cess),
        ]);
    }
    t.with_notes(derived_notes())
}

/// "DOWNLOAD TRANSACTION AS CSV": one row per period. The note columns hold IGST; the cess of
/// all notes is in the last column so nothing is left out.
pub fn export_transactions<'a>(
    breakup: impl IntoIterator<Item = &'a crate::domain::export_ledger::Breakup>,
) -> ExportTable {
    let mut t = ExportTable::new(
        "Transactions",
        [
            "6A IGST",
            "6A CESS",
            "9A IGST",
            "9A CESS",
            "SEZ IGST",
            "SEZ CESS",
            "CDNUR",
            "CDNURA",
            "CDNR",
            "3.1(b) IGST",
            "3.1(b) CESS",
            "Notes CESS",
        ]
        .into_iter()
        .fold(vec![ExportColumn::text("Period")], |mut v, c| {
            v.push(ExportColumn::money(c));
            v
        }),
    );
    for b in breakup {
        let mut row = vec![Cell::opt_text(b.period.map(|p| p.wire()).as_deref())];
        row.extend(
            [
                b.tbl6a.igst,
                b.tbl6a.cess,
                b.tbl9a.igst,
                b.tbl9a.cess,
                b.sez.igst,
                b.sez.cess,
                b.cdnur.igst,
                b.cdnura.igst,
                b.cdnr.igst,
                b.tbl3_1b.igst,
                b.tbl3_1b.cess,
                b.cdnur.cess + b.cdnura.cess + b.cdnr.cess,
            ]
            .map(Cell::Money),
        );
        t.push(row);
    }
    t.with_notes(derived_notes())
}

/// The ICEGATE counts table as on the portal.
pub fn icegate_counts(t: &crate::domain::icegate::Tracking) -> ExportTable {
    let mut out = ExportTable::new(
        "ICEGATE counts",
        vec![
            ExportColumn::text("Status"),
            ExportColumn::count("Count"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CESS"),
        ],
    );
    for c in t.counts() {
        out.push(vec![
            Cell::text(c.label),
            Cell::Count(c.count as u64),
            Cell::Money(c.tax.igst),
            Cell::Money(c.tax.cess),
        ]);
    }
    out.with_notes(derived_notes())
}

/// "DOWNLOAD FAILED INVOICES": not transmitted or rejected by ICEGATE, with the reason (SB
/// codes explained).
pub fn icegate_failed<'a>(
    invoices: impl IntoIterator<Item = &'a crate::domain::icegate::InvoiceStatus>,
) -> ExportTable {
    let mut out = ExportTable::new(
        "Failed invoices",
        vec![
            ExportColumn::text("Period"),
            ExportColumn::text("Invoice No"),
            ExportColumn::date("Invoice Date"),
            ExportColumn::text("Shipping Bill"),
            ExportColumn::text("Port"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CESS"),
            ExportColumn::text("Reason"),
        ],
    );
    for i in invoices {
        out.push(vec![
            Cell::text(i.period.wire()),
            Cell::text(&i.inum),
            Cell::date_or_text(&i.idt),
            Cell::opt_text(i.sbnum.as_deref()),
            Cell::opt_text(i.sbpcode.as_deref()),
            Cell::Money(i.tax.igst),
            Cell::Money(i.tax.cess),
            Cell::text(i.reason()),
        ]);
    }
    out.with_notes(derived_notes())
}

/// The journal as a table: one row per decision, oldest first; times in India Standard Time.
/// `period` keeps the decisions made in that month.
pub fn journal(entries: &[crate::store::JournalEntry], period: Option<crate::domain::ReturnPeriod>) -> ExportTable {
    let ist = crate::app::state::ist();
    let mut t = ExportTable::new(
        "Journal",
        vec![
            ExportColumn::count("#"),
            ExportColumn::date("Date"),
            ExportColumn::text("Time (IST)"),
            ExportColumn::text("User"),
            ExportColumn::text("Profile"),
            ExportColumn::text("Record"),
            ExportColumn::text("Old action"),
            ExportColumn::text("New action"),
            ExportColumn::text("Remarks"),
            ExportColumn::text("GSTN reference"),
            ExportColumn::text("Outcome"),
            ExportColumn::text("Outcome at (IST)"),
        ],
    );
    for e in entries {
        let at = e.at.with_timezone(&ist);
        if period.is_some_and(|p| crate::domain::ReturnPeriod::of_date(at.date_naive()) != p) {
            continue;
        }
        t.push(vec![
            Cell::Count(e.id.max(0) as u64),
            Cell::Date(at.date_naive()),
            Cell::text(at.format("%H:%M:%S").to_string()),
            Cell::text(&e.local_user),
            Cell::text(&e.profile),
            Cell::text(&e.record),
            Cell::text(&e.old_action),
            Cell::text(&e.new_action),
            Cell::opt_text(e.remarks.as_deref()),
            Cell::opt_text(e.reference_id.as_deref()),
            Cell::text(e.outcome.clone().unwrap_or_else(|| "queued, not yet answered".into())),
            match e.outcome_at {
                Some(t) => Cell::text(t.with_timezone(&ist).format("%d-%m-%Y %H:%M:%S").to_string()),
                None => Cell::Empty,
            },
        ]);
    }
    t
}
