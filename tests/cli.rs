//! The real binary against the embedded simulator over loopback: login, balance, ledgers,
//! IMS counts and lists, in every output format, and the one-line errors a user sees.

mod common;

use common::Server;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use chrono::Local;
use gstdash::domain::{GoodsType, ReturnPeriod};
use gstdash::sim::{self, SimHandle};
use serde_json::Value;

/// `gstdash` with a clean environment pointed at the simulator and a private data dir.
fn gstdash(s: &SimHandle, data: &Path) -> Command {
    let mut c = Command::cargo_bin("gstdash").unwrap();
    let tp = &s.taxpayers[0];
    c.env_clear()
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .env("XDG_DATA_HOME", data.join("share"))
        .env("GSTDASH_DATA_DIR", data.join("data"))
        .env("GSTDASH_BASE_URL", &s.base_url)
        .env("GSTDASH_GSTIN", &tp.gstin)
        .env("GSTDASH_USERNAME", &tp.username)
        .env("GSTDASH_API_KEY", sim::DEMO_API_KEY)
        .env("GSTDASH_API_SECRET", sim::DEMO_API_SECRET)
        .timeout(Duration::from_secs(60));
    c
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "failed: {}\n{}", stderr(&o), stdout(&o));
    stdout(&o)
}

/// A failure is one line on stderr and a non-zero exit, never a panic.
fn one_line_error(o: &Output) -> String {
    assert!(!o.status.success(), "expected failure, got: {}", stdout(o));
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(o);
    assert_eq!(e.trim_end().lines().count(), 1, "not one line: {e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

fn period() -> ReturnPeriod {
    ReturnPeriod::of_date(Local::now().date_naive()).prev()
}

#[test]
fn login_then_balance_json_matches_the_api() {
    let srv = Server::start(common::config(300));
    let dir = tempfile::tempdir().unwrap();
    let out = ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    assert!(out.contains("Logged in as"), "{out}");
    assert!(!out.contains(sim::DEMO_API_SECRET));

    // Tokens live in a file only the user can read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data/gstdash.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "db mode {mode:o}");
    }

    let p = period();
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["balance", "--period", &p.iso(), "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["gstin"], srv.sim().taxpayers[0].gstin.as_str());
    assert_eq!(v["warnings"], Value::Array(vec![]));
    // Same figures as a direct client call.
    let direct = srv.rt.block_on(async {
        let c = common::logged_in(srv.sim()).await;
        c.ledger_balance(p).await.unwrap()
    });
    let from_cli: gstdash::domain::ledger::CashItcBalance = serde_json::from_value(v["data"].clone()).unwrap();
    assert_eq!(from_cli, direct);

    // The table form shows Indian grouping and every head.
    let table = ok(run(gstdash(srv.sim(), dir.path()), &["balance", "--period", &p.wire()]));
    for h in ["IGST", "CGST", "SGST", "CESS", "Total"] {
        assert!(table.contains(h), "{table}");
    }
}

#[test]
fn ims_counts_and_lists_agree_in_every_format() {
    let srv = Server::start(common::config(500));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["ims", "counts", "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let pending = v["data"]["b2b"]["pending"].as_u64().unwrap();
    let csv = ok(run(
        gstdash(srv.sim(), dir.path()),
        &[
            "ims",
            "list",
            "--section",
            "b2b",
            "--status",
            "pending",
            "--format",
            "csv",
        ],
    ));
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, pending);
    assert!(rows.iter().all(|r| &r[14] == "Pending"), "action column");

    let table = ok(run(gstdash(srv.sim(), dir.path()), &["ims", "counts"]));
    assert!(table.contains("B2B invoices") && table.contains("No action"), "{table}");
    let isd = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["ims", "counts", "--goods", "isd"],
    ));
    assert!(isd.contains(GoodsType::Isd.sections()[0].label()), "{isd}");
    assert!(isd.contains("not listed or acted on"), "{isd}");

    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["ims", "list", "--section", "xyz"],
    ));
    assert!(e.contains("--section"), "{e}");
}

#[test]
fn long_cash_ledger_is_fetched_in_slices_and_checks_clean() {
    let srv = Server::start(common::config(100));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    let p = period();
    let from = p.plus_months(-13).first_day().to_string();
    let to = p.last_day().to_string();
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["ledger", "cash", "--from", &from, "--to", &to, "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    // Fourteen months = three windows, stitched into one ledger over the whole range.
    assert!(!v["data"]["tr"].as_array().unwrap().is_empty());
    assert_eq!(
        v["data"]["fr_dt"],
        gstdash::domain::period::fmt_slash(p.plus_months(-13).first_day())
    );
    assert_eq!(v["data"]["to_dt"], gstdash::domain::period::fmt_slash(p.last_day()));
    assert_eq!(v["warnings"], Value::Array(vec![]), "{}", v["warnings"]);
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["ledger", "itc", "--from", &from, "--to", &to, "--format", "csv"],
    ));
    assert!(out.starts_with("Date,Reference"), "{out}");
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["ledger", "tax", "--period", &p.iso()],
    ));
    assert!(out.contains("Closing balance"), "{out}");

    let future = (Local::now().date_naive() + chrono::Duration::days(5)).to_string();
    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["ledger", "cash", "--from", &from, "--to", &future],
    ));
    assert!(e.contains("--to") && e.contains("after today"), "{e}");
    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["balance", "--period", "2024-13"],
    ));
    assert!(e.contains("--period") && e.contains("month"), "{e}");
}

#[test]
fn expired_session_and_missing_login_are_one_line_errors() {
    let mut cfg = common::config(50);
    cfg.token_ttl_secs = 1;
    let srv = Server::start(cfg);
    let dir = tempfile::tempdir().unwrap();
    let e = one_line_error(&run(gstdash(srv.sim(), dir.path()), &["ims", "counts"]));
    assert!(e.contains("not logged in") && e.contains("gstdash login"), "{e}");
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    std::thread::sleep(Duration::from_millis(1500));
    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["balance", "--period", &period().iso()],
    ));
    assert!(e.contains("expired") && e.contains("log in again"), "{e}");
    let e = one_line_error(&run(gstdash(srv.sim(), dir.path()), &["login", "--otp", "123456"]));
    assert!(e.contains("AUTH4033"), "{e}");
    assert!(!e.contains("123456"), "OTP must not be echoed: {e}");
}

#[test]
fn bad_gstin_in_config_names_file_line_and_key() {
    let srv = Server::start(common::config(10));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "default_profile = \"acme\"\n\n[profiles.acme]\ngstin = \"27AAPFU0939F1ZX\"\nusername = \"acme\"\nenvironment = \"production\"\n",
    )
    .unwrap();
    let mut c = gstdash(srv.sim(), dir.path());
    c.env_remove("GSTDASH_GSTIN").env("GSTDASH_CONFIG", &cfg);
    let e = one_line_error(&run(c, &["balance", "--period", "2024-04"]));
    assert!(
        e.contains("config.toml:4") && e.contains("profiles.acme.gstin") && e.contains("position 15"),
        "{e}"
    );
}

#[test]
fn logout_forgets_tokens() {
    let srv = Server::start(common::config(10));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    let out = ok(run(gstdash(srv.sim(), dir.path()), &["logout"]));
    assert!(out.contains("Logged out"), "{out}");
    let e = one_line_error(&run(gstdash(srv.sim(), dir.path()), &["ims", "counts"]));
    assert!(e.contains("not logged in"), "{e}");
}

#[test]
fn corrupted_response_is_a_one_line_error() {
    let srv = Server::start(common::config(10));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    srv.sim().set_fault_rates(sim::FaultRates {
        corrupt_rate: 1.0,
        ..Default::default()
    });
    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["balance", "--period", &period().iso()],
    ));
    assert!(e.contains("not valid JSON") && e.contains("ledgers/bal"), "{e}");
}

#[test]
fn export_ledger_fy_2024_25_in_every_format() {
    let srv = Server::start(common::config(200));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));

    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["export-ledger", "--fy", "2024-25", "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["label"],
        "computed from GSTR-1 and GSTR-3B; not an official GSTN figure"
    );
    // The first run fetches FY 2024-25 and the blank year before it (where returns start).
    assert_eq!(
        (v["periods_fetched"].as_u64(), v["periods_cached"].as_u64()),
        (Some(24), Some(0))
    );
    assert_eq!(v["first_period"], "042024");
    let rows = v["rows"].as_array().unwrap();
    // Twelve filed periods, each with an R1 debit and an R3B credit, plus March's GSTR-1A.
    assert_eq!(rows.len(), 25, "{rows:#?}");
    assert_eq!(rows[0]["period"], "042024");
    assert_eq!(rows[0]["ret_type"], "R1");
    assert_eq!(rows[1]["ret_type"], "R3B");
    assert!(rows.iter().any(|r| r["ret_type"] == "R1A" && r["period"] == "032025"));
    // Aug 2024's 3.1(b) is ₹32,140.80 short; October pays it back; the year ends at zero.
    let spells = v["spells"].as_array().unwrap();
    assert_eq!(spells.len(), 1);
    assert_eq!(spells[0]["from"], "082024");
    assert_eq!(spells[0]["cleared_in"], "102024");
    let dec = |x: &Value| x.to_string().parse::<rust_decimal::Decimal>().unwrap();
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(dec(&spells[0]["worst"]["igst"]), d("-32140.80"));
    assert_eq!(dec(&v["net_igst_balance"]), d("0"));
    assert!(v["shortfall"].is_null());
    // Every balance is the running sum of the rows before it (credit − debit).
    let mut bal = rust_decimal::Decimal::ZERO;
    for r in rows {
        let amt = dec(&r["amount"]["igst"]);
        bal += if r["dr_cr"] == "Credit" { amt } else { -amt };
        assert_eq!(dec(&r["balance"]["igst"]), bal, "{r}");
    }
    let breakup = v["breakup"].as_array().unwrap();
    let sep = breakup.iter().find(|b| b["period"] == "092024").unwrap();
    assert!(dec(&sep["tbl9a"]["igst"]) > rust_decimal::Decimal::ZERO, "{sep}");
    let nov = breakup.iter().find(|b| b["period"] == "112024").unwrap();
    assert_eq!(dec(&nov["cdnur"]["igst"]), d("-9000"), "₹50,000 credit note at 18%");
    let jan = breakup.iter().find(|b| b["period"] == "012025").unwrap();
    assert_eq!(
        dec(&jan["cdnura"]["igst"]),
        d("3600"),
        "note cut to ₹30,000: −5,400 − (−9,000)"
    );

    let csv = ok(run(
        gstdash(srv.sim(), dir.path()),
        &[
            "export-ledger",
            "--fy",
            "2024-25",
            "--view",
            "transactions",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(
        csv.lines().next().unwrap(),
        "Period,6A IGST,6A CESS,9A IGST,9A CESS,SEZ IGST,SEZ CESS,CDNUR,CDNURA,CDNR,3.1(b) IGST,3.1(b) CESS,Notes CESS"
    );
    assert_eq!(csv.lines().count(), 13);
    assert!(
        csv.lines().any(|l| l.starts_with("112024,") && l.contains(",-9000,")),
        "{csv}"
    );

    let table = ok(run(gstdash(srv.sim(), dir.path()), &["export-ledger", "--fy", "2024"]));
    assert!(table.contains("Return period  Return type  Credit/Debit"), "{table}");
    assert!(table.contains("not an official GSTN figure"), "{table}");
    assert!(table.contains("Was negative from Aug 2024"), "{table}");
    assert!(table.contains("32,140.80"), "{table}");
    assert!(
        table.contains("0 period(s) fetched from GSTN, 24 from the local cache"),
        "later runs read filed periods from the cache: {table}"
    );

    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["export-ledger", "--fy", "24-25x"],
    ));
    assert!(e.contains("--fy"), "{e}");
}

#[test]
fn export_ledger_shortfall_in_the_last_filed_period() {
    let srv = Server::start(common::config(200));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    let last = ReturnPeriod::of_date(Local::now().date_naive()).plus_months(-2);
    let fy = gstdash::domain::FinancialYear::of_period(last).to_string();
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["export-ledger", "--fy", &fy, "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v["shortfall"];
    assert_eq!(s["blocked_from"], last.wire().as_str(), "{v:#}");
    assert_eq!(s["pay_in"], last.next().wire().as_str());
    // What to pay = that period's debit − its 3.1(b), from the breakup.
    let dec = |x: &Value| x.to_string().parse::<rust_decimal::Decimal>().unwrap();
    let b = v["breakup"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["period"] == last.wire().as_str())
        .unwrap();
    let debit: rust_decimal::Decimal = ["tbl6a", "tbl9a", "sez", "cdnur", "cdnura", "cdnr"]
        .iter()
        .map(|k| dec(&b[*k]["igst"]))
        .sum();
    assert_eq!(dec(&s["pay"]["igst"]), debit - dec(&b["tbl3_1b"]["igst"]));
    assert!(dec(&s["pay"]["igst"]) > rust_decimal::Decimal::ZERO);
    // Periods after the last filed one have no GSTR-3B.
    for b in v["breakup"].as_array().unwrap() {
        let p = ReturnPeriod::from_wire(b["period"].as_str().unwrap()).unwrap();
        assert_eq!(b["gstr3b_filed"], p <= last, "{b}");
    }
}

#[test]
fn icegate_counts_failed_invoices_and_imported_verdicts() {
    let srv = Server::start(common::config(200));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    let aug = ReturnPeriod::new(2024, 8).unwrap();
    let out = ok(run(
        gstdash(srv.sim(), dir.path()),
        &["icegate", "--period", "2024-08", "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let invoices = v["invoices"].as_array().unwrap();
    // Processed = the period's 6A invoices with payment, as the API lists them.
    let exp = srv.rt.block_on(async {
        let c = common::logged_in(srv.sim()).await;
        c.gstr1_section(false, "exp", aug).await.unwrap()
    });
    let wpay: Vec<_> = exp
        .exp
        .iter()
        .filter(|g| g.exp_typ == "WPAY")
        .flat_map(|g| &g.inv)
        .collect();
    assert_eq!(invoices.len(), wpay.len());
    assert_eq!(v["counts"][0]["count"], wpay.len());
    // Each invoice missing its shipping bill or port code is held for that reason; the rest
    // were transmitted once October's 3.1(b) cleared August's shortfall.
    for (inv, src) in invoices.iter().zip(&wpay) {
        let st = &inv["status"];
        if src.sbnum.is_none() {
            assert!(
                st["NotTransmitted"].to_string().contains("ShippingBillMissing"),
                "{inv}"
            );
        } else if src.sbpcode.is_none() {
            assert!(st["NotTransmitted"].to_string().contains("PortCodeMissing"), "{inv}");
        } else {
            assert_eq!(st["Transmitted"]["held_until"], "102024", "{inv}");
        }
    }
    // The quarter Jul–Sep 2024 (quarterly filers pick September); import ICEGATE's answers
    // for two transmitted invoices: one rejection (SB005) and one validation.
    let q: Value = serde_json::from_str(&ok(run(
        gstdash(srv.sim(), dir.path()),
        &["icegate", "--period", "2024-09", "--quarterly", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(q["periods"], serde_json::json!(["072024", "082024", "092024"]));
    let sent: Vec<&Value> = q["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"].get("Transmitted").is_some())
        .collect();
    assert!(sent.len() >= 2, "{q:#}");
    let csv_path = dir.path().join("icegate.csv");
    std::fs::write(
        &csv_path,
        format!(
            "Invoice No,Invoice Date,Response Code\n{},{},SB005\n{},{},SB000\n",
            sent[0]["inum"].as_str().unwrap(),
            sent[0]["idt"].as_str().unwrap(),
            sent[1]["inum"].as_str().unwrap(),
            sent[1]["idt"].as_str().unwrap()
        ),
    )
    .unwrap();
    let table = ok(run(
        gstdash(srv.sim(), dir.path()),
        &[
            "icegate",
            "--period",
            "2024-09",
            "--quarterly",
            "--icegate-csv",
            csv_path.to_str().unwrap(),
        ],
    ));
    let rejected = table.lines().find(|l| l.starts_with("Rejected by ICEGATE")).unwrap();
    assert!(rejected.split_whitespace().any(|w| w == "1"), "{table}");
    let failed = ok(run(
        gstdash(srv.sim(), dir.path()),
        &[
            "icegate",
            "--period",
            "2024-09",
            "--quarterly",
            "--icegate-csv",
            csv_path.to_str().unwrap(),
            "--failed",
            "--format",
            "csv",
        ],
    ));
    assert_eq!(
        failed.lines().next().unwrap(),
        "Period,Invoice No,Invoice Date,Shipping Bill,Port,IGST,CESS,Reason"
    );
    assert!(failed.contains("SB005: Invalid invoice number"), "{failed}");
    let e = one_line_error(&run(
        gstdash(srv.sim(), dir.path()),
        &["icegate", "--period", "2024-08", "--quarterly"],
    ));
    assert!(e.contains("--period") && e.contains("last month"), "{e}");
}

#[test]
fn outward_supplies_mirror_the_recipients_actions() {
    use gstdash::domain::{Action, Section};
    use std::collections::BTreeMap;
    let srv = Server::start(common::config(8_000));
    let dir = tempfile::tempdir().unwrap();
    ok(run(gstdash(srv.sim(), dir.path()), &["login", "--otp", sim::DEMO_OTP]));
    // What the recipients (the other demo taxpayers) hold from supplier #0 = Acme Traders.
    let s = srv.sim();
    let mut by_period: BTreeMap<String, (usize, usize)> = BTreeMap::new(); // (b2b docs, b2b rejected)
    let mut rejected_notes: BTreeMap<String, usize> = BTreeMap::new();
    for tp in &s.taxpayers[1..] {
        let stin = s.suppliers(&tp.gstin)[0].gstin.clone();
        for r in s
            .records(&tp.gstin, Section::B2b)
            .into_iter()
            .filter(|r| r.stin == stin)
        {
            let e = by_period.entry(r.rtnprd.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(r.action == Action::Rejected);
        }
        for sec in [
            Section::B2ba,
            Section::B2bCn,
            Section::B2bDn,
            Section::B2bCna,
            Section::B2bDna,
        ] {
            for r in s
                .records(&tp.gstin, sec)
                .into_iter()
                .filter(|r| r.stin == stin && r.action == Action::Rejected)
            {
                *rejected_notes.entry(r.rtnprd.clone()).or_default() += 1;
            }
        }
    }
    let (wire, (docs, rejected)) = by_period
        .iter()
        .max_by_key(|(_, v)| v.0)
        .expect("supplier #0 has records");
    let p = ReturnPeriod::from_wire(wire).unwrap();
    let out = ok(run(
        gstdash(s, dir.path()),
        &["outward", "--period", &p.iso(), "--format", "json"],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    let sum = |sec: &str, k: &str| -> usize {
        v["summary"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["section"] == sec)
            .map(|l| l["counts"][k].as_u64().unwrap() as usize)
            .sum()
    };
    let total: usize = ["accepted", "rejected", "pending", "no_action", "other"]
        .iter()
        .map(|k| sum("b2b", k))
        .sum();
    assert_eq!(total, *docs, "{v:#}");
    assert_eq!(sum("b2b", "rejected"), *rejected);
    // The added-back view: the rejected notes and amendments of a period, or "none" (IMS0027).
    let empty = (1..=12)
        .map(|m| ReturnPeriod::new(2025, m).unwrap())
        .find(|q| !rejected_notes.contains_key(&q.wire()))
        .unwrap();
    let none = ok(run(
        gstdash(s, dir.path()),
        &["outward", "--period", &empty.iso(), "--rejected"],
    ));
    assert!(none.contains(": none"), "{none}");
    if let Some((w, n)) = rejected_notes.iter().next() {
        let q = ReturnPeriod::from_wire(w).unwrap();
        let out = ok(run(
            gstdash(s, dir.path()),
            &["outward", "--period", &q.iso(), "--rejected", "--format", "csv"],
        ));
        assert_eq!(out.lines().count(), 1 + n, "{out}");
    }
}
