//! The sync engine against the simulator over loopback, with a real SQLite store on disk:
//! pull, stage, push under injected faults (exactly once, counted by the simulator),
//! conflicts, and the engine's command/event loop.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use gstdash::api::Client;
use gstdash::domain::{Action, ImsRecord, RecordKey, Section};
use gstdash::sim::{self, FaultRates, SimHandle};
use gstdash::store::{OutboxState, Store, StoredProfile};
use gstdash::sync::push::{self, PushError, PushPolicy, SyncCtx};
use gstdash::sync::{Decision, JobKind, Outcome, SyncCommand, SyncEvent, Target, engine};
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

fn ctx(client: Client, store: Arc<Mutex<Store>>, sim: &SimHandle) -> SyncCtx {
    // Nobody listens: the CLI's situation.
    let (events, rx) = unbounded_channel();
    drop(rx);
    SyncCtx {
        client,
        store,
        profile: "p".into(),
        rtin: sim.taxpayers[0].gstin.clone(),
        events,
        policy: PushPolicy::fast(),
    }
}

/// Up to `n` reject decisions on records that are not rejected yet, one per key.
fn rejections(store: &Store, n: usize) -> Vec<Decision> {
    let mut out = Vec::new();
    for s in ACTIONABLE {
        let recs = store.load_section("p", s).unwrap();
        let mut seen = HashSet::new();
        let dup: HashSet<RecordKey> = recs
            .iter()
            .map(|r| r.key(s))
            .filter(|k| !seen.insert(k.clone()))
            .collect();
        for r in recs {
            if out.len() == n {
                return out;
            }
            if r.action != Action::Rejected && r.flags().is_empty() && !dup.contains(&r.key(s)) {
                out.push(Decision {
                    section: s,
                    record: r,
                    target: Target::Set(Action::Rejected),
                    remarks: Some("not received".into()),
                    itc_reduction: None,
                });
            }
        }
    }
    out
}

async fn relogin(sim: &SimHandle, client: &Client) {
    let (user, gstin) = common::first(sim);
    for _ in 0..50 {
        let ok = client.authenticate().await.is_ok()
            && client.generate_otp(&user, &gstin).await.is_ok()
            && client.verify_otp(&user, &gstin, sim::DEMO_OTP).await.is_ok();
        if ok {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("could not log in again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_decisions_under_faults_are_applied_exactly_once() {
    let mut cfg = common::config(12_000);
    cfg.save_processing_ms = 30;
    cfg.burst_429_every = Some(9);
    // Short-lived tokens: the push refreshes them as it goes, and when one lapses anyway it
    // asks for a new login without losing anything.
    cfg.token_ttl_secs = 4;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let ctx = ctx(client.clone(), store.clone(), &sim);
    // A lapsed 4-second token during the pull means logging in again, as a user would.
    let mut tries = 0;
    let pulled = loop {
        match push::pull_sections(&ctx, &ACTIONABLE, 3).await {
            Ok(p) => break p,
            Err(e) if e.is_auth() && tries < 20 => {
                tries += 1;
                relogin(&sim, &client).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(pulled.iter().map(|p| p.records).sum::<usize>() >= 10_000, "{pulled:?}");

    let decisions = rejections(&store.lock().unwrap(), 10_000);
    assert_eq!(decisions.len(), 10_000);
    let report = store
        .lock()
        .unwrap()
        .stage("p", "tester", 1, &decisions, Utc::now())
        .unwrap();
    assert_eq!(report.staged, 10_000);

    sim.set_fault_rates(FaultRates {
        fault_rate: 0.2,
        drop_rate: 0.05,
        corrupt_rate: 0.05,
    });
    let (mut logins, mut offline) = (0, 0);
    loop {
        match push::push_all(&ctx).await {
            Ok(r) => {
                assert_eq!((r.rejected, r.conflicts), (0, 0), "{r:?}");
                break;
            }
            Err(PushError::LoginAgain { queued, .. }) => {
                assert!(queued > 0);
                logins += 1;
                relogin(&sim, &client).await;
            }
            Err(PushError::Offline { .. }) => offline += 1,
            Err(e) => panic!("{e}"),
        }
        assert!(logins + offline < 200, "push does not converge");
    }
    sim.set_fault_rates(FaultRates::default());
    eprintln!("pushed under faults: {logins} login(s) again, {offline} offline stop(s)");

    let gstin = &sim.taxpayers[0].gstin;
    for d in &decisions {
        let k = d.key();
        assert_eq!(sim.save_count(gstin, &k), 1, "{k}");
        assert_eq!(sim.record_action(gstin, &k), Some(Action::Rejected), "{k}");
    }
    {
        let s = store.lock().unwrap();
        assert!(s.outbox("p").unwrap().is_empty());
        assert!(s.open_sends("p").unwrap().is_empty());
        let journal = s.journal(Some("p")).unwrap();
        assert_eq!(journal.len(), 10_000);
        assert!(
            journal
                .iter()
                .all(|e| e.outcome.as_deref() == Some("applied") && e.reference_id.is_some())
        );
        // The cache shows the new actions without another pull.
        let cached = s.load_section("p", decisions[0].section).unwrap();
        let k = decisions[0].key();
        assert!(
            cached
                .iter()
                .any(|r| r.key(k.section) == k && r.action == Action::Rejected)
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplier_edit_between_pull_and_push_is_a_conflict_and_nothing_is_overwritten() {
    let sim = common::start(common::config(300)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let ctx = ctx(client, store.clone(), &sim);
    push::pull_sections(&ctx, &[Section::B2b], 1).await.unwrap();
    let mut ds = rejections(&store.lock().unwrap(), 3);
    ds.iter_mut().for_each(|d| d.target = Target::Set(Action::Pending));
    ds.retain(|d| !d.record.pending_blocked());
    let edited = ds[0].clone();
    let gstin = sim.taxpayers[0].gstin.clone();
    store.lock().unwrap().stage("p", "t", 1, &ds, Utc::now()).unwrap();
    sim.supplier_edit(&gstin, &edited.key());

    let r = push::push_all(&ctx).await.unwrap();
    assert_eq!((r.applied, r.conflicts), (ds.len() - 1, 1), "{r:?}");
    assert_eq!(sim.save_count(&gstin, &edited.key()), 0, "nothing overwritten");
    assert_eq!(sim.record_action(&gstin, &edited.key()), Some(Action::NoAction));
    let ob = store.lock().unwrap().outbox("p").unwrap();
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0].state, OutboxState::Conflict);
    let Some(Outcome::Conflict { current: Some(current) }) = &ob[0].last_outcome else {
        panic!("{:?}", ob[0].last_outcome)
    };
    assert_ne!(current.hash, edited.record.hash, "the user sees the new version");
    // A second push leaves the conflict alone until the user decides.
    assert_eq!(push::push_all(&ctx).await.unwrap().sent, 0);

    // Re-confirm on the current version: applied.
    let again = Decision {
        record: (**current).clone(),
        ..edited.clone()
    };
    store.lock().unwrap().stage("p", "t", 2, &[again], Utc::now()).unwrap();
    assert_eq!(push::push_all(&ctx).await.unwrap().applied, 1);
    assert_eq!(sim.record_action(&gstin, &edited.key()), Some(Action::Pending));
    assert!(store.lock().unwrap().outbox("p").unwrap().is_empty());
    sim.shutdown().await;
}

async fn next_matching(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<SyncEvent>,
    mut f: impl FnMut(&SyncEvent) -> bool,
) -> SyncEvent {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let e = rx.recv().await.expect("engine alive");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event arrives")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_stages_undoes_pushes_and_paints_the_cache_first() {
    let sim = common::start(common::config(200)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());
    next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.is_empty()),
    )
    .await;

    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::RecordsLoaded { .. })).await;
    let SyncEvent::RecordsLoaded {
        from_cache, records, ..
    } = e
    else {
        unreachable!()
    };
    assert!(!from_cache, "nothing cached yet");
    let recs: Vec<ImsRecord> = records.to_vec();
    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::RecordsLoaded { .. })).await;
    assert!(matches!(e, SyncEvent::RecordsLoaded { from_cache: true, .. }));

    let rec = recs
        .iter()
        .find(|r| r.action == Action::NoAction && r.flags().is_empty())
        .unwrap()
        .clone();
    let d = Decision {
        section: Section::B2b,
        record: rec.clone(),
        target: Target::Set(Action::Rejected),
        remarks: None,
        itc_reduction: None,
    };
    cmd.send(SyncCommand::Stage {
        batch: 7,
        decisions: vec![d.clone()],
    })
    .unwrap();
    next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.len() == 1 && staged[0].batch == 7),
    )
    .await;
    cmd.send(SyncCommand::Unstage { batch: 7 }).unwrap();
    next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.is_empty()),
    )
    .await;
    cmd.send(SyncCommand::Stage {
        batch: 8,
        decisions: vec![d.clone()],
    })
    .unwrap();
    cmd.send(SyncCommand::Push).unwrap();
    next_matching(&mut rx, |e| matches!(e, SyncEvent::Started { job: JobKind::Push })).await;
    let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::Outcome { .. })).await;
    assert!(
        matches!(e, SyncEvent::Outcome { ref key, outcome: Outcome::Applied } if *key == d.key()),
        "{e:?}"
    );
    next_matching(&mut rx, |e| matches!(e, SyncEvent::PushProgress { applied: 1, .. })).await;
    next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.is_empty()),
    )
    .await;
    assert_eq!(sim.save_count(&sim.taxpayers[0].gstin, &d.key()), 1);

    // A push with nothing to send still ends, so the spinner stops.
    cmd.send(SyncCommand::Push).unwrap();
    next_matching(&mut rx, |e| {
        matches!(
            e,
            SyncEvent::PushProgress {
                total: 0,
                applied: 0,
                rejected: 0,
                conflicts: 0,
                ..
            }
        )
    })
    .await;

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_record_failing_the_schema_is_rejected_alone() {
    let sim = common::start(common::config(300)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let ctx = ctx(client, store.clone(), &sim);
    push::pull_sections(&ctx, &[Section::B2b], 1).await.unwrap();
    let mut ds = rejections(&store.lock().unwrap(), 7);
    // A place of supply GSTN's schema refuses: the whole call comes back ER (IMSSAV005).
    ds[3].record.pos = "99".into();
    let bad = ds[3].key();
    store.lock().unwrap().stage("p", "t", 1, &ds, Utc::now()).unwrap();

    let r = push::push_all(&ctx).await.unwrap();
    assert_eq!((r.applied, r.rejected), (6, 1), "{r:?}");
    let gstin = &sim.taxpayers[0].gstin;
    for d in &ds {
        let want = if d.key() == bad { 0 } else { 1 };
        assert_eq!(sim.save_count(gstin, &d.key()), want, "{}", d.key());
    }
    let ob = store.lock().unwrap().outbox("p").unwrap();
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0].decision.key(), bad);
    assert!(
        matches!(&ob[0].last_outcome, Some(Outcome::Rejected { code, .. }) if code == "IMSSAV005"),
        "{:?}",
        ob[0].last_outcome
    );
    // Each journal entry names the call that settled it, never the first call GSTN refused
    // as a whole (that one settled nothing: it was split).
    let (sends, journal) = {
        let store = store.lock().unwrap();
        (store.send_history("p").unwrap(), store.journal(Some("p")).unwrap())
    };
    let first = sends[0].1.clone().expect("the first call was acknowledged");
    assert_eq!(journal.len(), 7);
    for e in &journal {
        let r = e.reference_id.as_deref().expect("every settled entry has a reference");
        assert_ne!(r, first, "{} keeps the refused call's reference", e.record);
        assert!(sends.iter().any(|(_, s, _)| s.as_deref() == Some(r)));
    }
    let bad_entry = journal.iter().find(|e| e.record == bad.to_string()).unwrap();
    assert!(
        journal
            .iter()
            .filter(|e| e.record != bad.to_string())
            .all(|e| e.reference_id != bad_entry.reference_id),
        "the bad record was settled by its own call"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_engine_refreshes_the_session_before_it_expires() {
    let mut cfg = common::config(50);
    cfg.token_ttl_secs = 600; // inside the 15-minute refresh window from the start
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let first = client.session().unwrap().token_expiry;
    let dir = tempfile::tempdir().unwrap();
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store(dir.path(), &sim), "p".into(), etx, PushPolicy::fast());
    let e = next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Session { expires_at: Some(t) } if *t > first),
    )
    .await;
    assert!(matches!(e, SyncEvent::Session { .. }));
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_engine_collects_sends_already_with_gstn_without_resending() {
    let mut cfg = common::config(200);
    cfg.save_processing_ms = 1_000;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let c = ctx(client.clone(), store.clone(), &sim);
    push::pull_sections(&c, &[Section::B2b], 1).await.unwrap();
    let ds = rejections(&store.lock().unwrap(), 5);
    store.lock().unwrap().stage("p", "t", 1, &ds, Utc::now()).unwrap();
    // A push that dies (like a killed process) once GSTN has the call and its reference is on disk.
    let job = tokio::spawn(async move { push::push_all(&c).await });
    let referenced = || {
        store
            .lock()
            .unwrap()
            .open_send_heads("p")
            .unwrap()
            .iter()
            .any(|s| s.reference_id.is_some())
    };
    while !referenced() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    job.abort();
    let _ = job.await;

    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());
    let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::Outbox { .. })).await;
    let SyncEvent::Outbox { staged } = e else {
        unreachable!()
    };
    assert_eq!(staged.len(), 5);
    assert!(
        staged.iter().all(|s| s.in_flight),
        "shown as with GSTN after the restart"
    );
    next_matching(&mut rx, |e| matches!(e, SyncEvent::PushProgress { applied: 5, .. })).await;
    let gstin = &sim.taxpayers[0].gstin;
    for d in &ds {
        assert_eq!(sim.save_count(gstin, &d.key()), 1);
    }
    assert!(store.lock().unwrap().outbox("p").unwrap().is_empty());
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

/// IMS is read-only per record: the engine reports the simulator's filed periods for the
/// records' own periods, and a push holding the decisions on records of a filed period
/// sends only the others; the held ones stay staged, and nothing of theirs reaches GSTN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_holds_the_decisions_on_records_of_a_filed_period() {
    let sim = common::start(common::config(400)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), &sim);
    let ctx = ctx(client.clone(), store.clone(), &sim);
    push::pull_sections(&ctx, &[Section::B2b], 1).await.unwrap();
    let filed = |d: &Decision| d.record.return_period().is_some_and(|p| sim.gstr3b_filed(p));
    // 15 decisions on records of filed periods, 15 on records of open ones.
    let all = rejections(&store.lock().unwrap(), usize::MAX);
    let (of_filed, of_open): (Vec<Decision>, Vec<Decision>) = all.into_iter().partition(|d| filed(d));
    let ds: Vec<Decision> = of_filed
        .into_iter()
        .take(15)
        .chain(of_open.into_iter().take(15))
        .collect();
    let held: HashSet<RecordKey> = ds.iter().filter(|d| filed(d)).map(Decision::key).collect();
    assert!(
        !held.is_empty() && held.len() < ds.len(),
        "both kinds among {}",
        ds.len()
    );

    // The engine answers for each period asked, as the simulator files them.
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());
    let mut periods: Vec<_> = ds.iter().filter_map(|d| d.record.return_period()).collect();
    periods.sort();
    periods.dedup();
    cmd.send(SyncCommand::Gstr3bPeriods {
        periods: periods.clone(),
    })
    .unwrap();
    for _ in 0..periods.len() {
        let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::Gstr3bState { .. })).await;
        let SyncEvent::Gstr3bState { period, filed, .. } = e else {
            unreachable!()
        };
        assert_eq!(filed, Some(sim.gstr3b_filed(period)), "{period}");
    }
    cmd.send(SyncCommand::Shutdown).unwrap();
    let _ = handle.await;

    store.lock().unwrap().stage("p", "t", 1, &ds, Utc::now()).unwrap();
    let r = push::push_except(&ctx, &held).await.unwrap();
    assert_eq!(r.applied, ds.len() - held.len(), "{r:?}");
    let gstin = &sim.taxpayers[0].gstin;
    for d in &ds {
        let want = u32::from(!held.contains(&d.key()));
        assert_eq!(sim.save_count(gstin, &d.key()), want, "{}", d.key());
    }
    let left: HashSet<RecordKey> = store
        .lock()
        .unwrap()
        .outbox("p")
        .unwrap()
        .iter()
        .map(|o| o.decision.key())
        .collect();
    assert_eq!(left, held, "the held decisions stay queued");
    sim.shutdown().await;
}
