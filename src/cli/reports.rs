//! Report commands built on derived figures: `gstdash export-ledger`, `gstdash icegate`. The
//! tables are shared with the TUI (`export::text`).

use chrono::Local;
use serde::Serialize;

use super::commands::Ctx;
use super::error::CliError;
use super::output::{Align, Format, Table, emit};
use crate::domain::export_ledger::{self, Breakup, DERIVED_LABEL, ExportLedger, LedgerRow};
use crate::domain::period::{FinancialYear, ReturnPeriod};
use crate::export::text::{
    Amounts, export_ledger_table, icegate_counts_table, icegate_failed_table, transactions_table,
};

/// What `--view` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LedgerView {
    /// Rows as on the portal: Return period, Return type, Credit/Debit, IGST, CESS.
    #[default]
    Ledger,
    /// The transaction breakup per period (6A, 9A, SEZ, notes, 3.1(b)).
    Transactions,
}

/// The lines under the table: net balances, where the balance is carried from, negative
/// spells, what to pay, the label.
pub fn summary_lines(l: &ExportLedger, fy: FinancialYear, first: Option<ReturnPeriod>) -> Vec<String> {
    let closing = l.closing_balance(fy);
    let carried = match first {
        Some(f) if f < fy.periods()[0] => {
            let o = l.opening_balance(fy);
            format!("(carried from {f}: brought forward IGST ₹{}, CESS ₹{})", o.igst, o.cess)
        }
        Some(f) => format!("(returns start {f})"),
        None => "(no returns filed)".into(),
    };
    let mut v = vec![
        format!(
            "Net IGST balance ₹{}   Net CESS balance ₹{}   {carried}",
            closing.igst, closing.cess
        ),
        format!("Estimate: {DERIVED_LABEL}."),
    ];
    for s in &l.spells {
        if let Some(c) = s.cleared_in {
            v.push(format!(
                "Was negative from {} (lowest IGST ₹{}, CESS ₹{}) until 3.1(b) of {} made it good: invoices of \
                 those periods were held back until then.",
                s.from, s.worst.igst, s.worst.cess, c
            ));
        }
    }
    if let Some(s) = &l.shortfall {
        v.push(format!("⚠ {}", s.message()));
    }
    for w in &l.warnings {
        v.push(format!("⚠ {w}"));
    }
    v
}

#[derive(Serialize)]
struct ExportLedgerDoc<'a> {
    gstin: &'a str,
    fy: String,
    /// The taxpayer's first period with returns: the balance is cumulated from there.
    first_period: Option<ReturnPeriod>,
    fetched_at: String,
    periods_fetched: usize,
    periods_cached: usize,
    label: &'static str,
    opening_balance: export_ledger::Heads,
    net_igst_balance: crate::domain::Money,
    net_cess_balance: crate::domain::Money,
    rows: Vec<LedgerRow>,
    breakup: Vec<&'a Breakup>,
    spells: &'a [export_ledger::NegativeSpell],
    shortfall: &'a Option<export_ledger::Shortfall>,
    warnings: &'a [String],
}

/// The returns up to `end` through the export ledger's cache, with progress on a terminal.
async fn gather(ctx: &Ctx, end: ReturnPeriod) -> Result<crate::sync::reports::LedgerReturns, CliError> {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let mut progress = move |done: usize, total: usize| {
        if tty && total > 0 {
            eprint!("\rfetching returns: {done} of {total} periods ");
        }
    };
    let r = crate::sync::reports::ledger_returns(
        &ctx.client,
        &ctx.store,
        &ctx.profile.name,
        end,
        Local::now().date_naive(),
        &mut progress,
    )
    .await;
    if tty {
        eprint!("\r\x1b[2K");
    }
    Ok(r?)
}

pub async fn export_ledger(ctx: &Ctx, fy: &str, view: LedgerView, format: Format) -> Result<(), CliError> {
    let fy = FinancialYear::parse(fy).map_err(CliError::field("--fy"))?;
    let today = Local::now().date_naive();
    if fy.periods()[0] > ReturnPeriod::of_date(today) {
        return Err(CliError::new(format!(
            "--fy {fy}: no return period of it has started yet"
        )));
    }
    ctx.require_session()?;
    let end = *fy.periods().last().expect("twelve periods");
    let g = gather(ctx, end).await?;
    let mut l = export_ledger::compute(&g.returns);
    l.warnings.extend(g.warnings.iter().cloned());
    let rows = l.year_rows(fy);
    let breakup: Vec<&Breakup> = l
        .breakup
        .iter()
        .filter(|b| b.period.is_some_and(|p| fy.contains(p)))
        .collect();
    let a = if format == Format::Table {
        Amounts::Grouped
    } else {
        Amounts::Plain
    };
    let table = match view {
        LedgerView::Ledger => export_ledger_table(rows.iter(), a),
        LedgerView::Transactions => transactions_table(breakup.iter().copied(), a),
    };
    let first = g.returns.first().map(|r| r.period);
    let mut notes = vec![format!(
        "Export ledger, {} ({}), FY {fy}",
        ctx.profile.gstin, ctx.profile.name
    )];
    notes.extend(summary_lines(&l, fy, first));
    notes.push(format!(
        "{} period(s) fetched from GSTN, {} from the local cache (filed returns do not change).",
        g.fetched, g.cached
    ));
    let closing = l.closing_balance(fy);
    let doc = ExportLedgerDoc {
        gstin: ctx.profile.gstin.as_str(),
        fy: fy.to_string(),
        first_period: first,
        fetched_at: g.as_of.to_rfc3339(),
        periods_fetched: g.fetched,
        periods_cached: g.cached,
        label: DERIVED_LABEL,
        opening_balance: l.opening_balance(fy),
        net_igst_balance: closing.igst,
        net_cess_balance: closing.cess,
        rows,
        breakup,
        spells: &l.spells,
        shortfall: &l.shortfall,
        warnings: &l.warnings,
    };
    emit(format, &doc, &table, &notes)?;
    Ok(())
}

/// `gstdash icegate`: the portal's counts table, or the failed invoices.
#[derive(Clone, Debug)]
pub struct IcegateArgs {
    pub period: String,
    pub quarterly: bool,
    pub icegate_csv: Option<std::path::PathBuf>,
    pub failed: bool,
    pub format: Format,
}

pub async fn icegate(ctx: &Ctx, args: IcegateArgs) -> Result<(), CliError> {
    use crate::domain::icegate;
    let period = ReturnPeriod::parse_user(&args.period).map_err(CliError::field("--period"))?;
    let today = Local::now().date_naive();
    if period > ReturnPeriod::of_date(today) {
        return Err(CliError::new(format!("--period {period}: has not started yet")));
    }
    let periods: Vec<ReturnPeriod> = if args.quarterly {
        if period.month() % 3 != 0 {
            return Err(CliError::new(format!(
                "--period {period}: quarterly filers pick the quarter's last month (Jun, Sep, Dec or Mar)"
            )));
        }
        vec![period.plus_months(-2), period.prev(), period]
    } else {
        vec![period]
    };
    let verdicts = match &args.icegate_csv {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| CliError::new(format!("--icegate-csv {}: {e}", p.display())))?;
            icegate::parse_verdicts(&text).map_err(|e| CliError::new(format!("--icegate-csv {}: {e}", p.display())))?
        }
        None => vec![],
    };
    ctx.require_session()?;
    // Up to today: a later 3.1(b) may have cleared the hold on these invoices.
    let g = gather(ctx, ReturnPeriod::of_date(today)).await?;
    let ledger = export_ledger::compute(&g.returns);
    let t = icegate::track(&g.returns, &periods, &ledger, &verdicts);
    let a = if args.format == Format::Table {
        Amounts::Grouped
    } else {
        Amounts::Plain
    };
    let table = if args.failed {
        icegate_failed_table(t.failed(), a)
    } else {
        icegate_counts_table(&t, a)
    };
    let span = match periods.as_slice() {
        [one] => one.to_string(),
        [first, .., last] => format!("{first} – {last}"),
        [] => String::new(),
    };
    let mut notes = vec![
        format!(
            "ICEGATE tracking, {} ({}), {span}: {} export invoice(s) with payment in Table 6A",
            ctx.profile.gstin,
            ctx.profile.name,
            t.invoices.len()
        ),
        format!(
            "Estimate: {DERIVED_LABEL}; export ledger cumulated from {}.",
            g.returns
                .first()
                .map(|r| r.period.to_string())
                .unwrap_or_else(|| "the first return".into())
        ),
    ];
    if verdicts.is_empty() {
        notes.push(
            "No ICEGATE responses imported: pass --icegate-csv with the portal's file to see SB000–SB006 results."
                .into(),
        );
    }
    for v in &t.unmatched_verdicts {
        notes.push(format!(
            "⚠ ICEGATE response {} for invoice {} of {} matches no 6A invoice of {span}",
            v.code, v.inum, v.idt
        ));
    }
    if !args.failed && t.failed().next().is_some() {
        notes.push("Failed invoices with reasons: add --failed (with --format csv to download them).".into());
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        gstin: &'a str,
        periods: Vec<String>,
        label: &'static str,
        counts: Vec<icegate::CountLine>,
        invoices: &'a [icegate::InvoiceStatus],
        unmatched_verdicts: &'a [icegate::Verdict],
    }
    let doc = Doc {
        gstin: ctx.profile.gstin.as_str(),
        periods: periods.iter().map(|p| p.wire()).collect(),
        label: DERIVED_LABEL,
        counts: t.counts(),
        invoices: &t.invoices,
        unmatched_verdicts: &t.unmatched_verdicts,
    };
    emit(args.format, &doc, &table, &notes)?;
    Ok(())
}

/// `gstdash outward`: the supplier view of a period, or the rejected records whose liability
/// was added back.
pub async fn outward(ctx: &Ctx, period: &str, rejected: bool, format: Format) -> Result<(), CliError> {
    use crate::domain::outward;
    let period = ReturnPeriod::parse_user(period).map_err(CliError::field("--period"))?;
    ctx.require_session()?;
    let a = if format == Format::Table {
        Amounts::Grouped
    } else {
        Amounts::Plain
    };
    if rejected {
        let ab = ctx.client.added_back_liabilities(period).await?;
        let mut t = Table::new(&[
            ("Section", Align::Left),
            ("Recipient", Align::Left),
            ("Document", Align::Left),
            ("Date", Align::Left),
            ("Taxable", Align::Right),
            ("IGST", Align::Right),
            ("CGST", Align::Right),
            ("SGST", Align::Right),
            ("Cess", Align::Right),
            ("Form", Align::Left),
        ]);
        for (s, r) in ab.all() {
            t.row(vec![
                s.to_string(),
                r.ctin.clone().unwrap_or_default(),
                r.nt_num.clone().or(r.inum.clone()).unwrap_or_default(),
                r.nt_dt.clone().or(r.idt.clone()).unwrap_or_default(),
                a.fmt(r.txval),
                a.fmt(r.iamt),
                a.fmt(r.camt),
                a.fmt(r.samt),
                a.fmt(r.csamt),
                r.form.clone(),
            ]);
        }
        let [tx, i, c, s, cs] = ab.totals();
        let mut notes = vec![format!(
            "Rejected records (liability added back), {} ({}), {period}: {}",
            ctx.profile.gstin,
            ctx.profile.name,
            if ab.all().is_empty() {
                "none".to_string()
            } else {
                format!("{} record(s)", ab.all().len())
            }
        )];
        if !ab.all().is_empty() {
            notes.push(format!(
                "Added back to your liability: taxable ₹{tx}, IGST ₹{i}, CGST ₹{c}, SGST ₹{s}, cess ₹{cs}"
            ));
        }
        emit(format, &ab, &t, &notes)?;
        return Ok(());
    }
    let doc = ctx.client.sales(period).await?;
    let lines = outward::summarise(&doc);
    let mut t = Table::new(&[
        ("Form", Align::Left),
        ("Table", Align::Left),
        ("Section", Align::Left),
        ("Accepted", Align::Right),
        ("Rejected", Align::Right),
        ("Pending", Align::Right),
        ("No action", Align::Right),
        ("Other", Align::Right),
        ("Value", Align::Right),
        ("Tax", Align::Right),
    ]);
    for l in &lines {
        let c = &l.counts;
        t.row(vec![
            l.form.to_string(),
            l.table.to_string(),
            l.section.clone(),
            c.accepted.to_string(),
            c.rejected.to_string(),
            c.pending.to_string(),
            c.no_action.to_string(),
            c.other.to_string(),
            a.fmt(c.value),
            a.fmt(c.tax),
        ]);
    }
    let mut notes = vec![format!(
        "Outward supplies as recipients acted on them in IMS, {} ({}), {period}",
        ctx.profile.gstin, ctx.profile.name
    )];
    if lines.is_empty() {
        notes.push("No outward documents for this period.".into());
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        summary: &'a [outward::SummaryLine],
        data: &'a outward::SalesDoc,
    }
    emit(
        format,
        &Doc {
            summary: &lines,
            data: &doc,
        },
        &t,
        &notes,
    )?;
    Ok(())
}
