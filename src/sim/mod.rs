//! The embedded Sandbox GST API simulator: an axum server on 127.0.0.1 that answers the paths,
//! envelopes and error layers of `api.md` closely enough that the real HTTP client cannot tell
//! it from api.sandbox.co.in. It backs `gstdash demo` (no account, no network) and every
//! integration test.
//!
//! - [`data`]: deterministic taxpayers, suppliers and IMS records (same seed ⇒ same data);
//! - [`ledgers`]: 24 months of consistent ledger history and the four ledger views;
//! - [`state`]: records, sessions and asynchronous jobs (save/reset/regenerate);
//! - [`auth`], [`routes`]: the handlers; [`reply`]: envelopes;
//! - [`faults`]: latency, rate limit, 429 bursts, 5xx, dropped connections, corrupt bodies.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = gstdash::sim::start(gstdash::sim::SimConfig::default(), 0).await?;
//! println!("{} — log in as {}", sim.base_url, sim.taxpayers[0].username);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

// Handlers return `Result<_, Response>` so any check can answer with its own envelope; the
// error being as large as a `Response` is the point.
#![allow(clippy::result_large_err)]

mod auth;
pub(crate) mod data;
mod faults;
mod gstr2b;
mod ledgers;
mod outward;
mod reply;
mod returns;
pub(crate) mod rng;
mod routes;
mod state;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::domain::ims::{Action, ImsRecord, RecordKey, Section};
use crate::domain::period::ReturnPeriod;
use state::Sim;

pub use faults::FaultRates;
pub use gstr2b::FILE_DOCS as GSTR2B_FILE_DOCS;
pub use returns::SummaryMode;
pub use state::codes;

pub const DEMO_API_KEY: &str = "key_test_gstdash_demo";
pub const DEMO_API_SECRET: &str = "secret_test_gstdash_demo";
pub const DEMO_OTP: &str = "575757";

/// How the simulator behaves. Everything random is drawn from `seed`.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// IMS records of the first taxpayer; the other two get a quarter each.
    pub records: usize,
    /// The simulator's "today": drives return periods, LG9089, GSTR-2B availability, and which
    /// GSTR-3Bs are filed (every period up to two months before today).
    pub today: NaiveDate,
    /// Added to every response.
    pub latency_ms: u64,
    /// Share of requests answered 500/503.
    pub fault_rate: f64,
    /// Share of requests whose connection is dropped halfway through the body.
    pub drop_rate: f64,
    /// Share of 200 responses whose JSON body is truncated (and sometimes garbled).
    pub corrupt_rate: f64,
    /// Every N-th request starts a burst of three 429 answers.
    pub burst_429_every: Option<u32>,
    /// Requests per API key per sliding minute; `None` = unlimited (and no rate headers).
    pub rate_limit_per_min: Option<u32>,
    /// Taxpayer token lifetime.
    pub token_ttl_secs: u64,
    /// How long a save/reset/regenerate stays `IP` before it is processed (0 = at once).
    pub save_processing_ms: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            records: 2_000,
            today: chrono::Local::now().date_naive(),
            latency_ms: 0,
            fault_rate: 0.0,
            drop_rate: 0.0,
            corrupt_rate: 0.0,
            burst_429_every: None,
            rate_limit_per_min: Some(100),
            token_ttl_secs: 6 * 3600,
            save_processing_ms: 1_500,
        }
    }
}

/// A demo taxpayer to log in as (OTP: [`DEMO_OTP`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoTaxpayer {
    pub username: String,
    pub gstin: String,
    pub trade_name: String,
}

/// A supplier of a demo taxpayer. `gstin_valid` is false for the few whose GSTIN fails the
/// check digit on purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSupplier {
    pub gstin: String,
    pub trade_name: String,
    pub gstin_valid: bool,
}

/// A running simulator. Dropping it leaves the server running until the runtime ends; call
/// [`SimHandle::shutdown`] to stop it.
pub struct SimHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub taxpayers: Vec<DemoTaxpayer>,
    sim: Arc<Sim>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    jobs: JoinHandle<()>,
}

impl SimHandle {
    fn book(&self, gstin: &str) -> Option<&state::TaxpayerData> {
        self.sim.taxpayer_by_gstin(gstin).map(|t| &self.sim.taxpayers[t])
    }

    /// How many times the record was successfully saved or reset (for exactly-once tests).
    /// 0 for unknown records.
    pub fn save_count(&self, gstin: &str, key: &RecordKey) -> u32 {
        self.book(gstin)
            .and_then(|t| {
                let b = t.ims.read().expect("ims lock");
                b.find(key).map(|i| b.recs[i].save_count)
            })
            .unwrap_or(0)
    }

    /// Simulates the supplier editing the document: its value and hash change and the
    /// recipient's action goes back to No action, so a save that still carries the old
    /// `prev_status` (or the old values) fails with IMSSAV0010.
    pub fn supplier_edit(&self, gstin: &str, key: &RecordKey) {
        if let Some(t) = self.book(gstin) {
            let mut b = t.ims.write().expect("ims lock");
            if let Some(i) = b.find(key) {
                b.supplier_edit(i);
            }
        }
    }

    /// The record's current action, `None` for unknown records.
    pub fn record_action(&self, gstin: &str, key: &RecordKey) -> Option<Action> {
        let t = self.book(gstin)?;
        let b = t.ims.read().expect("ims lock");
        b.find(key).map(|i| b.recs[i].action())
    }

    /// The records of a section as Get Invoices would return them now (test helper).
    pub fn records(&self, gstin: &str, section: Section) -> Vec<ImsRecord> {
        let Some(t) = self.book(gstin) else {
            return vec![];
        };
        let b = t.ims.read().expect("ims lock");
        b.select(section, None).into_iter().map(|i| b.record(i)).collect()
    }

    /// The taxpayer's ~300 suppliers (IMS records carry only their GSTINs).
    pub fn suppliers(&self, gstin: &str) -> Vec<DemoSupplier> {
        let Some(t) = self.book(gstin) else {
            return vec![];
        };
        let b = t.ims.read().expect("ims lock");
        b.suppliers
            .iter()
            .map(|s| DemoSupplier {
                gstin: s.gstin.clone(),
                trade_name: s.trade_name.clone(),
                gstin_valid: !s.bad_gstin,
            })
            .collect()
    }

    /// GSTR-1 / GSTR-1A section and summary and GSTR-3B details requests served so far.
    pub fn returns_requests(&self) -> u64 {
        self.sim.returns_requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Of [`returns_requests`](Self::returns_requests), the GSTR-1 / GSTR-1A summaries.
    pub fn summary_requests(&self) -> u64 {
        self.sim.summary_requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How the GSTR-1 / GSTR-1A summary answers from now on (tests of the fallback).
    pub fn set_summary_mode(&self, mode: returns::SummaryMode) {
        self.sim
            .summary_mode
            .store(mode as u8, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the simulator treats the period's GSTR-3B as filed.
    pub fn gstr3b_filed(&self, period: ReturnPeriod) -> bool {
        self.sim.gstr3b_filed(period)
    }

    /// Makes generate OTP answer TEC4001 ("OTP server is down") until switched back.
    pub fn set_otp_server_down(&self, down: bool) {
        self.sim.auth.lock().expect("auth lock").otp_server_down = down;
    }

    /// Changes the fault shares while running (e.g. corrupt every answer after a login).
    pub fn set_fault_rates(&self, rates: FaultRates) {
        self.sim.faults.lock().expect("faults lock").rates = rates;
    }

    pub fn config(&self) -> &SimConfig {
        &self.sim.cfg
    }

    /// How many requests were answered 429 (rate limit and bursts) so far.
    pub fn throttled_count(&self) -> u64 {
        self.sim.faults.lock().expect("faults lock").throttled
    }

    /// Shortens the rate limit's sliding window (a minute by default), so a test can run
    /// into the limit and out of it quickly. `rate_limit_per_min` then counts per window.
    pub fn set_rate_window(&self, window: std::time::Duration) {
        self.sim.faults.lock().expect("faults lock").window = window;
    }

    /// Stops accepting connections, lets running requests finish (at most 2 s), and stops.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(2), &mut server).await.is_err() {
            server.abort();
        }
        self.jobs.abort();
    }
}

/// Generates the data and starts serving on `127.0.0.1:port` (0 = any free port).
pub async fn start(cfg: SimConfig, port: u16) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let sim = Arc::new(
        tokio::task::spawn_blocking(move || Sim::new(cfg))
            .await
            .map_err(std::io::Error::other)?,
    );

    let (tx, rx) = mpsc::unbounded_channel();
    *sim.job_queue.lock().expect("queue lock") = Some(tx);
    let jobs = tokio::spawn(run_jobs(sim.clone(), rx));

    let app = routes::router(sim.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(SimHandle {
        base_url: format!("http://{addr}"),
        taxpayers: sim.taxpayers.iter().map(|t| t.info.clone()).collect(),
        sim,
        stop,
        server,
        jobs,
    })
}

/// Processes queued jobs in submission order once each is due.
async fn run_jobs(sim: Arc<Sim>, mut rx: mpsc::UnboundedReceiver<std::time::Instant>) {
    while let Some(due) = rx.recv().await {
        tokio::time::sleep_until(due.into()).await;
        sim.process_due();
    }
}

/// Starts the simulator, prints how to use it, and serves until Ctrl-C.
pub async fn run_standalone(cfg: SimConfig, port: u16) -> std::io::Result<()> {
    let handle = start(cfg, port).await?;
    println!("gstdash simulator (Sandbox GST API) listening on {}", handle.base_url);
    println!("  API key:    {DEMO_API_KEY}");
    println!("  API secret: {DEMO_API_SECRET}");
    println!("  OTP:        {DEMO_OTP}");
    println!("  Taxpayers:");
    for t in &handle.taxpayers {
        println!("    {:<20} {}  {}", t.username, t.gstin, t.trade_name);
    }
    let c = handle.config();
    println!(
        "  today {} · seed {} · {} IMS records · Ctrl-C to stop",
        c.today, c.seed, c.records
    );
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}
