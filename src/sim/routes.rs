//! The router and the taxpayer data handlers: IMS (`api.md` §3), GSTR-2B regeneration (§5.2-5.3)
//! and ledgers (§6). Authentication lives in [`super::auth`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde_json::json;

use super::auth::{self, require_taxpayer};
use super::faults;
use super::reply;
use super::state::{JobWork, Sim, codes, gstr2b_available_from};
use crate::api::wire::{ReferenceId, path};
use crate::domain::ims::{Action, GoodsType, Section};
use crate::domain::period::{self, ReturnPeriod};

/// Largest request body accepted (the 4 MB other GSPs document for IMS; `api.md` §11).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Query parameters; a malformed query string gets a JSON 400 rather than axum's text.
pub(crate) struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|q| Params(q.0))
            .map_err(|e| reply::platform_error(400, &format!("Invalid query string: {e}")))
    }
}

/// A request body; too large or unreadable gets a JSON error.
pub(crate) struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        Bytes::from_request(req, state).await.map(Body).map_err(|e| {
            let status = e.status().as_u16();
            let msg = if status == 413 {
                "Request Entity Too Large".to_string()
            } else {
                e.body_text()
            };
            reply::platform_error(status, &msg)
        })
    }
}

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route(path::AUTHENTICATE, post(auth::authenticate))
        .route(path::OTP, post(auth::otp))
        .route(path::OTP_VERIFY, post(auth::otp_verify))
        .route(path::SESSION_REFRESH, post(auth::refresh))
        .route(path::LOGOUT, post(auth::logout))
        .route(path::IMS_COUNT, get(ims_count))
        .route(path::IMS_INVOICES, get(ims_invoices))
        .route(path::IMS_SAVE, post(ims_save))
        .route(path::IMS_RESET, post(ims_reset))
        .route(path::IMS_STATUS, get(ims_status))
        .route(&path::gstr2b_regenerate("{year}", "{month}"), post(gstr2b_regenerate))
        .route(path::GSTR2B_REGEN_STATUS, get(gstr2b_regen_status))
        .route(&path::gstr2b("{year}", "{month}"), get(super::gstr2b::document_handler))
        .route(&format!("{}/{{year}}/{{month}}", path::LEDGER_BAL), get(ledger_balance))
        .route(path::LEDGER_CASH, get(ledger_cash))
        .route(path::LEDGER_ITC, get(ledger_itc))
        .route(&format!("{}/{{year}}/{{month}}", path::LEDGER_TAX), get(ledger_tax))
        .route(
            &path::gstr1_section("{section}", "{year}", "{month}"),
            get(super::returns::gstr1_section),
        )
        .route(
            &path::gstr1a_section("{section}", "{year}", "{month}"),
            get(super::returns::gstr1a_section),
        )
        .route(
            &path::gstr1_summary("{year}", "{month}"),
            get(super::returns::gstr1_summary),
        )
        .route(
            &path::gstr1a_summary("{year}", "{month}"),
            get(super::returns::gstr1a_summary),
        )
        .route(&path::gstr3b("{year}", "{month}"), get(super::returns::gstr3b))
        .route(&path::sales("{year}", "{month}"), get(super::outward::sales_handler))
        .route(
            &path::added_back("{year}", "{month}"),
            get(super::outward::added_back_handler),
        )
        .fallback(|| async { reply::platform_error(404, "Not Found") })
        .method_not_allowed_fallback(|| async { reply::platform_error(405, "Method Not Allowed") })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(sim.clone(), faults::middleware))
        .with_state(sim)
}

macro_rules! taxpayer {
    ($sim:expr, $h:expr) => {
        match require_taxpayer(&$sim, &$h) {
            Ok(t) => t,
            Err(r) => return r,
        }
    };
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn missing(name: &str) -> Response {
    reply::platform_error(400, &format!("Missing required query parameter: {name}"))
}

// ---- IMS -------------------------------------------------------------------------------------

/// `GET …/invoices/count?type_of_goods=others|inward_supplies|imports` (default `others`).
async fn ims_count(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    let raw = param(&q, "type_of_goods").unwrap_or("others");
    let Some(goods) = GoodsType::ALL.into_iter().find(|g| g.query().eq_ignore_ascii_case(raw)) else {
        return reply::gstn_error(
            codes::BAD_GOODS,
            &format!("Invalid type_of_goods {raw:?}; expected others, inward_supplies or imports"),
        );
    };
    let group = sim.taxpayers[t].ims.read().expect("ims lock").counts(goods);
    reply::ok(json!({ goods.group_key(): group.to_value() }))
}

/// `GET …/invoices?section=…[&status=…]`. The section may be the query value (`CN`), the
/// response key (`b2bcn`) or the short forms the domain parser knows, in any case.
async fn ims_invoices(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    let Some(raw) = param(&q, "section") else {
        return missing("section");
    };
    let section = match Section::parse(raw) {
        Ok(s) if s.api_actionable() => s,
        _ => {
            return reply::gstn_error(
                codes::BAD_SECTION,
                &format!("Invalid section {raw:?}; expected one of B2B, B2BA, CN, CNA, DN, DNA, ECOM, ECOMA"),
            );
        }
    };
    let status = match param(&q, "status") {
        None => None,
        Some(s) => match ["no_action_taken", "accepted", "rejected", "pending"]
            .iter()
            .position(|v| v.eq_ignore_ascii_case(s))
        {
            Some(i) => Some(Action::KNOWN[i].clone()),
            None => {
                return reply::gstn_error(
                    codes::BAD_STATUS,
                    &format!("Invalid status {s:?}; expected accepted, rejected, pending or no_action_taken"),
                );
            }
        },
    };
    // Serialising 100k records takes a while: keep it off the async workers.
    let job = tokio::task::spawn_blocking(move || {
        let book = sim.taxpayers[t].ims.read().expect("ims lock");
        let idx = book.select(section, status.as_ref());
        reply::invoices_body(section, idx.iter().map(|i| book.record(*i)), idx.len())
    });
    match job.await {
        Ok(bytes) => reply::json_bytes(200, bytes),
        Err(_) => reply::platform_error(500, "Internal Server Error"),
    }
}

async fn submit_save(sim: Arc<Sim>, h: HeaderMap, body: Bytes, reset: bool) -> Response {
    let t = taxpayer!(sim, h);
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return reply::platform_error(400, "Request body is not valid JSON");
    }
    let id = sim.submit(
        t,
        JobWork::Save {
            body: body.to_vec(),
            reset,
        },
    );
    reply::ok_of(&ReferenceId { reference_id: id })
}

/// `POST …/invoices/status/save`: accepted at once, processed after `save_processing_ms`.
async fn ims_save(State(sim): State<Arc<Sim>>, h: HeaderMap, Body(body): Body) -> Response {
    submit_save(sim, h, body, false).await
}

/// `POST …/invoices/status/reset`.
async fn ims_reset(State(sim): State<Arc<Sim>>, h: HeaderMap, Body(body): Body) -> Response {
    submit_save(sim, h, body, true).await
}

/// `GET …/invoices/status?reference_id=…`.
async fn ims_status(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    let Some(id) = param(&q, "reference_id") else {
        return missing("reference_id");
    };
    match sim.job_status(t, id, false) {
        Some(v) => reply::ok(v),
        None => reply::gstn_error(codes::NO_TRANSACTION.0, codes::NO_TRANSACTION.1),
    }
}

// ---- GSTR-2B -----------------------------------------------------------------------------------

fn path_period(year: &str, month: &str) -> Option<ReturnPeriod> {
    if year.len() != 4 || !(1..=2).contains(&month.len()) {
        return None;
    }
    ReturnPeriod::new(year.parse().ok()?, month.parse().ok()?).ok()
}

/// `POST …/gstrs/gstr-2b/{year}/{month}/regenerate`.
async fn gstr2b_regenerate(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
) -> Response {
    let t = taxpayer!(sim, h);
    let current = ReturnPeriod::of_date(sim.today());
    let filed = codes::REGEN_FILED;
    let Some(p) = path_period(&year, &month) else {
        return reply::gstn_error(filed.0, filed.1);
    };
    if p < super::data::ims_start() || p > current || sim.gstr3b_filed(p) {
        return reply::gstn_error(filed.0, filed.1);
    }
    let from = gstr2b_available_from(p);
    if sim.today() < from {
        return reply::gstn_error(
            codes::REGEN_TOO_EARLY,
            &format!("Kindly generate 2b after {}", period::fmt_slash(from)),
        );
    }
    let id = sim.submit(t, JobWork::Regen);
    reply::ok_of(&ReferenceId { reference_id: id })
}

/// `GET …/gstrs/gstr-2b/regenerate?reference_id=…`.
async fn gstr2b_regen_status(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    let Some(id) = param(&q, "reference_id") else {
        return missing("reference_id");
    };
    match sim.job_status(t, id, true) {
        Some(v) => reply::ok(v),
        None => reply::gstn_error(codes::NO_TRANSACTION.0, codes::NO_TRANSACTION.1),
    }
}

// ---- Ledgers -----------------------------------------------------------------------------------

/// `from`/`to` (`DD/MM/YYYY`), checked in GSTN's order: format, not after today, from ≤ to.
fn date_range(sim: &Sim, q: &HashMap<String, String>) -> Result<(NaiveDate, NaiveDate), Response> {
    let parse = |name: &str| {
        let raw = param(q, name).unwrap_or("");
        period::parse_date(raw, period::DATE_SLASH).map_err(|_| {
            reply::gstn_error(
                codes::BAD_DATE,
                &format!("Invalid {name} date {raw:?}: expected DD/MM/YYYY"),
            )
        })
    };
    let (from, to) = (parse("from")?, parse("to")?);
    if to > sim.today() {
        return Err(reply::gstn_error(codes::TO_DATE_FUTURE.0, codes::TO_DATE_FUTURE.1));
    }
    if from > to {
        return Err(reply::gstn_error(codes::FROM_AFTER_TO.0, codes::FROM_AFTER_TO.1));
    }
    Ok((from, to))
}

fn ledger_period(sim: &Sim, year: &str, month: &str) -> Result<ReturnPeriod, Response> {
    let bad = |why: &str| reply::gstn_error(codes::BAD_PERIOD, why);
    let p = path_period(year, month)
        .ok_or_else(|| bad(&format!("Invalid return period {year}/{month}: expected YYYY/MM")))?;
    if p > ReturnPeriod::of_date(sim.today()) {
        return Err(bad(&format!("Return period {} is in the future", p.wire())));
    }
    Ok(p)
}

/// `GET …/ledgers/bal/{year}/{month}`: balances at the end of the period, or today for the
/// current one.
async fn ledger_balance(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
) -> Response {
    let t = taxpayer!(sim, h);
    let p = match ledger_period(&sim, &year, &month) {
        Ok(p) => p,
        Err(r) => return r,
    };
    reply::ok_of(&sim.taxpayers[t].ledgers.balance(p.last_day().min(sim.today())))
}

/// `GET …/ledgers/cash?from&to`.
async fn ledger_cash(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    match date_range(&sim, &q) {
        Ok((from, to)) => reply::ok_of(&sim.taxpayers[t].ledgers.cash_ledger(from, to)),
        Err(r) => r,
    }
}

/// `GET …/ledgers/itc?from&to`: `{itcLdgDtls, provCrdBalList}`.
async fn ledger_itc(State(sim): State<Arc<Sim>>, h: HeaderMap, Params(q): Params) -> Response {
    let t = taxpayer!(sim, h);
    match date_range(&sim, &q) {
        Ok((from, to)) => reply::ok_of(&sim.taxpayers[t].ledgers.itc_ledger(from, to)),
        Err(r) => r,
    }
}

/// `GET …/ledgers/tax/{year}/{month}?from&to`. The path period must be valid and not in the
/// future; the entries are those dated within `from`..`to` (`api.md` §6.4 leaves the path's
/// role open, so a client that sends "the period the range falls in" sees the same data).
async fn ledger_tax(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Path((year, month)): Path<(String, String)>,
    Params(q): Params,
) -> Response {
    let t = taxpayer!(sim, h);
    if let Err(r) = ledger_period(&sim, &year, &month) {
        return r;
    }
    match date_range(&sim, &q) {
        Ok((from, to)) => reply::ok_of(&sim.taxpayers[t].ledgers.liability_ledger(from, to)),
        Err(r) => r,
    }
}
