//! The Ledgers screen end to end: simulator → client (six-month slices, stitched) → engine →
//! model → TestBackend at 80×24.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gstdash::app::msg::Msg;
use gstdash::app::state::{AppState, ProfileInfo, ThemeName};
use gstdash::app::update::update;
use gstdash::domain::ReturnPeriod;
use gstdash::store::Store;
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn draw(state: &AppState) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| gstdash::ui::render(f, state)).unwrap();
    t.backend().to_string()
}

fn press(state: &mut AppState, code: KeyCode) -> Vec<SyncCommand> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledgers_screen_from_simulator() {
    let mut cfg = common::config(100);
    cfg.today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let sim = common::start(cfg).await;
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
    let (cmd, handle) = engine::spawn(client.clone(), store, "demo".into(), ev_tx);
    let period = ReturnPeriod::new(2024, 9).unwrap();
    let mut state = AppState::new(info, period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    let cmds = press(&mut state, KeyCode::Char('L'));
    assert_eq!(cmds, vec![SyncCommand::RefreshLedgers { period }]);
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
        let done = matches!(ev, SyncEvent::LedgersLoaded { .. });
        let _ = update(&mut state, Msg::Sync(ev));
        if done {
            break;
        }
    }
    let d = &state.ledgers.by_period[&period].value;
    // April–September: the range asked for, every check passing, and the stitched closing
    // cash balance equal to the balance API's cash total at the end of September.
    assert_eq!(
        (d.from, d.to),
        (period.financial_year().periods()[0].first_day(), period.last_day())
    );
    assert!(d.cash_warnings.is_empty() && d.itc_warnings.is_empty() && d.tax_warnings.is_empty());
    let bal = client.ledger_balance(period).await.unwrap();
    assert_eq!(d.cash.cl_bal.tot_rng_bal, bal.cash_bal.total());
    let filters = vec![
        (r"session \d+ h \d+ min left", "session [time] left"),
        (r"fetched [^·│]*ago|fetched just now", "fetched [age]"),
    ];
    let screen = draw(&state);
    assert!(screen.contains("all checks pass"), "{screen}");
    assert!(screen.contains("Opening balance"), "{screen}");
    insta::with_settings!({filters => filters.clone()}, {
        insta::assert_snapshot!("ledgers_cash_80x24", screen);
    });
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Char('v'));
    let screen = draw(&state);
    assert!(screen.contains("[ITC ledger]") && screen.contains("CGST"), "{screen}");
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("ledgers_itc_per_head_80x24", screen);
    });
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
