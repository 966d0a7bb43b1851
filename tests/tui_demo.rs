//! The dashboard end to end: simulator over loopback → real client → sync engine → SQLite →
//! app model → ratatui TestBackend, at 80×24. Then a restart paints the same figures from
//! the cache before any network call.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gstdash::app::msg::Msg;
use gstdash::app::state::{AppState, ProfileInfo, ThemeName};
use gstdash::app::update::{start, update};
use gstdash::domain::{GoodsType, ReturnPeriod};
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

fn draw(state: &AppState, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| gstdash::ui::render(f, state)).unwrap();
    t.backend().to_string()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Feeds engine events into the model until every panel has loaded.
async fn settle(
    state: &mut AppState,
    rx: &mut UnboundedReceiver<SyncEvent>,
    cmd: &tokio::sync::mpsc::UnboundedSender<SyncCommand>,
) {
    let mut counts = 0;
    let mut balance = false;
    // Until the dashboard's data is in and no job is left in flight (the GSTR-3B / 2B check
    // of the period answers after the counts; a spinner would make the snapshot racy).
    while counts < 3 || !balance || !state.in_flight.is_empty() {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("engine answers")
            .expect("engine alive");
        match &ev {
            SyncEvent::CountsLoaded { from_cache: false, .. } => counts += 1,
            SyncEvent::BalanceLoaded { from_cache: false, .. } => balance = true,
            SyncEvent::Failed { message, .. } => panic!("job failed: {message}"),
            _ => {}
        }
        for c in update(state, Msg::Sync(ev)) {
            cmd.send(c).unwrap();
        }
    }
    let _ = update(state, Msg::Tick(Utc::now()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_from_simulator_and_then_from_cache() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut cfg = common::config(1_000);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let tp = sim.taxpayers[0].clone();
    store
        .upsert_profile(&StoredProfile {
            name: "demo".into(),
            gstin: tp.gstin.clone(),
            username: tp.username.clone(),
            base_url: sim.base_url.clone(),
            updated_at: Utc::now(),
        })
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let period = ReturnPeriod::new(2026, 10).unwrap();
    let info = ProfileInfo {
        name: "demo".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        environment_label: "simulator".into(),
    };

    let (ev_tx, mut ev_rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn(client.clone(), store.clone(), "demo".into(), ev_tx);
    let mut state = AppState::new(info.clone(), period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    for c in start(&mut state) {
        cmd.send(c).unwrap();
    }
    settle(&mut state, &mut ev_rx, &cmd).await;
    let screen = draw(&state, 80, 24);
    insta::with_settings!({filters => vec![(r"session \d+ h \d+ min left", "session [time] left")]}, {
        insta::assert_snapshot!("dashboard_live_80x24", screen);
    });
    // The grid shows the simulator's own counts.
    let g = client.ims_count(GoodsType::Others).await.unwrap();
    let total = gstdash::domain::Money::from(g.ttl_cnt as i64).inr();
    assert!(screen.contains(total.trim_end_matches(".00")), "{screen}");

    // Keys drive the model: the ISD tab, then the previous period (a new balance fetch).
    let _ = update(&mut state, key('2'));
    assert!(draw(&state, 80, 24).contains("ISD invoices"));
    let cmds = update(&mut state, key('['));
    assert_eq!(cmds, vec![SyncCommand::RefreshBalance { period: period.prev() }]);
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();

    // A restart with the network gone paints from the cache and says so.
    sim.shutdown().await;
    let cached = engine::cached_events(&store.lock().unwrap(), "demo", period);
    let dashboard = cached
        .iter()
        .filter(|e| matches!(e, SyncEvent::CountsLoaded { .. } | SyncEvent::BalanceLoaded { .. }))
        .count();
    assert_eq!(dashboard, 4, "three count groups and the balance");
    // Besides them, what the IMS screen learnt: supplier names and the period's GSTR-3B state.
    assert_eq!(cached.len(), 6, "{cached:?}");
    let mut again = AppState::new(info, period, ThemeName::Mono);
    let _ = update(&mut again, Msg::Tick(Utc::now()));
    for e in cached {
        again.preload(e);
    }
    let screen = draw(&again, 80, 24);
    assert!(screen.contains("cached"), "{screen}");
    assert!(screen.contains("B2B invoices"), "{screen}");
}

/// The README's key table is written by hand; this keeps it true to the keymap.
#[test]
fn readme_lists_every_dashboard_key() {
    use gstdash::app::keymap::{Context, DEFAULT_BINDINGS};
    let readme = include_str!("../README.md");
    for b in DEFAULT_BINDINGS
        .iter()
        .filter(|b| matches!(b.context, Context::Dashboard | Context::Global))
    {
        assert!(readme.contains(b.desc), "README misses {:?}", b.desc);
    }
}

/// `D` on the record table: the view (here: B2B sorted by taxable value, largest first, a
/// filtered subset) goes to a real .xlsx through the engine, rows in screen order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_excel_writes_the_view_in_screen_order() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let sim = common::start(common::config(300)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open_in(dir.path()).unwrap()));
    let records = Arc::new(client.ims_invoices(gstdash::domain::Section::B2b, None).await.unwrap());
    let mut view: Vec<u32> = (0..records.len() as u32).filter(|i| i % 3 == 0).collect();
    view.sort_by(|a, b| records[*b as usize].txval.cmp(&records[*a as usize].txval));
    let (ev_tx, mut ev_rx) = unbounded_channel();
    let (cmd, _h) = engine::spawn(client.clone(), store, "demo".into(), ev_tx);
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    cmd.send(SyncCommand::Export {
        source: gstdash::export::ExportSource::ImsRecords {
            section: gstdash::domain::Section::B2b,
            records: records.clone(),
            view: view.clone(),
            shown: None,
        },
        format: gstdash::export::FileFormat::Xlsx,
        target: gstdash::export::OutTarget::new(None, downloads.clone(), "ims-b2b-test".into()),
        what: "B2B view".into(),
    })
    .unwrap();
    let path = loop {
        match tokio::time::timeout(Duration::from_secs(20), ev_rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            SyncEvent::FileWritten { path, .. } => break path,
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    };
    assert!(path.starts_with(&downloads), "{}", path.display());
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let doc_col = header
        .iter()
        .position(|h| h.contains("Document"))
        .expect("document column");
    let docs: Vec<String> = range
        .rows()
        .skip(1)
        .take(view.len())
        .map(|r| r[doc_col].to_string())
        .collect();
    let want: Vec<String> = view
        .iter()
        .map(|i| records[*i as usize].doc_number().to_string())
        .collect();
    assert_eq!(docs, want, "rows in screen order");
    assert!(
        matches!(range.rows().nth(1).unwrap()[doc_col], Data::String(_)),
        "document numbers are text"
    );
    cmd.send(SyncCommand::Shutdown).unwrap();
    sim.shutdown().await;
}

/// The session expires and cannot be refreshed: `O` in the app asks the engine for an OTP,
/// the engine verifies it, stores the new tokens, and work goes on — nothing restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_again_from_the_app_restores_the_session() {
    let mut cfg = common::config(100);
    // Long enough for the steps after the new login, short enough to wait out first.
    cfg.token_ttl_secs = 3;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let tp = sim.taxpayers[0].clone();
    store
        .upsert_profile(&StoredProfile {
            name: "demo".into(),
            gstin: tp.gstin.clone(),
            username: tp.username.clone(),
            base_url: sim.base_url.clone(),
            updated_at: Utc::now(),
        })
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let sink = store.clone();
    let client = client.on_session(Arc::new(move |t: &gstdash::api::TaxpayerTokens| {
        sink.lock()
            .unwrap()
            .save_taxpayer_session("demo", &t.token, t.token_expiry, t.session_expiry, Utc::now())
            .unwrap();
    }));
    tokio::time::sleep(Duration::from_millis(3300)).await;
    let (ev_tx, mut ev_rx) = unbounded_channel();
    let (cmd, _h) = engine::spawn(client.clone(), store.clone(), "demo".into(), ev_tx);
    // The next event that `keep` accepts; everything else (start-up outbox, spinners) is skipped.
    let mut wait = async |keep: &dyn Fn(&SyncEvent) -> bool| loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), ev_rx.recv())
            .await
            .unwrap()
            .unwrap();
        if keep(&ev) {
            return ev;
        }
    };
    // With the token gone, a refresh fails and says to log in again.
    cmd.send(SyncCommand::RefreshCounts {
        goods: GoodsType::Others,
    })
    .unwrap();
    let ev = wait(&|e| {
        matches!(
            e,
            SyncEvent::Failed { .. } | SyncEvent::CountsLoaded { from_cache: false, .. }
        )
    })
    .await;
    assert!(
        matches!(&ev, SyncEvent::Failed { message, .. } if message.contains("log in again")),
        "{ev:?}"
    );

    cmd.send(SyncCommand::SendOtp).unwrap();
    let ev = wait(&|e| matches!(e, SyncEvent::OtpSent | SyncEvent::Failed { .. })).await;
    assert!(matches!(ev, SyncEvent::OtpSent), "{ev:?}");
    cmd.send(SyncCommand::VerifyOtp {
        otp: gstdash::secret::Secret::new(gstdash::sim::DEMO_OTP),
    })
    .unwrap();
    let ev = wait(&|e| matches!(e, SyncEvent::Session { expires_at: Some(_) } | SyncEvent::Failed { .. })).await;
    let SyncEvent::Session { expires_at: Some(exp) } = ev else {
        panic!("{ev:?}")
    };
    let stored = store
        .lock()
        .unwrap()
        .load_tokens("demo")
        .unwrap()
        .unwrap()
        .taxpayer
        .unwrap();
    assert_eq!(
        stored.token_expiry.timestamp(),
        exp.timestamp(),
        "the new session is on disk"
    );
    cmd.send(SyncCommand::RefreshCounts {
        goods: GoodsType::Others,
    })
    .unwrap();
    let ev = wait(&|e| {
        matches!(
            e,
            SyncEvent::Failed { .. } | SyncEvent::CountsLoaded { from_cache: false, .. }
        )
    })
    .await;
    assert!(matches!(ev, SyncEvent::CountsLoaded { .. }), "{ev:?}");
    cmd.send(SyncCommand::Shutdown).unwrap();
    sim.shutdown().await;
}
