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
    let (from, to) = (period.financial_year().periods()[0].first_day(), period.last_day());
    assert_eq!(cmds, vec![SyncCommand::RefreshLedgers { period, from, to }]);
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
    insta::with_settings!({filters => filters.clone()}, {
        insta::assert_snapshot!("ledgers_itc_per_head_80x24", screen);
    });

    // `d`: From/To of the cash and ITC ledgers. A bad date names the field and the forms.
    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Tab);
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    for c in "31-02-2024".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    let screen = draw(&state);
    assert!(screen.contains("To \"31-02-2024\" is not a date"), "{screen}");
    let mut range_filters = filters.clone();
    range_filters.push((r"today, \d\d-\d\d-\d{4}", "today, [date]"));
    insta::with_settings!({filters => range_filters}, {
        insta::assert_snapshot!("ledgers_range_input_80x24", screen);
    });
    // To before From is refused too.
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    for c in "2023-09-30".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Tab);
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    for c in "01-10-2023".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(draw(&state).contains("is before From"), "{}", draw(&state));
    // Twelve months across two financial years: two slices, stitched by the engine.
    press(&mut state, KeyCode::Tab);
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    for c in "2024-09-30".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    let from = NaiveDate::from_ymd_opt(2023, 10, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
    let cmds = press(&mut state, KeyCode::Enter);
    assert_eq!(cmds, vec![SyncCommand::RefreshLedgers { period, from, to }]);
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
    let d = state.ledgers.by_period[&period].value.clone();
    assert_eq!((d.from, d.to), (from, to));
    assert!(
        d.cash_warnings.is_empty() && d.itc_warnings.is_empty(),
        "{:?}",
        d.cash_warnings
    );
    assert_eq!(
        d.cash.cl_bal.tot_rng_bal,
        bal.cash_bal.total(),
        "running balance continues across slices"
    );
    let whole = client
        .ledger_cash(from, NaiveDate::from_ymd_opt(2024, 3, 31).unwrap())
        .await
        .unwrap();
    assert_eq!(
        d.cash.op_bal.tot_rng_bal, whole.op_bal.tot_rng_bal,
        "opening of the first slice"
    );
    assert!(draw(&state).contains("(your dates)"));

    // `D` on the ITC tab: the chooser, then CSV through the engine; read back cell by cell.
    let downloads = dir.path().join("downloads");
    state.downloads_dir = Some(downloads.clone());
    assert!(press(&mut state, KeyCode::Char('D')).is_empty());
    let screen = draw(&state);
    assert!(screen.contains("Excel workbook") && screen.contains("CSV"), "{screen}");
    let cmds = press(&mut state, KeyCode::Char('c'));
    assert_eq!(cmds.len(), 1);
    for c in cmds {
        cmd.send(c).unwrap();
    }
    let path = loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let _ = update(&mut state, Msg::Sync(ev.clone()));
        match ev {
            SyncEvent::FileWritten { path, .. } => break path,
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    };
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with(&format!("ledger-itc-{}-20231001-20240930-", tp.gstin)),
        "{name}"
    );
    assert!(path.is_absolute() && path.starts_with(&downloads), "{}", path.display());
    assert!(
        state
            .toasts
            .items()
            .iter()
            .any(|t| t.message.contains(&path.display().to_string())),
        "the toast shows the full path"
    );
    let mut rd = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "Date");
    assert_eq!(header[10], "Balance");
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), d.itc.details.tr.len() + 2, "opening, every entry, closing");
    assert_eq!(&rows[0][1], "Opening balance");
    for (row, tr) in rows[1..].iter().zip(&d.itc.details.tr) {
        assert_eq!(&row[1], tr.ref_no.as_str());
        assert_eq!(row[9].parse::<rust_decimal::Decimal>().unwrap(), tr.tot_tr_amt.0);
        assert_eq!(row[10].parse::<rust_decimal::Decimal>().unwrap(), tr.tot_rng_bal.0);
        let date = NaiveDate::parse_from_str(&row[0], "%Y-%m-%d").unwrap();
        assert!(date >= from && date <= to, "{date}");
    }
    let last = rows.last().unwrap();
    assert_eq!(&last[1], "Closing balance");
    assert_eq!(
        last[10].parse::<rust_decimal::Decimal>().unwrap(),
        d.itc.details.cl_bal.tot_rng_bal.0
    );
    // The same again as a workbook: a new file (never the CSV overwritten), money as numbers.
    state.in_flight.clear();
    press(&mut state, KeyCode::Char('D'));
    let cmds = press(&mut state, KeyCode::Char('x'));
    for c in cmds {
        cmd.send(c).unwrap();
    }
    let xlsx = loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match ev {
            SyncEvent::FileWritten { path, .. } => break path,
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    };
    assert!(xlsx.extension().unwrap() == "xlsx" && path.exists());
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let r = wb.worksheet_range("ITC ledger").unwrap();
    let closing = r.rows().nth(rows.len()).unwrap();
    assert_eq!(closing[1], Data::String("Closing balance".into()));
    match &closing[10] {
        Data::Float(f) => assert_eq!(
            f.to_string().parse::<rust_decimal::Decimal>().unwrap(),
            d.itc.details.cl_bal.tot_rng_bal.0
        ),
        other => panic!("closing balance is not a number: {other:?}"),
    }
    assert!(!d.itc.details.tr.is_empty());
    match &r.rows().nth(2).unwrap()[0] {
        Data::DateTime(_) => {}
        other => panic!("dates are date cells: {other:?}"),
    }

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}
