//! Shared set-up for integration tests: an embedded simulator on loopback and a client
//! logged in to it through real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use chrono::Local;
use gstdash::api::{Client, ClientConfig, RetryPolicy};
use gstdash::domain::Gstin;
use gstdash::secret::Secret;
use gstdash::sim::{self, SimConfig, SimHandle};

pub fn config(records: usize) -> SimConfig {
    SimConfig {
        records,
        today: Local::now().date_naive(),
        rate_limit_per_min: None,
        save_processing_ms: 50,
        ..SimConfig::default()
    }
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    sim::start(cfg, 0).await.expect("simulator starts")
}

/// Fast retries so fault-injection tests stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    }
}

pub fn client(sim: &SimHandle) -> Client {
    let mut cfg = ClientConfig::new(
        &sim.base_url,
        Secret::new(sim::DEMO_API_KEY),
        Some(Secret::new(sim::DEMO_API_SECRET)),
    );
    cfg.retry = fast_retry();
    cfg.timeout = Duration::from_secs(20);
    // Pace on what the simulator says; one without a rate limit sends no headers and is
    // not to be paced on the assumed production limit.
    cfg.assumed_rate_per_min = None;
    Client::new(cfg).expect("client builds")
}

pub fn first(sim: &SimHandle) -> (String, Gstin) {
    let tp = &sim.taxpayers[0];
    (
        tp.username.clone(),
        Gstin::parse(&tp.gstin).expect("simulator GSTINs are valid"),
    )
}

/// authenticate → OTP → verify, as the CLI does.
pub async fn logged_in(sim: &SimHandle) -> Client {
    let c = client(sim);
    let (user, gstin) = first(sim);
    c.authenticate().await.expect("authenticate");
    c.generate_otp(&user, &gstin).await.expect("otp");
    c.verify_otp(&user, &gstin, sim::DEMO_OTP).await.expect("verify");
    c
}

/// A simulator on its own runtime, so plain (blocking) tests can run the binary against it.
pub struct Server {
    pub rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
}

impl Server {
    pub fn start(cfg: SimConfig) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt.block_on(start(cfg));
        Server { rt, sim: Some(sim) }
    }
    pub fn sim(&self) -> &SimHandle {
        self.sim.as_ref().unwrap()
    }
    /// Takes the simulator out (to stop it mid-test); `sim()` panics afterwards.
    pub fn take_sim(&mut self) -> SimHandle {
        self.sim.take().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.sim.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}
