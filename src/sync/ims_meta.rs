//! The IMS screen's knowledge about a period besides its records: whether GSTR-3B is filed
//! (then IMS is read-only for it) and the supplier trade names of its GSTR-2B.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use super::SyncEvent;
use super::engine::SharedStore;
use crate::api::Client;
use crate::domain::ReturnPeriod;
use crate::store::Store;

/// Whether GSTR-3B of `period` is filed: `Ok(true)` when GSTN returns its details, `Ok(false)`
/// when it says there are none yet (`RT-R3BQ1004` or an empty result).
pub async fn check_gstr3b(client: &Client, period: ReturnPeriod) -> Result<bool, crate::api::ApiError> {
    Ok(client.gstr3b_details(period).await?.is_some())
}

/// The cached filed state of `period`, as an event.
pub fn cached_gstr3b(store: &Store, profile: &str, period: ReturnPeriod) -> Option<SyncEvent> {
    let (filed, checked_at) = store.gstr3b_filed(profile, period).ok().flatten()?;
    Some(SyncEvent::Gstr3bState {
        period,
        filed: Some(filed),
        checked_at,
        from_cache: true,
        error: None,
    })
}

/// What the start-up paints from the cache: the supplier names, the column arrangement and
/// the period's GSTR-3B state.
pub fn cached_events(store: &Store, profile: &str, period: ReturnPeriod) -> Vec<SyncEvent> {
    let mut out = vec![];
    if let Ok(names) = store.suppliers(profile)
        && !names.is_empty()
    {
        out.push(SyncEvent::Suppliers { names: Arc::new(names) });
    }
    if let Ok(Some(columns)) = store.ims_columns(profile) {
        out.push(SyncEvent::ImsColumns { columns });
    }
    out.extend(cached_gstr3b(store, profile, period));
    out
}

/// Checks GSTR-3B of `period`, caching the answer. A failed check is reported as "unknown"
/// (never as filed, unless the cache already knew it filed: a filed return stays filed).
pub async fn gstr3b_event(client: &Client, store: &SharedStore, profile: &str, period: ReturnPeriod) -> SyncEvent {
    let now = Utc::now();
    match check_gstr3b(client, period).await {
        Ok(filed) => {
            let _ = store
                .lock()
                .expect("store lock")
                .put_gstr3b_filed(profile, period, filed, now);
            SyncEvent::Gstr3bState {
                period,
                filed: Some(filed),
                checked_at: now,
                from_cache: false,
                error: None,
            }
        }
        Err(e) => {
            let known_filed = store
                .lock()
                .expect("store lock")
                .gstr3b_filed(profile, period)
                .ok()
                .flatten()
                .filter(|(f, _)| *f);
            SyncEvent::Gstr3bState {
                period,
                filed: known_filed.map(|_| true),
                checked_at: known_filed.map_or(now, |(_, at)| at),
                from_cache: known_filed.is_some(),
                error: Some(e.to_string()),
            }
        }
    }
}

/// Checks GSTR-3B, then reads the period's GSTR-2B for supplier names. A failed check is
/// reported as "unknown" (never as filed, unless the cache already knew it filed: a filed
/// return stays filed); a failed 2B read leaves the known names as they are.
pub async fn period_job(
    client: Client,
    store: SharedStore,
    profile: String,
    period: ReturnPeriod,
    events: UnboundedSender<SyncEvent>,
) {
    let before = client.session().map(|t| t.token_expiry);
    let ev = gstr3b_event(&client, &store, &profile, period).await;
    let _ = events.send(ev);
    if let Ok(Some(doc)) = client.gstr2b(period).await {
        let names: Vec<(String, String)> = doc
            .docdata
            .iter()
            .flat_map(|d| d.groups())
            .filter(|g| !g.ctin.trim().is_empty() && !g.trdnm.trim().is_empty())
            .map(|g| (g.ctin.clone(), g.trdnm.clone()))
            .collect();
        if !names.is_empty() {
            let all = {
                let mut s = store.lock().expect("store lock");
                s.put_suppliers(&profile, &names, Utc::now())
                    .and_then(|()| s.suppliers(&profile))
            };
            if let Ok(all) = all {
                let _ = events.send(SyncEvent::Suppliers { names: Arc::new(all) });
            }
        }
    }
    let after = client.session().map(|t| t.token_expiry);
    if after != before {
        let _ = events.send(SyncEvent::Session { expires_at: after });
    }
}
