//! Fetch jobs for the reports: the export ledger's GSTR-1 / GSTR-1A sections and GSTR-3B
//! details, period by period. Used by the CLI and the engine alike.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Local, Utc};
use futures::future::try_join_all;
use tokio::sync::mpsc::UnboundedSender;

use super::{JobKind, SyncEvent};
use crate::api::{ApiError, Client};
use crate::domain::export_ledger::{self, GSTR1_SECTIONS, Gstr1Sections, PeriodReturns};
use crate::domain::{FinancialYear, ReturnPeriod};

/// Every section the export ledger reads for one period, from GSTR-1 and GSTR-1A, plus the
/// GSTR-3B details, fetched concurrently (17 calls).
///
/// GSTR-1 of the period counts as filed when its GSTR-3B exists (GSTN refuses GSTR-3B details
/// before GSTR-1 is filed, `RT-R3BQ1004`) or when any section has documents; GSTR-1A only when
/// it has documents.
pub async fn fetch_period_returns(client: &Client, period: ReturnPeriod) -> Result<PeriodReturns, ApiError> {
    let r1 = try_join_all(GSTR1_SECTIONS.iter().map(|s| client.gstr1_section(false, s, period)));
    let r1a = try_join_all(GSTR1_SECTIONS.iter().map(|s| client.gstr1_section(true, s, period)));
    let (r1, r1a, r3b) = futures::try_join!(r1, r1a, client.gstr3b_details(period))?;
    let merge = |parts: Vec<Gstr1Sections>| {
        let mut all = Gstr1Sections::default();
        for p in parts {
            all.absorb(p);
        }
        all
    };
    let (r1, r1a) = (merge(r1), merge(r1a));
    Ok(PeriodReturns {
        period,
        gstr1: (r3b.is_some() || !r1.is_empty()).then_some(r1),
        gstr1a: (!r1a.is_empty()).then_some(r1a),
        gstr3b: r3b,
    })
}

/// The returns of `periods`, oldest first, one period at a time (17 calls each).
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

/// Engine job: fetch and compute the export ledger of `fy`.
pub async fn export_ledger_job(client: Client, fy: FinancialYear, events: UnboundedSender<SyncEvent>) {
    let periods = started_periods(fy, Local::now().date_naive());
    let ev = match fetch_export_returns(&client, &periods).await {
        Ok(returns) => SyncEvent::ExportLedgerLoaded {
            fy,
            ledger: Arc::new(export_ledger::compute(&returns)),
            fetched_at: Utc::now(),
        },
        Err(e) => SyncEvent::Failed {
            job: JobKind::ExportLedger,
            message: e.to_string(),
        },
    };
    let _ = events.send(ev);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_creates_the_directory_and_leaves_no_part_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("downloads");
        let p = write_file(&sub, "a.csv", "x,y\n1,2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x,y\n1,2\n");
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
    }
}
