//! The supplier view (`api.md` §4): Get Sales Invoices and the added-back liabilities.
//!
//! **How the simulator links the demo taxpayers.** Each demo taxpayer `T` plays supplier
//! number `T` in every *other* demo taxpayer's IMS book (so Acme Traders is supplier #0 of
//! Sundaram Textiles and of Ganga Agro, and so on). `T`'s sales for a period are those
//! suppliers' records of that period in the other books, with the recipient (`ctin`) being the
//! book's owner and `imsactn` the recipient's current action, so a rejection saved by a
//! recipient shows at once in the supplier's view. (The records keep the generated supplier's
//! GSTIN as `stin` on the recipient side; the simulator does not rewrite them.)
//!
//! Added-back liabilities of `T` for a period: the rejected amendments and credit/debit notes
//! (`b2ba`, `cdnr`, `cdnra`) among those records; none → `IMS0027`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rust_decimal::Decimal;

use super::auth::require_taxpayer;
use super::reply;
use super::state::Sim;
use crate::domain::export_ledger::{ItemAmounts, NumberedItem};
use crate::domain::ims::{Action, ImsRecord, Section};
use crate::domain::outward::{
    AddedBack, AddedBackRecord, SalesDoc, SalesForm, SalesInvoice, SalesNote, SalesNoteParty, SalesParty,
};
use crate::domain::period::ReturnPeriod;

pub const NO_ADDED_BACK: (&str, &str) = (
    "IMS0027",
    "No added back liability records available for the selected input criteria",
);
/// *sim*: a malformed period in the path.
pub const BAD_PERIOD: &str = "IMS0004";

const SECTIONS: [Section; 6] = [
    Section::B2b,
    Section::B2ba,
    Section::B2bCn,
    Section::B2bDn,
    Section::B2bCna,
    Section::B2bDna,
];

/// `(recipient GSTIN, section, record)` of supplier `t` in period `p`.
fn sales_records(sim: &Sim, t: usize, p: ReturnPeriod) -> Vec<(String, Section, ImsRecord)> {
    let mut out = vec![];
    let wire = p.wire();
    for (_, book) in sim.taxpayers.iter().enumerate().filter(|(u, _)| *u != t) {
        let b = book.ims.read().expect("ims lock");
        let Some(sup) = b.suppliers.get(t) else { continue };
        let stin = sup.gstin.clone();
        for s in SECTIONS {
            for i in b.select(s, None) {
                let r = b.record(i);
                if r.stin == stin && r.rtnprd == wire {
                    out.push((book.info.gstin.clone(), s, r));
                }
            }
        }
    }
    out
}

fn item(r: &ImsRecord) -> NumberedItem {
    let tax = r.iamt.0 + r.camt.0 + r.samt.0;
    let rt = if r.txval.is_zero() {
        Decimal::ZERO
    } else {
        (tax * Decimal::from(100) / r.txval.0).round()
    };
    NumberedItem {
        num: 1,
        itm_det: ItemAmounts {
            rt: rt.into(),
            txval: r.txval,
            iamt: r.iamt,
            camt: Some(r.camt),
            samt: Some(r.samt),
            csamt: r.cess,
        },
    }
}

fn actn(r: &ImsRecord) -> Option<String> {
    (r.action != Action::NoAction).then(|| r.action.code().to_string())
}

fn party<T>(v: &mut Vec<T>, ctin: &str, make: impl FnOnce() -> T, get: impl Fn(&T) -> &str) -> usize {
    match v.iter().position(|x| get(x) == ctin) {
        Some(i) => i,
        None => {
            v.push(make());
            v.len() - 1
        }
    }
}

pub(crate) fn sales(sim: &Sim, t: usize, p: ReturnPeriod) -> SalesDoc {
    let mut r1 = SalesForm::default();
    let mut r1a = SalesForm::default();
    // Every demo taxpayer files GSTR-3B on the same calendar.
    let filed = if sim.gstr3b_filed(p) { "Y" } else { "N" };
    for (ctin, s, r) in sales_records(sim, t, p) {
        let f = if r.srcform.eq_ignore_ascii_case("R1A") {
            &mut r1a
        } else {
            &mut r1
        };
        match s {
            Section::B2b | Section::B2ba => {
                let list = if s == Section::B2b { &mut f.b2b } else { &mut f.b2ba };
                let i = party(
                    list,
                    &ctin,
                    || SalesParty {
                        ctin: ctin.clone(),
                        cfs: Some(filed.into()),
                        inv: vec![],
                    },
                    |x| &x.ctin,
                );
                list[i].inv.push(SalesInvoice {
                    inum: r.inum.clone().unwrap_or_default(),
                    idt: r.idt.clone().unwrap_or_default(),
                    val: r.val,
                    pos: r.pos.clone(),
                    inv_typ: r.inv_typ.clone().unwrap_or_else(|| "R".into()),
                    oinum: r.oinum.clone(),
                    oidt: r.oidt.clone(),
                    itms: vec![item(&r)],
                    imsactn: actn(&r),
                });
            }
            _ => {
                let amended = matches!(s, Section::B2bCna | Section::B2bDna);
                let list = if amended { &mut f.cdnra } else { &mut f.cdnr };
                let i = party(
                    list,
                    &ctin,
                    || SalesNoteParty {
                        ctin: ctin.clone(),
                        cfs: Some(filed.into()),
                        nt: vec![],
                    },
                    |x| &x.ctin,
                );
                let credit = matches!(s, Section::B2bCn | Section::B2bCna);
                list[i].nt.push(SalesNote {
                    nt_num: r.nt_num.clone().or(r.inum.clone()).unwrap_or_default(),
                    nt_dt: r.nt_dt.clone().or(r.idt.clone()).unwrap_or_default(),
                    ntty: if credit { "C" } else { "D" }.into(),
                    val: r.val,
                    inv_typ: r.inv_typ.clone().unwrap_or_else(|| "R".into()),
                    ont_num: r.ont_num.clone(),
                    ont_dt: r.ont_dt.clone(),
                    itms: vec![item(&r)],
                    imsactn: actn(&r),
                });
            }
        }
    }
    let some = |f: SalesForm| (f != SalesForm::default()).then_some(f);
    SalesDoc {
        gstin: sim.taxpayers[t].info.gstin.clone(),
        rtnprd: p.wire(),
        gstr1: some(r1),
        gstr1a: some(r1a),
    }
}

pub(crate) fn added_back(sim: &Sim, t: usize, p: ReturnPeriod) -> AddedBack {
    let mut a = AddedBack {
        gstin: sim.taxpayers[t].info.gstin.clone(),
        rtnprd: p.wire(),
        ..Default::default()
    };
    for (ctin, s, r) in sales_records(sim, t, p) {
        if r.action != Action::Rejected {
            continue;
        }
        let trade = sim
            .taxpayers
            .iter()
            .find(|x| x.info.gstin == ctin)
            .map(|x| x.info.trade_name.clone());
        let rec = AddedBackRecord {
            ctin: Some(ctin.clone()),
            tradenm: trade,
            inv_typ: r.inv_typ.clone(),
            inum: r.inum.clone(),
            idt: r.idt.clone(),
            oinum: r.oinum.clone(),
            oidt: r.oidt.clone(),
            nt_num: r.nt_num.clone(),
            nt_dt: r.nt_dt.clone(),
            ntty: matches!(s, Section::B2bCn | Section::B2bCna | Section::B2bDn | Section::B2bDna).then(|| {
                if matches!(s, Section::B2bCn | Section::B2bCna) {
                    "C"
                } else {
                    "D"
                }
                .to_string()
            }),
            val: r.val,
            txval: r.txval,
            iamt: r.iamt,
            camt: r.camt,
            samt: r.samt,
            csamt: r.cess,
            sup_prd: r.rtnprd.clone(),
            form: if r.srcform.eq_ignore_ascii_case("R1A") {
                "R1A"
            } else {
                "R1"
            }
            .into(),
            remarks: None,
        };
        match s {
            Section::B2ba => a.records.b2ba.push(rec),
            Section::B2bCn | Section::B2bDn => a.records.cdnr.push(rec),
            Section::B2bCna | Section::B2bDna => a.records.cdnra.push(rec),
            _ => {}
        }
    }
    a
}

fn period(year: &str, month: &str) -> Result<ReturnPeriod, Response> {
    let bad = || {
        reply::gstn_error(
            BAD_PERIOD,
            &format!("Invalid return period {year}/{month}: expected YYYY/MM"),
        )
    };
    if year.len() != 4 || !(1..=2).contains(&month.len()) {
        return Err(bad());
    }
    ReturnPeriod::new(year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?).map_err(|_| bad())
}

/// `GET …/invoices/{year}/{month}/sales`.
pub(crate) async fn sales_handler(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
) -> Response {
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match period(&year, &month) {
        Ok(p) => reply::ok_of(&sales(&sim, t, p)),
        Err(r) => r,
    }
}

/// `GET …/invoices/added-back-liabilities/{year}/{month}`.
pub(crate) async fn added_back_handler(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
) -> Response {
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match period(&year, &month) {
        Ok(p) => {
            let a = added_back(&sim, t, p);
            if a.all().is_empty() {
                reply::gstn_error(NO_ADDED_BACK.0, NO_ADDED_BACK.1)
            } else {
                reply::ok_of(&a)
            }
        }
        Err(r) => r,
    }
}
