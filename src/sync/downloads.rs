//! The dashboard's reports (issue 7) as engine jobs: "Download IMS details", the supplier
//! follow-up pack and the audit journal. The UI only names the report; everything heavy —
//! reading the cache and the journal from SQLite, pulling sections never fetched, building
//! tables of 100,000 rows — happens here, off the UI thread, then the common download job
//! writes the file(s) with progress.

use super::push::{self, SyncCtx};
use super::{JobKind, SyncEvent};
use crate::api::wire::CountGroup;
use crate::domain::ims::ImsRecord;
use crate::domain::period::fmt_dash;
use crate::domain::{GoodsType, ReturnPeriod, Section};
use crate::export::ims::{ImsDetails, SHEET_ORDER};
use crate::export::{ExportSource, ExportTable, FileFormat, OutTarget, Report, followup, tables};
use chrono::{DateTime, Utc};

/// One listable section as it goes into a report: its records and when GSTN sent them.
struct Loaded {
    section: Section,
    records: Vec<ImsRecord>,
    fetched_at: DateTime<Utc>,
    /// Pulled by this job because the cache had never held it.
    pulled_now: bool,
}

fn ist_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::app::state::ist())
        .format("%d-%m-%Y %H:%M IST")
        .to_string()
}

/// The eight listable sections: the cached copy of each (what the screens show), and a pull
/// from GSTN for any section never fetched. Fails as a whole, naming the section: a report
/// is never silently partial.
async fn load_sections(ctx: &SyncCtx) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::with_capacity(SHEET_ORDER.len());
    for section in SHEET_ORDER {
        let cached = {
            let store = ctx.store.lock().expect("store lock");
            match store.section_fetched_at(&ctx.profile, section) {
                Ok(Some(at)) => Some(
                    store
                        .load_section(&ctx.profile, section)
                        .map(|r| (r, at))
                        .map_err(|e| format!("reading {} from the cache: {e}", section.label()))?,
                ),
                Ok(None) => None,
                Err(e) => return Err(format!("reading {} from the cache: {e}", section.label())),
            }
        };
        let loaded = match cached {
            Some((records, fetched_at)) => Loaded {
                section,
                records,
                fetched_at,
                pulled_now: false,
            },
            None => {
                // The pull stores the section and tells the screens, as `Enter` on the grid would.
                let records = push::fetch_section(ctx, section)
                    .await
                    .map_err(|e| format!("{} was never fetched and could not be now: {e}", section.label()))?;
                let fetched_at = ctx
                    .store
                    .lock()
                    .expect("store lock")
                    .section_fetched_at(&ctx.profile, section)
                    .ok()
                    .flatten()
                    .unwrap_or_else(Utc::now);
                Loaded {
                    section,
                    records: std::sync::Arc::unwrap_or_clone(records),
                    fetched_at,
                    pulled_now: true,
                }
            }
        };
        out.push(loaded);
    }
    Ok(out)
}

/// The counts of every goods type, fetched now so the summary's "Count in IMS" is today's;
/// when GSTN cannot be reached, the cached counts with their time (said in the notes).
async fn load_counts(ctx: &SyncCtx) -> Result<Vec<(GoodsType, CountGroup, DateTime<Utc>, bool)>, String> {
    let mut out = Vec::new();
    for goods in GoodsType::ALL {
        match ctx.client.ims_count(goods).await {
            Ok(group) => {
                let now = Utc::now();
                let _ = ctx
                    .store
                    .lock()
                    .expect("store lock")
                    .put_counts(&ctx.profile, goods, &group, now);
                let _ = ctx.events.send(SyncEvent::CountsLoaded {
                    goods,
                    group: group.clone(),
                    fetched_at: now,
                    from_cache: false,
                });
                out.push((goods, group, now, false));
            }
            Err(e) => match ctx.store.lock().expect("store lock").get_counts(&ctx.profile, goods) {
                Ok(Some((group, at))) => out.push((goods, group, at, true)),
                _ => {
                    return Err(format!(
                        "the {} counts could not be fetched ({e}) and none are cached",
                        goods.label()
                    ));
                }
            },
        }
    }
    Ok(out)
}

/// The IMS details workbook: the summary (with a line per section saying how many records
/// it holds and when GSTN sent them), the eight tables, the ISD and import counts.
pub fn ims_details_tables(
    sections: Vec<(Section, Vec<ImsRecord>, DateTime<Utc>, bool)>,
    counts: Vec<(GoodsType, CountGroup, DateTime<Utc>, bool)>,
) -> Vec<ExportTable> {
    let mut notes = vec!["Sections included (all eight listable IMS tables):".to_string()];
    for (s, recs, at, pulled_now) in &sections {
        notes.push(format!(
            "{}: {} record(s), fetched from GSTN {}{}",
            s.label(),
            crate::domain::money::format_count(recs.len() as u64),
            ist_time(*at),
            if *pulled_now {
                " (pulled for this file)"
            } else {
                " (cached copy, as on screen)"
            }
        ));
    }
    for (g, _, at, cached) in &counts {
        notes.push(format!(
            "Counts, {}: {} {}",
            g.label(),
            if *cached {
                "cached copy (GSTN not reachable), fetched"
            } else {
                "fetched"
            },
            ist_time(*at)
        ));
    }
    let details = ImsDetails {
        sections: sections.into_iter().map(|(s, r, _, _)| (s, r)).collect(),
        counts: counts.into_iter().map(|(g, c, _, _)| (g, c)).collect(),
        period: None,
    };
    let mut out = crate::export::ims::workbook(&details);
    if let Some(summary) = out.first_mut() {
        summary.notes.extend(notes);
    }
    out
}

/// The days whose decisions make up `period`'s journal: its first day to its GSTR-3B due
/// date.
pub fn journal_window(period: ReturnPeriod) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (period.first_day(), period.gstr3b_due_monthly())
}

/// Assembles `report` into tables. `Ok(Err(reason))`: nothing to write (not a failure).
async fn assemble(ctx: &SyncCtx, report: Report) -> Result<Result<Vec<ExportTable>, String>, String> {
    let today = chrono::Local::now().date_naive();
    match report {
        Report::ImsDetails => {
            let sections = load_sections(ctx).await?;
            let counts = load_counts(ctx).await?;
            let sections = sections
                .into_iter()
                .map(|l| (l.section, l.records, l.fetched_at, l.pulled_now))
                .collect();
            Ok(Ok(ims_details_tables(sections, counts)))
        }
        Report::Followup => {
            let loaded = load_sections(ctx).await?;
            let oldest = loaded.iter().map(|l| l.fetched_at).min();
            let sections: Vec<_> = loaded.into_iter().map(|l| (l.section, l.records)).collect();
            let packs = followup::packs(&ctx.rtin, &sections, today);
            if packs.is_empty() {
                return Ok(Err(format!(
                    "No rejected or pending documents in IMS for {}: no follow-up pack written.",
                    ctx.rtin
                )));
            }
            let mut index = followup::index(&packs, None);
            if let Some(at) = oldest {
                index.notes.push(format!(
                    "From the IMS records as fetched from GSTN, oldest section {}.",
                    ist_time(at)
                ));
            }
            let mut t = vec![index];
            t.extend(packs.into_iter().map(|p| p.table));
            Ok(Ok(t))
        }
        Report::Journal { period } => {
            let entries = ctx
                .store
                .lock()
                .expect("store lock")
                .journal(Some(&ctx.profile))
                .map_err(|e| format!("reading the journal: {e}"))?;
            // A period's decisions are those made while its return was being prepared: from
            // the period's first day to its GSTR-3B due date (October's are mostly made in
            // November). Windows of consecutive periods overlap by design: evidence is never
            // left out.
            let ist = crate::app::state::ist();
            let window = period.map(journal_window);
            let kept: Vec<_> = entries
                .into_iter()
                .filter(|e| {
                    let day = e.at.with_timezone(&ist).date_naive();
                    window.is_none_or(|(from, to)| from <= day && day <= to)
                })
                .collect();
            let mut table = tables::journal(&kept, None);
            let scope = match (period, window) {
                (Some(p), Some((from, to))) => format!(
                    "decisions for {p}: made {} – {} (to its GSTR-3B due date)",
                    fmt_dash(from),
                    fmt_dash(to)
                ),
                _ => "every decision".to_string(),
            };
            table.notes.push(format!(
                "Audit journal of {} (profile {}), {scope}: {} row(s), as recorded in the local store.",
                ctx.rtin,
                ctx.profile,
                table.rows.len()
            ));
            Ok(Ok(vec![table]))
        }
    }
}

/// Engine job: assemble `report`, then write it as any download (progress, full-path toast).
pub async fn report_job(ctx: SyncCtx, report: Report, format: FileFormat, target: OutTarget, what: String) {
    let events = ctx.events.clone();
    match assemble(&ctx, report).await {
        Ok(Ok(tables)) => {
            // The row count of the toast includes the index; say what the pack holds.
            let what = match report {
                Report::Followup => format!(
                    "{what} ({} document(s) of {} supplier(s))",
                    crate::domain::money::format_count(tables.iter().skip(1).map(|t| t.rows.len() as u64).sum()),
                    crate::domain::money::format_count(tables.len().saturating_sub(1) as u64)
                ),
                _ => what,
            };
            super::reports::export_job(ExportSource::Tables(tables), format, target, what, events).await;
        }
        Ok(Err(nothing)) => {
            let _ = events.send(SyncEvent::Failed {
                job: JobKind::Download,
                message: nothing,
            });
        }
        Err(e) => {
            let _ = events.send(SyncEvent::Failed {
                job: JobKind::Download,
                message: format!("{what} not written: {e}"),
            });
        }
    }
}
