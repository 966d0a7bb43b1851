//! "Download IMS details": one workbook with a summary sheet (counts and tax by action), a
//! sheet per listable IMS table (B2B, B2BA, CN, CNA, DN, DNA, ECO, ECOA) and the counts of the
//! ISD and import tabs, which the API can count but not list (`domain.md` rule 4).

use std::collections::BTreeMap;

use super::{Cell, ExportColumn, ExportTable, tables};
use crate::api::wire::CountGroup;
use crate::domain::ims::{Action, ImsRecord};
use crate::domain::{GoodsType, Money, ReturnPeriod, Section};

/// Sheet order of the workbook, as the portal's download lists the tables.
pub const SHEET_ORDER: [Section; 8] = [
    Section::B2b,
    Section::B2ba,
    Section::B2bCn,
    Section::B2bCna,
    Section::B2bDn,
    Section::B2bDna,
    Section::Ecom,
    Section::Ecoma,
];

/// What the workbook is made of.
#[derive(Clone, Debug, Default)]
pub struct ImsDetails {
    /// The listable sections with their records (already filtered to `period` if any).
    pub sections: Vec<(Section, Vec<ImsRecord>)>,
    /// Counts per goods type as the API gives them (whole IMS, not per period).
    pub counts: Vec<(GoodsType, CountGroup)>,
    /// Supplier return period the records were limited to, if any.
    pub period: Option<ReturnPeriod>,
}

/// Keeps the records the supplier reported for `period` (`rtnprd`).
pub fn filter_period(recs: Vec<ImsRecord>, period: Option<ReturnPeriod>) -> Vec<ImsRecord> {
    match period {
        None => recs,
        Some(p) => recs.into_iter().filter(|r| r.return_period() == Some(p)).collect(),
    }
}

#[derive(Default, Clone, Copy)]
struct Sums {
    docs: u64,
    txval: Money,
    iamt: Money,
    camt: Money,
    samt: Money,
    cess: Money,
}

impl Sums {
    fn add(&mut self, r: &ImsRecord) {
        self.docs += 1;
        self.txval += r.txval;
        self.iamt += r.iamt;
        self.camt += r.camt;
        self.samt += r.samt;
        self.cess += r.cess;
    }
    fn merge(&mut self, o: &Sums) {
        self.docs += o.docs;
        self.txval += o.txval;
        self.iamt += o.iamt;
        self.camt += o.camt;
        self.samt += o.samt;
        self.cess += o.cess;
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Count(self.docs),
            Cell::Money(self.txval),
            Cell::Money(self.iamt),
            Cell::Money(self.camt),
            Cell::Money(self.samt),
            Cell::Money(self.cess),
            Cell::Money(self.iamt + self.camt + self.samt + self.cess),
        ]
    }
}

/// Counts (from the API) and documents and tax (from the records in this file) per section
/// and action, with totals per action over the listed sections.
pub fn summary(d: &ImsDetails) -> ExportTable {
    let mut t = ExportTable::new(
        "Summary",
        vec![
            ExportColumn::text("Group"),
            ExportColumn::text("Section"),
            ExportColumn::text("Action"),
            ExportColumn::count("Count in IMS"),
            ExportColumn::count("Documents in this file"),
            ExportColumn::money("Taxable"),
            ExportColumn::money("IGST"),
            ExportColumn::money("CGST"),
            ExportColumn::money("SGST"),
            ExportColumn::money("Cess"),
            ExportColumn::money("Total tax"),
        ],
    );
    let listed: BTreeMap<Section, &Vec<ImsRecord>> = d.sections.iter().map(|(s, r)| (*s, r)).collect();
    let mut totals: BTreeMap<Action, Sums> = BTreeMap::new();
    for goods in GoodsType::ALL {
        let group = d.counts.iter().find(|(g, _)| *g == goods).map(|(_, c)| c);
        for s in goods.sections() {
            let counts = group.map(|g| g.get(*s));
            let mut by_action: BTreeMap<Action, Sums> =
                Action::KNOWN.iter().map(|a| (a.clone(), Sums::default())).collect();
            if let Some(recs) = listed.get(s) {
                for r in recs.iter() {
                    by_action.entry(r.action.clone()).or_default().add(r);
                }
            }
            for (a, sums) in &by_action {
                let mut row = vec![
                    Cell::text(goods.label()),
                    Cell::text(s.label()),
                    Cell::text(a.label()),
                    // The API counts the four known actions only.
                    match (counts, a) {
                        (Some(c), a) if !matches!(a, Action::Other(_)) => Cell::Count(c.get(a)),
                        _ => Cell::Empty,
                    },
                ];
                if listed.contains_key(s) {
                    row.extend(sums.cells());
                    totals.entry(a.clone()).or_default().merge(sums);
                } else {
                    row.extend(std::iter::repeat_n(Cell::Empty, 7));
                }
                t.push(row);
            }
        }
    }
    for (a, sums) in &totals {
        let mut row = vec![
            Cell::text("Total"),
            Cell::text("Listed sections"),
            Cell::text(a.label()),
            Cell::Empty,
        ];
        row.extend(sums.cells());
        t.push(row);
    }
    t.notes.push(
        "Count in IMS: what the API counts for the whole IMS today. Documents and tax: the records in this workbook."
            .into(),
    );
    if let Some(p) = d.period {
        t.notes.push(format!(
            "Records limited to documents the supplier reported for {p} (return period {}).",
            p.wire()
        ));
    }
    t.notes.push(
        "ISD and import documents can be counted but not listed or acted on through the API; act on them on the GST portal.".into(),
    );
    t
}

/// The whole workbook: Summary, the eight tables, ISD and Imports counts.
pub fn workbook(d: &ImsDetails) -> Vec<ExportTable> {
    let mut out = vec![summary(d)];
    for s in SHEET_ORDER {
        let recs = d
            .sections
            .iter()
            .find(|(x, _)| *x == s)
            .map(|(_, r)| r.as_slice())
            .unwrap_or(&[]);
        out.push(tables::records(s, recs));
    }
    for goods in [GoodsType::Isd, GoodsType::Imports] {
        if let Some((_, g)) = d.counts.iter().find(|(x, _)| *x == goods) {
            out.push(tables::counts(goods, g));
        }
    }
    out
}
