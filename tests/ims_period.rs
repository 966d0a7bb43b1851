//! What the IMS screen learns about a period besides its records, end to end against the
//! simulator over loopback: GSTR-3B filed ⇒ read-only (engine → app refuses, the CLI
//! refuses), and supplier trade names from a paginated GSTR-2B.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Local, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gstdash::app::msg::Msg;
use gstdash::app::state::{AppState, ProfileInfo, ThemeName};
use gstdash::app::update::update;
use gstdash::domain::{ReturnPeriod, Section};
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::{SyncCommand, SyncEvent, engine};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn draw(state: &AppState, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| gstdash::ui::render(f, state)).unwrap();
    t.backend().to_string()
}

/// Feeds engine events to the model (and its commands back) until `done` says so.
async fn pump(
    state: &mut AppState,
    rx: &mut UnboundedReceiver<SyncEvent>,
    cmd: &UnboundedSender<SyncCommand>,
    mut done: impl FnMut(&SyncEvent) -> bool,
) {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("engine answers")
            .expect("engine alive");
        let stop = done(&ev);
        for c in update(state, Msg::Sync(ev)) {
            cmd.send(c).unwrap();
        }
        if stop {
            return;
        }
    }
}

fn store_for(sim: &gstdash::sim::SimHandle, dir: &std::path::Path) -> Arc<Mutex<Store>> {
    let store = Store::open_in(dir).unwrap();
    let tp = &sim.taxpayers[0];
    store
        .upsert_profile(&StoredProfile {
            name: "demo".into(),
            gstin: tp.gstin.clone(),
            username: tp.username.clone(),
            base_url: sim.base_url.clone(),
            updated_at: Utc::now(),
        })
        .unwrap();
    Arc::new(Mutex::new(store))
}

fn info(sim: &gstdash::sim::SimHandle) -> ProfileInfo {
    let tp = &sim.taxpayers[0];
    ProfileInfo {
        name: "demo".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        environment_label: "simulator".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_tells_filed_from_unfiled_gstr3b() {
    let sim = common::start(common::config(300)).await;
    let c = common::logged_in(&sim).await;
    let current = ReturnPeriod::of_date(Local::now().date_naive());
    let filed = current.plus_months(-2);
    assert!(sim.gstr3b_filed(filed) && !sim.gstr3b_filed(current));
    assert!(gstdash::sync::ims_meta::check_gstr3b(&c, filed).await.unwrap());
    assert!(!gstdash::sync::ims_meta::check_gstr3b(&c, current).await.unwrap());
}

/// Opens B2B on a period through the engine, waits until the GSTR-3B state of every record's
/// own period is known, and tries to accept the first record without action (not pending)
/// whose own period is filed (`in_filed`) or not.
async fn try_accept(
    period: ReturnPeriod,
    today: NaiveDate,
    in_filed: bool,
) -> (AppState, Vec<SyncCommand>, String, ReturnPeriod) {
    let mut cfg = common::config(600);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(&sim, dir.path());
    let (ev_tx, mut rx) = unbounded_channel();
    let (cmd, _handle) = engine::spawn(client, store, "demo".into(), ev_tx);
    let mut state = AppState::new(info(&sim), period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    // Drill into B2B × All statuses.
    state.ims.grid_col = 4;
    for c in update(&mut state, key(KeyCode::Enter)) {
        cmd.send(c).unwrap();
    }
    cmd.send(SyncCommand::ImsPeriod { period }).unwrap();
    let mut records = false;
    let mut answered: std::collections::HashSet<ReturnPeriod> = Default::default();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("engine answers")
            .expect("engine alive");
        match &ev {
            SyncEvent::RecordsLoaded { from_cache: false, .. } => records = true,
            SyncEvent::Gstr3bState {
                period,
                from_cache: false,
                ..
            } => {
                answered.insert(*period);
            }
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
        for c in update(&mut state, Msg::Sync(ev)) {
            cmd.send(c).unwrap();
        }
        if records && answered.contains(&period) && state_periods_answered(&answered, &state) {
            break;
        }
    }
    state.toasts.dismiss_all();
    let t = state.ims.table.as_mut().expect("table open");
    let (first, own) = t
        .view
        .iter()
        .enumerate()
        .find_map(|(pos, &i)| {
            let r = &t.records[i as usize];
            let p = r.return_period()?;
            (r.action == gstdash::domain::Action::NoAction && sim.gstr3b_filed(p) == in_filed).then_some((pos, p))
        })
        .expect("a record without action of the wanted kind");
    t.cursor = first;
    let cmds = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)),
    );
    let screen = draw(&state, 80, 24);
    sim.shutdown().await;
    (state, cmds, screen, own)
}

/// Every period the app asked about (its records' own periods) has been answered.
fn state_periods_answered(answered: &std::collections::HashSet<ReturnPeriod>, state: &AppState) -> bool {
    !state.ims.gstr3b_asked.is_empty() && state.ims.gstr3b_asked.iter().all(|p| answered.contains(p))
}

/// Each record is locked by its own return period (`rtnprd`): with Jan 2026 filed, a record of
/// Jan 2026 is refused whichever period is selected, and a record of an open period is
/// accepted even while the selected period is filed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filed_period_refuses_actions_on_its_own_records_only() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
    // The simulator files GSTR-3B up to two months before today.
    let filed = ReturnPeriod::new(2026, 1).unwrap();
    let open = ReturnPeriod::new(2026, 2).unwrap();

    // Selected: the filed period; a record of a filed period is refused, naming its period.
    let (state, cmds, screen, own) = try_accept(filed, today, true).await;
    assert_eq!(cmds, vec![], "nothing staged");
    assert!(state.ims.read_only(filed) && state.ims.read_only(own));
    let toast = state.toasts.items().last().expect("a toast says why");
    assert_eq!(toast.title, "Cannot accept");
    assert!(
        toast.message.contains(&format!("GSTR-3B for {own} is filed")),
        "{}",
        toast.message
    );
    assert!(screen.contains("3B filed: Jan 2026 read-only"), "{screen}");
    // Same selection, a record of an open period: accepted.
    let (state, cmds, _, own) = try_accept(filed, today, false).await;
    assert!(!state.ims.read_only(own), "{own}");
    assert!(
        matches!(&cmds[..], [SyncCommand::Stage { decisions, .. }] if decisions.len() == 1),
        "{cmds:?}"
    );

    // Selected: an open period; its own records are accepted, a filed period's still refused.
    let (state, cmds, screen, _) = try_accept(open, today, false).await;
    assert!(!state.ims.read_only(open));
    assert!(
        matches!(&cmds[..], [SyncCommand::Stage { decisions, .. }] if decisions.len() == 1),
        "{cmds:?}"
    );
    assert!(!screen.contains("read-only"), "{screen}");
    let (_, cmds, _, _) = try_accept(open, today, true).await;
    assert_eq!(cmds, vec![], "a record of a filed period stays locked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gstr2b_pages_are_followed_and_name_every_supplier() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
    let mut cfg = common::config(12_000);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let c = common::logged_in(&sim).await;
    let gstin = sim.taxpayers[0].gstin.clone();
    let p = ReturnPeriod::new(2026, 1).unwrap();
    let doc = c.gstr2b(p).await.unwrap().expect("2B of a past period");
    assert_eq!(doc.rtnprd, "012026");
    let data = doc.docdata.expect("documents merged from every file");
    // What the simulator's IMS holds for the period: filed by the supplier, not rejected.
    let expected: usize = [
        Section::B2b,
        Section::B2ba,
        Section::B2bCn,
        Section::B2bCna,
        Section::B2bDn,
        Section::B2bDna,
        Section::Ecom,
        Section::Ecoma,
    ]
    .iter()
    .flat_map(|s| sim.records(&gstin, *s))
    .filter(|r| r.rtnprd == "012026" && r.supplier_filed() && r.action != gstdash::domain::Action::Rejected)
    .count();
    assert_eq!(data.documents(), expected);
    assert!(
        expected > gstdash::sim::GSTR2B_FILE_DOCS,
        "the 2B is paginated ({expected} documents)"
    );
    let names: HashMap<String, String> = sim
        .suppliers(&gstin)
        .into_iter()
        .map(|s| (s.gstin, s.trade_name))
        .collect();
    for g in data.groups() {
        assert_eq!(names.get(&g.ctin), Some(&g.trdnm), "{}", g.ctin);
        assert_eq!(g.supprd, "012026");
    }
    // The current period has no 2B yet: an empty answer, not an error.
    assert_eq!(c.gstr2b(ReturnPeriod::new(2026, 3).unwrap()).await.unwrap(), None);
    assert!(c.gstr2b(ReturnPeriod::new(2026, 2).unwrap()).await.unwrap().is_some());
    sim.shutdown().await;
}

/// The engine stores the names and the table shows them; a restart paints them from cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trade_names_reach_the_table_and_survive_a_restart() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 18).unwrap();
    let mut cfg = common::config(800);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(&sim, dir.path());
    let period = ReturnPeriod::new(2026, 1).unwrap();
    let (ev_tx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn(client, store.clone(), "demo".into(), ev_tx);
    let mut state = AppState::new(info(&sim), period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    state.ims.grid_col = 4;
    for c in update(&mut state, key(KeyCode::Enter)) {
        cmd.send(c).unwrap();
    }
    cmd.send(SyncCommand::ImsPeriod { period }).unwrap();
    let (mut records, mut names) = (false, false);
    pump(&mut state, &mut rx, &cmd, |ev| {
        match ev {
            SyncEvent::RecordsLoaded { from_cache: false, .. } => records = true,
            SyncEvent::Suppliers { .. } => names = true,
            _ => {}
        }
        records && names
    })
    .await;
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    let t = state.ims.table.as_ref().unwrap();
    let named = (0..t.records.len()).filter(|&i| t.trade_name(i).is_some()).count();
    assert!(named > 0, "some suppliers are named");
    let screen = draw(&state, 160, 48);
    let first = t.trade_name(t.current().unwrap());
    if let Some(n) = first {
        assert!(screen.contains(&n[..n.len().min(20)]), "{screen}");
    }
    assert!(screen.contains("Trade name"), "{screen}");
    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    let profile = info(&sim);
    sim.shutdown().await;

    let cached = engine::cached_events(&store.lock().unwrap(), "demo", period);
    let mut again = AppState::new(profile, period, ThemeName::Mono);
    for e in cached {
        again.preload(e);
    }
    assert!(!again.ims.suppliers.is_empty(), "names come from the cache at start-up");
    assert!(again.ims.read_only(period), "and so does the filed state");
}

/// `gstdash ims act` refuses a filed period with one clear line and queues for an open one.
#[test]
fn the_cli_refuses_to_act_on_a_filed_period() {
    use std::process::Command;
    let server = common::Server::start(common::config(300));
    let s = server.sim();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let tp = &s.taxpayers[0];
    let run = |args: &[&str]| {
        Command::new(assert_cmd::cargo::cargo_bin!("gstdash"))
            .env_clear()
            .env("HOME", data)
            .env("USER", "tester")
            .env("XDG_CONFIG_HOME", data.join("config"))
            .env("GSTDASH_DATA_DIR", data.join("data"))
            .env("GSTDASH_BASE_URL", &s.base_url)
            .env("GSTDASH_GSTIN", &tp.gstin)
            .env("GSTDASH_USERNAME", &tp.username)
            .env("GSTDASH_API_KEY", gstdash::sim::DEMO_API_KEY)
            .env("GSTDASH_API_SECRET", gstdash::sim::DEMO_API_SECRET)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["login", "--otp", gstdash::sim::DEMO_OTP]).status.success());
    assert!(run(&["ims", "pull", "--sections", "b2b"]).status.success());
    let current = ReturnPeriod::of_date(Local::now().date_naive());
    let filed = current.plus_months(-2);
    let fmt = |p: ReturnPeriod| format!("{:02}/{}", p.month(), p.year());
    let q = "section:b2b status:no-action";
    let o = run(&["ims", "act", "accept", "--query", q, "--period", &fmt(filed)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is filed: IMS is read-only for this period"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let o = run(&[
        "ims",
        "act",
        "accept",
        "--query",
        q,
        "--period",
        &fmt(current),
        "--dry-run",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("would stage"), "{out}");
}

/// The detail pane's history: staged decisions are in the journal, and the engine reads one
/// record's lines (off the UI thread) on `LoadHistory`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_answers_a_records_history_from_the_journal() {
    let sim = common::start(common::config(200)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(&sim, dir.path());
    let (ev_tx, mut rx) = unbounded_channel();
    let (cmd, _handle) = engine::spawn(client.clone(), store, "demo".into(), ev_tx);
    let recs = client.ims_invoices(Section::B2b, None).await.unwrap();
    let d = |i: usize, a: gstdash::domain::Action| gstdash::sync::Decision {
        section: Section::B2b,
        record: recs[i].clone(),
        target: gstdash::sync::Target::Set(a),
        remarks: None,
        itc_reduction: None,
    };
    use gstdash::domain::Action::{Accepted, Pending};
    cmd.send(SyncCommand::Stage {
        batch: 1,
        decisions: vec![d(0, Accepted), d(1, Accepted)],
    })
    .unwrap();
    cmd.send(SyncCommand::Stage {
        batch: 2,
        decisions: vec![d(0, Pending)],
    })
    .unwrap();
    let key = recs[0].key(Section::B2b);
    cmd.send(SyncCommand::LoadHistory { key: key.clone() }).unwrap();
    let entries = loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            SyncEvent::History { key: k, entries } => {
                assert_eq!(k, key);
                break entries;
            }
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    };
    assert_eq!(entries.len(), 2, "only this record's lines: {entries:?}");
    assert_eq!(entries[0].new_action, "A");
    assert_eq!(entries[0].outcome.as_deref(), Some("replaced by a later decision"));
    assert_eq!(entries[1].new_action, "P");
    assert_eq!(entries[1].outcome, None, "still waiting");
    cmd.send(SyncCommand::Shutdown).unwrap();
    sim.shutdown().await;
}
