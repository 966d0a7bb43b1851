//! One error type for the three failure layers of the API (`api.md` §1.4) plus transport and
//! decoding failures. Every error carries the endpoint, a code, a message and, when the server
//! gave one, the transaction id to quote to Sandbox support. Nothing here ever holds a secret:
//! URLs are stripped from transport errors (the OTP travels in a query string).

use std::fmt;
use std::time::Duration;

/// Which layer failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Non-2xx HTTP or a platform `{code, message}` body (Sandbox itself).
    Platform { status: u16 },
    /// HTTP 429 after the retry budget ran out.
    RateLimited { retry_after: Option<Duration> },
    /// GSTN business error: `data.status_cd = "0"` inside a 200.
    Gstn,
    /// The taxpayer session is gone (expired, revoked, never created): log in again.
    SessionExpired,
    /// No API key / token available for the call.
    NotLoggedIn,
    /// Connection refused, dropped, timed out.
    Transport,
    /// The response could not be read: not JSON, or a field of the wrong type.
    Malformed,
    /// An asynchronous job (save, reset, 2B regeneration) ended in error.
    Job,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// e.g. `GET /gst/compliance/tax-payer/invoices/count`.
    pub endpoint: String,
    /// `AUTH4033`, `LG9089`, `HTTP 503`, `json`, …
    pub code: String,
    pub message: String,
    pub transaction_id: Option<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, endpoint: &str, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            endpoint: endpoint.to_string(),
            code: code.into(),
            message: message.into(),
            transaction_id: None,
        }
    }
    pub fn with_tx(mut self, tx: Option<String>) -> Self {
        self.transaction_id = tx;
        self
    }

    /// Retrying the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Platform { status } => matches!(status, 500 | 502 | 503 | 504),
            ErrorKind::RateLimited { .. } | ErrorKind::Transport => true,
            _ => false,
        }
    }

    /// The API host could not be reached (refused, DNS failure, timed out) — as opposed to a
    /// connection that dropped mid-call, which shows the host is there.
    pub fn is_unreachable(&self) -> bool {
        self.kind == ErrorKind::Transport
            && (self.message.starts_with("could not connect") || self.message.starts_with("timed out"))
    }

    /// The taxpayer token was refused: refresh once or ask the user to log in.
    pub fn is_auth(&self) -> bool {
        matches!(self.kind, ErrorKind::SessionExpired | ErrorKind::NotLoggedIn)
            || self.code == "AUTH4033"
            || matches!(self.kind, ErrorKind::Platform { status: 401 | 403 })
    }

    /// Error codes that mean "nothing to show" rather than a failure (`api.md` §12).
    pub fn is_empty_result(&self) -> bool {
        matches!(
            self.code.as_str(),
            "IMS0027" | "RET2B1016" | "RET11416" | "RET13508" | "RT-9AG-1019"
        )
    }

    /// What the user should do about it, in a few words.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match (&self.kind, self.code.as_str()) {
            (ErrorKind::SessionExpired, _) | (_, "AUTH4033") => "log in again: gstdash login",
            (ErrorKind::NotLoggedIn, _) => "run gstdash login first",
            (ErrorKind::Platform { status: 401 }, _) => {
                "check the API key and secret (GSTDASH_API_KEY / GSTDASH_API_SECRET)"
            }
            (ErrorKind::Platform { status: 403 }, _) => "the token was refused or the quota is used up; log in again",
            (ErrorKind::RateLimited { .. }, _) => "rate limited by Sandbox; wait a minute and retry",
            (ErrorKind::Transport, _) => "check the network or the base URL, then retry",
            (ErrorKind::Malformed, _) => {
                "the server sent data we cannot read; retry, and report the transaction id if it persists"
            }
            (_, "LG9089") => "pick an end date no later than today",
            (_, "IMS2B009") => "GSTR-2B is not available yet for this period",
            (_, "IMS2B007") => "GSTR-3B for this period is filed or the period is wrong",
            (ErrorKind::Platform { status: 500..=599 }, _) => "the service is failing; retry later",
            _ => return None,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.endpoint, self.code, self.message)?;
        if let Some(tx) = &self.transaction_id {
            write!(f, " (transaction {tx})")?;
        }
        if let Some(h) = self.hint() {
            write!(f, " — {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
