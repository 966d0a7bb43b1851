//! Response builders: every body is one of the envelopes of `api.md` §1.3, built with the
//! shared `wire` builders, with a fresh `timestamp` and `transaction_id`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::state::now_ms;
use crate::api::wire;
use crate::domain::ims::{ImsRecord, Section};

pub(crate) fn transaction_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn json_bytes(status: u16, bytes: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn json(status: u16, v: &Value) -> Response {
    json_bytes(status, serde_json::to_vec(v).expect("JSON serialises"))
}

/// `{code:200, data:{status_cd:"1", data: payload}, …}`.
pub(crate) fn ok(payload: Value) -> Response {
    json(200, &wire::envelope_ok(payload, &transaction_id(), now_ms()))
}

/// Like [`ok`] for any serialisable payload.
pub(crate) fn ok_of<T: Serialize>(payload: &T) -> Response {
    ok(serde_json::to_value(payload).expect("payload serialises"))
}

/// Auth endpoints: fields directly in `data`.
pub(crate) fn auth(data: Value) -> Response {
    json(200, &wire::envelope_auth(data, &transaction_id(), now_ms()))
}

/// GSTN business error: HTTP 200, `data.status_cd "0"`.
pub(crate) fn gstn_error(code: &str, message: &str) -> Response {
    json(
        200,
        &wire::envelope_gstn_error(code, message, &transaction_id(), now_ms()),
    )
}

/// Sandbox platform error: HTTP `status`, `{code, message, …}`.
pub(crate) fn platform_error(status: u16, message: &str) -> Response {
    json(
        status,
        &wire::envelope_platform_error(status, message, &transaction_id(), now_ms()),
    )
}

pub(crate) fn unauthorized() -> Response {
    platform_error(401, "Unauthorized")
}

pub(crate) fn invalid_token() -> Response {
    platform_error(403, "Invalid or expired access token")
}

pub(crate) fn invalid_session() -> Response {
    let (c, m) = super::state::codes::INVALID_SESSION;
    gstn_error(c, m)
}

/// The Get Invoices envelope written straight to bytes, one record at a time, so a section of
/// 100,000 records never exists as a `serde_json::Value` tree. Same shape and key order as
/// [`wire::envelope_ok`]`({"<section>": [records…]})`.
pub(crate) fn invoices_body(section: Section, records: impl Iterator<Item = ImsRecord>, hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(hint * 420 + 256);
    out.extend_from_slice(br#"{"code":200,"data":{"status_cd":"1","data":{""#);
    out.extend_from_slice(section.key().as_bytes());
    out.extend_from_slice(br#"":["#);
    for (n, r) in records.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &r).expect("record serialises");
    }
    out.extend_from_slice(br#"]}},"timestamp":"#);
    out.extend_from_slice(now_ms().to_string().as_bytes());
    out.extend_from_slice(br#","transaction_id":"#);
    serde_json::to_writer(&mut out, &transaction_id()).expect("string serialises");
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_invoices_envelope_matches_the_shared_builder() {
        let r: ImsRecord = serde_json::from_str(
            r#"{"stin":"27AAPFU0939F1ZV","rtnprd":"102024","srcform":"R1","inum":"A1","idt":"01-10-2024","inv_typ":"R",
            "action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"abc","val":118.50,"txval":100,
            "iamt":0,"camt":9.25,"samt":9.25,"cess":0}"#,
        )
        .unwrap();
        let bytes = invoices_body(Section::B2bCn, [r.clone(), r.clone()].into_iter(), 2);
        let got: Value = serde_json::from_slice(&bytes).unwrap();
        let tx = got["transaction_id"].as_str().unwrap().to_string();
        let ts = got["timestamp"].as_i64().unwrap();
        let want = wire::envelope_ok(serde_json::json!({"b2bcn": [r.clone(), r]}), &tx, ts);
        assert_eq!(got, want);
        // Same key order too.
        assert_eq!(String::from_utf8(bytes).unwrap(), serde_json::to_string(&want).unwrap());
    }
}
