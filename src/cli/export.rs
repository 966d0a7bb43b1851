//! `gstdash export …`: fetch through the real client (or the fresh cache), build the typed
//! tables and write them with [`crate::export`] on the blocking pool. Prints the full path of
//! every file written.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use chrono::{Local, NaiveDate, Utc};

use super::commands::{self, Ctx};
use super::error::CliError;
use super::{ExportCmd, ExportLedgerCmd, OutArgs, SourceArgs};
use crate::domain::ims::ImsRecord;
use crate::domain::ledger::LedgerWarning;
use crate::domain::period::fmt_dash;
use crate::domain::{GoodsType, ReturnPeriod, Section};
use crate::export::ims::{ImsDetails, SHEET_ORDER, filter_period};
use crate::export::{ExportError, ExportJob, ExportTable, OutTarget, Progress, Written, files, followup, tables};
use crate::store::LedgerKind;

impl From<ExportError> for CliError {
    fn from(e: ExportError) -> Self {
        CliError(e.0)
    }
}

fn target(ctx: &Ctx, out: &OutArgs, kind: &str, period: &str) -> OutTarget {
    OutTarget::new(
        out.out.clone(),
        ctx.downloads_dir.clone(),
        files::stem(kind, ctx.profile.gstin.as_str(), period, Local::now().naive_local()),
    )
}

/// Writes on the blocking pool; a progress line on stderr when it is a terminal.
pub async fn write(job: ExportJob) -> Result<Written, CliError> {
    let tty = std::io::stderr().is_terminal();
    let w = job
        .spawn(move |p: Progress| {
            if tty {
                let what = if p.saving { "saving" } else { "writing" };
                eprint!("\r{what}: {} / {} rows", p.rows_done, p.rows_total);
                let _ = std::io::stderr().flush();
            }
        })
        .await
        .map_err(|e| CliError::new(format!("export task failed: {e}")))??;
    if tty {
        eprintln!();
    }
    Ok(w)
}

fn report(w: &Written, what: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{what}: {} row(s) written to", w.rows)?;
    // A follow-up pack can be hundreds of files: name a few, then the folder they are in.
    const LISTED: usize = 12;
    for p in w.paths.iter().take(LISTED) {
        let full = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        writeln!(out, "  {}", full.display())?;
    }
    if w.paths.len() > LISTED {
        let dir = w.paths[LISTED]
            .parent()
            .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()));
        let dir = dir.map(|d| d.display().to_string()).unwrap_or_default();
        writeln!(out, "  … and {} more file(s) in {dir}", w.paths.len() - LISTED)?;
    }
    if w.money_as_text > 0 {
        writeln!(
            out,
            "⚠ {} amount(s) have more digits than an Excel number holds exactly; written as text, not rounded.",
            w.money_as_text
        )?;
    }
    Ok(())
}

/// The eight listable sections: cached ones fetched within `max_age`, the rest fetched now
/// (and cached, as `gstdash ims list` does).
pub async fn load_sections(ctx: &Ctx, src: &SourceArgs) -> Result<Vec<(Section, Vec<ImsRecord>)>, CliError> {
    let fresh_after =
        Utc::now() - chrono::Duration::from_std(Duration::from_secs(src.max_age * 60)).unwrap_or_default();
    let mut out = Vec::new();
    for s in SHEET_ORDER {
        let cached = if src.refresh {
            None
        } else {
            let store = ctx.store();
            match store.section_fetched_at(&ctx.profile.name, s)? {
                Some(at) if at >= fresh_after => Some(store.load_section(&ctx.profile.name, s)?),
                _ => None,
            }
        };
        let recs = match cached {
            Some(r) => r,
            None => {
                ctx.require_session()?;
                let r = ctx.client.ims_invoices(s, None).await?;
                ctx.store().replace_section(&ctx.profile.name, s, &r, Utc::now())?;
                r
            }
        };
        out.push((s, recs));
    }
    Ok(out)
}

async fn load_counts(ctx: &Ctx, src: &SourceArgs) -> Result<Vec<(GoodsType, crate::api::wire::CountGroup)>, CliError> {
    let fresh_after =
        Utc::now() - chrono::Duration::from_std(Duration::from_secs(src.max_age * 60)).unwrap_or_default();
    let mut out = Vec::new();
    for g in GoodsType::ALL {
        let cached = if src.refresh {
            None
        } else {
            ctx.store()
                .get_counts(&ctx.profile.name, g)?
                .filter(|(_, at)| *at >= fresh_after)
                .map(|(c, _)| c)
        };
        let c = match cached {
            Some(c) => c,
            None => {
                ctx.require_session()?;
                let c = ctx.client.ims_count(g).await?;
                ctx.store().put_counts(&ctx.profile.name, g, &c, Utc::now())?;
                c
            }
        };
        out.push((g, c));
    }
    Ok(out)
}

fn parse_period(p: Option<&str>) -> Result<Option<ReturnPeriod>, CliError> {
    p.map(ReturnPeriod::parse_user)
        .transpose()
        .map_err(CliError::field("--period"))
}

fn checks_table(w: &[LedgerWarning]) -> Option<ExportTable> {
    tables::checks(w)
}

/// The ledger sheet, and in a workbook a Checks sheet when GSTN's figures do not add up. A
/// CSV stays the one file asked for; the warnings go to stderr instead.
fn ledger_tables(
    main: ExportTable,
    note: String,
    warnings: &[LedgerWarning],
    format: crate::export::FileFormat,
) -> Vec<ExportTable> {
    let mut v = vec![main.with_notes(vec![note])];
    match format {
        crate::export::FileFormat::Xlsx => v.extend(checks_table(warnings)),
        crate::export::FileFormat::Csv => {
            for n in super::report::warning_notes(warnings) {
                eprintln!("{n}");
            }
        }
    }
    v
}

fn range_label(from: NaiveDate, to: NaiveDate) -> String {
    format!("{}-{}", from.format("%Y%m%d"), to.format("%Y%m%d"))
}

pub async fn run(ctx: &Ctx, cmd: ExportCmd) -> Result<(), CliError> {
    let today = Local::now().date_naive();
    let gstin = ctx.profile.gstin.as_str().to_string();
    match cmd {
        ExportCmd::Ims { period, out, source } => {
            let period = parse_period(period.as_deref())?;
            let sections = load_sections(ctx, &source).await?;
            let counts = load_counts(ctx, &source).await?;
            let details = ImsDetails {
                sections: sections
                    .into_iter()
                    .map(|(s, r)| (s, filter_period(r, period)))
                    .collect(),
                counts,
                period,
            };
            let label = period.map(|p| p.iso()).unwrap_or_else(|| "all".into());
            let job = ExportJob {
                tables: crate::export::ims::workbook(&details),
                format: out.format,
                target: target(ctx, &out, "ims", &label),
            };
            let w = write(job).await?;
            report(&w, &format!("IMS details, {gstin}, {label}"))
        }
        ExportCmd::Journal { period, out } => {
            let period = period
                .map(|p| ReturnPeriod::parse_user(&p))
                .transpose()
                .map_err(CliError::field("--period"))?;
            let entries = ctx.store().journal(Some(&ctx.profile.name))?;
            let table = tables::journal(&entries, period);
            let label = period.map(|p| p.iso()).unwrap_or_else(|| "all".into());
            let note = format!("Audit journal, {gstin} ({}), {label}", ctx.profile.name);
            let job = ExportJob {
                tables: vec![table.with_notes(vec![note.clone()])],
                format: out.format,
                target: target(ctx, &out, "journal", &label),
            };
            report(&write(job).await?, &note)
        }
        ExportCmd::Followup { period, out, source } => {
            let period = parse_period(period.as_deref())?;
            let sections: Vec<_> = load_sections(ctx, &source)
                .await?
                .into_iter()
                .map(|(s, r)| (s, filter_period(r, period)))
                .collect();
            let packs = followup::packs(&gstin, &sections, today);
            let label = period.map(|p| p.iso()).unwrap_or_else(|| "all".into());
            if packs.is_empty() {
                println!("No rejected or pending documents ({gstin}, {label}): no follow-up pack written.");
                return Ok(());
            }
            let mut t = vec![followup::index(&packs, period)];
            t.extend(packs.into_iter().map(|p| p.table));
            let job = ExportJob {
                tables: t,
                format: out.format,
                target: target(ctx, &out, "followup", &label),
            };
            let w = write(job).await?;
            report(&w, &format!("Supplier follow-up pack, {gstin}, {label}"))
        }
        ExportCmd::Balance { period, out } => {
            let p = ReturnPeriod::parse_user(&period).map_err(CliError::field("--period"))?;
            ctx.require_session()?;
            let b = ctx.client.ledger_balance(p).await?;
            ctx.store()
                .put_ledger(&ctx.profile.name, LedgerKind::Balance, &p.wire(), &b, Utc::now())?;
            let note = format!("Cash and ITC balance, {gstin}, period {p}");
            let job = ExportJob {
                tables: ledger_tables(tables::balance(&b), note.clone(), &b.check(), out.format),
                format: out.format,
                target: target(ctx, &out, "balance", &p.iso()),
            };
            report(&write(job).await?, &note)
        }
        ExportCmd::Ledger { kind } => {
            let (tables, note, out, kind_name, label) = match kind {
                ExportLedgerCmd::Cash(r) => {
                    let (from, to) = commands::parse_range(&r.from, &r.to, today)?;
                    ctx.require_session()?;
                    let l = commands::fetch_cash(ctx, from, to).await?;
                    ctx.store().put_ledger(
                        &ctx.profile.name,
                        LedgerKind::Cash,
                        &commands::range_key(from, to),
                        &l,
                        Utc::now(),
                    )?;
                    let note = format!(
                        "Electronic cash ledger, {gstin}, {} – {}, {} entries",
                        fmt_dash(from),
                        fmt_dash(to),
                        l.tr.len()
                    );
                    let t = ledger_tables(tables::cash_ledger(&l), note.clone(), &l.check(), r.out.format);
                    (t, note, r.out, "cash-ledger", range_label(from, to))
                }
                ExportLedgerCmd::Itc(r) => {
                    let (from, to) = commands::parse_range(&r.from, &r.to, today)?;
                    ctx.require_session()?;
                    let l = commands::fetch_itc(ctx, from, to).await?;
                    ctx.store().put_ledger(
                        &ctx.profile.name,
                        LedgerKind::Itc,
                        &commands::range_key(from, to),
                        &l,
                        Utc::now(),
                    )?;
                    let note = format!(
                        "Electronic credit (ITC) ledger, {gstin}, {} – {}, {} entries",
                        fmt_dash(from),
                        fmt_dash(to),
                        l.details.tr.len()
                    );
                    let t = ledger_tables(tables::itc_ledger(&l), note.clone(), &l.check(), r.out.format);
                    (t, note, r.out, "itc-ledger", range_label(from, to))
                }
                ExportLedgerCmd::Tax { period, from, to, out } => {
                    let (p, from, to) = commands::tax_range(&period, from.as_deref(), to.as_deref(), today)?;
                    ctx.require_session()?;
                    let l = ctx.client.ledger_tax(p, from, to).await?;
                    ctx.store().put_ledger(
                        &ctx.profile.name,
                        LedgerKind::Tax,
                        &format!("{} {}", p.wire(), commands::range_key(from, to)),
                        &l,
                        Utc::now(),
                    )?;
                    let note = format!(
                        "Return-liability ledger, {gstin}, period {p} ({} – {}), {} entries",
                        fmt_dash(from),
                        fmt_dash(to),
                        l.tr.len()
                    );
                    let t = ledger_tables(tables::tax_ledger(&l), note.clone(), &l.check(), out.format);
                    (t, note, out, "liability-ledger", p.iso())
                }
            };
            let job = ExportJob {
                tables,
                format: out.format,
                target: target(ctx, &out, kind_name, &label),
            };
            report(&write(job).await?, &note)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use crate::export::{Cell, ExportColumn, FileFormat};
    use rust_decimal_macros::dec;

    #[test]
    fn checks_go_in_a_sheet_of_the_workbook_but_not_in_the_csv() {
        let w = vec![LedgerWarning {
            rule: "R1",
            location: "IGST closing".into(),
            expected: Money(dec!(100.10)),
            found: Money(dec!(100.00)),
        }];
        let main = || ExportTable::new("Cash ledger", vec![ExportColumn::text("A")]);
        let x = ledger_tables(main(), "note".into(), &w, FileFormat::Xlsx);
        assert_eq!(x.len(), 2);
        assert_eq!(x[0].notes, vec!["note".to_string()]);
        assert_eq!(x[1].name, "Checks");
        assert_eq!(
            x[1].rows[0],
            vec![
                Cell::text("R1"),
                Cell::text("IGST closing"),
                Cell::Money(Money(dec!(100.10))),
                Cell::Money(Money(dec!(100.00))),
                Cell::Money(w[0].difference()),
            ]
        );
        assert_eq!(ledger_tables(main(), "note".into(), &w, FileFormat::Csv).len(), 1);
        assert_eq!(ledger_tables(main(), "note".into(), &[], FileFormat::Xlsx).len(), 1);
    }
}
