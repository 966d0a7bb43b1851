//! Supplier follow-up pack (`domain.md` §4 idea 10): per supplier GSTIN, the documents the
//! recipient rejected or kept pending, with the remarks and what the supplier must do —
//! re-report or correct in GSTR-1A for the same period before the recipient files GSTR-3B,
//! or amend in a later GSTR-1/IFF (rules 9 and 20); for pending credit notes, the last day
//! they may stay pending (rule 12).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Cell, ExportColumn, ExportTable};
use crate::domain::ims::{self, Action, ImsRecord};
use crate::domain::period::fmt_dash;
use crate::domain::{ReturnPeriod, Section};

/// What the supplier should do about one document, and by when (if a date applies and has
/// not passed on `today`).
pub fn advice(section: Section, r: &ImsRecord, recipient: &str, today: NaiveDate) -> (String, Option<NaiveDate>) {
    let period = r.return_period();
    let pname = period
        .map(|p| p.to_string())
        .unwrap_or_else(|| format!("period {:?}", r.rtnprd));
    let mut parts = Vec::new();
    let mut by = None;
    match r.action {
        Action::Rejected => {
            if section.is_credit_note() {
                parts.push(format!(
                    "Credit note rejected by {recipient}: the tax it reduced is added back to your liability."
                ));
            } else {
                parts.push(format!("Rejected by {recipient}: no ITC for them on this document."));
            }
            match period.map(|p| p.gstr3b_due_monthly()) {
                Some(due) if due >= today => {
                    by = Some(due);
                    parts.push(format!(
                        "If it is right as issued, re-report it unchanged — or correct it if it is wrong — in GSTR-1A for {pname} before the recipient files GSTR-3B for {pname} (due {}), or in the amendment table of a later GSTR-1/IFF; the recipient then accepts it.",
                        fmt_dash(due)
                    ));
                }
                Some(due) => parts.push(format!(
                    "If it is right as issued, re-report it unchanged — or correct it if it is wrong — in the amendment table of your next GSTR-1/IFF; the recipient then accepts it. (GSTR-1A for {pname} helps only while the recipient has not filed GSTR-3B for {pname}, which was due {}.)",
                    fmt_dash(due)
                )),
                None => parts.push(format!(
                    "If it is right as issued, re-report it unchanged — or correct it if it is wrong — in GSTR-1A for {pname} before the recipient files GSTR-3B, or in the amendment table of a later GSTR-1/IFF; the recipient then accepts it."
                )),
            }
        }
        Action::Pending => {
            parts.push(format!(
                "Kept pending by {recipient}: not in their GSTR-2B yet. Settle the point in the remarks; if the document needs a correction, amend it in GSTR-1A for {pname} or in a later GSTR-1/IFF."
            ));
            if ims::is_specified_record(section)
                && let Some(p) = period
            {
                let last = ims::pending_deadline(p);
                if last >= today {
                    by = Some(last);
                    parts.push(format!(
                        "A credit note may stay pending only until {} (GSTR-3B due date of the following period); after that the recipient must accept or reject it.",
                        fmt_dash(last)
                    ));
                } else {
                    parts.push(format!(
                        "Its pending window ended on {}: the recipient must now accept or reject it.",
                        fmt_dash(last)
                    ));
                }
            }
        }
        _ => {}
    }
    if !r.supplier_filed() {
        parts.push(format!(
            "Your return for {pname} is not filed (status {:?}): file it so the document reaches GSTR-2B.",
            r.srcfilstatus
        ));
    }
    (parts.join(" "), by)
}

fn columns() -> Vec<ExportColumn> {
    vec![
        ExportColumn::text("Recipient GSTIN"),
        ExportColumn::text("Supplier GSTIN"),
        ExportColumn::text("Section"),
        ExportColumn::text("Document"),
        ExportColumn::date("Date"),
        ExportColumn::text("Original document"),
        ExportColumn::text("Supplier period"),
        ExportColumn::text("Form"),
        ExportColumn::text("Filed"),
        ExportColumn::money("Taxable"),
        ExportColumn::money("IGST"),
        ExportColumn::money("CGST"),
        ExportColumn::money("SGST"),
        ExportColumn::money("Cess"),
        ExportColumn::money("Total tax"),
        ExportColumn::money("Value"),
        ExportColumn::text("Recipient action"),
        ExportColumn::text("Recipient remarks"),
        ExportColumn::text("What the supplier must do"),
        ExportColumn::date("Act by"),
    ]
}

/// One supplier's documents.
#[derive(Clone, Debug)]
pub struct SupplierPack {
    pub supplier: String,
    pub rejected: u64,
    pub pending: u64,
    pub table: ExportTable,
}

/// Builds the pack: suppliers in GSTIN order; their rejected documents first, then pending,
/// each in section, period and document order. Suppliers with nothing to do are left out.
pub fn packs(recipient: &str, sections: &[(Section, Vec<ImsRecord>)], today: NaiveDate) -> Vec<SupplierPack> {
    let order = |s: Section| super::ims::SHEET_ORDER.iter().position(|x| *x == s).unwrap_or(99);
    let mut by_supplier: BTreeMap<String, Vec<(Section, &ImsRecord)>> = BTreeMap::new();
    for (s, recs) in sections {
        for r in recs {
            if matches!(r.action, Action::Rejected | Action::Pending) {
                by_supplier
                    .entry(r.stin.trim().to_ascii_uppercase())
                    .or_default()
                    .push((*s, r));
            }
        }
    }
    by_supplier
        .into_iter()
        .map(|(supplier, mut docs)| {
            docs.sort_by(|(sa, a), (sb, b)| {
                let rank = |r: &ImsRecord| if r.action == Action::Rejected { 0 } else { 1 };
                (rank(a), order(*sa), a.return_period(), a.doc_number()).cmp(&(
                    rank(b),
                    order(*sb),
                    b.return_period(),
                    b.doc_number(),
                ))
            });
            let mut t = ExportTable::new(supplier.clone(), columns());
            let (mut rejected, mut pending) = (0, 0);
            for (s, r) in docs {
                if r.action == Action::Rejected {
                    rejected += 1;
                } else {
                    pending += 1;
                }
                let (what, by) = advice(s, r, recipient, today);
                t.push(vec![
                    Cell::text(recipient),
                    Cell::text(&r.stin),
                    Cell::text(s.short()),
                    Cell::text(r.doc_number()),
                    Cell::date_or_text(r.doc_date_raw()),
                    Cell::opt_text(r.original_number()),
                    Cell::text(&r.rtnprd),
                    Cell::text(&r.srcform),
                    Cell::text(if r.supplier_filed() { "yes" } else { "no" }),
                    Cell::Money(r.txval),
                    Cell::Money(r.iamt),
                    Cell::Money(r.camt),
                    Cell::Money(r.samt),
                    Cell::Money(r.cess),
                    Cell::Money(r.total_tax()),
                    Cell::Money(r.val),
                    Cell::text(r.action.label()),
                    Cell::opt_text(r.remarks.as_deref()),
                    Cell::Text(what),
                    by.map(Cell::Date).unwrap_or(Cell::Empty),
                ]);
            }
            t.notes.push(format!(
                "Documents {recipient} rejected or kept pending in IMS. Supplier fixes: GSTR-1A for the same period before the recipient files GSTR-3B, or the amendment tables of a later GSTR-1/IFF."
            ));
            SupplierPack {
                supplier,
                rejected,
                pending,
                table: t,
            }
        })
        .collect()
}

/// The index of a pack: one row per supplier with counts and tax at stake.
pub fn index(packs: &[SupplierPack], period: Option<ReturnPeriod>) -> ExportTable {
    let mut t = ExportTable::new(
        "Suppliers",
        vec![
            ExportColumn::text("Supplier GSTIN"),
            ExportColumn::count("Rejected"),
            ExportColumn::count("Pending"),
            ExportColumn::money("Taxable"),
            ExportColumn::money("Total tax"),
        ],
    );
    for p in packs {
        let sum = |col: usize| {
            p.table
                .rows
                .iter()
                .map(|r| match &r[col] {
                    Cell::Money(m) => *m,
                    _ => crate::domain::Money::ZERO,
                })
                .sum()
        };
        t.push(vec![
            Cell::text(&p.supplier),
            Cell::Count(p.rejected),
            Cell::Count(p.pending),
            Cell::Money(sum(9)),
            Cell::Money(sum(14)),
        ]);
    }
    if let Some(p) = period {
        t.notes.push(format!(
            "Documents the suppliers reported for {p} (return period {}).",
            p.wire()
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use rust_decimal_macros::dec;

    fn rec(stin: &str, num: &str, action: Action) -> ImsRecord {
        ImsRecord {
            stin: stin.into(),
            rtnprd: "102025".into(),
            srcform: "R1".into(),
            nt_num: Some(num.into()),
            nt_dt: Some("05-10-2025".into()),
            action,
            srcfilstatus: "Filed".into(),
            txval: Money(dec!(1000)),
            iamt: Money(dec!(180)),
            val: Money(dec!(1180)),
            remarks: Some("rate wrong".into()),
            ..Default::default()
        }
    }

    #[test]
    fn rejected_and_pending_per_supplier_with_what_to_do() {
        let a = "27AAPFU0939F1ZV";
        let b = "29AAGCB7383J1Z4";
        let sections = vec![
            (
                Section::B2bCn,
                vec![
                    rec(b, "CN-2", Action::Pending),
                    rec(a, "CN-1", Action::Accepted),
                    rec(b, "CN-1", Action::Rejected),
                ],
            ),
            (Section::B2b, vec![rec(b, "INV-9", Action::Pending)]),
        ];
        let today = NaiveDate::from_ymd_opt(2025, 11, 10).unwrap();
        let p = packs("24AAACC1206D1ZM", &sections, today);
        assert_eq!(p.len(), 1, "supplier a has nothing to do");
        assert_eq!((p[0].supplier.as_str(), p[0].rejected, p[0].pending), (b, 1, 2));
        let rows = &p[0].table.rows;
        // Rejected first, then pending in sheet order (B2B before CN).
        assert_eq!(rows[0][3], Cell::text("CN-1"));
        assert_eq!(rows[1][3], Cell::text("INV-9"));
        assert_eq!(rows[2][3], Cell::text("CN-2"));
        let Cell::Text(what) = &rows[0][18] else { panic!() };
        assert!(
            what.contains("added back") && what.contains("GSTR-1A for Oct 2025"),
            "{what}"
        );
        assert_eq!(rows[0][19], Cell::Date(NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()));
        // A pending credit note: the pending window of rule 12 (Oct 2025 → 20-12-2025).
        let Cell::Text(what) = &rows[2][18] else { panic!() };
        assert!(what.contains("20-12-2025"), "{what}");
        assert_eq!(rows[2][19], Cell::Date(NaiveDate::from_ymd_opt(2025, 12, 20).unwrap()));
        // A pending invoice has no date.
        assert_eq!(rows[1][19], Cell::Empty);
        assert_eq!(rows[0][17], Cell::text("rate wrong"));
        let idx = index(&p, None);
        assert_eq!(idx.rows[0][4], Cell::Money(Money(dec!(540))));

        // Later: the GSTR-1A route and the pending window have passed; no stale dates.
        let late = packs(
            "24AAACC1206D1ZM",
            &sections,
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        );
        let rows = &late[0].table.rows;
        let Cell::Text(what) = &rows[0][18] else { panic!() };
        assert!(
            what.contains("next GSTR-1/IFF") && what.contains("was due 20-11-2025"),
            "{what}"
        );
        assert_eq!(rows[0][19], Cell::Empty);
        let Cell::Text(what) = &rows[2][18] else { panic!() };
        assert!(what.contains("pending window ended on 20-12-2025"), "{what}");
        assert_eq!(rows[2][19], Cell::Empty);
    }

    #[test]
    fn unfiled_source_is_called_out() {
        let mut r = rec("27AAPFU0939F1ZV", "X", Action::Pending);
        r.srcfilstatus = "Not Filed".into();
        let (what, _) = advice(Section::B2b, &r, "me", NaiveDate::from_ymd_opt(2025, 11, 1).unwrap());
        assert!(what.contains("not filed"), "{what}");
    }
}
