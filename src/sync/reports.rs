//! Fetch jobs for the reports: the export ledger's GSTR-1 / GSTR-1A sections and GSTR-3B
//! details, period by period. Used by the CLI and the engine alike.

use std::path::PathBuf;
use std::sync::Arc;

use std::collections::BTreeMap;

use chrono::{DateTime, Local, NaiveDate, Utc};
use futures::{StreamExt, TryStreamExt};
use tokio::sync::mpsc::UnboundedSender;

use super::engine::SharedStore;
use super::{JobKind, SyncEvent};
use crate::api::{ApiError, Client};
use crate::domain::export_ledger::{self, GSTR1_SECTIONS, Gstr1Sections, PeriodReturns};
use crate::domain::ledger::{self, CashLedger, ItcLedger};
use crate::domain::period;
use crate::domain::{FinancialYear, ReturnPeriod};

/// One period's returns for the export ledger and how its GSTR-1/1A sections were gathered.
#[derive(Clone, Debug)]
pub struct FetchedPeriod {
    pub returns: PeriodReturns,
    /// E.g. "GSTR-1 summary: exp, b2b; GSTR-1A summary: none" or "GSTR-1 every section
    /// (summary: …)"; kept with the cache and logged.
    pub via: String,
    /// Calls made for the period.
    pub calls: usize,
}

/// Every section the export ledger reads for one period, from GSTR-1 and GSTR-1A, plus the
/// GSTR-3B details: GSTR-3B first, then each form's summary and only the sections it lists
/// with records (3 calls + one per such section; every section, 17 calls, when a summary is
/// not available or not understood).
///
/// GSTR-1 of the period counts as filed when its GSTR-3B exists (GSTN refuses GSTR-3B details
/// before GSTR-1 is filed, `RT-R3BQ1004`) or when any section has documents; GSTR-1A only when
/// it has documents.
pub async fn fetch_period_returns(client: &Client, period: ReturnPeriod) -> Result<PeriodReturns, ApiError> {
    Ok(fetch_period(client, period).await?.returns)
}

/// [`fetch_period_returns`] with how the period was gathered.
pub async fn fetch_period(client: &Client, period: ReturnPeriod) -> Result<FetchedPeriod, ApiError> {
    let r3b = patiently(|| client.gstr3b_details(period)).await?;
    with_sections(client, period, r3b).await
}

/// A probe for where the taxpayer's returns start: GSTR-3B first (one call); the sections
/// only when it is filed.
async fn probe_period(client: &Client, period: ReturnPeriod) -> Result<FetchedPeriod, ApiError> {
    let r3b = patiently(|| client.gstr3b_details(period)).await?;
    if r3b.is_none() {
        return Ok(FetchedPeriod {
            returns: PeriodReturns {
                period,
                gstr1: None,
                gstr1a: None,
                gstr3b: None,
            },
            via: "probe: GSTR-3B not filed".into(),
            calls: 1,
        });
    }
    with_sections(client, period, r3b).await
}

async fn with_sections(
    client: &Client,
    period: ReturnPeriod,
    r3b: Option<export_ledger::Gstr3bDetails>,
) -> Result<FetchedPeriod, ApiError> {
    let ((r1, via1, calls1), (r1a, via1a, calls1a)) = futures::try_join!(
        form_sections(client, false, period),
        form_sections(client, true, period)
    )?;
    let via = format!("{via1}; {via1a}");
    tracing::info!("export ledger {period}: {via}");
    Ok(FetchedPeriod {
        returns: PeriodReturns {
            period,
            gstr1: (r3b.is_some() || !r1.is_empty()).then_some(r1),
            gstr1a: (!r1a.is_empty()).then_some(r1a),
            gstr3b: r3b,
        },
        via,
        calls: 1 + calls1 + calls1a,
    })
}

/// One form's sections of `period`: the summary first, then only the sections it lists with
/// records; every section when the summary fails or is not understood (never a silently
/// short ledger). Returns the merged sections, how they were gathered, and the calls made.
async fn form_sections(
    client: &Client,
    amendment_form: bool,
    period: ReturnPeriod,
) -> Result<(Gstr1Sections, String, usize), ApiError> {
    let form = if amendment_form { "GSTR-1A" } else { "GSTR-1" };
    let plan = match patiently(|| client.gstr1_summary(amendment_form, period)).await {
        Ok(None) => Ok(vec![]),
        Ok(Some(summary)) => export_ledger::sections_with_records(&summary),
        Err(e) => Err(e.to_string()),
    };
    let (sections, via) = match plan {
        Ok(s) if s.is_empty() => (s, format!("{form} summary: none")),
        Ok(s) => {
            let via = format!("{form} summary: {}", s.join(", "));
            (s, via)
        }
        Err(why) => {
            tracing::warn!("export ledger {period}: {form} summary not used ({why}); every section fetched");
            (
                GSTR1_SECTIONS.to_vec(),
                format!("{form} every section (summary: {why})"),
            )
        }
    };
    // Futures built first: a closure inside the stream trips the `Send` check of the engine's
    // spawned task (rust-lang/rust#102211).
    let calls: Vec<_> = sections
        .iter()
        .map(|s| fetch_section(client, amendment_form, s, period))
        .collect();
    let parts: Vec<Gstr1Sections> = futures::stream::iter(calls).buffered(CONCURRENCY).try_collect().await?;
    let mut all = Gstr1Sections::default();
    for p in parts {
        all.absorb(p);
    }
    Ok((all, via, 1 + sections.len()))
}

async fn fetch_section(
    client: &Client,
    amendment_form: bool,
    section: &'static str,
    period: ReturnPeriod,
) -> Result<Gstr1Sections, ApiError> {
    patiently(|| client.gstr1_section(amendment_form, section, period)).await
}

/// The portal serves at most six months of a ledger per call: longer ranges are fetched in
/// slices and stitched (running balances continue across slices; `check()` runs on the whole).
pub const LEDGER_WINDOW_MONTHS: u32 = 6;

pub async fn cash_ledger_range(client: &Client, from: NaiveDate, to: NaiveDate) -> Result<CashLedger, ApiError> {
    let mut parts = Vec::new();
    for (f, t) in period::split_range(from, to, LEDGER_WINDOW_MONTHS) {
        parts.push(client.ledger_cash(f, t).await?);
    }
    Ok(ledger::stitch_cash(parts).unwrap_or_default())
}

pub async fn itc_ledger_range(client: &Client, from: NaiveDate, to: NaiveDate) -> Result<ItcLedger, ApiError> {
    let mut parts = Vec::new();
    for (f, t) in period::split_range(from, to, LEDGER_WINDOW_MONTHS) {
        parts.push(client.ledger_itc(f, t).await?);
    }
    Ok(ledger::stitch_itc(parts).unwrap_or_default())
}

/// The Ledgers screen's default range for `period`: April of its financial year to the end
/// of the period, or `today` when the period is still running.
pub fn default_ledger_range(period: ReturnPeriod, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let from = period.financial_year().periods()[0].first_day();
    (from, period.last_day().min(today).max(from))
}

/// The Ledgers screen's data: cash and ITC ledgers for `from`..`to` (in slices, stitched) and
/// the return-liability ledger of `period`.
pub async fn ledgers_job(
    client: Client,
    period: ReturnPeriod,
    from: NaiveDate,
    to: NaiveDate,
    events: UnboundedSender<SyncEvent>,
) {
    let today = Local::now().date_naive();
    let tax_to = period.last_day().min(today);
    let r = futures::try_join!(
        cash_ledger_range(&client, from, to),
        itc_ledger_range(&client, from, to),
        client.ledger_tax(period, period.first_day().min(tax_to), tax_to),
    );
    let ev = match r {
        Ok((cash, itc, tax)) => SyncEvent::LedgersLoaded {
            period,
            from,
            to,
            cash: Arc::new(cash),
            itc: Arc::new(itc),
            tax: Arc::new(tax),
            fetched_at: Utc::now(),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::Ledgers,
            message: e.to_string(),
        },
    };
    let _ = events.send(ev);
}

/// Engine job: the supplier view of `period`.
pub async fn outward_job(client: Client, period: ReturnPeriod, events: UnboundedSender<SyncEvent>) {
    let r = futures::try_join!(client.sales(period), client.added_back_liabilities(period));
    let ev = match r {
        Ok((sales, added_back)) => SyncEvent::OutwardLoaded {
            period,
            sales: Arc::new(sales),
            added_back: Arc::new(added_back),
            fetched_at: Utc::now(),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::Outward,
            message: e.to_string(),
        },
    };
    let _ = events.send(ev);
}

/// Calls in flight at once while fetching a period.
const CONCURRENCY: usize = 4;
/// Longest `Retry-After` a bulk fetch waits out by itself (Sandbox counts per minute).
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(90);

/// Runs `call`, waiting out rate limits the client hands back (it gives up on a
/// `Retry-After` longer than its own backoff): a fetch of a whole year is 200 calls, more than
/// Sandbox's 100 a minute, so the job waits instead of failing half-way.
async fn patiently<T, F, Fut>(mut call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let mut waits = 0;
    loop {
        match call().await {
            Err(e) if waits < 6 => match e.kind {
                crate::api::ErrorKind::RateLimited { retry_after } => {
                    waits += 1;
                    let ra = retry_after.unwrap_or(std::time::Duration::from_secs(10)).min(MAX_WAIT);
                    tokio::time::sleep(ra).await;
                }
                _ => return Err(e),
            },
            r => return r,
        }
    }
}

/// The returns of `periods`, oldest first, one period at a time, without the
/// cache (ICEGATE tracking of the periods of a quarter, tests).
pub async fn fetch_export_returns(client: &Client, periods: &[ReturnPeriod]) -> Result<Vec<PeriodReturns>, ApiError> {
    let mut out = Vec::with_capacity(periods.len());
    for p in periods {
        out.push(fetch_period_returns(client, *p).await?);
    }
    Ok(out)
}

/// The periods of `fy` that have started by `today`.
pub fn started_periods(fy: FinancialYear, today: chrono::NaiveDate) -> Vec<ReturnPeriod> {
    let current = ReturnPeriod::of_date(today);
    fy.periods().into_iter().filter(|p| *p <= current).collect()
}

/// The first GST return period (July 2017): nothing is fetched before it.
pub fn gst_start() -> ReturnPeriod {
    ReturnPeriod::new(2017, 7).expect("valid period")
}

/// Periods with nothing filed in a row, before the earliest period with returns, that mark
/// where the taxpayer's returns start (GSTN cancels a registration after six months without
/// returns, so a whole blank year means there was nothing before).
pub const START_GAP: i32 = 12;

/// Calls for one period with every section: the GSTR-1 and GSTR-1A sections and GSTR-3B
/// details (17); the most a period costs when the summaries are not used.
pub const CALLS_PER_PERIOD: usize = 2 * GSTR1_SECTIONS.len() + 1;

/// Calls for one period whose summaries list no section with records: GSTR-3B details and the
/// GSTR-1 and GSTR-1A summaries.
pub const CALLS_PER_BLANK_PERIOD: usize = 3;

/// Periods fetched at once (each is a few calls, up to four sections at a time).
pub const PERIODS_AT_ONCE: usize = 2;

/// What the export ledger is computed from, and how it was gathered.
#[derive(Clone, Debug)]
pub struct LedgerReturns {
    /// Every period from the first one with returns up to the end asked for, oldest first.
    pub returns: Vec<PeriodReturns>,
    /// Periods fetched from GSTN this time.
    pub fetched: usize,
    /// Periods read from the cache.
    pub cached: usize,
    /// GSTR-1/1A/3B calls made this time.
    pub calls: usize,
    /// When the newest of the data used was fetched ("data as on").
    pub as_of: DateTime<Utc>,
    /// Cache problems (the data was fetched anyway; nothing is lost but time).
    pub warnings: Vec<String>,
}

/// Progress of [`ledger_returns`]: periods done and periods to fetch so far (the total grows
/// while it looks for where the returns start).
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

/// The returns the export ledger needs up to `end` (capped at the current period): from the
/// taxpayer's first period with returns, so the balance is the true cumulative one.
///
/// Periods whose GSTR-3B is filed come from the cache when there (a filed return does not
/// change); others are fetched, [`PERIODS_AT_ONCE`] periods at a time, and written to the cache
/// as each arrives (an aborted fetch keeps what it got). Where the returns start is found by
/// walking back until [`START_GAP`] blank periods precede the earliest period with returns;
/// blank periods before that one are settled and not fetched again.
pub async fn ledger_returns(
    client: &Client,
    store: &SharedStore,
    profile: &str,
    end: ReturnPeriod,
    today: NaiveDate,
    progress: Progress<'_>,
) -> Result<LedgerReturns, ApiError> {
    let end = end.min(ReturnPeriod::of_date(today));
    let mut warnings = Vec::new();
    let cache = {
        let s = store.lock().expect("store lock");
        s.load_export_returns(profile)
    };
    let cache = cache.unwrap_or_else(|e| {
        warnings.push(format!(
            "export ledger cache not read ({e}); every period fetched again"
        ));
        Default::default()
    });
    let first_cached = cache
        .values()
        .filter(|c| !c.returns.is_blank())
        .map(|c| c.returns.period)
        .min();
    let settled = |p: ReturnPeriod| {
        cache
            .get(&p)
            .filter(|c| c.returns.is_filed() || (c.returns.is_blank() && first_cached.is_some_and(|f| p < f)))
    };
    let mut have: BTreeMap<ReturnPeriod, PeriodReturns> = BTreeMap::new();
    let mut as_of: Option<DateTime<Utc>> = None;
    let (mut fetched, mut cached, mut total, mut calls_made) = (0usize, 0usize, 0usize, 0usize);
    let mut lo = end.plus_months(-(START_GAP - 1)).max(gst_start());
    let mut hi = end;
    // The first window is fetched in full; older windows are probes (see `probe_period_returns`).
    let mut probing = false;
    loop {
        let mut todo = Vec::new();
        let mut p = lo;
        while p <= hi {
            match settled(p) {
                Some(c) => {
                    cached += 1;
                    as_of = as_of.max(Some(c.fetched_at));
                    have.insert(p, c.returns.clone());
                }
                None => todo.push(p),
            }
            p = p.next();
        }
        total += todo.len();
        progress(fetched, total);
        // Newest first: the periods on screen arrive first.
        let calls: Vec<_> = todo
            .iter()
            .rev()
            .map(|p| async move {
                if probing {
                    probe_period(client, *p).await
                } else {
                    fetch_period(client, *p).await
                }
            })
            .collect();
        let mut stream = futures::stream::iter(calls).buffer_unordered(PERIODS_AT_ONCE);
        while let Some(r) = stream.next().await {
            let FetchedPeriod {
                returns: r,
                via,
                calls: c,
            } = r?;
            calls_made += c;
            let now = Utc::now();
            let put = {
                let s = store.lock().expect("store lock");
                s.put_export_returns(profile, &r, Some(&via), now)
            };
            if let Err(e) = put {
                warnings.push(format!("{}: not cached ({e})", r.period));
            }
            as_of = as_of.max(Some(now));
            fetched += 1;
            progress(fetched, total);
            have.insert(r.period, r);
        }
        let Some(first) = have.values().filter(|r| !r.is_blank()).map(|r| r.period).min() else {
            break;
        };
        let want = first.plus_months(-START_GAP).max(gst_start());
        if want >= lo {
            break;
        }
        hi = lo.prev();
        lo = want;
        probing = true;
    }
    let first = have.values().filter(|r| !r.is_blank()).map(|r| r.period).min();
    let returns = match first {
        Some(f) => have.into_values().filter(|r| r.period >= f).collect(),
        None => vec![],
    };
    Ok(LedgerReturns {
        returns,
        fetched,
        cached,
        calls: calls_made,
        as_of: as_of.unwrap_or_else(Utc::now),
        warnings,
    })
}

/// Engine job: gather the returns up to the end of `fy` (cache first) and compute the export
/// ledger, reporting progress per period.
pub async fn export_ledger_job(
    client: Client,
    store: SharedStore,
    profile: String,
    fy: FinancialYear,
    events: UnboundedSender<SyncEvent>,
) {
    let end = *fy.periods().last().expect("twelve periods");
    let progress_events = events.clone();
    let mut progress = move |done: usize, total: usize| {
        let _ = progress_events.send(SyncEvent::ExportLedgerProgress { fy, done, total });
    };
    let r = ledger_returns(&client, &store, &profile, end, Local::now().date_naive(), &mut progress).await;
    let ev = match r {
        Ok(g) => {
            let mut ledger = export_ledger::compute(&g.returns);
            ledger.warnings.extend(g.warnings);
            SyncEvent::ExportLedgerLoaded {
                fy,
                ledger: Arc::new(ledger),
                returns: Arc::new(g.returns),
                fetched_at: g.as_of,
                periods_fetched: g.fetched,
                periods_cached: g.cached,
            }
        }
        Err(e) => SyncEvent::Failed {
            job: JobKind::ExportLedger,
            message: e.to_string(),
        },
    };
    let _ = events.send(ev);
}

/// Engine job: typed tables to a file through the shared writers.
pub async fn write_tables_job(
    tables: Vec<crate::export::ExportTable>,
    format: crate::export::FileFormat,
    target: crate::export::OutTarget,
    what: String,
    events: UnboundedSender<SyncEvent>,
) {
    let job = crate::export::ExportJob { tables, format, target };
    let ev = match job.spawn(|_| {}).await {
        Ok(Ok(w)) => match w.paths.into_iter().next() {
            Some(path) => SyncEvent::FileWritten { what, path },
            None => SyncEvent::Failed {
                job: JobKind::Download,
                message: format!("{what}: nothing was written"),
            },
        },
        Ok(Err(e)) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what}: {}", e.0),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what}: {e}"),
        },
    };
    let _ = events.send(ev);
}

/// Reads ICEGATE's responses from `path` (a CSV from the portal).
pub fn read_icegate_csv(path: &std::path::Path) -> Result<Vec<crate::domain::icegate::Verdict>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("could not read the file: {e}"))?;
    crate::domain::icegate::parse_verdicts(&text)
}

/// Engine job: ICEGATE's responses for the ICEGATE screen.
pub async fn import_icegate_job(path: PathBuf, events: UnboundedSender<SyncEvent>) {
    let p = path.clone();
    let r = tokio::task::spawn_blocking(move || read_icegate_csv(&p))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let _ = events.send(SyncEvent::IcegateVerdicts {
        path,
        verdicts: r.map(Arc::new),
    });
}

/// Writes `dir/name` through a temporary file in the same directory, so a reader never sees
/// half a file.
pub fn write_file(dir: &std::path::Path, name: &str, contents: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.part"));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Engine job: a download.
pub async fn write_file_job(
    dir: PathBuf,
    name: String,
    contents: String,
    what: String,
    events: UnboundedSender<SyncEvent>,
) {
    let r =
        tokio::task::spawn_blocking(move || write_file(&dir, &name, &contents).map_err(|e| (dir.join(&name), e))).await;
    let ev = match r {
        Ok(Ok(path)) => SyncEvent::FileWritten { what, path },
        Ok(Err((path, e))) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what} to {}: {e}", path.display()),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what}: {e}"),
        },
    };
    let _ = events.send(ev);
}

/// Engine job: a download. Builds the tables (an IMS view is built here, not on the UI
/// thread) and writes them on the blocking pool, reporting progress as it goes.
pub async fn export_job(
    source: crate::export::ExportSource,
    format: crate::export::FileFormat,
    target: crate::export::OutTarget,
    what: String,
    events: UnboundedSender<SyncEvent>,
) {
    let progress_events = events.clone();
    let r = tokio::task::spawn_blocking(move || {
        crate::export::ExportJob {
            tables: source.into_tables(),
            format,
            target,
        }
        .run(&mut |p| {
            let _ = progress_events.send(SyncEvent::DownloadProgress(p));
        })
    })
    .await;
    let ev = match r {
        Ok(Ok(w)) => match w.paths.first() {
            // A set of CSV files: the folder they are in.
            Some(first) => {
                let path = if w.paths.len() > 1 {
                    first.parent().map(|d| d.to_path_buf()).unwrap_or_else(|| first.clone())
                } else {
                    first.clone()
                };
                let files = match w.paths.len() {
                    1 => String::new(),
                    n => format!(", {n} files in the folder"),
                };
                SyncEvent::FileWritten {
                    what: format!("{what}, {} row(s){files}", crate::domain::money::format_count(w.rows)),
                    path: std::path::absolute(&path).unwrap_or(path),
                }
            }
            None => SyncEvent::Failed {
                job: JobKind::Download,
                message: format!("{what}: nothing was written"),
            },
        },
        Ok(Err(e)) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what}: {}", e.0),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::Download,
            message: format!("could not write {what}: {e}"),
        },
    };
    let _ = events.send(ev);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Cell, ExportColumn, ExportSource, ExportTable, FileFormat, OutTarget};

    /// The download job reports progress while it writes, then the file's absolute path; the
    /// progress is monotonic and ends with the total.
    #[tokio::test]
    async fn export_job_reports_progress_then_the_full_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = ExportTable::new("T", vec![ExportColumn::text("A"), ExportColumn::count("N")]);
        for i in 0..10_000u64 {
            t.push(vec![Cell::text(format!("r{i}")), Cell::Count(i)]);
        }
        for format in [FileFormat::Xlsx, FileFormat::Csv] {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let target = OutTarget::new(None, dir.path().join("dl"), "t".into());
            export_job(ExportSource::Tables(vec![t.clone()]), format, target, "T".into(), tx).await;
            let mut done = vec![];
            let mut path = None;
            while let Ok(ev) = rx.try_recv() {
                match ev {
                    SyncEvent::DownloadProgress(p) => done.push(p.rows_done),
                    SyncEvent::FileWritten { path: p, what } => {
                        assert_eq!(what, "T, 10,000 row(s)");
                        path = Some(p);
                    }
                    other => panic!("{other:?}"),
                }
            }
            assert!(done.len() >= 2 && done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
            assert_eq!(done.last(), Some(&10_000));
            let path = path.expect("file written");
            assert!(path.is_absolute() && path.exists(), "{}", path.display());
            assert_eq!(path.extension().unwrap(), format.ext());
        }
    }

    #[test]
    fn write_file_creates_the_directory_and_leaves_no_part_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("downloads");
        let p = write_file(&sub, "a.csv", "x,y\n1,2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x,y\n1,2\n");
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
    }
}
