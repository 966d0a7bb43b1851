//! The middleware every request passes: latency, rate limit (with the `X-RateLimit-*`
//! headers), 429 bursts, 500/503 faults, connections dropped mid-body and corrupt bodies.
//!
//! All random choices come from one seeded stream, drawn in request-arrival order (five draws
//! per request whatever happens), so a given seed and request sequence always fails the same
//! way.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header::CONTENT_LENGTH};
use axum::middleware::Next;
use axum::response::Response;

use super::SimConfig;
use super::reply;
use super::rng::Rng;
use super::state::Sim;
use crate::api::wire::header;

/// Requests answered 429 after each `burst_429_every`-th request (that one included).
const BURST_LEN: u32 = 3;
const WINDOW: Duration = Duration::from_secs(60);

/// Fault shares in force; start from the config and can be changed while running.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    pub fault_rate: f64,
    pub drop_rate: f64,
    pub corrupt_rate: f64,
}

pub(crate) struct FaultState {
    pub(crate) rates: FaultRates,
    rng: Rng,
    count: u64,
    burst_left: u32,
    /// Admitted requests per API key in the last `window`.
    windows: HashMap<String, VecDeque<Instant>>,
    /// The rate limit's sliding window (a minute; tests shorten it).
    pub(crate) window: Duration,
    /// 429 answers given (rate limit and bursts).
    pub(crate) throttled: u64,
}

struct RateInfo {
    limit: u32,
    remaining: u32,
    reset_epoch_secs: i64,
}

#[derive(Default)]
struct Decision {
    rate: Option<RateInfo>,
    /// Answer 429 with this `Retry-After`.
    throttled: Option<u64>,
    fault: Option<u16>,
    drop: bool,
    /// Truncate a 200 body; the value places the cut.
    corrupt: Option<f64>,
}

impl FaultState {
    pub fn new(cfg: &SimConfig) -> FaultState {
        FaultState {
            rates: FaultRates {
                fault_rate: cfg.fault_rate,
                drop_rate: cfg.drop_rate,
                corrupt_rate: cfg.corrupt_rate,
            },
            rng: Rng::stream(cfg.seed, "faults", 0),
            count: 0,
            burst_left: 0,
            windows: HashMap::new(),
            window: WINDOW,
            throttled: 0,
        }
    }

    fn decide(&mut self, cfg: &SimConfig, api_key: &str) -> Decision {
        self.count += 1;
        let [u_fault, u_kind, u_drop, u_corrupt, u_cut] = std::array::from_fn(|_| self.rng.unit());
        let mut d = Decision::default();
        if let Some(n) = cfg.burst_429_every.filter(|n| *n > 0) {
            if self.count.is_multiple_of(n as u64) {
                self.burst_left = BURST_LEN;
            }
            if self.burst_left > 0 {
                self.burst_left -= 1;
                d.throttled = Some(1);
            }
        }
        if let Some(limit) = cfg.rate_limit_per_min {
            let window = self.window;
            let now = Instant::now();
            let w = self.windows.entry(api_key.to_string()).or_default();
            while w.front().is_some_and(|t| now.duration_since(*t) >= window) {
                w.pop_front();
            }
            let until_free = |w: &VecDeque<Instant>| {
                w.front()
                    .map(|t| window.saturating_sub(now.duration_since(*t)))
                    .unwrap_or(window)
            };
            if d.throttled.is_none() {
                if w.len() >= limit as usize {
                    d.throttled = Some(until_free(w).as_secs_f64().ceil().max(1.0) as u64);
                } else {
                    w.push_back(now);
                }
            }
            // Rounded up: a client waking at the reset must find the slot free.
            let free_at_ms = chrono::Utc::now().timestamp_millis() + until_free(w).as_millis() as i64;
            let reset = (free_at_ms + 999).div_euclid(1000);
            d.rate = Some(RateInfo {
                limit,
                remaining: limit.saturating_sub(w.len() as u32),
                reset_epoch_secs: reset,
            });
        }
        if d.throttled.is_some() {
            self.throttled += 1;
        }
        if d.throttled.is_none() {
            if u_fault < self.rates.fault_rate {
                d.fault = Some(if u_kind < 0.5 { 500 } else { 503 });
            } else if u_drop < self.rates.drop_rate {
                d.drop = true;
            } else if u_corrupt < self.rates.corrupt_rate {
                d.corrupt = Some(u_cut);
            }
        }
        d
    }
}

pub(crate) async fn middleware(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    if sim.cfg.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sim.cfg.latency_ms)).await;
    }
    let key = req
        .headers()
        .get(header::API_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let d = sim.faults.lock().expect("faults lock").decide(&sim.cfg, &key);
    if let Some(retry) = d.throttled {
        let mut r = reply::platform_error(429, "Too Many Requests");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry));
        return with_rate(r, &d.rate);
    }
    if let Some(code) = d.fault {
        let msg = if code == 500 {
            "Internal Server Error"
        } else {
            "Service Unavailable: the GST network did not respond"
        };
        return with_rate(reply::platform_error(code, msg), &d.rate);
    }
    let resp = with_rate(next.run(req).await, &d.rate);
    if d.drop {
        return drop_midway(resp).await;
    }
    match d.corrupt {
        Some(cut) if resp.status().is_success() => corrupt(resp, cut).await,
        _ => resp,
    }
}

fn with_rate(mut r: Response, rate: &Option<RateInfo>) -> Response {
    if let Some(rate) = rate {
        let h = r.headers_mut();
        h.insert(header::RATE_LIMIT, HeaderValue::from(rate.limit));
        h.insert(header::RATE_REMAINING, HeaderValue::from(rate.remaining));
        h.insert(header::RATE_RESET, HeaderValue::from(rate.reset_epoch_secs));
    }
    r
}

async fn body_bytes(body: Body) -> Bytes {
    axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default()
}

/// Sends the status, the headers and half the body, then fails the body stream: hyper aborts
/// the connection and the client sees a transport error while reading.
async fn drop_midway(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = body_bytes(body).await;
    let head = bytes.slice(..bytes.len() / 2);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(head),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated connection drop",
        )),
    ];
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

/// A complete, well-framed HTTP response whose JSON is cut short (and sometimes garbled).
async fn corrupt(resp: Response, cut: f64) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = body_bytes(body).await;
    let len = bytes.len();
    let at = if len < 2 {
        0
    } else {
        1 + ((len - 2) as f64 * (0.2 + 0.7 * cut)) as usize
    };
    let mut v = bytes[..at.min(len.saturating_sub(1))].to_vec();
    if cut < 0.5 {
        v.extend_from_slice(b"\xff\xfe<html>gateway");
    }
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(v))
}
