//! Engine guarantees against the simulator: jobs of one kind are single-flight with the latest
//! request winning (an older answer never arrives after a newer request), and a session that
//! cannot be refreshed any more stops the push without losing the queue; an OTP log-in from
//! the app's commands brings it back and the queue goes out exactly once.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use gstdash::domain::{Action, GoodsType, ReturnPeriod, Section};
use gstdash::sim::{self, SimHandle};
use gstdash::store::{OutboxState, Store, StoredProfile};
use gstdash::sync::push::PushPolicy;
use gstdash::sync::{Decision, JobKind, SyncCommand, SyncEvent, Target, engine};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

fn store(dir: &std::path::Path, sim: &SimHandle) -> Arc<Mutex<Store>> {
    let s = Store::open_in(dir).unwrap();
    s.upsert_profile(&StoredProfile {
        name: "p".into(),
        gstin: sim.taxpayers[0].gstin.clone(),
        username: sim.taxpayers[0].username.clone(),
        base_url: sim.base_url.clone(),
        updated_at: Utc::now(),
    })
    .unwrap();
    Arc::new(Mutex::new(s))
}

/// Every event up to and including the first one `f` accepts.
async fn until(rx: &mut UnboundedReceiver<SyncEvent>, mut f: impl FnMut(&SyncEvent) -> bool) -> Vec<SyncEvent> {
    tokio::time::timeout(Duration::from_secs(30), async {
        let mut seen = Vec::new();
        loop {
            let e = rx.recv().await.expect("engine alive");
            let done = f(&e);
            seen.push(e);
            if done {
                return seen;
            }
        }
    })
    .await
    .expect("event arrives")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_request_of_the_same_kind_wins_and_the_older_answer_never_arrives() {
    let mut cfg = common::config(200);
    cfg.latency_ms = 300; // every answer takes long enough for the newer request to overtake
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store(dir.path(), &sim), "p".into(), etx, PushPolicy::fast());

    let newer = ReturnPeriod::of_date(Utc::now().date_naive()).prev();
    let older = newer.prev();
    cmd.send(SyncCommand::RefreshBalance { period: older }).unwrap();
    cmd.send(SyncCommand::RefreshBalance { period: newer }).unwrap();
    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let mut seen = until(
        &mut rx,
        |e| matches!(e, SyncEvent::BalanceLoaded { period, from_cache: false, .. } if *period == newer),
    )
    .await;
    // A later job of another kind: by the time it answers, anything stale would have too.
    cmd.send(SyncCommand::RefreshCounts { goods: GoodsType::Isd }).unwrap();
    seen.extend(
        until(&mut rx, |e| {
            matches!(
                e,
                SyncEvent::CountsLoaded {
                    goods: GoodsType::Isd,
                    from_cache: false,
                    ..
                }
            )
        })
        .await,
    );

    let stale: Vec<_> = seen
        .iter()
        .filter(|e| matches!(e, SyncEvent::BalanceLoaded { period, .. } if *period == older))
        .collect();
    assert!(stale.is_empty(), "the older period's balance arrived: {stale:?}");
    let fresh_pulls = seen
        .iter()
        .filter(|e| {
            matches!(
                e,
                SyncEvent::RecordsLoaded {
                    section: Section::B2b,
                    from_cache: false,
                    ..
                }
            )
        })
        .count();
    assert_eq!(fresh_pulls, 1, "two pulls of one section: one answer");
    assert!(
        !seen.iter().any(|e| matches!(e, SyncEvent::Failed { .. })),
        "an overtaken job is dropped silently, not reported as failed"
    );
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_cannot_be_refreshed_keeps_the_queue_until_an_otp_log_in() {
    let mut cfg = common::config(200);
    cfg.token_ttl_secs = 2;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());

    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let seen = until(&mut rx, |e| {
        matches!(e, SyncEvent::RecordsLoaded { from_cache: false, .. })
    })
    .await;
    let Some(SyncEvent::RecordsLoaded { records, .. }) = seen.last() else {
        unreachable!()
    };
    let rec = records
        .iter()
        .find(|r| r.action == Action::NoAction && r.flags().is_empty())
        .unwrap()
        .clone();
    let d = Decision {
        section: Section::B2b,
        record: rec,
        target: Target::Set(Action::Rejected),
        remarks: Some("not received".into()),
        itc_reduction: None,
    };
    cmd.send(SyncCommand::Stage {
        batch: 1,
        decisions: vec![d.clone()],
    })
    .unwrap();
    until(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.len() == 1),
    )
    .await;

    // Idle past the token's life: it can no longer be refreshed.
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    cmd.send(SyncCommand::Push).unwrap();
    let seen = until(&mut rx, |e| matches!(e, SyncEvent::Failed { job: JobKind::Push, .. })).await;
    let Some(SyncEvent::Failed { message, .. }) = seen.last() else {
        unreachable!()
    };
    assert!(
        message.contains("log in again") && message.contains("1 decision(s) stay queued"),
        "{message}"
    );
    let gstin = sim.taxpayers[0].gstin.clone();
    assert_eq!(sim.save_count(&gstin, &d.key()), 0);
    {
        // Still queued: prepared for a call that GSTN never acknowledged (it is posted again).
        let s = store.lock().unwrap();
        let ob = s.outbox("p").unwrap();
        assert_eq!(ob.len(), 1, "nothing lost");
        assert!(
            matches!(ob[0].state, OutboxState::Staged | OutboxState::Sent),
            "{:?}",
            ob[0].state
        );
        assert!(s.open_sends("p").unwrap().iter().all(|x| x.reference_id.is_none()));
    }

    // Log in again from the app: OTP, verify, new session; then the user saves.
    cmd.send(SyncCommand::SendOtp).unwrap();
    until(&mut rx, |e| matches!(e, SyncEvent::OtpSent)).await;
    cmd.send(SyncCommand::VerifyOtp {
        otp: gstdash::secret::Secret::new(sim::DEMO_OTP),
    })
    .unwrap();
    until(&mut rx, |e| matches!(e, SyncEvent::Session { expires_at: Some(_) })).await;
    cmd.send(SyncCommand::Push).unwrap();
    until(&mut rx, |e| matches!(e, SyncEvent::PushProgress { applied: 1, .. })).await;
    assert_eq!(sim.save_count(&gstin, &d.key()), 1, "sent exactly once");
    assert_eq!(sim.record_action(&gstin, &d.key()), Some(Action::Rejected));
    assert!(store.lock().unwrap().outbox("p").unwrap().is_empty());
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
