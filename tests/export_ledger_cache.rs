//! The export ledger's cache against the simulator over loopback: the first computation walks
//! back to where the returns start and caches every period; the second makes no GSTR-1/3B
//! call for filed periods; the balance carries across financial years.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use gstdash::domain::export_ledger::{DrCr, Gstr1Sections, Heads, PeriodReturns, ReturnType, compute};
use gstdash::domain::{FinancialYear, Money, ReturnPeriod};
use gstdash::sim::SummaryMode;
use gstdash::store::{Store, StoredProfile};
use gstdash::sync::reports::{CALLS_PER_BLANK_PERIOD, CALLS_PER_PERIOD, START_GAP, ledger_returns};
use gstdash::sync::{SyncCommand, SyncEvent, engine};

fn p(y: i32, m: u32) -> ReturnPeriod {
    ReturnPeriod::new(y, m).unwrap()
}

fn store_with_profile(dir: &std::path::Path, gstin: &str) -> engine::SharedStore {
    let s = Store::open_in(dir).unwrap();
    s.upsert_profile(&StoredProfile {
        name: "demo".into(),
        gstin: gstin.into(),
        username: "acme.traders".into(),
        base_url: "http://127.0.0.1".into(),
        updated_at: Utc::now(),
    })
    .unwrap();
    Arc::new(Mutex::new(s))
}

/// Sections of a form that have documents: what the summary path fetches besides the summary.
fn sections_with_docs(s: &Option<Gstr1Sections>) -> u64 {
    let Some(s) = s else { return 0 };
    [
        s.exp.is_empty(),
        s.expa.is_empty(),
        s.b2b.is_empty(),
        s.b2ba.is_empty(),
        s.cdnr.is_empty(),
        s.cdnra.is_empty(),
        s.cdnur.is_empty(),
        s.cdnura.is_empty(),
    ]
    .iter()
    .filter(|empty| !**empty)
    .count() as u64
}

/// Calls the summary path makes for fetched (not probed) periods: GSTR-3B, two summaries,
/// and one call per section with documents.
fn summary_path_calls(returns: &[PeriodReturns]) -> u64 {
    returns
        .iter()
        .map(|r| CALLS_PER_BLANK_PERIOD as u64 + sections_with_docs(&r.gstr1) + sections_with_docs(&r.gstr1a))
        .sum()
}

/// Today 15 May 2025: March 2025 is the last filed period and its 3.1(b) is 10% short, so
/// FY 2024-25 closes negative and FY 2025-26 opens with that shortfall brought forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_computation_is_from_cache_and_the_balance_carries_into_the_next_year() {
    let today = NaiveDate::from_ymd_opt(2025, 5, 15).unwrap();
    let mut cfg = common::config(50);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_profile(dir.path(), &sim.taxpayers[0].gstin);

    // First: FY 2024-25 = Apr 2024 – Mar 2025 fetched in full, then a year of blank periods
    // before it (one GSTR-3B call each) proves the returns start in April 2024.
    let before = sim.returns_requests();
    let mut seen = Vec::new();
    let mut progress = |done: usize, total: usize| seen.push((done, total));
    let first = ledger_returns(&client, &store, "demo", p(2025, 3), today, &mut progress)
        .await
        .unwrap();
    let calls = sim.returns_requests() - before;
    let probes = START_GAP as u64;
    let expected = summary_path_calls(&first.returns) + probes;
    assert_eq!(
        calls, expected,
        "12 periods through the summaries and {probes} one-call probes"
    );
    assert_eq!(first.calls as u64, calls, "the job counts its calls");
    assert!(calls < 12 * CALLS_PER_PERIOD as u64 / 2, "{calls}");
    assert_eq!((first.fetched, first.cached), (24, 0));
    assert_eq!(first.returns.first().map(|r| r.period), Some(p(2024, 4)));
    assert_eq!(first.returns.len(), 12);
    assert_eq!(seen.last(), Some(&(24, 24)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);

    // Second: nothing fetched, identical data.
    let before = sim.returns_requests();
    let again = ledger_returns(&client, &store, "demo", p(2025, 3), today, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(sim.returns_requests() - before, 0, "no GSTR-1/3B call the second time");
    assert_eq!((again.fetched, again.cached), (0, 24));
    assert_eq!(again.returns, first.returns);

    // FY 2025-26: only April and May 2025 (not filed yet, so never cached) are fetched.
    let before = sim.returns_requests();
    let next = ledger_returns(&client, &store, "demo", p(2026, 3), today, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        sim.returns_requests() - before,
        2 * CALLS_PER_BLANK_PERIOD as u64,
        "GSTR-3B and two summaries (no document) each"
    );
    assert_eq!((next.fetched, next.cached), (2, 24));
    assert_eq!(next.returns.len(), 14, "Apr 2024 – May 2025");

    // The carried balance is March 2025's shortfall: its debit minus its 3.1(b), as the API
    // reports them.
    let l = compute(&next.returns);
    let mar = l.breakup.iter().find(|b| b.period == Some(p(2025, 3))).unwrap();
    let short = mar.debit() - mar.tbl3_1b;
    assert!(short.igst > Money::ZERO, "{short:?}");
    let fy25 = FinancialYear::new(2025);
    assert_eq!(l.opening_balance(fy25), -short);
    assert_eq!(l.closing_balance(FinancialYear::new(2024)), -short);
    let rows = l.year_rows(fy25);
    assert_eq!(
        rows.len(),
        1,
        "only the brought-forward row: nothing filed in FY 2025-26 yet"
    );
    assert_eq!(rows[0].ret_type, ReturnType::BroughtForward);
    assert_eq!(rows[0].dr_cr, DrCr::Debit);
    assert_eq!(rows[0].amount, short);
    assert_eq!(rows[0].balance, Heads::new(-short.igst, -short.cess));
    let s = l.shortfall.as_ref().expect("still short");
    assert_eq!(s.blocked_from, p(2025, 3));
    assert_eq!(s.pay_in, p(2025, 4));
    assert_eq!(s.pay, short);

    // The cache survives a restart of the store.
    drop(store);
    let store = Arc::new(Mutex::new(Store::open_in(dir.path()).unwrap()));
    let before = sim.returns_requests();
    let reopened = ledger_returns(&client, &store, "demo", p(2025, 3), today, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(sim.returns_requests() - before, 0);
    assert_eq!(reopened.returns, first.returns);
    sim.shutdown().await;
}

type Opened = (
    Vec<(usize, usize)>,
    Arc<gstdash::domain::export_ledger::ExportLedger>,
    usize,
    usize,
);

/// Asks the engine for the ledger of `fy` and collects its progress until it arrives.
async fn open(
    cmd: &tokio::sync::mpsc::UnboundedSender<SyncCommand>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<SyncEvent>,
    fy: FinancialYear,
) -> Opened {
    cmd.send(SyncCommand::RefreshExportLedger { fy }).unwrap();
    let mut progress = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("engine answers")
            .expect("engine alive");
        match ev {
            SyncEvent::ExportLedgerProgress { fy: f, done, total } if f == fy => progress.push((done, total)),
            SyncEvent::ExportLedgerLoaded {
                fy: f,
                ledger,
                periods_fetched,
                periods_cached,
                ..
            } if f == fy => return (progress, ledger, periods_fetched, periods_cached),
            SyncEvent::Failed { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}

/// Through the engine, as the popup uses it: progress events, then the ledger; the second
/// request is answered from the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_reports_progress_and_the_second_open_makes_no_returns_calls() {
    let sim = common::start(common::config(50)).await;
    let client = common::logged_in(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_profile(dir.path(), &sim.taxpayers[0].gstin);
    let (ev_tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, handle) = engine::spawn(client, store, "demo".into(), ev_tx);
    let fy = FinancialYear::new(2024);

    let before = sim.returns_requests();
    let (progress, ledger, fetched, cached) = open(&cmd, &mut rx, fy).await;
    assert!(sim.returns_requests() > before);
    assert_eq!((fetched, cached), (24, 0));
    assert_eq!(progress.last(), Some(&(24, 24)), "{progress:?}");
    assert!(progress.len() >= 24, "one event per period: {progress:?}");
    assert!(ledger.warnings.is_empty(), "{:?}", ledger.warnings);
    assert_eq!(ledger.spells[0].from, p(2024, 8));

    let before = sim.returns_requests();
    let (_, again, fetched, cached) = open(&cmd, &mut rx, fy).await;
    assert_eq!(sim.returns_requests() - before, 0);
    assert_eq!((fetched, cached), (0, 24));
    assert_eq!(again.rows, ledger.rows);

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    sim.shutdown().await;
}

/// The summaries only save calls: with the summary served, refused, or in a shape gstdash
/// does not know, the returns and the ledger are identical; the fallback fetches every
/// section (17 calls a period) and the cache says which way each period was fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_path_and_every_section_fallback_compute_the_same_ledger() {
    let today = NaiveDate::from_ymd_opt(2025, 5, 15).unwrap();
    let mut cfg = common::config(50);
    cfg.today = today;
    let sim = common::start(cfg).await;
    let client = common::logged_in(&sim).await;
    let probes = START_GAP as u64;

    let mut runs = Vec::new();
    for mode in [SummaryMode::Served, SummaryMode::Refused, SummaryMode::Unrecognised] {
        sim.set_summary_mode(mode);
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_profile(dir.path(), &sim.taxpayers[0].gstin);
        let (before, summaries_before) = (sim.returns_requests(), sim.summary_requests());
        let got = ledger_returns(&client, &store, "demo", p(2025, 3), today, &mut |_, _| {})
            .await
            .unwrap();
        let calls = sim.returns_requests() - before;
        assert_eq!(got.calls as u64, calls, "{mode:?}");
        assert_eq!(got.returns.len(), 12, "{mode:?}");
        assert_eq!(
            sim.summary_requests() - summaries_before,
            2 * 12,
            "{mode:?}: two per fetched period"
        );
        let cached = store.lock().unwrap().load_export_returns("demo").unwrap();
        let via = |period: ReturnPeriod| cached[&period].fetched_via.clone().unwrap_or_default();
        match mode {
            SummaryMode::Served => {
                assert_eq!(calls, summary_path_calls(&got.returns) + probes);
                assert_eq!(via(p(2024, 4)), "GSTR-1 summary: exp; GSTR-1A summary: none");
                assert_eq!(via(p(2024, 6)), "GSTR-1 summary: exp, b2b; GSTR-1A summary: none");
                assert_eq!(via(p(2025, 3)), "GSTR-1 summary: exp, b2b; GSTR-1A summary: exp");
            }
            _ => {
                // Every section plus the two summaries that were not used.
                assert_eq!(calls, 12 * (CALLS_PER_PERIOD as u64 + 2) + probes, "{mode:?}");
                let v = via(p(2024, 9));
                assert!(
                    v.starts_with("GSTR-1 every section (summary: ") && v.contains("; GSTR-1A every section"),
                    "{mode:?}: {v}"
                );
            }
        }
        assert_eq!(via(p(2023, 9)), "probe: GSTR-3B not filed");
        runs.push(got.returns);
    }
    assert_eq!(runs[0], runs[1], "summary path = fallback (refused)");
    assert_eq!(runs[0], runs[2], "summary path = fallback (not understood)");
    let (fast, slow) = (compute(&runs[0]), compute(&runs[1]));
    assert_eq!(fast.rows, slow.rows);
    assert_eq!(fast.breakup, slow.breakup);
    assert_eq!(fast.spells, slow.spells);
    assert!(fast.warnings.is_empty(), "{:?}", fast.warnings);
    sim.shutdown().await;
}
