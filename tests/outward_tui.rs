//! The outward supplies popup end to end: a recipient's rejection in the simulator shows in
//! the supplier's view, through client → engine → model → TestBackend at 80×24.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gstdash::app::msg::Msg;
use gstdash::app::state::{AppState, ProfileInfo, ThemeName};
use gstdash::app::update::update;
use gstdash::domain::{Action, ReturnPeriod, Section};
use gstdash::store::Store;
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outward_popup_shows_recipients_rejections() {
    let mut cfg = common::config(8_000);
    cfg.today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let sim = common::start(cfg).await;
    // A period where a recipient rejected a credit/debit note or amendment of supplier #0.
    let mut rejected: Vec<(String, String)> = vec![];
    for tp in &sim.taxpayers[1..] {
        let stin = sim.suppliers(&tp.gstin)[0].gstin.clone();
        for sec in [
            Section::B2ba,
            Section::B2bCn,
            Section::B2bDn,
            Section::B2bCna,
            Section::B2bDna,
        ] {
            for r in sim.records(&tp.gstin, sec) {
                if r.stin == stin && r.action == Action::Rejected {
                    rejected.push((
                        r.rtnprd.clone(),
                        r.nt_num.clone().or(r.inum.clone()).unwrap_or_default(),
                    ));
                }
            }
        }
    }
    rejected.sort();
    let (wire, doc) = rejected.first().cloned().expect("a rejected note of supplier #0");
    let period = ReturnPeriod::from_wire(&wire).unwrap();

    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open_in(dir.path()).unwrap()));
    let tp = sim.taxpayers[0].clone();
    let info = ProfileInfo {
        name: "demo".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        environment_label: "simulator".into(),
    };
    let (ev_tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, handle) = engine::spawn(client, store, "demo".into(), ev_tx);
    let mut state = AppState::new(info, period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    let cmds = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE)),
    );
    assert_eq!(cmds, vec![SyncCommand::RefreshOutward { period }]);
    for c in cmds {
        cmd.send(c).unwrap();
    }
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if let SyncEvent::Failed { message, .. } = &ev {
            panic!("{message}");
        }
        let done = matches!(ev, SyncEvent::OutwardLoaded { .. });
        let _ = update(&mut state, Msg::Sync(ev));
        if done {
            break;
        }
    }
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| gstdash::ui::render(f, &state)).unwrap();
    let screen = t.backend().to_string();
    assert!(screen.contains("Rejected records (liability added back)"), "{screen}");
    assert!(
        screen.contains(&doc[..doc.len().min(16)]),
        "{doc} not on screen: {screen}"
    );
    let n = rejected.iter().filter(|(w, _)| *w == wire).count();
    assert!(screen.contains(&format!("{n} record(s)")), "{screen}");
    insta::with_settings!({filters => vec![
        (r"session \d+ h \d+ min left", "session [time] left"),
        (r"fetched [^·│]*ago|fetched just now", "fetched [age]"),
    ]}, {
        insta::assert_snapshot!("outward_80x24", screen);
    });
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
