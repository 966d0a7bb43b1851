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
