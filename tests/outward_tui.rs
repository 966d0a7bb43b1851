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
    let (cmd, handle) = engine::spawn(client.clone(), store, "demo".into(), ev_tx);
    let cmd = &cmd;
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

    // D on the summary: a workbook with the summary and the added-back records, whose Total
    // row is what comes back to the supplier's liability.
    let downloads = dir.path().join("downloads");
    state.downloads_dir = Some(downloads.clone());
    let key = |c: KeyCode| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    update(&mut state, key(KeyCode::Char('D')));
    let cmds = update(&mut state, key(KeyCode::Char('x')));
    let xlsx = written(&mut state, cmds, cmd, &mut rx).await;
    {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec!["Outward summary".to_string(), "Added back".to_string()]
        );
        let r = wb.worksheet_range("Added back").unwrap();
        let total = r
            .rows()
            .find(|row| row[0] == Data::String("Total".into()))
            .expect("total row");
        let added = client.added_back_liabilities(period).await.unwrap();
        let [_, igst, ..] = added.totals();
        match &total[9] {
            Data::Float(f) => assert_eq!(f.to_string().parse::<rust_decimal::Decimal>().unwrap(), igst.0),
            other => panic!("IGST total is not a number: {other:?}"),
        }
    }

    // Tab: the records on the shared table; sort by value (largest first) and filter.
    let saved = state.toasts.items().last().unwrap().message.clone();
    assert!(
        saved.contains(&xlsx.display().to_string()),
        "the toast names the full path: {saved}"
    );
    state.toasts = Default::default();
    update(&mut state, key(KeyCode::Tab));
    for _ in 0..6 {
        update(&mut state, key(KeyCode::Char('l')));
    }
    update(&mut state, key(KeyCode::Char('s')));
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| gstdash::ui::render(f, &state)).unwrap();
    let screen = t.backend().to_string();
    assert!(
        screen.contains("Summary [Records]") && screen.contains("Value▼"),
        "{screen}"
    );
    insta::with_settings!({filters => vec![
        (r"session \d+ h \d+ min left", "session [time] left"),
        (r"fetched [^·│]*ago|fetched just now", "fetched [age]"),
    ]}, {
        insta::assert_snapshot!("outward_records_80x24", screen);
    });
    let view = |state: &AppState| match &state.popup {
        Some(gstdash::app::Popup::Outward(p)) => p.table.view.clone(),
        _ => panic!("outward popup closed"),
    };
    let recs = state.outward.by_period[&period].value.records.clone();
    let v = view(&state);
    assert!(v.windows(2).all(|w| recs[w[0] as usize].val >= recs[w[1] as usize].val));
    update(&mut state, key(KeyCode::Char('/')));
    for c in doc.chars() {
        update(&mut state, key(KeyCode::Char(c)));
    }
    update(&mut state, key(KeyCode::Enter));
    let v = view(&state);
    assert!(
        !v.is_empty() && v.iter().all(|i| recs[*i as usize].doc.contains(&doc)),
        "{v:?}"
    );
    assert!(v.iter().any(|i| recs[*i as usize].action == Action::Rejected));

    // D on the filtered records, as CSV (remembered choice is xlsx; c picks CSV).
    update(&mut state, key(KeyCode::Char('D')));
    let cmds = update(&mut state, key(KeyCode::Char('c')));
    let csv_path = written(&mut state, cmds, cmd, &mut rx).await;
    let mut rd = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        gstdash::export::tables::OUTWARD_RECORD_COLUMNS
            .map(String::from)
            .to_vec()
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), v.len());
    for (row, i) in rows.iter().zip(&v) {
        let r = &recs[*i as usize];
        assert_eq!(&row[2], r.ctin.as_str());
        assert_eq!(&row[3], r.doc.as_str());
        assert_eq!(row[6].parse::<rust_decimal::Decimal>().unwrap(), r.val.0);
        assert_eq!(row[8].parse::<rust_decimal::Decimal>().unwrap(), r.iamt.0);
        assert_eq!(&row[13], r.action.label());
        assert!(["yes", "no"].contains(&&row[14]), "{}", &row[14]);
    }

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

/// Sends a download command and waits for the file, feeding every event to the model.
async fn written(
    state: &mut AppState,
    cmds: Vec<SyncCommand>,
    cmd: &tokio::sync::mpsc::UnboundedSender<SyncCommand>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<SyncEvent>,
) -> std::path::PathBuf {
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    for c in cmds {
        cmd.send(c).unwrap();
    }
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let _ = update(state, Msg::Sync(ev.clone()));
        match ev {
            SyncEvent::FileWritten { path, .. } => break path,
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}
