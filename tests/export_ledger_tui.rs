//! The Export Ledger popup end to end: simulator over loopback → real client → sync engine
//! (GSTR-1/1A + GSTR-3B fetch, CSV written to a real downloads folder) → app model → ratatui
//! TestBackend at 80×24.

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
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

fn draw(state: &AppState) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| gstdash::ui::render(f, state)).unwrap();
    t.backend().to_string()
}

fn key(state: &mut AppState, c: char, cmd: &UnboundedSender<SyncCommand>) {
    for c in update(state, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))) {
        cmd.send(c).unwrap();
    }
}

/// Feeds events into the model until `done` says so.
async fn until(
    state: &mut AppState,
    rx: &mut UnboundedReceiver<SyncEvent>,
    mut done: impl FnMut(&SyncEvent) -> bool,
) -> SyncEvent {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("engine answers")
            .expect("engine alive");
        if let SyncEvent::Failed { message, .. } = &ev {
            panic!("job failed: {message}");
        }
        let hit = done(&ev);
        let _ = update(state, Msg::Sync(ev.clone()));
        if hit {
            return ev;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_ledger_popup_from_simulator_with_real_downloads() {
    let mut cfg = common::config(100);
    cfg.today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let tp = sim.taxpayers[0].clone();
    // The export ledger's cache belongs to the profile.
    store
        .upsert_profile(&gstdash::store::StoredProfile {
            name: "demo".into(),
            gstin: tp.gstin.clone(),
            username: tp.username.clone(),
            base_url: sim.base_url.clone(),
            updated_at: Utc::now(),
        })
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let info = ProfileInfo {
        name: "demo".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        environment_label: "simulator".into(),
    };
    let (ev_tx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn(client.clone(), store, "demo".into(), ev_tx);
    let mut state = AppState::new(info, ReturnPeriod::new(2024, 9).unwrap(), ThemeName::Mono);
    let downloads = dir.path().join("Downloads");
    state.downloads_dir = Some(downloads.clone());
    let _ = update(&mut state, Msg::Tick(Utc::now()));

    key(&mut state, 'e', &cmd);
    until(&mut state, &mut rx, |e| {
        matches!(e, SyncEvent::ExportLedgerLoaded { .. })
    })
    .await;
    let screen = draw(&state);
    assert!(screen.contains("Net IGST balance ₹0.00"), "{screen}");
    assert!(screen.contains("not an official GSTN figure"), "{screen}");
    assert!(screen.contains("Negative Aug 2024 to Oct 2024"), "{screen}");
    insta::with_settings!({filters => vec![
        (r"Data as on \d\d-\d\d-\d{4} \d\d:\d\d", "Data as on [time]"),
        (r"session \d+ h \d+ min left", "session [time] left"),
    ]}, {
        insta::assert_snapshot!("export_ledger_live_80x24", screen);
    });

    key(&mut state, 'd', &cmd);
    let SyncEvent::FileWritten { path: ledger_csv, .. } =
        until(&mut state, &mut rx, |e| matches!(e, SyncEvent::FileWritten { .. })).await
    else {
        unreachable!()
    };
    key(&mut state, 't', &cmd);
    let SyncEvent::FileWritten { path: tx_csv, .. } =
        until(&mut state, &mut rx, |e| matches!(e, SyncEvent::FileWritten { .. })).await
    else {
        unreachable!()
    };
    assert!(ledger_csv.starts_with(&downloads) && tx_csv.starts_with(&downloads));
    let ledger = std::fs::read_to_string(&ledger_csv).unwrap();
    let tx = std::fs::read_to_string(&tx_csv).unwrap();
    assert_eq!(ledger.lines().count(), 1 + 25, "{ledger}");
    assert!(
        ledger.contains(",R3B,Credit,") && ledger.contains(",R1A,Debit,"),
        "{ledger}"
    );
    assert_eq!(tx.lines().count(), 1 + 12, "{tx}");
    // The downloaded August row agrees with the API: 3.1(b) IGST as GSTR-3B reports it.
    let aug = client
        .gstr3b_details(ReturnPeriod::new(2024, 8).unwrap())
        .await
        .unwrap()
        .unwrap();
    let row = tx.lines().find(|l| l.starts_with("082024,")).unwrap();
    let cols: Vec<&str> = row.split(',').collect();
    assert_eq!(
        cols[10].parse::<rust_decimal::Decimal>().unwrap(),
        aug.sup_details.osup_zero.iamt.0,
        "{row}"
    );
    // The toast names the file.
    assert!(draw(&state).contains("Saved"));

    // The ICEGATE screen from the popup, on September 2024, with ICEGATE's own responses
    // imported from a file through the path prompt.
    key(&mut state, 'i', &cmd);
    let Some(gstdash::app::Popup::Icegate(screen)) = &state.popup else {
        panic!("{:?}", state.popup)
    };
    let sep = ReturnPeriod::new(2024, 9).unwrap();
    assert_eq!(screen.month, sep);
    let t = gstdash::app::icegate::tracking(&state, screen).unwrap();
    let sent: Vec<_> = t
        .invoices
        .iter()
        .filter(|i| matches!(i.status, gstdash::domain::icegate::Status::Transmitted { .. }))
        .collect();
    assert!(!sent.is_empty(), "{:#?}", t.invoices);
    let rejected = sent[0].clone();
    let csv = dir.path().join("icegate responses.csv");
    std::fs::write(
        &csv,
        format!(
            "Invoice No,Invoice Date,Response Code\n{},{},SB003\n",
            rejected.inum, rejected.idt
        ),
    )
    .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "Invoice No,Invoice Date,Response Code\nX1,01-09-2024,OK\n").unwrap();
    let import = |state: &mut AppState, path: &std::path::Path| {
        key(state, 'm', &cmd);
        for c in update(
            state,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        ) {
            cmd.send(c).unwrap();
        }
        for c in path.display().to_string().chars() {
            key(state, c, &cmd);
        }
        for c in update(state, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))) {
            cmd.send(c).unwrap();
        }
    };
    import(&mut state, &bad);
    until(&mut state, &mut rx, |e| matches!(e, SyncEvent::IcegateVerdicts { .. })).await;
    let screen_text = draw(&state);
    assert!(
        screen_text.contains("Could not import ICEGATE") && screen_text.contains("line 2, column"),
        "{screen_text}"
    );
    import(&mut state, &csv);
    until(&mut state, &mut rx, |e| matches!(e, SyncEvent::IcegateVerdicts { .. })).await;
    let Some(gstdash::app::Popup::Icegate(screen)) = &state.popup else {
        panic!()
    };
    let t = gstdash::app::icegate::tracking(&state, screen).unwrap();
    let rejected_line = &t.counts()[7];
    assert_eq!(
        (rejected_line.label.as_str(), rejected_line.count),
        ("Rejected by ICEGATE", 1)
    );
    assert_eq!(rejected_line.tax, rejected.tax);
    let screen_text = draw(&state);
    assert!(
        screen_text.contains("1 imported from icegate responses.csv"),
        "{screen_text}"
    );
    // The failed invoices, the rejected one among them, to the downloads folder.
    key(&mut state, 'D', &cmd);
    let SyncEvent::FileWritten { path: failed_csv, .. } =
        until(&mut state, &mut rx, |e| matches!(e, SyncEvent::FileWritten { .. })).await
    else {
        unreachable!()
    };
    assert!(failed_csv.starts_with(&downloads));
    let failed = std::fs::read_to_string(&failed_csv).unwrap();
    assert_eq!(failed.lines().count(), 1 + t.failed().count(), "{failed}");
    assert!(failed.contains(&rejected.inum) && failed.contains("SB003"), "{failed}");

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
