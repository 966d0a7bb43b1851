//! The real binary, killed with SIGKILL in the middle of `gstdash ims push` several times,
//! then let finish: every decision is applied exactly once (the simulator counts saves) and
//! the journal holds one entry per decision. Also the CLI round trip: pull, act (query and
//! ids file, dry run), status, push, journal as CSV.

mod common;

use common::Server;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use gstdash::domain::{Action, RecordKey, Section};
use gstdash::sim::{self, SimHandle};
use rand::Rng;
use serde_json::Value;

fn env(c: &mut StdCommand, s: &SimHandle, data: &Path) {
    let tp = &s.taxpayers[0];
    c.env_clear()
        .env("HOME", data)
        .env("USER", "crash-tester")
        .env("XDG_CONFIG_HOME", data.join("config"))
        .env("XDG_DATA_HOME", data.join("share"))
        .env("GSTDASH_DATA_DIR", data.join("data"))
        .env("GSTDASH_BASE_URL", &s.base_url)
        .env("GSTDASH_GSTIN", &tp.gstin)
        .env("GSTDASH_USERNAME", &tp.username)
        .env("GSTDASH_API_KEY", sim::DEMO_API_KEY)
        .env("GSTDASH_API_SECRET", sim::DEMO_API_SECRET);
}

fn run(s: &SimHandle, data: &Path, args: &[&str]) -> Output {
    let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin!("gstdash"));
    env(&mut c, s, data);
    let mut c = Command::from_std(c);
    c.args(args).timeout(Duration::from_secs(240)).output().unwrap()
}

fn ok(o: Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "failed: {}\n{out}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

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

/// `n` records not rejected yet, one per key, as `--ids` lines.
fn pick(s: &SimHandle, n: usize) -> Vec<RecordKey> {
    let gstin = &s.taxpayers[0].gstin;
    let mut out = Vec::new();
    for sec in ACTIONABLE {
        let recs = s.records(gstin, sec);
        let mut seen = HashSet::new();
        let dup: HashSet<RecordKey> = recs
            .iter()
            .map(|r| r.key(sec))
            .filter(|k| !seen.insert(k.clone()))
            .collect();
        for r in recs {
            let k = r.key(sec);
            if out.len() < n && r.action != Action::Rejected && r.flags().is_empty() && !dup.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

#[test]
fn pushes_killed_with_sigkill_still_apply_every_decision_exactly_once() {
    let mut cfg = common::config(12_000);
    // Slow enough processing that kills land between posting and the answers.
    cfg.save_processing_ms = 300;
    let server = Server::start(cfg);
    let s = server.sim();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(run(s, data, &["login", "--otp", sim::DEMO_OTP]));
    ok(run(s, data, &["ims", "pull"]));
    let keys = pick(s, 10_000);
    assert_eq!(keys.len(), 10_000);
    let ids = data.join("ids.txt");
    let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
    std::fs::write(&ids, format!("# ten thousand\n{text}")).unwrap();
    let out = ok(run(
        s,
        data,
        &[
            "ims",
            "act",
            "reject",
            "--ids",
            ids.to_str().unwrap(),
            "--remarks",
            "not received",
            "--format",
            "json",
        ],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["staged"], 10_000, "{}", v["skipped"]);

    let mut rng = rand::rng();
    let (mut killed, mut in_flight_at_kill) = (0, 0);
    for _ in 0..5 {
        let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin!("gstdash"));
        env(&mut c, s, data);
        let mut child = c
            .args(["ims", "push"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(100..1_500)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        let status: Value = serde_json::from_str(&ok(run(s, data, &["ims", "status", "--format", "json"]))).unwrap();
        if status["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["state"] == "sent")
        {
            in_flight_at_kill += 1;
        }
    }
    assert!(killed > 0, "no push was interrupted; the test proves nothing");
    assert!(
        in_flight_at_kill > 0,
        "no kill left a send with GSTN; the resume path was not exercised"
    );
    let out = ok(run(s, data, &["ims", "push"]));
    assert!(out.contains("0 rejected, 0 conflict(s)"), "{out}");

    let gstin = &s.taxpayers[0].gstin;
    for k in &keys {
        assert_eq!(s.save_count(gstin, k), 1, "{k}");
        assert_eq!(s.record_action(gstin, k), Some(Action::Rejected), "{k}");
    }
    let status: Value = serde_json::from_str(&ok(run(s, data, &["ims", "status", "--format", "json"]))).unwrap();
    assert_eq!(status["outbox"].as_array().unwrap().len(), 0, "{status}");
    let journal: Value = serde_json::from_str(&ok(run(s, data, &["journal", "--format", "json"]))).unwrap();
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 10_000);
    let records: HashSet<&str> = entries.iter().map(|e| e["record"].as_str().unwrap()).collect();
    assert_eq!(records.len(), 10_000, "one entry per decision");
    assert!(entries.iter().all(|e| e["outcome"] == "applied"
        && e["local_user"] == "crash-tester"
        && e["old_action"] != "R"
        && e["new_action"] == "R"
        && e["remarks"] == "not received"
        && e["reference_id"].is_string()));
    eprintln!("killed {killed} push(es) mid-way, {in_flight_at_kill} with sends in flight");
}

#[test]
fn act_by_query_dry_run_status_push_and_journal_csv() {
    let server = Server::start(common::config(400));
    let s = server.sim();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(run(s, data, &["login", "--otp", sim::DEMO_OTP]));
    let o = run(s, data, &["ims", "act", "accept", "--query", "section:b2b"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ims pull"),
        "needs a pull first"
    );
    let pulled = ok(run(s, data, &["ims", "pull", "--sections", "b2b,cn"]));
    assert!(pulled.contains("B2B") || pulled.contains("b2b"), "{pulled}");

    let o = run(s, data, &["ims", "act", "accept", "--query", "colour:red"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("colour:red"));

    let q = "section:b2b status:no-action";
    let dry: Value = serde_json::from_str(&ok(run(
        s,
        data,
        &["ims", "act", "pending", "--query", q, "--dry-run", "--format", "json"],
    )))
    .unwrap();
    let matched = dry["matched"].as_array().unwrap().len();
    assert!(matched > 0);
    let status: Value = serde_json::from_str(&ok(run(s, data, &["ims", "status", "--format", "json"]))).unwrap();
    assert_eq!(
        status["outbox"].as_array().unwrap().len(),
        0,
        "a dry run writes nothing"
    );

    ok(run(
        s,
        data,
        &["ims", "act", "pending", "--query", q, "--remarks", "checking"],
    ));
    let table = ok(run(s, data, &["ims", "status"]));
    assert!(table.contains(&format!("{matched} staged")), "{table}");
    let pushed = ok(run(s, data, &["ims", "push"]));
    assert!(pushed.contains(&format!("{matched} applied")), "{pushed}");
    let csv = ok(run(s, data, &["journal", "--format", "csv"]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("When,User,Profile,Record,Old,New,Remarks,Reference,Outcome")
    );
    assert_eq!(lines.filter(|l| l.ends_with(",applied")).count(), matched);
}

#[test]
fn gstr2b_regenerate_waits_for_gstn_and_reports_refusals() {
    let mut cfg = common::config(50);
    cfg.today = chrono::NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
    cfg.save_processing_ms = 200;
    let server = Server::start(cfg);
    let s = server.sim();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(run(s, data, &["login", "--otp", sim::DEMO_OTP]));
    let out = ok(run(s, data, &["gstr2b", "regenerate", "--period", "2025-10"]));
    assert!(out.contains("regenerated") && out.contains("status P"), "{out}");
    // September's GSTR-3B is filed: GSTN refuses, and the user is told why.
    let o = run(s, data, &["gstr2b", "regenerate", "--period", "2025-09"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("IMS2B007") || err.contains("3B"), "{err}");
    let o = run(s, data, &["gstr2b", "regenerate", "--period", "2025-13"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--period"));
}
