//! The rate limit: a pull of every section through the engine, against a simulator whose
//! limit is far below what the pull asks at once, completes with every section fetched and no
//! error for the user — the client paces itself on `X-RateLimit-*` instead of meeting 429s.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use gstdash::domain::Section;
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::push::PushPolicy;
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use tokio::sync::mpsc::unbounded_channel;

const ACTIONABLE: [Section; 8] = [
    Section::B2b,
    Section::B2ba,
    Section::B2bDn,
    Section::B2bDna,
    Section::B2bCn,
    Section::B2bCna,
    Section::Ecom,
    Section::Ecoma,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_of_every_section_under_a_low_rate_limit_fetches_everything_without_an_error() {
    let mut cfg = common::config(400);
    // Five calls per window; the log-in takes three, the pull asks for eight at once.
    cfg.rate_limit_per_min = Some(5);
    let sim = common::start(cfg).await;
    sim.set_rate_window(Duration::from_secs(3));
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_in(dir.path()).unwrap();
    s.upsert_profile(&StoredProfile {
        name: "p".into(),
        gstin: sim.taxpayers[0].gstin.clone(),
        username: sim.taxpayers[0].username.clone(),
        base_url: sim.base_url.clone(),
        updated_at: Utc::now(),
    })
    .unwrap();
    let store = Arc::new(Mutex::new(s));
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client.clone(), store.clone(), "p".into(), etx, PushPolicy::fast());
    for section in ACTIONABLE {
        cmd.send(SyncCommand::PullRecords { section }).unwrap();
    }
    let mut fetched: HashMap<Section, usize> = HashMap::new();
    let mut failures = Vec::new();
    tokio::time::timeout(Duration::from_secs(120), async {
        while fetched.len() < ACTIONABLE.len() {
            match rx.recv().await.expect("engine alive") {
                SyncEvent::RecordsLoaded {
                    section,
                    records,
                    from_cache: false,
                    ..
                } => {
                    fetched.insert(section, records.len());
                }
                SyncEvent::Failed { job, message } => failures.push(format!("{job:?}: {message}")),
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not every section arrived: {fetched:?}; failures: {failures:?}"));
    assert!(failures.is_empty(), "{failures:?}");

    let gstin = &sim.taxpayers[0].gstin;
    for section in ACTIONABLE {
        assert_eq!(
            fetched[&section],
            sim.records(gstin, section).len(),
            "{section:?} complete"
        );
        assert_eq!(
            store.lock().unwrap().load_section("p", section).unwrap().len(),
            fetched[&section]
        );
    }
    // The limit did bite (eight asks against two free slots): the client waited for the
    // window to free up rather than sending into it and being refused.
    assert_eq!(sim.throttled_count(), 0, "paced on X-RateLimit-*, not refused");
    assert_eq!(client.rate_info().limit, Some(5), "the client read X-RateLimit-Limit");
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
