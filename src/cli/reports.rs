//! Report commands built on derived figures: `gstdash export-ledger`, `gstdash icegate`. The
//! tables are shared with the TUI (`export::text`).

use chrono::{Local, NaiveDate, Utc};
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

/// The periods to fetch for `fy` with the balance cumulated from `since`: every period from
/// April of `since` to the end of `fy`, none after today's.
pub fn ledger_periods(since: FinancialYear, fy: FinancialYear, today: NaiveDate) -> Vec<ReturnPeriod> {
    let current = ReturnPeriod::of_date(today);
    (since.start_year()..=fy.start_year())
        .flat_map(|y| FinancialYear::new(y).periods())
        .filter(|p| *p <= current)
        .collect()
}

/// The lines under the table: net balances, negative spells, what to pay, the label.
pub fn summary_lines(l: &ExportLedger, since: FinancialYear) -> Vec<String> {
    let mut v = vec![
        format!(
            "Net IGST balance ₹{}   Net CESS balance ₹{}   (cumulated from April {})",
            l.balance.igst,
            l.balance.cess,
            since.start_year()
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
    since: String,
    fetched_at: String,
    label: &'static str,
    net_igst_balance: crate::domain::Money,
    net_cess_balance: crate::domain::Money,
    rows: Vec<&'a LedgerRow>,
    breakup: Vec<&'a Breakup>,
    spells: &'a [export_ledger::NegativeSpell],
    shortfall: &'a Option<export_ledger::Shortfall>,
    warnings: &'a [String],
}

pub async fn export_ledger(
    ctx: &Ctx,
    fy: &str,
    since: Option<&str>,
    view: LedgerView,
    format: Format,
) -> Result<(), CliError> {
    let fy = FinancialYear::parse(fy).map_err(CliError::field("--fy"))?;
    let since = match since {
        Some(s) => FinancialYear::parse(s).map_err(CliError::field("--since"))?,
        None => fy,
    };
    if since > fy {
        return Err(CliError::new(format!(
            "--since {since}: expected a financial year not after --fy {fy}"
        )));
    }
    let today = Local::now().date_naive();
    let periods = ledger_periods(since, fy, today);
    if periods.is_empty() {
        return Err(CliError::new(format!(
            "--fy {fy}: no return period of it has started yet"
        )));
    }
    ctx.require_session()?;
    let returns = crate::sync::reports::fetch_export_returns(&ctx.client, &periods).await?;
    let l = export_ledger::compute(&returns);
    let rows: Vec<&LedgerRow> = l.rows.iter().filter(|r| fy.contains(r.period)).collect();
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
        LedgerView::Ledger => export_ledger_table(rows.iter().copied(), a),
        LedgerView::Transactions => transactions_table(breakup.iter().copied(), a),
    };
    let mut notes = vec![format!(
        "Export ledger, {} ({}), FY {fy}",
        ctx.profile.gstin, ctx.profile.name
    )];
    notes.extend(summary_lines(&l, since));
    let doc = ExportLedgerDoc {
        gstin: ctx.profile.gstin.as_str(),
        fy: fy.to_string(),
        since: since.to_string(),
        fetched_at: Utc::now().to_rfc3339(),
        label: DERIVED_LABEL,
        net_igst_balance: l.balance.igst,
        net_cess_balance: l.balance.cess,
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
    let fy = FinancialYear::of_period(period);
    let ledger_periods = ledger_periods(fy, fy, today);
    ctx.require_session()?;
    let returns = crate::sync::reports::fetch_export_returns(&ctx.client, &ledger_periods).await?;
    let ledger = export_ledger::compute(&returns);
    let t = icegate::track(&returns, &periods, &ledger, &verdicts);
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
            "Estimate: {DERIVED_LABEL}; export ledger cumulated from April {}.",
            fy.start_year()
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
