//! GSTR-2B documents (`api.md` §5.1), built from the simulator's IMS state so they agree with
//! what Get Invoices returns: the 2B of period P holds the documents whose supplier period is
//! P, that the supplier filed and the recipient has not rejected, grouped by supplier with
//! the supplier's trade name. Large documents are paginated like GSTN's: a first answer with
//! `fc` files and no `docdata`, then `file_number=1..=fc`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::auth::require_taxpayer;
use super::data::{ImsBook, money};
use super::reply;
use super::state::{Sim, gstr2b_available_from};
use crate::api::wire::{
    Gstr2bDoc, Gstr2bDocData, Gstr2bEnvelope, Gstr2bInvoice, Gstr2bItem, Gstr2bNote, Gstr2bSupplier,
};
use crate::domain::ims::{Action, Section};
use crate::domain::period::ReturnPeriod;

/// Documents per data file: a 2B with more is paginated.
pub const FILE_DOCS: usize = 500;

pub(crate) const NOT_AVAILABLE: &str = "RET2B1023";
pub(crate) const NO_DETAILS: (&str, &str) = ("RET2B1016", "For current tax period, no details are available to view.");

/// Which 2B list a section's documents go to.
fn list(section: Section) -> Option<usize> {
    Some(match section {
        Section::B2b => 0,
        Section::B2ba => 1,
        Section::B2bCn | Section::B2bDn => 2,
        Section::B2bCna | Section::B2bDna => 3,
        Section::Ecom => 4,
        Section::Ecoma => 5,
        _ => return None,
    })
}

fn lists(d: &mut Gstr2bDocData) -> [&mut Vec<Gstr2bSupplier>; 6] {
    [
        &mut d.b2b,
        &mut d.b2ba,
        &mut d.cdnr,
        &mut d.cdnra,
        &mut d.ecom,
        &mut d.ecoma,
    ]
}

/// Supplier groups of period `p`, in list order then supplier order: (list, group).
pub(crate) fn groups(book: &ImsBook, p: ReturnPeriod) -> Vec<(usize, Gstr2bSupplier)> {
    let mut by: HashMap<(usize, u16), Gstr2bSupplier> = HashMap::new();
    let filed_on = {
        let n = p.next();
        format!("11-{:02}-{}", n.month(), n.year())
    };
    for (i, r) in book.recs.iter().enumerate() {
        if r.period() != p || !r.filed || r.action() == Action::Rejected {
            continue;
        }
        let Some(l) = list(r.section) else { continue };
        let rec = book.record(i);
        let sup = &book.suppliers[r.supplier as usize];
        let g = by.entry((l, r.supplier)).or_insert_with(|| Gstr2bSupplier {
            ctin: sup.gstin.clone(),
            trdnm: sup.trade_name.clone(),
            supfildt: filed_on.clone(),
            supprd: p.wire(),
            inv: vec![],
            nt: vec![],
        });
        let item = Gstr2bItem {
            num: 1,
            rt: money(r.rate() as i64 * 100),
            txval: rec.txval,
            igst: rec.iamt,
            cgst: rec.camt,
            sgst: rec.samt,
            cess: rec.cess,
        };
        let rev = "N".to_string();
        let itcavl = if rec.pos.is_empty() { "N" } else { "Y" }.to_string();
        if r.section.is_note() {
            g.nt.push(Gstr2bNote {
                ntnum: rec.nt_num.clone().unwrap_or_default(),
                typ: if r.section.is_credit_note() { "C" } else { "D" }.into(),
                suptyp: rec.inv_typ.clone().unwrap_or_else(|| "R".into()),
                dt: rec.nt_dt.clone().unwrap_or_default(),
                val: rec.val,
                pos: rec.pos.clone(),
                rev,
                itcavl,
                rsn: String::new(),
                onttyp: rec
                    .ont_num
                    .as_ref()
                    .map(|_| if r.section.is_credit_note() { "C" } else { "D" }.into()),
                ontnum: rec.ont_num.clone(),
                ontdt: rec.ont_dt.clone(),
                items: vec![item],
            });
        } else {
            g.inv.push(Gstr2bInvoice {
                inum: rec.inum.clone().unwrap_or_default(),
                dt: rec.idt.clone().unwrap_or_default(),
                val: rec.val,
                pos: rec.pos.clone(),
                rev,
                itcavl,
                rsn: String::new(),
                typ: rec.inv_typ.clone().unwrap_or_else(|| "R".into()),
                oinum: rec.oinum.clone(),
                oidt: rec.oidt.clone(),
                items: vec![item],
            });
        }
    }
    let mut out: Vec<((usize, u16), Gstr2bSupplier)> = by.into_iter().collect();
    out.sort_by_key(|(k, _)| *k);
    out.into_iter().map(|((l, _), g)| (l, g)).collect()
}

/// The groups cut into data files of about [`FILE_DOCS`] documents (a supplier group is
/// never split).
pub(crate) fn files(groups: Vec<(usize, Gstr2bSupplier)>) -> Vec<Gstr2bDocData> {
    let mut out = vec![];
    let mut cur = Gstr2bDocData::default();
    let mut n = 0;
    for (l, g) in groups {
        if n >= FILE_DOCS {
            out.push(std::mem::take(&mut cur));
            n = 0;
        }
        n += g.inv.len() + g.nt.len();
        lists(&mut cur)[l].push(g);
    }
    if n > 0 || out.is_empty() {
        out.push(cur);
    }
    out
}

/// `GET …/gstrs/gstr-2b/{year}/{month}[?file_number=N]`.
pub(crate) async fn document_handler(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let t = match require_taxpayer(&sim, &h) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let period = match (year.parse::<i32>(), month.parse::<u32>()) {
        (Ok(y), Ok(m)) if year.len() == 4 => ReturnPeriod::new(y, m).ok(),
        _ => None,
    };
    let current = ReturnPeriod::of_date(sim.today());
    let Some(p) = period.filter(|p| *p >= super::data::ims_start() && *p <= current) else {
        return reply::gstn_error(NO_DETAILS.0, NO_DETAILS.1);
    };
    let from = gstr2b_available_from(p);
    if sim.today() < from {
        return reply::gstn_error(
            NOT_AVAILABLE,
            &format!(
                "GSTR-2B is being generated and should be available by {}. Either you do not have any records in GSTR-2B or the generation is still in progress.",
                crate::domain::period::fmt_slash(from)
            ),
        );
    }
    let file_number = match q.get("file_number").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => return reply::platform_error(400, &format!("file_number {s:?}: expected 1..fc")),
        },
    };
    let gstin = sim.taxpayers[t].info.gstin.clone();
    let sim2 = sim.clone();
    let files = tokio::task::spawn_blocking(move || {
        let book = sim2.taxpayers[t].ims.read().expect("ims lock");
        files(groups(&book, p))
    })
    .await
    .expect("2B builder panicked");
    let gendt = from.format("%d-%m-%Y").to_string();
    let file_count = files.len();
    let paginated = file_count > 1;
    let docdata = match (file_number, paginated) {
        (None, false) => files.into_iter().next(),
        (None, true) => None,
        (Some(n), _) if n <= file_count => files.into_iter().nth(n - 1),
        (Some(n), _) => {
            return reply::platform_error(400, &format!("file_number {n} is beyond the file count {file_count}"));
        }
    };
    let documents = docdata.as_ref().map_or(0, |d| d.documents());
    let doc = Gstr2bEnvelope {
        chksum: Some(format!(
            "{:016x}",
            crate::sim::rng::mix(p.wire().parse::<u64>().unwrap_or(0) ^ documents as u64)
        )),
        data: Gstr2bDoc {
            gstin,
            rtnprd: p.wire(),
            version: "1.0".into(),
            gendt,
            fc: paginated.then_some(file_count as u32),
            docdata,
        },
    };
    reply::ok_of(&doc)
}
