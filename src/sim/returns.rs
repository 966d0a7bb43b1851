//! Filed GSTR-1 / GSTR-1A sections and GSTR-3B details (`api.md` §8.1), generated for the
//! export ledger.
//!
//! The first demo taxpayer (Acme Traders) exports from April 2024: every filed period has
//! 2–4 exports with payment of IGST (Table 6A, `WPAY`) and one under LUT (`WOPAY`), and every
//! third period a supply to a SEZ unit with payment (Table 6B, `b2b` `inv_typ SEWP`). On top:
//! - Sep 2024 GSTR-1 amends a July 2024 export upward (Table 9A, `expa`);
//! - Nov 2024 has an export credit note (`cdnur`, `EXPWP`) on an October export, amended in Jan
//!   2025 (`cdnura`); Feb 2025 a debit note to the SEZ unit (`cdnr`, `SEWP`); Mar 2025 an export
//!   added through GSTR-1A;
//! - some exports lack the shipping bill number or the port code (ICEGATE will not get them);
//! - GSTR-3B Table 3.1(b) pays each period's export IGST/cess exactly, **except** Aug 2024,
//!   which declares ₹32,140.80 less IGST (the export ledger goes negative from Aug 2024; Oct
//!   2024 pays it back), and the last filed period, which is short by 10% of its IGST (the
//!   ledger is negative now).
//!
//! The other taxpayers do not export: their GSTR-1 sections answer `RET11416`, their 3.1(b)
//! is zero. A period is filed when the simulator's GSTR-3B rule says so (two months before
//! "today"); later periods answer `RET11416` (GSTR-1) and `RT-R3BQ1004` (GSTR-3B).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use super::auth::require_taxpayer;
use super::data::money;
use super::reply;
use super::rng::Rng;
use super::state::Sim;
use crate::domain::export_ledger::{
    B2bInvoice, B2bParty, ExpGroup, ExpInvoice, GSTR1_SECTIONS, Gstr1Sections, Gstr3bDetails, ItemAmounts, Note,
    NoteParty, NumberedItem,
};
use crate::domain::gstin::build_normal;
use crate::domain::period::{ReturnPeriod, fmt_dash};

pub const NO_DOCUMENT: (&str, &str) = (
    "RET11416",
    "No document found in selected financial year for the given section",
);
pub const R1_NOT_FILED: (&str, &str) = ("RT-R3BQ1004", "GSTR-1 not filed");
/// *sim*: a section name the simulator does not serve.
pub const BAD_SECTION: &str = "RET11401";

/// The IGST that Aug 2024's 3.1(b) leaves out, in paise (the amount in GSTN's sample mail).
pub const AUG_2024_SHORT_PAISE: i64 = 3_214_080;

/// Exports start here.
pub fn exports_start() -> ReturnPeriod {
    ReturnPeriod::new(2024, 4).expect("valid")
}

#[derive(Default)]
pub(crate) struct ReturnsBook {
    pub gstr1: BTreeMap<ReturnPeriod, Gstr1Sections>,
    pub gstr1a: BTreeMap<ReturnPeriod, Gstr1Sections>,
    pub gstr3b: BTreeMap<ReturnPeriod, Gstr3bDetails>,
}

fn date_in(p: ReturnPeriod, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(p.year(), p.month(), day.min(28)).expect("valid date")
}

fn item(txval_rupees: i64, rt: i64, cess_pct: i64) -> ItemAmounts {
    ItemAmounts {
        rt: money(rt * 100),
        txval: money(txval_rupees * 100),
        // txval × rt % in paise = txval_rupees × rt.
        iamt: money(txval_rupees * rt),
        csamt: money(txval_rupees * cess_pct),
        camt: None,
        samt: None,
    }
}

fn val(i: &ItemAmounts) -> crate::domain::Money {
    i.txval + i.iamt + i.csamt
}

/// Export / SEZ data for `taxpayer`, filed up to `last_filed`.
pub(crate) fn generate_returns(seed: u64, taxpayer: usize, gstin: &str, last_filed: ReturnPeriod) -> ReturnsBook {
    let mut book = ReturnsBook::default();
    if taxpayer != 0 {
        let mut p = exports_start();
        while p <= last_filed {
            book.gstr3b.insert(p, r3b(gstin, p, 0, 0, 0));
            p = p.next();
        }
        return book;
    }
    let mut rng = Rng::stream(seed, "returns", taxpayer as u64);
    let sez = build_normal("27", "AAGCS7350Q", '1')
        .expect("valid SEZ GSTIN")
        .as_str()
        .to_string();
    let ports = ["INNSA1", "INBOM4", "INMAA1", "INMUN1"];
    let mut seq = 0u32;
    let mut p = exports_start();
    let jul24 = ReturnPeriod::new(2024, 7).expect("valid");
    let sep24 = ReturnPeriod::new(2024, 9).expect("valid");
    let oct24 = ReturnPeriod::new(2024, 10).expect("valid");
    let nov24 = ReturnPeriod::new(2024, 11).expect("valid");
    let jan25 = ReturnPeriod::new(2025, 1).expect("valid");
    let feb25 = ReturnPeriod::new(2025, 2).expect("valid");
    let mar25 = ReturnPeriod::new(2025, 3).expect("valid");
    let aug24 = ReturnPeriod::new(2024, 8).expect("valid");
    while p <= last_filed {
        let mut s = Gstr1Sections::default();
        let mut wpay = ExpGroup {
            exp_typ: "WPAY".into(),
            inv: vec![],
        };
        let n = rng.range(2, 4);
        for k in 0..n {
            seq += 1;
            let idt = date_in(p, (3 + k * 7) as u32);
            // The second export of even months carries 1% compensation cess (the ledger's CESS head).
            let cess = i64::from(k == 1 && p.month().is_multiple_of(2));
            let it = item(rng.range(200_000, 1_200_000), if k == 2 { 12 } else { 18 }, cess);
            let mut inv = ExpInvoice {
                inum: format!("EXP/{}/{seq:04}", p.year() % 100),
                idt: fmt_dash(idt),
                val: val(&it),
                sbnum: Some(format!("{}", 1_000_000 + rng.below(8_999_999))),
                sbdt: Some(fmt_dash(idt + Duration::days(rng.range(1, 4)))),
                sbpcode: Some(rng.pick(&ports).to_string()),
                itms: vec![it],
                ..Default::default()
            };
            // Every fifth export misses a shipping bill, every seventh a port code.
            if seq.is_multiple_of(5) {
                inv.sbnum = None;
                inv.sbdt = None;
            } else if seq.is_multiple_of(7) {
                inv.sbpcode = None;
            }
            wpay.inv.push(inv);
        }
        seq += 1;
        let lut = item(rng.range(100_000, 500_000), 0, 0);
        let lut_dt = date_in(p, 26);
        s.exp = vec![
            wpay,
            ExpGroup {
                exp_typ: "WOPAY".into(),
                inv: vec![ExpInvoice {
                    inum: format!("EXP/{}/{seq:04}", p.year() % 100),
                    idt: fmt_dash(lut_dt),
                    val: val(&lut),
                    sbnum: Some(format!("{}", 1_000_000 + rng.below(8_999_999))),
                    sbdt: Some(fmt_dash(lut_dt + Duration::days(2))),
                    sbpcode: Some("INNSA1".into()),
                    itms: vec![lut],
                    ..Default::default()
                }],
            },
        ];
        if p.month().is_multiple_of(3) {
            seq += 1;
            let it = item(rng.range(100_000, 400_000), 18, 0);
            s.b2b = vec![B2bParty {
                ctin: sez.clone(),
                inv: vec![B2bInvoice {
                    inum: format!("SEZ/{}/{seq:04}", p.year() % 100),
                    idt: fmt_dash(date_in(p, 15)),
                    val: val(&it),
                    pos: "27".into(),
                    inv_typ: "SEWP".into(),
                    itms: vec![NumberedItem { num: 1, itm_det: it }],
                    ..Default::default()
                }],
            }];
        }
        if p == sep24 {
            // Amend July's first export: taxable value up by 10%.
            let orig = &book.gstr1[&jul24].exp[0].inv[0];
            let mut amended = orig.clone();
            let tx = orig.itms[0].txval.0 * rust_decimal::Decimal::new(11, 1);
            amended.itms = vec![item(tx.trunc().to_i64().unwrap_or(0), 18, 0)];
            amended.val = val(&amended.itms[0]);
            amended.oinum = Some(orig.inum.clone());
            amended.oidt = Some(orig.idt.clone());
            s.expa = vec![ExpGroup {
                exp_typ: "WPAY".into(),
                inv: vec![amended],
            }];
        }
        if p == nov24 {
            let on = &book.gstr1[&oct24].exp[0].inv[0];
            s.cdnur = vec![note(
                "CN/24/0001",
                date_in(p, 12),
                "C",
                Some("EXPWP"),
                None,
                item(50_000, 18, 0),
                on,
            )];
        }
        if p == jan25 {
            let orig = &book.gstr1[&nov24].cdnur[0];
            let mut a = orig.clone();
            a.itms = vec![NumberedItem {
                num: 1,
                itm_det: item(30_000, 18, 0),
            }];
            a.val = val(&a.itms[0].itm_det);
            a.ont_num = Some(orig.nt_num.clone());
            a.ont_dt = Some(orig.nt_dt.clone());
            s.cdnura = vec![a];
        }
        if p == feb25 {
            let dec = ReturnPeriod::new(2024, 12).expect("valid");
            let on = &book.gstr1[&dec].b2b[0].inv[0];
            let on = ExpInvoice {
                inum: on.inum.clone(),
                idt: on.idt.clone(),
                ..Default::default()
            };
            s.cdnr = vec![NoteParty {
                ctin: sez.clone(),
                nt: vec![note(
                    "DN/25/0001",
                    date_in(p, 8),
                    "D",
                    None,
                    Some("SEWP"),
                    item(20_000, 18, 0),
                    &on,
                )],
            }];
        }
        if p == mar25 {
            seq += 1;
            let idt = date_in(p, 27);
            let it = item(300_000, 18, 0);
            book.gstr1a.insert(
                p,
                Gstr1Sections {
                    exp: vec![ExpGroup {
                        exp_typ: "WPAY".into(),
                        inv: vec![ExpInvoice {
                            inum: format!("EXP/25/{seq:04}"),
                            idt: fmt_dash(idt),
                            val: val(&it),
                            sbnum: Some(format!("{}", 1_000_000 + rng.below(8_999_999))),
                            sbdt: Some(fmt_dash(idt + Duration::days(1))),
                            sbpcode: Some("INNSA1".into()),
                            itms: vec![it],
                            ..Default::default()
                        }],
                    }],
                    ..Default::default()
                },
            );
        }
        book.gstr1.insert(p, s);

        // 3.1(b): this period's export liability as the ledger rule counts it.
        let (mut igst, cess) = period_debit(&book, p);
        if p == aug24 {
            igst -= AUG_2024_SHORT_PAISE;
        } else if p == oct24 {
            igst += AUG_2024_SHORT_PAISE;
        }
        if p == last_filed && p > oct24 {
            igst -= igst / 10;
        }
        let txval = zero_rated_txval(&book.gstr1[&p]) + book.gstr1a.get(&p).map(zero_rated_txval).unwrap_or(0);
        book.gstr3b.insert(p, r3b(gstin, p, txval, igst, cess));
        p = p.next();
    }
    book
}

/// The debit period `p`'s GSTR-1 and GSTR-1A put on the ledger, in paise, by the crate's own
/// rule over everything generated so far (so 3.1(b) can pay exactly that).
fn period_debit(book: &ReturnsBook, p: ReturnPeriod) -> (i64, i64) {
    use crate::domain::export_ledger::{PeriodReturns, compute};
    let all: Vec<PeriodReturns> = book
        .gstr1
        .range(..=p)
        .map(|(q, s)| PeriodReturns {
            period: *q,
            gstr1: Some(s.clone()),
            gstr1a: book.gstr1a.get(q).cloned(),
            gstr3b: None,
        })
        .collect();
    let b = compute(&all).breakup.last().map(|b| b.debit()).unwrap_or_default();
    let paise = |m: crate::domain::Money| (m.0 * rust_decimal::Decimal::from(100)).round().to_i64().unwrap_or(0);
    (paise(b.igst), paise(b.cess))
}

fn note(
    num: &str,
    dt: NaiveDate,
    ntty: &str,
    typ: Option<&str>,
    inv_typ: Option<&str>,
    it: ItemAmounts,
    on: &ExpInvoice,
) -> Note {
    Note {
        nt_num: num.into(),
        nt_dt: fmt_dash(dt),
        ntty: ntty.into(),
        typ: typ.map(Into::into),
        inv_typ: inv_typ.map(Into::into),
        val: val(&it),
        inum: Some(on.inum.clone()),
        idt: Some(on.idt.clone()),
        itms: vec![NumberedItem { num: 1, itm_det: it }],
        ..Default::default()
    }
}

/// Taxable value of the period's zero-rated supplies (exports with and without payment, SEZ
/// supplies with payment), in paise.
fn zero_rated_txval(s: &Gstr1Sections) -> i64 {
    let exp: crate::domain::Money = s
        .exp
        .iter()
        .flat_map(|g| &g.inv)
        .flat_map(|i| &i.itms)
        .map(|i| i.txval)
        .sum();
    let sez: crate::domain::Money = s
        .b2b
        .iter()
        .flat_map(|p| &p.inv)
        .flat_map(|i| &i.itms)
        .map(|i| i.itm_det.txval)
        .sum();
    ((exp + sez).0 * rust_decimal::Decimal::from(100))
        .round()
        .to_i64()
        .unwrap_or(0)
}

fn r3b(gstin: &str, p: ReturnPeriod, txval_paise: i64, igst_paise: i64, cess_paise: i64) -> Gstr3bDetails {
    let mut d = Gstr3bDetails {
        gstin: gstin.into(),
        ret_period: p.wire(),
        ..Default::default()
    };
    let z = &mut d.sup_details.osup_zero;
    z.txval = money(txval_paise);
    z.iamt = money(igst_paise);
    z.csamt = money(cess_paise);
    z.camt = Some(money(0));
    z.samt = Some(money(0));
    d
}

fn path_period(year: &str, month: &str) -> Option<ReturnPeriod> {
    if year.len() != 4 || !(1..=2).contains(&month.len()) {
        return None;
    }
    ReturnPeriod::new(year.parse().ok()?, month.parse().ok()?).ok()
}

fn section_payload(s: &Gstr1Sections, section: &str) -> Option<serde_json::Value> {
    let v = match section {
        "exp" => serde_json::to_value(&s.exp),
        "expa" => serde_json::to_value(&s.expa),
        "b2b" => serde_json::to_value(&s.b2b),
        "b2ba" => serde_json::to_value(&s.b2ba),
        "cdnr" => serde_json::to_value(&s.cdnr),
        "cdnra" => serde_json::to_value(&s.cdnra),
        "cdnur" => serde_json::to_value(&s.cdnur),
        "cdnura" => serde_json::to_value(&s.cdnura),
        _ => return None,
    }
    .expect("sections serialise");
    Some(v)
}

async fn section(
    sim: Arc<Sim>,
    h: HeaderMap,
    amendment_form: bool,
    (sec, year, month): (String, String, String),
) -> Response {
    sim.returns_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let sec = sec.to_ascii_lowercase();
    if !GSTR1_SECTIONS.contains(&sec.as_str()) {
        return reply::gstn_error(
            BAD_SECTION,
            &format!(
                "Section {sec:?} is not served; expected one of {}",
                GSTR1_SECTIONS.join(", ")
            ),
        );
    }
    let Some(p) = path_period(&year, &month) else {
        return reply::gstn_error(
            BAD_SECTION,
            &format!("Invalid return period {year}/{month}: expected YYYY/MM"),
        );
    };
    let book = &sim.taxpayers[t].returns;
    let docs = if amendment_form { &book.gstr1a } else { &book.gstr1 };
    match docs.get(&p).and_then(|s| section_payload(s, &sec)) {
        Some(v) if v.as_array().is_some_and(|a| !a.is_empty()) => reply::ok(json!({ sec: v })),
        _ => reply::gstn_error(NO_DOCUMENT.0, NO_DOCUMENT.1),
    }
}

/// `GET …/gstrs/gstr-1/{section}/{year}/{month}`.
pub(crate) async fn gstr1_section(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path(p): Path<(String, String, String)>,
) -> Response {
    section(sim, h, false, p).await
}

/// `GET …/gstrs/gstr-1a/{section}/{year}/{month}`.
pub(crate) async fn gstr1a_section(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path(p): Path<(String, String, String)>,
) -> Response {
    section(sim, h, true, p).await
}

/// How the simulator answers the GSTR-1 / GSTR-1A summary (a test switch, [`Served`] by default).
///
/// [`Served`]: SummaryMode::Served
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SummaryMode {
    /// `sec_sum` consistent with the sections served.
    Served = 0,
    /// Refused with a GSTN error (as a portal without the summary would).
    Refused = 1,
    /// A 200 whose payload has no `sec_sum` (a shape gstdash does not know).
    Unrecognised = 2,
}

impl SummaryMode {
    pub(crate) fn from_u8(v: u8) -> SummaryMode {
        match v {
            1 => SummaryMode::Refused,
            2 => SummaryMode::Unrecognised,
            _ => SummaryMode::Served,
        }
    }
}

/// *sim*: the code a refused summary answers with.
pub const SUMMARY_REFUSED: (&str, &str) = ("RET191106", "Summary is not available for the return period");

/// One `sec_sum` entry of `section` (GSTN's GSTR-1 summary): the documents the section
/// serves and their totals, so the summary agrees with the section calls.
fn summary_entry(s: &Gstr1Sections, section: &str) -> serde_json::Value {
    use crate::domain::Money;
    let sum_items = |items: &mut dyn Iterator<Item = &ItemAmounts>| {
        let (mut tax, mut igst, mut cess) = (Money::ZERO, Money::ZERO, Money::ZERO);
        for i in items {
            tax += i.txval;
            igst += i.iamt;
            cess += i.csamt;
        }
        (tax, igst, cess)
    };
    let (rec, val, (tax, igst, cess)) = match section {
        "exp" | "expa" => {
            let g = if section == "exp" { &s.exp } else { &s.expa };
            let inv: Vec<&ExpInvoice> = g.iter().flat_map(|g| &g.inv).collect();
            (
                inv.len(),
                inv.iter().map(|i| i.val).sum::<Money>(),
                sum_items(&mut inv.iter().flat_map(|i| &i.itms)),
            )
        }
        "b2b" | "b2ba" => {
            let p = if section == "b2b" { &s.b2b } else { &s.b2ba };
            let inv: Vec<&B2bInvoice> = p.iter().flat_map(|p| &p.inv).collect();
            (
                inv.len(),
                inv.iter().map(|i| i.val).sum(),
                sum_items(&mut inv.iter().flat_map(|i| &i.itms).map(|n| &n.itm_det)),
            )
        }
        _ => {
            let notes: Vec<&Note> = match section {
                "cdnr" => s.cdnr.iter().flat_map(|p| &p.nt).collect(),
                "cdnra" => s.cdnra.iter().flat_map(|p| &p.nt).collect(),
                "cdnur" => s.cdnur.iter().collect(),
                _ => s.cdnura.iter().collect(),
            };
            (
                notes.len(),
                notes.iter().map(|n| n.val).sum(),
                sum_items(&mut notes.iter().flat_map(|n| &n.itms).map(|n| &n.itm_det)),
            )
        }
    };
    json!({
        "sec_nm": section.to_ascii_uppercase(),
        "chksum": format!("{:016x}", rec as u64 * 0x9e37_79b9 + 7),
        "ttl_rec": rec,
        "ttl_val": val,
        "ttl_tax": tax,
        "ttl_igst": igst,
        "ttl_cgst": 0,
        "ttl_sgst": 0,
        "ttl_cess": cess,
    })
}

async fn summary(sim: Arc<Sim>, h: HeaderMap, amendment_form: bool, (year, month): (String, String)) -> Response {
    sim.returns_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sim.summary_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(p) = path_period(&year, &month) else {
        return reply::gstn_error(
            BAD_SECTION,
            &format!("Invalid return period {year}/{month}: expected YYYY/MM"),
        );
    };
    match sim.summary_mode() {
        SummaryMode::Served => {}
        SummaryMode::Refused => return reply::gstn_error(SUMMARY_REFUSED.0, SUMMARY_REFUSED.1),
        SummaryMode::Unrecognised => {
            return reply::ok(json!({ "ret_period": p.wire(), "summary": "table-wise totals are in the Excel" }));
        }
    }
    let book = &sim.taxpayers[t].returns;
    let docs = if amendment_form { &book.gstr1a } else { &book.gstr1 };
    // Like the sections: a period without documents answers "no document".
    let Some(s) = docs.get(&p).filter(|s| !s.is_empty()) else {
        return reply::gstn_error(NO_DOCUMENT.0, NO_DOCUMENT.1);
    };
    // Every section of ours, with 0 records where empty (GSTN lists them), then sections the
    // export ledger does not read.
    let mut sec_sum: Vec<serde_json::Value> = GSTR1_SECTIONS.iter().map(|sec| summary_entry(s, sec)).collect();
    sec_sum.push(json!({ "sec_nm": "B2CS", "ttl_rec": 0, "ttl_val": 0, "ttl_tax": 0, "ttl_igst": 0, "ttl_cess": 0 }));
    sec_sum.push(json!({ "sec_nm": "DOC_ISSUE", "ttl_doc_issued": 0, "ttl_doc_cancelled": 0, "net_doc_issued": 0 }));
    reply::ok(json!({
        "gstin": sim.taxpayers[t].info.gstin,
        "ret_period": p.wire(),
        "summ_typ": "L",
        "sec_sum": sec_sum,
    }))
}

/// `GET …/gstrs/gstr-1/{year}/{month}`: the GSTR-1 summary.
pub(crate) async fn gstr1_summary(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path(p): Path<(String, String)>,
) -> Response {
    summary(sim, h, false, p).await
}

/// `GET …/gstrs/gstr-1a/{year}/{month}`: the GSTR-1A summary.
pub(crate) async fn gstr1a_summary(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path(p): Path<(String, String)>,
) -> Response {
    summary(sim, h, true, p).await
}

/// `GET …/gstrs/gstr-3b/{year}/{month}`.
pub(crate) async fn gstr3b(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
) -> Response {
    sim.returns_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let Some(p) = path_period(&year, &month) else {
        return reply::gstn_error(
            BAD_SECTION,
            &format!("Invalid return period {year}/{month}: expected YYYY/MM"),
        );
    };
    match sim.taxpayers[t].returns.gstr3b.get(&p) {
        Some(d) => reply::ok_of(d),
        None => reply::gstn_error(R1_NOT_FILED.0, R1_NOT_FILED.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export_ledger::{PeriodReturns, compute};

    #[test]
    fn exporter_goes_negative_in_august_and_clears_in_october() {
        let last = ReturnPeriod::new(2025, 9).unwrap();
        let b = generate_returns(42, 0, "27AAKCA4821K1ZX", last);
        let periods: Vec<PeriodReturns> = b
            .gstr1
            .keys()
            .map(|p| PeriodReturns {
                period: *p,
                gstr1: b.gstr1.get(p).cloned(),
                gstr1a: b.gstr1a.get(p).cloned(),
                gstr3b: b.gstr3b.get(p).cloned(),
            })
            .collect();
        let l = compute(&periods);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let aug = ReturnPeriod::new(2024, 8).unwrap();
        assert_eq!(l.spells[0].from, aug);
        assert_eq!(l.spells[0].cleared_in, Some(ReturnPeriod::new(2024, 10).unwrap()));
        assert_eq!(l.spells[0].worst.igst, money(-AUG_2024_SHORT_PAISE));
        let s = l.shortfall.expect("short in the last period");
        assert_eq!(s.blocked_from, last);
        assert!(s.pay.igst > crate::domain::Money::ZERO);
        assert!(!b.gstr1[&ReturnPeriod::new(2024, 9).unwrap()].expa.is_empty());
        // Non-exporters: zero 3.1(b), no sections.
        let other = generate_returns(42, 1, "33ACPFS7134M1Z0", last);
        assert!(other.gstr1.is_empty());
        assert!(other.gstr3b.values().all(|d| d.sup_details.osup_zero.iamt.is_zero()));
    }
}
