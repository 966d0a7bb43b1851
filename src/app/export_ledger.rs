//! The export ledger popup's model: which financial year, the scroll, the computed ledgers by
//! year, and the downloads. Figures are derived (see `domain::export_ledger`); the view says so.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::keymap::Action;
use super::state::{AppState, Fetched, Popup};
use super::toast::ToastLevel;
use crate::domain::export_ledger::{ExportLedger, PeriodReturns};
use crate::domain::icegate::Tracking;
use crate::domain::{FinancialYear, ReturnPeriod};
use crate::export::{FileFormat, OutTarget, files, tables};
use crate::sync::{JobKind, SyncCommand};

/// Data of the popup, kept while it is closed (reopening shows what was fetched).
#[derive(Clone, Debug, Default)]
pub struct ExportLedgerState {
    pub ledgers: BTreeMap<FinancialYear, Fetched<Arc<ExportLedger>>>,
    /// The returns each ledger was computed from (the ICEGATE view's 6A invoices).
    pub returns: BTreeMap<FinancialYear, Arc<Vec<PeriodReturns>>>,
    /// How each year's ledger was gathered (periods fetched / from the cache).
    pub gathered: BTreeMap<FinancialYear, Gathered>,
    /// The year whose fetch is under way, if any.
    pub fetching: Option<FinancialYear>,
    /// Its progress.
    pub progress: Option<FetchProgress>,
    /// ICEGATE's responses imported from the portal's CSV (the ICEGATE screen's verdicts).
    pub verdicts: Option<super::icegate::ImportedVerdicts>,
    /// Last failure of the fetch for the year on screen.
    pub error: Option<String>,
}

/// Periods fetched from GSTN and read from the cache for one computation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    pub fetched: usize,
    pub cached: usize,
}

/// "fetching returns: 14 of 31 periods".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchProgress {
    pub fy: FinancialYear,
    pub done: usize,
    pub total: usize,
}

impl FetchProgress {
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
    pub fn label(&self) -> String {
        format!("fetching returns: {} of {} periods", self.done, self.total)
    }
}

/// The open popup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportLedgerPopup {
    pub fy: FinancialYear,
    pub scroll: u16,
    /// Largest useful scroll, recorded by the view.
    pub max_scroll: std::cell::Cell<u16>,
}

impl ExportLedgerPopup {
    pub fn new(fy: FinancialYear) -> Self {
        ExportLedgerPopup {
            fy,
            scroll: 0,
            max_scroll: std::cell::Cell::new(0),
        }
    }
}

pub(crate) fn fetch(state: &mut AppState, fy: FinancialYear) -> Vec<SyncCommand> {
    state.export_ledger.error = None;
    state.export_ledger.progress = None;
    state.export_ledger.fetching = Some(fy);
    state.in_flight.insert(JobKind::ExportLedger);
    vec![SyncCommand::RefreshExportLedger { fy }]
}

/// `e`: opens on the selected period's financial year, fetching it unless already loaded.
pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    open_fy(state, state.period.financial_year())
}

/// Opens on `fy` (from the ICEGATE screen: the year of the month it shows).
pub fn open_fy(state: &mut AppState, fy: FinancialYear) -> Vec<SyncCommand> {
    state.popup = Some(Popup::ExportLedger(ExportLedgerPopup::new(fy)));
    state.dirty = true;
    let under_way = state.export_ledger.fetching == Some(fy) && state.in_flight.contains(&JobKind::ExportLedger);
    if state.export_ledger.ledgers.contains_key(&fy) || under_way {
        vec![]
    } else {
        fetch(state, fy)
    }
}

/// What to download from the popup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Download {
    /// DOWNLOAD AS CSV: the year's rows.
    LedgerCsv,
    /// DOWNLOAD TRANSACTION AS CSV: the year's breakup per period.
    TransactionsCsv,
    /// Both, as two sheets of one workbook.
    Workbook,
}

/// The downloads folder, or a toast saying how to set one.
fn downloads_dir(state: &mut AppState) -> Option<std::path::PathBuf> {
    let dir = state.downloads_dir.clone();
    if dir.is_none() {
        state.toasts.push(
            ToastLevel::Error,
            "No downloads folder",
            "Set downloads_dir in the config file to save files.",
            state.now,
        );
    }
    dir
}

/// `export-ledger-27AAPFU0939F1ZV-FY2024-25-20261123-140455`: what, whose, which year and the
/// model's clock; the shared writer adds `-2`… rather than overwrite.
fn target(state: &AppState, kind: &str, which: &str, dir: std::path::PathBuf) -> OutTarget {
    let at = state.now.with_timezone(&super::state::ist()).naive_local();
    OutTarget::new(None, dir, files::stem(kind, &state.profile.gstin, which, at))
}

fn download(state: &mut AppState, fy: FinancialYear, what: Download) -> Vec<SyncCommand> {
    let Some(l) = state.export_ledger.ledgers.get(&fy).map(|l| l.value.clone()) else {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to download yet",
            format!("The export ledger for FY {fy} has not been loaded; wait for it or press r."),
            state.now,
        );
        return vec![];
    };
    let Some(dir) = downloads_dir(state) else {
        return vec![];
    };
    let in_fy = |p: Option<ReturnPeriod>| p.is_some_and(|p| fy.contains(p));
    let ledger = || tables::export_ledger(l.year_rows(fy).iter());
    let transactions = || tables::export_transactions(l.breakup.iter().filter(|b| in_fy(b.period)));
    let (tables, format, kind, label) = match what {
        Download::LedgerCsv => (vec![ledger()], FileFormat::Csv, "export-ledger", "export ledger CSV"),
        Download::TransactionsCsv => (
            vec![transactions()],
            FileFormat::Csv,
            "export-ledger-transactions",
            "export ledger transactions CSV",
        ),
        Download::Workbook => (
            vec![ledger(), transactions()],
            FileFormat::Xlsx,
            "export-ledger",
            "export ledger workbook",
        ),
    };
    state.in_flight.insert(JobKind::Download);
    vec![SyncCommand::WriteTables {
        tables,
        format,
        target: target(state, kind, &format!("FY{fy}"), dir),
        what: label.into(),
    }]
}

/// Writes the failed invoices of `t` (the ICEGATE screen's month or quarter): a CSV, or a
/// workbook with the counts as well.
pub(crate) fn write_failed(
    state: &mut AppState,
    t: &Tracking,
    periods: &[ReturnPeriod],
    span: &str,
    format: FileFormat,
) -> Vec<SyncCommand> {
    let Some(dir) = downloads_dir(state) else {
        return vec![];
    };
    if format == FileFormat::Csv && t.failed().next().is_none() {
        state.toasts.push(
            ToastLevel::Info,
            "No failed invoices",
            format!("Every 6A invoice of {span} went to ICEGATE; nothing to download."),
            state.now,
        );
        return vec![];
    }
    let which = match periods {
        [one] => one.wire(),
        [first, .., last] => format!("{}-{}", first.wire(), last.wire()),
        [] => String::new(),
    };
    let (tables, kind, label) = match format {
        FileFormat::Csv => (
            vec![tables::icegate_failed(t.failed())],
            "icegate-failed",
            "failed invoices CSV",
        ),
        FileFormat::Xlsx => (
            vec![tables::icegate_counts(t), tables::icegate_failed(t.failed())],
            "icegate",
            "ICEGATE workbook",
        ),
    };
    state.in_flight.insert(JobKind::Download);
    vec![SyncCommand::WriteTables {
        tables,
        format,
        target: target(state, kind, &which, dir),
        what: label.into(),
    }]
}

/// The month the ICEGATE view opens on: the selected period when it is in the year, else the
/// year's last started month.
fn icegate_month(state: &AppState, fy: FinancialYear) -> ReturnPeriod {
    if fy.contains(state.period) {
        return state.period;
    }
    let latest = state.latest_period();
    fy.periods()
        .into_iter()
        .rfind(|p| *p <= latest)
        .unwrap_or(fy.periods()[0])
}

/// Keys of the popup.
pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let page = state.size.1.saturating_sub(12).max(1);
    let latest_period = state.latest_period();
    let latest = latest_period.financial_year();
    let month0 = state
        .popup
        .as_ref()
        .and_then(|p| match p {
            Popup::ExportLedger(p) => Some(icegate_month(state, p.fy)),
            _ => None,
        })
        .unwrap_or(latest_period);
    let Some(Popup::ExportLedger(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let max = p.max_scroll.get();
    let fy = p.fy;
    state.dirty = true;
    match action {
        Action::Close => state.popup = None,
        Action::Up => p.scroll = p.scroll.saturating_sub(1),
        Action::Down => p.scroll = (p.scroll + 1).min(max),
        Action::PageUp => p.scroll = p.scroll.saturating_sub(page),
        Action::PageDown => p.scroll = p.scroll.saturating_add(page).min(max),
        Action::Top => p.scroll = 0,
        Action::Bottom => p.scroll = max,
        Action::PrevYear | Action::NextYear => {
            let next = FinancialYear::new(fy.start_year() + if action == Action::NextYear { 1 } else { -1 });
            if next > latest || next.start_year() < 2017 {
                let msg = if next > latest {
                    format!("FY {next} has not started yet.")
                } else {
                    "GST returns start with July 2017 (FY 2017-18).".to_string()
                };
                state.toasts.push(ToastLevel::Info, "No such year", msg, state.now);
                return vec![];
            }
            *p = ExportLedgerPopup::new(next);
            if !state.export_ledger.ledgers.contains_key(&next) {
                return fetch(state, next);
            }
        }
        Action::OpenIcegate => return super::icegate::open_on(state, month0),
        Action::Refresh => return fetch(state, fy),
        Action::OpenQuickBalance => return super::update::open_quick_balance(state),
        Action::OpenLedgers => return super::ledgers::open(state),
        Action::DownloadCsv => return download(state, fy, Download::LedgerCsv),
        Action::DownloadTransactionsCsv => return download(state, fy, Download::TransactionsCsv),
        Action::DownloadExcel => return download(state, fy, Download::Workbook),
        _ => {}
    }
    vec![]
}

/// A computed ledger arrived.
pub fn on_loaded(
    state: &mut AppState,
    fy: FinancialYear,
    ledger: Arc<ExportLedger>,
    returns: Arc<Vec<PeriodReturns>>,
    fetched_at: DateTime<Utc>,
    gathered: Gathered,
) {
    state.export_ledger.returns.insert(fy, returns);
    state.export_ledger.gathered.insert(fy, gathered);
    state.export_ledger.progress = None;
    state.export_ledger.fetching = None;
    state.in_flight.remove(&JobKind::ExportLedger);
    state.last_errors.remove(&JobKind::ExportLedger);
    state.export_ledger.error = None;
    state.export_ledger.ledgers.insert(
        fy,
        Fetched {
            value: ledger,
            fetched_at,
            from_cache: false,
        },
    );
}
