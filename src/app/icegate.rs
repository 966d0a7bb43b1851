//! The ICEGATE tracking screen (`I`, or Tab in the export ledger): which month (or quarter),
//! the counts table, the drill-down into a count's invoices, the FY + month picker, the import
//! of ICEGATE's own responses and the failed-invoices download. Figures come from the export
//! ledger's returns (see `domain::icegate`); the view says they are computed.

use std::path::PathBuf;
use std::sync::Arc;

use super::keymap::Action;
use super::state::{AppState, Popup};
use super::toast::ToastLevel;
use crate::domain::icegate::{self, CountKind, Tracking, Verdict};
use crate::domain::{FinancialYear, ReturnPeriod};
use crate::sync::{JobKind, SyncCommand};

/// ICEGATE's responses as imported from the portal's CSV (kept for the session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedVerdicts {
    pub path: PathBuf,
    pub verdicts: Arc<Vec<Verdict>>,
}

/// The invoices of one count line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drill {
    pub kind: CountKind,
    pub selected: usize,
    /// First row on screen, kept by the view so the selection stays visible.
    pub offset: std::cell::Cell<usize>,
}

/// The FY + month picker. Quarterly filers pick the quarter's last month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthPicker {
    pub month: ReturnPeriod,
    pub quarterly: bool,
}

impl MonthPicker {
    pub fn fy(&self) -> FinancialYear {
        self.month.financial_year()
    }
    /// The months offered for the year: all twelve, or the quarters' last months.
    pub fn choices(&self) -> Vec<ReturnPeriod> {
        self.fy()
            .periods()
            .into_iter()
            .filter(|p| !self.quarterly || p.month() % 3 == 0)
            .collect()
    }
}

/// The open screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcegateScreen {
    /// The month, or the quarter's last month when `quarterly`.
    pub month: ReturnPeriod,
    pub quarterly: bool,
    /// Selected line of the counts table.
    pub row: usize,
    pub drill: Option<Drill>,
    pub picker: Option<MonthPicker>,
    /// The import path being typed.
    pub prompt: Option<String>,
}

impl IcegateScreen {
    /// The periods covered: the month, or the three months of the quarter.
    pub fn periods(&self) -> Vec<ReturnPeriod> {
        if self.quarterly {
            vec![self.month.plus_months(-2), self.month.prev(), self.month]
        } else {
            vec![self.month]
        }
    }

    /// "Aug 2024" or "Jul 2024 – Sep 2024 (quarter)".
    pub fn span(&self) -> String {
        if self.quarterly {
            format!("{} – {} (quarter)", self.month.plus_months(-2), self.month)
        } else {
            self.month.to_string()
        }
    }
}

/// The quarter's last month at or after `p`.
fn quarter_end(p: ReturnPeriod) -> ReturnPeriod {
    p.plus_months(((3 - p.month() % 3) % 3) as i32)
}

/// The tracking of what the screen shows, when the returns are loaded: judged against the
/// latest loaded export ledger at or after the month's year (it runs from the first return and
/// knows whether a later 3.1(b) cleared a hold), with the imported ICEGATE responses.
pub fn tracking(state: &AppState, s: &IcegateScreen) -> Option<Tracking> {
    let fy = s.month.financial_year();
    let (ledger_fy, ledger) = state.export_ledger.ledgers.range(fy..).next_back()?;
    let returns = state.export_ledger.returns.get(ledger_fy)?;
    let verdicts = state
        .export_ledger
        .verdicts
        .as_ref()
        .map(|v| v.verdicts.as_slice())
        .unwrap_or(&[]);
    Some(icegate::track(returns, &s.periods(), &ledger.value, verdicts))
}

/// Asks for the export ledger of the latest year when nothing loaded covers `month`.
fn ensure_loaded(state: &mut AppState, month: ReturnPeriod) -> Vec<SyncCommand> {
    let covered = state
        .export_ledger
        .ledgers
        .range(month.financial_year()..)
        .next_back()
        .is_some();
    let latest = state.latest_period().financial_year();
    let under_way = state.export_ledger.fetching.is_some() && state.in_flight.contains(&JobKind::ExportLedger);
    if covered || under_way {
        return vec![];
    }
    super::export_ledger::fetch(state, latest)
}

/// Opens the screen on `month` (the selected period when it has started, else the latest).
pub fn open_on(state: &mut AppState, month: ReturnPeriod) -> Vec<SyncCommand> {
    let month = month.min(state.latest_period());
    state.popup = Some(Popup::Icegate(IcegateScreen {
        month,
        quarterly: false,
        row: 0,
        drill: None,
        picker: None,
        prompt: None,
    }));
    state.dirty = true;
    ensure_loaded(state, month)
}

/// `I` on the dashboard.
pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    open_on(state, state.period)
}

fn screen(state: &mut AppState) -> Option<&mut IcegateScreen> {
    match state.popup.as_mut() {
        Some(Popup::Icegate(s)) => Some(s),
        _ => None,
    }
}

/// Keys of the screen (counts table or drill-down).
pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let page = usize::from(state.size.1.saturating_sub(14).max(1));
    let latest = state.latest_period();
    let rows = match state.popup.as_ref() {
        Some(Popup::Icegate(s)) => match &s.drill {
            Some(d) => tracking(state, s).map(|t| t.of(d.kind).count()).unwrap_or(0),
            None => CountKind::ALL.len(),
        },
        _ => return vec![],
    };
    let downloads = state.downloads_dir.clone();
    let Some(s) = screen(state) else { return vec![] };
    let last = rows.saturating_sub(1);
    let mv = |cur: usize, up: bool, n: usize| if up { cur.saturating_sub(n) } else { (cur + n).min(last) };
    let cursor: &mut usize = match &mut s.drill {
        Some(d) => &mut d.selected,
        None => &mut s.row,
    };
    match action {
        Action::Up => *cursor = mv(*cursor, true, 1),
        Action::Down => *cursor = mv(*cursor, false, 1),
        Action::PageUp => *cursor = mv(*cursor, true, page),
        Action::PageDown => *cursor = mv(*cursor, false, page),
        Action::Top => *cursor = 0,
        Action::Bottom => *cursor = last,
        Action::DrillDown if s.drill.is_none() => {
            s.drill = Some(Drill {
                kind: CountKind::ALL[s.row.min(CountKind::ALL.len() - 1)],
                selected: 0,
                offset: std::cell::Cell::new(0),
            });
        }
        Action::Back => s.drill = None,
        Action::ClearOrBack if s.drill.is_some() => s.drill = None,
        Action::ClearOrBack => state.popup = None,
        Action::Close => state.popup = None,
        Action::OpenPeriodPicker => {
            s.picker = Some(MonthPicker {
                month: s.month,
                quarterly: s.quarterly,
            })
        }
        Action::PrevPeriod | Action::NextPeriod => {
            let step = if s.quarterly { 3 } else { 1 };
            let next = s
                .month
                .plus_months(if action == Action::NextPeriod { step } else { -step });
            if next <= latest && next >= crate::sync::reports::gst_start() {
                s.month = next;
                s.drill = None;
                return ensure_loaded(state, next);
            }
        }
        Action::ImportCsv => {
            let start = downloads
                .map(|d| format!("{}/", d.display().to_string().trim_end_matches('/')))
                .unwrap_or_default();
            s.prompt = Some(start);
        }
        Action::DownloadFailedCsv => return download_failed(state, crate::export::FileFormat::Csv),
        Action::DownloadExcel => return download_failed(state, crate::export::FileFormat::Xlsx),
        Action::Refresh => {
            let fy = latest.financial_year();
            return super::export_ledger::fetch(state, fy);
        }
        Action::OpenExportLedger => {
            let fy = s.month.financial_year();
            return super::export_ledger::open_fy(state, fy);
        }
        _ => {}
    }
    state.dirty = true;
    vec![]
}

/// Keys of the FY + month picker.
pub fn picker_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let latest = state.latest_period();
    let Some(s) = screen(state) else { return vec![] };
    let Some(p) = s.picker.as_mut() else { return vec![] };
    let step = if p.quarterly { 3 } else { 1 };
    let ok = |m: ReturnPeriod| m <= quarter_end(latest) && m >= crate::sync::reports::gst_start();
    match action {
        Action::Close => s.picker = None,
        Action::Up | Action::Down => {
            let next = p.month.plus_months(if action == Action::Down { step } else { -step });
            if next.financial_year() == p.fy() && ok(next) {
                p.month = next;
            }
        }
        Action::PrevYear | Action::NextYear => {
            let next = p.month.plus_months(if action == Action::NextYear { 12 } else { -12 });
            if ok(next) {
                p.month = next;
            }
        }
        Action::NextChoice => {
            p.quarterly = !p.quarterly;
            if p.quarterly {
                p.month = quarter_end(p.month);
            }
        }
        Action::Confirm => {
            let chosen = *p;
            if chosen.month > latest && !(chosen.quarterly && chosen.month.plus_months(-2) <= latest) {
                state.toasts.push(
                    ToastLevel::Info,
                    "Not started yet",
                    format!("{} has not started yet.", chosen.month),
                    state.now,
                );
                return vec![];
            }
            s.month = chosen.month;
            s.quarterly = chosen.quarterly;
            s.picker = None;
            s.drill = None;
            s.row = 0;
            state.dirty = true;
            return ensure_loaded(state, chosen.month.min(latest));
        }
        _ => {}
    }
    state.dirty = true;
    vec![]
}

/// Keys of the import prompt.
pub fn prompt_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    let Some(s) = screen(state) else { return vec![] };
    let Some(text) = s.prompt.as_mut() else { return vec![] };
    match action {
        Action::Close => s.prompt = None,
        Action::DeleteChar => {
            text.pop();
        }
        Action::ClearFilter => text.clear(),
        Action::Confirm => {
            let path = text.trim().to_string();
            if path.is_empty() {
                return vec![];
            }
            s.prompt = None;
            return vec![SyncCommand::ImportIcegateCsv {
                path: expand_home(&path),
            }];
        }
        _ => {}
    }
    vec![]
}

/// `~/x` as typed in a shell.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A character typed into the import prompt.
pub fn typed(state: &mut AppState, c: char) {
    if let Some(Popup::Icegate(IcegateScreen { prompt: Some(t), .. })) = state.popup.as_mut() {
        t.push(c);
        state.dirty = true;
    }
}

/// The engine read (or failed to read) an ICEGATE responses file.
pub fn on_verdicts(state: &mut AppState, path: PathBuf, result: Result<Arc<Vec<Verdict>>, String>) {
    state.dirty = true;
    match result {
        Ok(verdicts) => {
            let n = verdicts.len();
            state.export_ledger.verdicts = Some(ImportedVerdicts {
                path: path.clone(),
                verdicts,
            });
            state.toasts.push(
                ToastLevel::Info,
                "ICEGATE responses imported",
                format!("{n} response(s) from {}", path.display()),
                state.now,
            );
        }
        Err(message) => state.toasts.push(
            ToastLevel::Error,
            "Could not import ICEGATE responses",
            format!("{}: {message}", path.display()),
            state.now,
        ),
    }
}

fn download_failed(state: &mut AppState, format: crate::export::FileFormat) -> Vec<SyncCommand> {
    let Some(Popup::Icegate(s)) = state.popup.as_ref() else {
        return vec![];
    };
    let (span, periods) = (s.span(), s.periods());
    let Some(t) = tracking(state, s) else {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to download yet",
            "The returns are still being fetched; wait for them or press r.",
            state.now,
        );
        return vec![];
    };
    super::export_ledger::write_failed(state, &t, &periods, &span, format)
}
