//! Fetch jobs for the reports: the export ledger's GSTR-1 / GSTR-1A sections and GSTR-3B
//! details, period by period. Used by the CLI and the engine alike.

use futures::future::try_join_all;

use crate::api::{ApiError, Client};
use crate::domain::ReturnPeriod;
use crate::domain::export_ledger::{GSTR1_SECTIONS, Gstr1Sections, PeriodReturns};

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
