//! "Changes since the last pull" end to end: the engine pulls a section from the simulator,
//! a supplier edits a document, the next pull names the document and the fields that changed,
//! and the list is in the store for the next start.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use gstdash::domain::{Action, ReturnPeriod, Section};
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::changes::ChangeKind;
use gstdash::sync::push::PushPolicy;
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

async fn next_matching(rx: &mut UnboundedReceiver<SyncEvent>, mut f: impl FnMut(&SyncEvent) -> bool) -> SyncEvent {
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
async fn a_supplier_edit_between_two_pulls_is_listed_with_the_changed_fields() {
    let sim = common::start(common::config(300)).await;
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
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());

    // First pull: nothing to compare with, so no change list.
    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| {
        matches!(e, SyncEvent::RecordsLoaded { from_cache: false, .. })
    })
    .await;
    let SyncEvent::RecordsLoaded { records, .. } = e else {
        unreachable!()
    };
    assert!(store.lock().unwrap().pull_changes("p").unwrap().is_empty());

    let edited = records
        .iter()
        .find(|r| r.action == Action::Accepted)
        .expect("an accepted record")
        .key(Section::B2b);
    let gstin = sim.taxpayers[0].gstin.clone();
    sim.supplier_edit(&gstin, &edited);

    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| matches!(e, SyncEvent::PullChanges { .. })).await;
    let SyncEvent::PullChanges { changes, from_cache } = e else {
        unreachable!()
    };
    assert!(!from_cache);
    assert_eq!(changes.section, Section::B2b);
    assert_eq!(changes.changes.len(), 1, "{:?}", changes.changes);
    let c = &changes.changes[0];
    assert_eq!((c.kind, &c.key), (ChangeKind::Changed, &edited));
    let fields: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"taxable value"), "{fields:?}");
    let action = c
        .fields
        .iter()
        .find(|f| f.field == "action")
        .expect("the action was reset");
    assert_eq!((action.old.as_str(), action.new.as_str()), ("Accepted", "No action"));
    assert_eq!(changes.summary(), "B2B: 1 changed");

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();

    // What the next start paints before any network call.
    let period = ReturnPeriod::of_date(Utc::now().date_naive());
    let events = engine::cached_events(&store.lock().unwrap(), "p", period);
    let cached = events
        .iter()
        .find_map(|e| match e {
            SyncEvent::PullChanges {
                changes,
                from_cache: true,
            } => Some(changes.clone()),
            _ => None,
        })
        .expect("the list survives a restart");
    assert_eq!(cached, changes);
    sim.shutdown().await;
}
