//! `gstdash export …` as a user runs it: the real binary against the embedded simulator over
//! loopback, files written to disk, then read back (calamine, csv) and compared with what the
//! API returns.

mod common;

use common::Server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::Local;
use gstdash::domain::ims::{Action, ImsRecord};
use gstdash::domain::{GoodsType, Money, ReturnPeriod, Section};
use gstdash::export::ims::SHEET_ORDER;
use gstdash::sim::{self, SimHandle};
use rust_decimal::Decimal;

/// Shortcuts on the shared simulator server.
trait ServerExt {
    fn gstin(&self) -> String;
    fn records(&self, s: Section) -> Vec<ImsRecord>;
}

impl ServerExt for Server {
    fn gstin(&self) -> String {
        self.sim().taxpayers[0].gstin.clone()
    }
    fn records(&self, s: Section) -> Vec<ImsRecord> {
        self.sim().records(&self.gstin(), s)
    }
}

/// `gstdash` with a clean environment, a private data dir and a config file whose
/// `downloads_dir` is `<data>/downloads`.
fn gstdash(s: &SimHandle, data: &Path) -> Command {
    let config = data.join("gstdash.toml");
    if !config.exists() {
        std::fs::write(
            &config,
            format!("downloads_dir = {:?}\n", data.join("downloads").display().to_string()),
        )
        .unwrap();
    }
    let mut c = Command::cargo_bin("gstdash").unwrap();
    let tp = &s.taxpayers[0];
    c.env_clear()
        .env("HOME", data)
        .env("GSTDASH_CONFIG", &config)
        .env("GSTDASH_DATA_DIR", data.join("data"))
        .env("GSTDASH_BASE_URL", &s.base_url)
        .env("GSTDASH_GSTIN", &tp.gstin)
        .env("GSTDASH_USERNAME", &tp.username)
        .env("GSTDASH_API_KEY", sim::DEMO_API_KEY)
        .env("GSTDASH_API_SECRET", sim::DEMO_API_SECRET)
        .timeout(Duration::from_secs(120));
    c
}

fn run(s: &Server, dir: &Path, args: &[&str]) -> Output {
    gstdash(s.sim(), dir).args(args).output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn login(s: &Server, dir: &Path) {
    ok(run(s, dir, &["login", "--otp", sim::DEMO_OTP]));
}

/// The paths the command says it wrote (indented lines under the summary).
fn written(stdout: &str) -> Vec<PathBuf> {
    stdout
        .lines()
        .filter(|l| l.starts_with("  /"))
        .map(|l| PathBuf::from(l.trim()))
        .collect()
}

fn period() -> ReturnPeriod {
    ReturnPeriod::of_date(Local::now().date_naive()).prev()
}

fn money(v: &Data) -> Decimal {
    match v {
        Data::Float(f) => f.to_string().parse().unwrap(),
        Data::Empty => Decimal::ZERO,
        other => panic!("not a money cell: {other:?}"),
    }
}

fn text(v: &Data) -> String {
    match v {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not a text cell: {other:?}"),
    }
}

fn count(v: &Data) -> u64 {
    match v {
        Data::Float(f) if f.fract() == 0.0 => *f as u64,
        other => panic!("not a count cell: {other:?}"),
    }
}

/// Column index by header title.
fn col(r: &calamine::Range<Data>, title: &str) -> u32 {
    (0..r.width() as u32)
        .find(|c| r.get_value((0, *c)) == Some(&Data::String(title.into())))
        .unwrap_or_else(|| panic!("no column {title}"))
}

/// No cell anywhere carries a credential.
fn assert_no_secrets(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>) {
    for name in wb.sheet_names() {
        let r = wb.worksheet_range(&name).unwrap();
        for c in r.used_cells() {
            if let Data::String(s) = c.2 {
                for secret in [sim::DEMO_API_KEY, sim::DEMO_API_SECRET, sim::DEMO_OTP] {
                    assert!(!s.contains(secret), "{name}: {s}");
                }
            }
        }
    }
}

#[test]
fn ims_workbook_has_every_table_typed_and_equal_to_the_api() {
    let srv = Server::start(common::config(1_500));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    let out = dir.path().join("ims.xlsx");
    let stdout = ok(run(
        &srv,
        dir.path(),
        &["export", "ims", "--format", "xlsx", "--out", out.to_str().unwrap()],
    ));
    assert_eq!(written(&stdout), vec![out.clone()], "{stdout}");
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary", "B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECO", "ECOA", "ISD", "Imports"
        ]
    );
    assert_no_secrets(&mut wb);

    let mut by_action: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    for s in SHEET_ORDER {
        let recs = srv.records(s);
        let r = wb.worksheet_range(s.short()).unwrap();
        assert_eq!(r.height() - 1, recs.len(), "{s}: one row per record");
        let (g, doc, date, txval, iamt, camt, val, action, period_col) = (
            col(&r, "Supplier GSTIN"),
            col(&r, "Document"),
            col(&r, "Date"),
            col(&r, "Taxable"),
            col(&r, "IGST"),
            col(&r, "CGST"),
            col(&r, "Value"),
            col(&r, "Action"),
            col(&r, "Period"),
        );
        for (i, rec) in recs.iter().enumerate() {
            let row = i as u32 + 1;
            let at = |c: u32| r.get_value((row, c)).cloned().unwrap_or(Data::Empty);
            assert_eq!(text(&at(g)), rec.stin, "{s} row {row}");
            assert_eq!(text(&at(doc)), rec.doc_number(), "{s} row {row}");
            assert_eq!(text(&at(period_col)), rec.rtnprd, "{s} row {row}: period stays text");
            match (at(date), rec.doc_date()) {
                (Data::DateTime(d), Some(want)) => assert_eq!(d.as_datetime().unwrap().date(), want),
                (Data::String(raw), None) => assert_eq!(raw, rec.doc_date_raw()),
                (got, want) => panic!("{s} row {row}: date {got:?} vs {want:?}"),
            }
            for (c, want) in [(txval, rec.txval), (iamt, rec.iamt), (camt, rec.camt), (val, rec.val)] {
                assert_eq!(money(&at(c)), want.0, "{s} row {row} col {c}: exact decimal");
            }
            assert_eq!(text(&at(action)), rec.action.label());
            if s.is_amendment() {
                let o = col(&r, "Original document");
                assert_eq!(text(&at(o)), rec.original_number().unwrap_or(""), "{s} row {row}");
            }
            let e = by_action.entry(rec.action.label().to_string()).or_default();
            e.0 += 1;
            e.1 += rec.total_tax().0;
        }
    }

    // Summary: counts as the API gives them, documents and tax per action as the sheets hold.
    let counts = srv.rt.block_on(async {
        let c = common::logged_in(srv.sim()).await;
        let mut v = Vec::new();
        for g in GoodsType::ALL {
            v.push((g, c.ims_count(g).await.unwrap()));
        }
        v
    });
    let r = wb.worksheet_range("Summary").unwrap();
    let (sec, act, cnt, docs, tax) = (
        col(&r, "Section"),
        col(&r, "Action"),
        col(&r, "Count in IMS"),
        col(&r, "Documents in this file"),
        col(&r, "Total tax"),
    );
    let mut checked = 0;
    for row in 1..r.height() as u32 {
        let at = |c: u32| r.get_value((row, c)).cloned().unwrap_or(Data::Empty);
        let label = text(&at(sec));
        let action = text(&at(act));
        if label.is_empty() {
            break; // the notes under the table
        }
        if label == "Listed sections" {
            let (n, t) = by_action.get(&action).copied().unwrap_or_default();
            assert_eq!(count(&at(docs)), n, "total docs, {action}");
            assert_eq!(money(&at(tax)), t, "total tax, {action}");
            checked += 1;
            continue;
        }
        let s = Section::ALL.into_iter().find(|s| s.label() == label).unwrap();
        let a = Action::KNOWN.into_iter().find(|a| a.label() == action).unwrap();
        let group = &counts.iter().find(|(g, _)| *g == s.goods()).unwrap().1;
        assert_eq!(count(&at(cnt)), group.get(s).get(&a), "{label} {action}");
        if !s.api_actionable() {
            assert_eq!(at(docs), Data::Empty, "{label}: cannot be listed");
        }
    }
    assert!(checked >= 3, "total rows per action");
    // ISD and imports: the counts the API gives.
    let isd = wb.worksheet_range("ISD").unwrap();
    let total_row = (1..isd.height() as u32)
        .find(|r| isd.get_value((*r, 0)) == Some(&Data::String("Total".into())))
        .expect("a total row");
    assert_eq!(total_row, GoodsType::Isd.sections().len() as u32 + 1);
    assert_eq!(text(isd.get_value((total_row, 0)).unwrap()), "Total");
    let isd_counts = &counts.iter().find(|(g, _)| *g == GoodsType::Isd).unwrap().1;
    assert_eq!(count(isd.get_value((total_row, 5)).unwrap()), isd_counts.ttl_cnt);
}

#[test]
fn ims_csv_is_a_folder_per_table_limited_to_the_period() {
    let srv = Server::start(common::config(800));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    let p = period();
    let out = dir.path().join("ims-csv");
    let stdout = ok(run(
        &srv,
        dir.path(),
        &[
            "export",
            "ims",
            "--period",
            &p.iso(),
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let files = written(&stdout);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "Summary.csv",
            "B2B.csv",
            "B2BA.csv",
            "CN.csv",
            "CNA.csv",
            "DN.csv",
            "DNA.csv",
            "ECO.csv",
            "ECOA.csv",
            "ISD.csv",
            "Imports.csv"
        ]
    );
    assert!(files.iter().all(|f| f.parent() == Some(out.as_path())));
    let mut total = 0;
    for s in SHEET_ORDER {
        let want: Vec<ImsRecord> = srv
            .records(s)
            .into_iter()
            .filter(|r| r.return_period() == Some(p))
            .collect();
        total += want.len();
        let mut rdr = csv::Reader::from_path(out.join(format!("{}.csv", s.short()))).unwrap();
        let h = rdr.headers().unwrap().clone();
        let idx = |t: &str| h.iter().position(|x| x == t).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), want.len(), "{s}");
        for (row, rec) in rows.iter().zip(&want) {
            assert_eq!(&row[idx("Supplier GSTIN")], rec.stin);
            assert_eq!(&row[idx("Period")], p.wire());
            let txval: Decimal = row[idx("Taxable")].parse().unwrap();
            assert_eq!(txval, rec.txval.0);
            // At least two decimals, exact.
            assert!(row[idx("Value")].split_once('.').is_some_and(|(_, f)| f.len() >= 2));
            if let Some(d) = rec.doc_date() {
                assert_eq!(&row[idx("Date")], d.format("%Y-%m-%d").to_string());
            }
        }
    }
    assert!(total > 0, "the period has records");
}

#[test]
fn files_land_in_the_downloads_dir_and_are_never_overwritten() {
    let srv = Server::start(common::config(100));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    let p = period();
    let first = written(&ok(run(&srv, dir.path(), &["export", "balance", "--period", &p.iso()])));
    let second = written(&ok(run(&srv, dir.path(), &["export", "balance", "--period", &p.iso()])));
    assert_eq!(first.len(), 1);
    assert_ne!(first, second);
    for f in first.iter().chain(&second) {
        assert_eq!(f.parent().unwrap(), dir.path().join("downloads"));
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(&format!("balance-{}-{}-", srv.gstin(), p.iso())) && name.ends_with(".xlsx"),
            "{name}"
        );
    }
    let before = std::fs::read(&first[0]).unwrap();
    // An explicit path that exists: one line naming it, the file untouched.
    let o = run(
        &srv,
        dir.path(),
        &[
            "export",
            "balance",
            "--period",
            &p.iso(),
            "--out",
            first[0].to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    assert!(
        e.contains(&first[0].display().to_string()) && e.contains("not overwritten"),
        "{e}"
    );
    assert_eq!(std::fs::read(&first[0]).unwrap(), before);

    // The balance sheet equals the API's figures.
    let b = srv.rt.block_on(async {
        let c = common::logged_in(srv.sim()).await;
        c.ledger_balance(p).await.unwrap()
    });
    let mut wb: Xlsx<_> = open_workbook(&first[0]).unwrap();
    let r = wb.worksheet_range("Balance").unwrap();
    assert_eq!(text(r.get_value((1, 0)).unwrap()), "IGST");
    assert_eq!(money(r.get_value((1, 1)).unwrap()), b.cash_bal.igst.tx.0);
    assert_eq!(money(r.get_value((1, 7)).unwrap()), b.itc_bal.igst_bal.0);
    assert_eq!(money(r.get_value((5, 6)).unwrap()), b.cash_bal.total().0);
}

#[test]
fn ledgers_export_every_entry_exactly() {
    let srv = Server::start(common::config(100));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    let p = period();
    let from = p.plus_months(-13).first_day();
    let to = p.last_day();
    let out = dir.path().join("cash.xlsx");
    ok(run(
        &srv,
        dir.path(),
        &[
            "export",
            "ledger",
            "cash",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    // Same ledger as the viewing command's JSON (stitched over three 6-month windows).
    let json = ok(run(
        &srv,
        dir.path(),
        &[
            "ledger",
            "cash",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let l: gstdash::domain::ledger::CashLedger = serde_json::from_value(v["data"].clone()).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Cash ledger"],
        "no Checks sheet when the ledger adds up"
    );
    let r = wb.worksheet_range("Cash ledger").unwrap();
    // Opening line, every entry, closing line, then a blank row and the title note.
    assert_eq!(text(r.get_value((1, 1)).unwrap()), "Opening balance");
    for (i, t) in l.tr.iter().enumerate() {
        let row = i as u32 + 2;
        match r.get_value((row, 0)).unwrap() {
            Data::DateTime(d) => assert_eq!(
                d.as_datetime().unwrap().date(),
                gstdash::domain::period::parse_date_lenient(&t.rpt_dt).unwrap()
            ),
            other => panic!("row {row}: {other:?}"),
        }
        assert_eq!(text(r.get_value((row, 1)).unwrap()), t.ref_no);
        assert_eq!(money(r.get_value((row, 9)).unwrap()), t.tot_tr_amt.0, "row {row}");
        assert_eq!(money(r.get_value((row, 10)).unwrap()), t.tot_rng_bal.0, "row {row}");
    }
    let closing = l.tr.len() as u32 + 2;
    assert_eq!(text(r.get_value((closing, 1)).unwrap()), "Closing balance");
    assert_eq!(money(r.get_value((closing, 10)).unwrap()), l.cl_bal.tot_rng_bal.0);

    // ITC as CSV, liability as xlsx in a folder given by --out.
    let itc = dir.path().join("itc.csv");
    ok(run(
        &srv,
        dir.path(),
        &[
            "export",
            "ledger",
            "itc",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
            "--format",
            "csv",
            "--out",
            itc.to_str().unwrap(),
        ],
    ));
    let mut rdr = csv::Reader::from_path(&itc).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][1], "Opening balance");
    assert_eq!(&rows.last().unwrap()[1], "Closing balance");
    assert!(
        rows[1][0].len() == 10 && rows[1][0].as_bytes()[4] == b'-',
        "ISO date: {}",
        &rows[1][0]
    );
    let stdout = ok(run(
        &srv,
        dir.path(),
        &[
            "export",
            "ledger",
            "tax",
            "--period",
            &p.iso(),
            "--out",
            dir.path().to_str().unwrap(),
        ],
    ));
    let f = written(&stdout);
    assert_eq!(f[0].parent().unwrap(), dir.path());
    assert!(f[0].file_name().unwrap().to_string_lossy().starts_with(&format!(
        "liability-ledger-{}-{}",
        srv.gstin(),
        p.iso()
    )));
    let mut wb: Xlsx<_> = open_workbook(&f[0]).unwrap();
    let r = wb.worksheet_range("Liability ledger").unwrap();
    assert!(r.height() >= 2);
}

#[test]
fn followup_pack_lists_each_suppliers_rejected_and_pending_documents() {
    let srv = Server::start(common::config(1_000));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    // What the pack should hold, straight from the simulator.
    let mut want: BTreeMap<String, (u64, u64, Money)> = BTreeMap::new();
    for s in SHEET_ORDER {
        for r in srv.records(s) {
            let e = want.entry(r.stin.trim().to_ascii_uppercase()).or_default();
            match r.action {
                Action::Rejected => e.0 += 1,
                Action::Pending => e.1 += 1,
                _ => continue,
            }
            e.2 += r.total_tax();
        }
    }
    want.retain(|_, v| v.0 + v.1 > 0);
    assert!(!want.is_empty(), "the simulator has rejected/pending records");

    let out = dir.path().join("pack");
    let stdout = ok(run(
        &srv,
        dir.path(),
        &["export", "followup", "--format", "csv", "--out", out.to_str().unwrap()],
    ));
    // Suppliers.csv and one file per supplier: a dozen named, the rest counted.
    let files = written(&stdout);
    assert_eq!(files[0], out.join("Suppliers.csv"));
    let total = want.len() + 1;
    if total > files.len() {
        assert!(
            stdout.contains(&format!("… and {} more file(s) in", total - files.len())),
            "{stdout}"
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), total);
    for (supplier, (rej, pen, tax)) in &want {
        let f = out.join(format!("{supplier}.csv"));
        let mut rdr = csv::Reader::from_path(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let h = rdr.headers().unwrap().clone();
        let idx = |t: &str| h.iter().position(|x| x == t).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        let n_rej = rows
            .iter()
            .filter(|r| &r[idx("Recipient action")] == "Rejected")
            .count() as u64;
        let n_pen = rows.iter().filter(|r| &r[idx("Recipient action")] == "Pending").count() as u64;
        assert_eq!((n_rej, n_pen), (*rej, *pen), "{supplier}");
        let sum: Decimal = rows
            .iter()
            .map(|r| r[idx("Total tax")].parse::<Decimal>().unwrap())
            .sum();
        assert_eq!(sum, tax.0, "{supplier}");
        for r in &rows {
            assert_eq!(&r[idx("Recipient GSTIN")], srv.gstin());
            assert!(r[idx("What the supplier must do")].contains("GSTR-1A"), "{:?}", r);
        }
        // Rejected first.
        let first_pending = rows.iter().position(|r| &r[idx("Recipient action")] == "Pending");
        if let Some(fp) = first_pending {
            assert!(rows[fp..].iter().all(|r| &r[idx("Recipient action")] == "Pending"));
        }
    }

    // The same pack as one workbook: an index and a sheet per supplier.
    let x = dir.path().join("pack.xlsx");
    ok(run(
        &srv,
        dir.path(),
        &["export", "followup", "--out", x.to_str().unwrap()],
    ));
    let mut wb: Xlsx<_> = open_workbook(&x).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "Suppliers");
    assert_eq!(names[1..].to_vec(), want.keys().cloned().collect::<Vec<_>>());
    let idx = wb.worksheet_range("Suppliers").unwrap();
    for (i, (supplier, (rej, pen, tax))) in want.iter().enumerate() {
        let row = i as u32 + 1;
        assert_eq!(&text(idx.get_value((row, 0)).unwrap()), supplier);
        assert_eq!(count(idx.get_value((row, 1)).unwrap()), *rej);
        assert_eq!(count(idx.get_value((row, 2)).unwrap()), *pen);
        assert_eq!(money(idx.get_value((row, 4)).unwrap()), tax.0);
    }
    assert_no_secrets(&mut wb);
}

#[test]
fn fresh_cached_sections_export_without_the_network() {
    let mut srv = Server::start(common::config(300));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    let first = dir.path().join("first.xlsx");
    ok(run(
        &srv,
        dir.path(),
        &["export", "ims", "--out", first.to_str().unwrap()],
    ));
    let want = srv.records(Section::B2b).len();
    // The server goes away: the cache (fetched seconds ago) still makes the workbook.
    let sim = srv.take_sim();
    let base_url = sim.base_url.clone();
    let tp = sim.taxpayers[0].clone();
    srv.rt.block_on(sim.shutdown());
    let cmd = |args: &[&str]| {
        let mut c = Command::cargo_bin("gstdash").unwrap();
        c.env_clear()
            .env("HOME", dir.path())
            .env("GSTDASH_CONFIG", dir.path().join("gstdash.toml"))
            .env("GSTDASH_DATA_DIR", dir.path().join("data"))
            .env("GSTDASH_BASE_URL", &base_url)
            .env("GSTDASH_GSTIN", &tp.gstin)
            .env("GSTDASH_USERNAME", &tp.username)
            .env("GSTDASH_API_KEY", sim::DEMO_API_KEY)
            .env("GSTDASH_API_SECRET", sim::DEMO_API_SECRET)
            .timeout(Duration::from_secs(120))
            .args(args)
            .output()
            .unwrap()
    };
    let second = dir.path().join("second.xlsx");
    ok(cmd(&["export", "ims", "--out", second.to_str().unwrap()]));
    let mut wb: Xlsx<_> = open_workbook(&second).unwrap();
    assert_eq!(wb.worksheet_range("B2B").unwrap().height() - 1, want);
    // --refresh insists on the API: a one-line error, and no file.
    let third = dir.path().join("third.xlsx");
    let o = cmd(&["export", "ims", "--refresh", "--out", third.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim_end().lines().count(), 1);
    assert!(!third.exists());
}

#[test]
fn export_needs_a_session_and_says_so() {
    let srv = Server::start(common::config(50));
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &srv,
        dir.path(),
        &["export", "ims", "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("gstdash login"), "{e}");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "xlsx"))
            .count(),
        0
    );
}

#[test]
fn bench_writes_files_that_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::cargo_bin("gstdash")
        .unwrap()
        .env_clear()
        .env("HOME", dir.path())
        .args([
            "bench",
            "export",
            "--rows",
            "700",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let out = ok(o);
    assert!(
        out.contains("xlsx 700 rows in") && out.contains("csv  700 rows in"),
        "{out}"
    );
    let mut wb: Xlsx<_> = open_workbook(dir.path().join("bench-700.xlsx")).unwrap();
    assert_eq!(wb.worksheet_range("B2B").unwrap().height(), 701);
    let rows = csv::Reader::from_path(dir.path().join("bench-700.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, 700);
}

/// The audit journal as evidence: decisions made through the CLI come out as one row each,
/// with the remarks, the GSTN reference and the outcome, in xlsx and csv.
#[test]
fn journal_export_has_one_row_per_decision_with_its_outcome() {
    let srv = Server::start(common::config(300));
    let dir = tempfile::tempdir().unwrap();
    login(&srv, dir.path());
    ok(run(&srv, dir.path(), &["ims", "pull", "--sections", "b2b"]));
    // Reject the no-action B2B documents of one supplier: a handful of decisions.
    let recs = srv
        .sim()
        .records(&srv.sim().taxpayers[0].gstin, gstdash::domain::Section::B2b);
    let stin = recs
        .iter()
        .find(|r| r.action == gstdash::domain::Action::NoAction && r.flags().is_empty())
        .unwrap()
        .stin
        .clone();
    let want = recs
        .iter()
        .filter(|r| r.stin == stin && r.action == gstdash::domain::Action::NoAction)
        .count();
    let q = format!("section:b2b status:no-action gstin:{stin}");
    ok(run(
        &srv,
        dir.path(),
        &["ims", "act", "reject", "--query", &q, "--remarks", "not received"],
    ));
    ok(run(&srv, dir.path(), &["ims", "push"]));

    let out = dir.path().join("journal.csv");
    let stdout = ok(run(
        &srv,
        dir.path(),
        &["export", "journal", "--format", "csv", "--out", out.to_str().unwrap()],
    ));
    assert_eq!(written(&stdout), vec![out.clone()], "{stdout}");
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let h = rdr.headers().unwrap().clone();
    let idx = |t: &str| h.iter().position(|x| x == t).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), want, "one row per decision");
    for r in &rows {
        assert_eq!(&r[idx("New action")], "R");
        assert_eq!(&r[idx("Remarks")], "not received");
        assert!(r[idx("Outcome")].starts_with("applied"), "{:?}", r);
        assert!(!r[idx("GSTN reference")].is_empty());
        assert!(r[idx("Record")].contains(&stin));
    }

    let xlsx = dir.path().join("journal.xlsx");
    ok(run(
        &srv,
        dir.path(),
        &["export", "journal", "--out", xlsx.to_str().unwrap()],
    ));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("Journal").unwrap();
    assert_eq!(
        range.rows().count(),
        want + 1 + 2,
        "header, rows, a blank line and the note"
    );
    let date_cell = range.get((1, 1)).unwrap();
    assert!(matches!(date_cell, calamine::Data::DateTime(_)), "{date_cell:?}");

    // A month with no decisions gives an empty table, not an error.
    let none = dir.path().join("none.csv");
    ok(run(
        &srv,
        dir.path(),
        &[
            "export",
            "journal",
            "--period",
            "2020-01",
            "--format",
            "csv",
            "--out",
            none.to_str().unwrap(),
        ],
    ));
    assert_eq!(csv::Reader::from_path(&none).unwrap().records().count(), 0);
}
