//! Authentication (`api.md` §2): API key + secret → platform token → OTP → taxpayer token,
//! refresh and logout; and the checks every taxpayer data call runs.
//!
//! Which failure gives which answer:
//! - missing/unknown `x-api-key` (or wrong secret on authenticate) → HTTP 401;
//! - missing/unknown token in `authorization` → HTTP 403 "Invalid or expired access token";
//! - a taxpayer token that is known but expired, refreshed away or logged out → HTTP 200 with
//!   GSTN `AUTH4033` "Invalid Session";
//! - a GSTIN failing Sandbox's pattern on OTP calls → HTTP 422 "Invalid GSTIN pattern".

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::reply;
use super::routes::{Body, Params};
use super::state::{Session, Sim, codes, now_ms};
use super::{DEMO_API_KEY, DEMO_API_SECRET, DEMO_OTP};
use crate::api::wire::{EpochMillis, OtpRequest, TaxpayerSession, header};

const PLATFORM_TTL_MS: i64 = 24 * 3600 * 1000;
const OTP_TTL_MS: i64 = 10 * 60 * 1000;
/// The portal's API-access duration caps the session (`api.md` §2.2).
const SESSION_MS: i64 = 30 * 24 * 3600 * 1000;

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn check_api_key(h: &HeaderMap) -> Result<(), Response> {
    (header_str(h, header::API_KEY) == Some(DEMO_API_KEY))
        .then_some(())
        .ok_or_else(reply::unauthorized)
}

/// Sandbox's own GSTIN pattern (`api.md` §1.7), looser than GSTN's check.
pub(crate) fn sandbox_gstin_pattern(g: &str) -> bool {
    let b = g.as_bytes();
    b.len() == 15
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..7].iter().all(u8::is_ascii_alphabetic)
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11].is_ascii_alphabetic()
        && (matches!(b[12], b'1'..=b'9') || b[12].is_ascii_alphabetic())
        && (matches!(b[13], b'Z' | b'z' | b'1'..=b'9' | b'A'..=b'J' | b'a'..=b'j'))
        && b[14].is_ascii_alphanumeric()
}

fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A JWT-shaped platform token (not signed with anything; only the simulator reads it).
fn platform_token(now: i64) -> String {
    let header = base64url(br#"{"alg":"HS512","typ":"JWT"}"#);
    let claims = json!({"sub": DEMO_API_KEY, "iss": "gstdash-sim", "iat": now / 1000, "exp": (now + PLATFORM_TTL_MS) / 1000,
        "jti": uuid::Uuid::new_v4().to_string()});
    let sig = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    format!(
        "{header}.{}.{}",
        base64url(claims.to_string().as_bytes()),
        base64url(sig.as_bytes())
    )
}

fn taxpayer_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// `POST /authenticate`.
pub(crate) async fn authenticate(State(sim): State<Arc<Sim>>, h: HeaderMap) -> Response {
    if check_api_key(&h).is_err() || header_str(&h, header::API_SECRET) != Some(DEMO_API_SECRET) {
        return reply::unauthorized();
    }
    let now = now_ms();
    let token = platform_token(now);
    let mut auth = sim.auth.lock().expect("auth lock");
    auth.platform.retain(|_, exp| *exp > now);
    auth.platform.insert(token.clone(), now + PLATFORM_TTL_MS);
    reply::auth(json!({"access_token": token}))
}

fn check_platform(sim: &Sim, h: &HeaderMap) -> Result<(), Response> {
    check_api_key(h)?;
    let token = header_str(h, header::AUTHORIZATION).ok_or_else(reply::invalid_token)?;
    let auth = sim.auth.lock().expect("auth lock");
    match auth.platform.get(token) {
        Some(exp) if *exp > now_ms() => Ok(()),
        _ => Err(reply::invalid_token()),
    }
}

/// Parses `{username, gstin}`; checks the GSTIN pattern; finds the demo taxpayer.
fn otp_body(sim: &Sim, body: &[u8]) -> Result<(OtpRequest, Option<usize>), Response> {
    let req: OtpRequest = serde_json::from_slice(body).map_err(|e| {
        reply::platform_error(
            400,
            &format!("Request body must be {{\"username\": …, \"gstin\": …}}: {e}"),
        )
    })?;
    if !sandbox_gstin_pattern(req.gstin.trim()) {
        return Err(reply::platform_error(422, "Invalid GSTIN pattern"));
    }
    let t = sim.taxpayers.iter().position(|t| {
        t.info.username.eq_ignore_ascii_case(req.username.trim()) && t.info.gstin.eq_ignore_ascii_case(req.gstin.trim())
    });
    Ok((req, t))
}

fn otp_key(req: &OtpRequest) -> (String, String) {
    (
        req.username.trim().to_ascii_lowercase(),
        req.gstin.trim().to_ascii_uppercase(),
    )
}

/// Live taxpayer sessions one user may hold before generate OTP answers AUTH403.
pub(crate) const MAX_LIVE_SESSIONS: usize = 5;

/// `POST /gst/compliance/tax-payer/otp`.
pub(crate) async fn otp(State(sim): State<Arc<Sim>>, h: HeaderMap, Body(body): Body) -> Response {
    if let Err(r) = check_platform(&sim, &h) {
        return r;
    }
    let (req, t) = match otp_body(&sim, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if t.is_none() {
        return reply::gstn_error(
            codes::UNKNOWN_TAXPAYER,
            &format!(
                "Invalid username or GSTIN: no taxpayer {:?} with GSTIN {} has enabled API access",
                req.username, req.gstin
            ),
        );
    }
    let mut auth = sim.auth.lock().expect("auth lock");
    if auth.otp_server_down {
        return reply::gstn_error(codes::OTP_SERVER_DOWN.0, codes::OTP_SERVER_DOWN.1);
    }
    let now = now_ms();
    let live = auth
        .sessions
        .values()
        .filter(|s| Some(s.taxpayer) == t && !s.revoked && s.token_expiry > now)
        .count();
    if live >= MAX_LIVE_SESSIONS {
        return reply::gstn_error(codes::MAX_SESSIONS.0, codes::MAX_SESSIONS.1);
    }
    auth.otps.insert(otp_key(&req), now);
    reply::auth(json!({"status_cd": "1"}))
}

/// `POST /gst/compliance/tax-payer/otp/verify?otp=…`.
pub(crate) async fn otp_verify(
    State(sim): State<Arc<Sim>>,
    h: HeaderMap,
    Params(q): Params,
    Body(body): Body,
) -> Response {
    if let Err(r) = check_platform(&sim, &h) {
        return r;
    }
    let (req, t) = match otp_body(&sim, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = now_ms();
    let mut auth = sim.auth.lock().expect("auth lock");
    let sent = auth.otps.get(&otp_key(&req)).copied();
    let fresh = sent.is_some_and(|at| now - at <= OTP_TTL_MS);
    let (Some(t), true, true) = (t, fresh, q.get("otp").map(|o| o.trim()) == Some(DEMO_OTP)) else {
        return reply::invalid_session();
    };
    auth.otps.remove(&otp_key(&req));
    let session_expiry = now + SESSION_MS;
    let s = new_session(&mut auth, t, now, session_expiry, sim.cfg.token_ttl_secs);
    reply::auth(serde_json::to_value(s).expect("session serialises"))
}

fn new_session(
    auth: &mut super::state::AuthState,
    taxpayer: usize,
    now: i64,
    session_expiry: i64,
    ttl_secs: u64,
) -> TaxpayerSession {
    let token = taxpayer_token();
    let token_expiry = (now + ttl_secs as i64 * 1000).min(session_expiry);
    auth.sessions.insert(
        token.clone(),
        Session {
            taxpayer,
            token_expiry,
            session_expiry,
            revoked: false,
        },
    );
    TaxpayerSession {
        access_token: token,
        session_expiry: EpochMillis(session_expiry),
        token_expiry: EpochMillis(token_expiry),
        status_cd: Some("1".into()),
    }
}

/// The taxpayer behind the request's token, or the response to send instead.
pub(crate) fn require_taxpayer(sim: &Sim, h: &HeaderMap) -> Result<usize, Response> {
    check_api_key(h)?;
    let token = header_str(h, header::AUTHORIZATION).ok_or_else(reply::invalid_token)?;
    let auth = sim.auth.lock().expect("auth lock");
    let s = auth.sessions.get(token).ok_or_else(reply::invalid_token)?;
    if s.revoked || s.token_expiry <= now_ms() {
        return Err(reply::invalid_session());
    }
    Ok(s.taxpayer)
}

/// `POST …/session/refresh`: a new token (the old one stops working), valid for the TTL.
pub(crate) async fn refresh(State(sim): State<Arc<Sim>>, h: HeaderMap) -> Response {
    if let Err(r) = require_taxpayer(&sim, &h) {
        return r;
    }
    let old = header_str(&h, header::AUTHORIZATION).unwrap_or_default().to_string();
    let now = now_ms();
    let mut auth = sim.auth.lock().expect("auth lock");
    let Some(s) = auth.sessions.get_mut(&old) else {
        return reply::invalid_token();
    };
    if s.session_expiry <= now {
        return reply::invalid_session();
    }
    s.revoked = true;
    let (taxpayer, session_expiry) = (s.taxpayer, s.session_expiry);
    let new = new_session(&mut auth, taxpayer, now, session_expiry, sim.cfg.token_ttl_secs);
    reply::auth(serde_json::to_value(new).expect("session serialises"))
}

/// `POST …/logout`.
pub(crate) async fn logout(State(sim): State<Arc<Sim>>, h: HeaderMap) -> Response {
    if let Err(r) = require_taxpayer(&sim, &h) {
        return r;
    }
    let token = header_str(&h, header::AUTHORIZATION).unwrap_or_default().to_string();
    if let Some(s) = sim.auth.lock().expect("auth lock").sessions.get_mut(&token) {
        s.revoked = true;
    }
    reply::auth(json!({"status_cd": "1"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gstin_pattern_is_sandboxs() {
        assert!(sandbox_gstin_pattern("27AAPFU0939F1ZV"));
        assert!(sandbox_gstin_pattern("27aapfu0939f1zv"));
        assert!(sandbox_gstin_pattern("27AAPFU0939F1ZW")); // fails the check digit, passes the pattern
        assert!(!sandbox_gstin_pattern("24ABCCU0123M1YZ")); // api.md: fails both
        assert!(!sandbox_gstin_pattern("29AAACQ3770E000"));
        assert!(!sandbox_gstin_pattern("27AAPFU0939F1Z"));
        assert!(!sandbox_gstin_pattern("2XAAPFU0939F1ZV"));
    }

    #[test]
    fn base64url_matches_known_values() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(
            base64url(br#"{"alg":"HS512","typ":"JWT"}"#),
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9"
        );
        assert!(platform_token(0).starts_with("eyJ"));
    }
}
