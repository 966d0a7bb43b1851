//! The dashboard's reports end to end (issue 7): keys on the dashboard → chooser → engine →
//! simulator over loopback and a SQLite store on disk → files read back. "Download IMS
//! details" (calamine), the supplier follow-up pack as CSVs (csv crate) and the audit journal.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gstdash::app::msg::Msg;
use gstdash::app::state::{AppState, ProfileInfo, ThemeName};
use gstdash::app::update::update;
use gstdash::domain::{Action, GoodsType, ReturnPeriod, Section};
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::push::PushPolicy;
use gstdash::sync::{Decision, SyncCommand, SyncEvent, Target, engine};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

const LISTED: [Section; 8] = [
    Section::B2b,
    Section::B2ba,
    Section::B2bCn,
    Section::B2bCna,
    Section::B2bDn,
    Section::B2bDna,
    Section::Ecom,
    Section::Ecoma,
];

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Sends `cmds` and feeds events to the model until the file is written; the path.
async fn written(
    state: &mut AppState,
    cmds: Vec<SyncCommand>,
    cmd: &UnboundedSender<SyncCommand>,
    rx: &mut UnboundedReceiver<SyncEvent>,
) -> (PathBuf, String) {
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    for c in cmds {
        cmd.send(c).unwrap();
    }
    let mut saw_progress = false;
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let _ = update(state, Msg::Sync(ev.clone()));
        match ev {
            SyncEvent::DownloadProgress(_) => saw_progress = true,
            SyncEvent::FileWritten { path, what } => {
                assert!(saw_progress, "the gauge moved before the file was written");
                assert!(state.download.progress.is_none());
                let toast = state.toasts.items().last().unwrap().message.clone();
                assert!(toast.contains(&path.display().to_string()), "{toast}");
                break (path, what);
            }
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn count(d: &Data) -> Option<u64> {
    match d {
        Data::Float(f) => Some(*f as u64),
        Data::Int(i) => Some(*i as u64),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_downloads_ims_details_followup_and_journal() {
    let sim = common::start(common::config(600)).await;
    let tp = sim.taxpayers[0].clone();
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    store
        .upsert_profile(&StoredProfile {
            name: "p".into(),
            gstin: tp.gstin.clone(),
            username: tp.username.clone(),
            base_url: sim.base_url.clone(),
            updated_at: Utc::now(),
        })
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let (ev_tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, _handle) = engine::spawn_with(client.clone(), store.clone(), "p".into(), ev_tx, PushPolicy::fast());
    let period = ReturnPeriod::of_date(chrono::Local::now().date_naive());
    let info = ProfileInfo {
        name: "p".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        environment_label: "simulator".into(),
    };
    let mut state = AppState::new(info, period, ThemeName::Mono);
    let _ = update(&mut state, Msg::Tick(Utc::now()));
    let downloads = dir.path().join("downloads");
    state.downloads_dir = Some(downloads.clone());

    // D on the dashboard, x: the IMS details workbook. Nothing is cached yet: the engine
    // pulls all eight sections first.
    assert!(update(&mut state, key('D')).is_empty(), "the chooser asks first");
    let cmds = update(&mut state, key('x'));
    let (xlsx, _) = written(&mut state, cmds, &cmd, &mut rx).await;
    assert!(xlsx.is_absolute() && xlsx.starts_with(&downloads), "{}", xlsx.display());
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary", "B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECO", "ECOA", "ISD", "Imports"
        ]
    );
    let summary = wb.worksheet_range("Summary").unwrap();
    let mut counts = BTreeMap::new();
    for g in GoodsType::ALL {
        counts.insert(g, client.ims_count(g).await.unwrap());
    }
    let mut checked = 0;
    for row in summary.rows().skip(1) {
        let (group, section, action) = (text(&row[0]), text(&row[1]), text(&row[2]));
        let Some(g) = GoodsType::ALL.into_iter().find(|g| g.label() == group) else {
            continue;
        };
        let s = *g.sections().iter().find(|s| s.label() == section).unwrap();
        let Some(a) = Action::KNOWN.into_iter().find(|a| a.label() == action) else {
            continue;
        };
        assert_eq!(
            count(&row[3]),
            Some(counts[&g].get(s).get(&a)),
            "{group} / {section} / {action}: count in IMS"
        );
        if LISTED.contains(&s) {
            let in_sim = sim.records(&tp.gstin, s).iter().filter(|r| r.action == a).count() as u64;
            assert_eq!(
                count(&row[4]),
                Some(in_sim),
                "{section} / {action}: documents in the file"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 4, "every listed section and action was compared");
    let notes: Vec<String> = summary.rows().map(|r| text(&r[0])).collect();
    for s in LISTED {
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with(&format!("{}: ", s.label())) && n.contains("fetched from GSTN")),
            "the summary says {} is included and when it was fetched: {notes:?}",
            s.label()
        );
    }
    for s in LISTED {
        let sheet = wb.worksheet_range(s.short()).unwrap();
        let rows = sheet.rows().skip(1).filter(|r| count(&r[0]).is_some()).count();
        assert_eq!(rows, sim.records(&tp.gstin, s).len(), "{} sheet", s.short());
    }

    // Three decisions, made and saved: the journal gets one row each.
    let mut decisions = Vec::new();
    for s in [Section::B2b, Section::B2bDn] {
        let recs = store.lock().unwrap().load_section("p", s).unwrap();
        let mut seen = HashSet::new();
        let dup: HashSet<_> = recs
            .iter()
            .map(|r| r.key(s))
            .filter(|k| !seen.insert(k.clone()))
            .collect();
        for r in recs {
            if decisions.len() == 3 {
                break;
            }
            if r.action == Action::NoAction && r.flags().is_empty() && !dup.contains(&r.key(s)) {
                decisions.push(Decision {
                    section: s,
                    record: r,
                    target: Target::Set(Action::Rejected),
                    remarks: Some(format!("rate wrong {}", decisions.len())),
                    itc_reduction: None,
                });
            }
        }
    }
    assert_eq!(decisions.len(), 3);
    cmd.send(SyncCommand::Stage { batch: 1, decisions }).unwrap();
    cmd.send(SyncCommand::Push).unwrap();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let _ = update(&mut state, Msg::Sync(ev.clone()));
        match ev {
            SyncEvent::PushProgress {
                total: 3, applied: 3, ..
            } => break,
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }

    // F, c: the follow-up pack as a folder of CSVs, Suppliers.csv and one file per supplier;
    // every rejected or pending document of the simulator is in it, with what to do.
    state.toasts = Default::default();
    update(&mut state, key('F'));
    let cmds = update(&mut state, key('c'));
    let (folder, what) = written(&mut state, cmds, &cmd, &mut rx).await;
    assert!(folder.is_dir(), "{}", folder.display());
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for s in LISTED {
        for r in sim.records(&tp.gstin, s) {
            let e = expected.entry(r.stin.trim().to_ascii_uppercase()).or_default();
            match r.action {
                Action::Rejected => e.0 += 1,
                Action::Pending => e.1 += 1,
                _ => {}
            }
        }
    }
    expected.retain(|_, (r, p)| *r + *p > 0);
    let files = std::fs::read_dir(&folder).unwrap().count();
    assert_eq!(files, expected.len() + 1, "Suppliers.csv and one per supplier");
    assert!(what.contains(&format!("{files} files")), "{what}");
    let docs: u64 = expected.values().map(|(r, p)| r + p).sum();
    assert!(
        what.contains(&format!("({docs} document(s) of {} supplier(s))", expected.len())),
        "{what}"
    );
    let toast = state.toasts.items().last().unwrap().message.clone();
    assert!(toast.contains(&format!("{files} files in the folder")), "{toast}");
    let mut index = csv::Reader::from_path(folder.join("Suppliers.csv")).unwrap();
    let mut listed = BTreeMap::new();
    for rec in index.records() {
        let rec = rec.unwrap();
        if rec[0].len() == 15 {
            listed.insert(rec[0].to_string(), (rec[1].parse().unwrap(), rec[2].parse().unwrap()));
        }
    }
    assert_eq!(listed, expected);
    for (gstin, (rejected, pending)) in &expected {
        let mut r = csv::Reader::from_path(folder.join(format!("{gstin}.csv"))).unwrap();
        let headers = r.headers().unwrap().clone();
        let what_col = headers.iter().position(|h| h == "What the supplier must do").unwrap();
        let action_col = headers.iter().position(|h| h == "Recipient action").unwrap();
        let rows: Vec<_> = r.records().map(|x| x.unwrap()).filter(|x| x.len() > what_col).collect();
        assert_eq!(rows.len() as u64, rejected + pending, "{gstin}");
        assert!(rows.iter().all(|x| x[what_col].contains("GSTR-1")), "{gstin}");
        assert_eq!(
            rows.iter().filter(|x| &x[action_col] == "Rejected").count() as u64,
            *rejected
        );
    }

    // A: the whole journal, one row per decision made above, as xlsx.
    update(&mut state, key('A'));
    let cmds = update(&mut state, key('x'));
    let (journal, _) = written(&mut state, cmds, &cmd, &mut rx).await;
    let mut wb: Xlsx<_> = open_workbook(&journal).unwrap();
    let sheet = wb.worksheet_range("Journal").unwrap();
    let rows: Vec<_> = sheet.rows().skip(1).filter(|r| count(&r[0]).is_some()).collect();
    assert_eq!(rows.len(), 3, "one row per decision");
    assert!(
        rows.iter()
            .all(|r| text(&r[7]) == "R" && text(&r[8]).starts_with("rate wrong")),
        "{rows:?}"
    );
    // J: the current period's journal, as CSV: the decisions were made today, inside its window.
    update(&mut state, key('J'));
    let cmds = update(&mut state, key('c'));
    let (csv_path, _) = written(&mut state, cmds, &cmd, &mut rx).await;
    assert!(csv_path.file_name().unwrap().to_string_lossy().starts_with("journal-"));
    let mut r = csv::Reader::from_path(&csv_path).unwrap();
    let n = r
        .records()
        .map(|x| x.unwrap())
        .filter(|x| x[0].parse::<u64>().is_ok())
        .count();
    assert_eq!(n, 3);
    // Two periods back: its window (to the GSTR-3B due date, the 20th of last month) ended
    // before today, so none of them.
    let _ = update(&mut state, key('['));
    let _ = update(&mut state, key('['));
    update(&mut state, key('J'));
    let cmds = update(&mut state, key('c'));
    let (csv_path, _) = written(&mut state, cmds, &cmd, &mut rx).await;
    let mut r = csv::Reader::from_path(&csv_path).unwrap();
    let n = r
        .records()
        .map(|x| x.unwrap())
        .filter(|x| x[0].parse::<u64>().is_ok())
        .count();
    assert_eq!(n, 0);
}
