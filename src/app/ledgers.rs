//! The Ledgers screen's model (`L`): the cash and ITC ledgers from April of the selected
//! period's financial year to its end (fetched in ≤ 6-month slices and stitched by the engine)
//! and the period's return-liability ledger, with their arithmetic checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::keymap::Action;
use super::state::{AppState, Fetched, Popup};
use crate::domain::ReturnPeriod;
use crate::domain::ledger::{CashLedger, ItcLedger, LedgerWarning, LiabilityLedger};
use crate::sync::{JobKind, SyncCommand};

#[derive(Clone, Debug)]
pub struct LedgersData {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cash: Arc<CashLedger>,
    pub itc: Arc<ItcLedger>,
    pub tax: Arc<LiabilityLedger>,
    /// `check()` of each ledger: shown with the difference, never corrected.
    pub cash_warnings: Vec<LedgerWarning>,
    pub itc_warnings: Vec<LedgerWarning>,
    pub tax_warnings: Vec<LedgerWarning>,
}

#[derive(Clone, Debug, Default)]
pub struct LedgersState {
    pub by_period: BTreeMap<ReturnPeriod, Fetched<LedgersData>>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerTab {
    Cash,
    Itc,
    Liability,
}

impl LedgerTab {
    pub const ALL: [LedgerTab; 3] = [LedgerTab::Cash, LedgerTab::Itc, LedgerTab::Liability];
    pub fn label(self) -> &'static str {
        match self {
            LedgerTab::Cash => "Cash ledger",
            LedgerTab::Itc => "ITC ledger",
            LedgerTab::Liability => "Return liability",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgersPopup {
    pub tab: LedgerTab,
    /// Movement per head instead of amount and balance.
    pub per_head: bool,
    pub scroll: u16,
    pub max_scroll: std::cell::Cell<u16>,
}

fn fetch(state: &mut AppState) -> Vec<SyncCommand> {
    state.ledgers.error = None;
    state.in_flight.insert(JobKind::Ledgers);
    vec![SyncCommand::RefreshLedgers { period: state.period }]
}

pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::Ledgers(LedgersPopup {
        tab: LedgerTab::Cash,
        per_head: false,
        scroll: 0,
        max_scroll: std::cell::Cell::new(0),
    }));
    state.dirty = true;
    if state.ledgers.by_period.contains_key(&state.period) {
        vec![]
    } else {
        fetch(state)
    }
}

pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let page = state.size.1.saturating_sub(10).max(1);
    let latest = state.latest_period();
    let Some(Popup::Ledgers(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let max = p.max_scroll.get();
    state.dirty = true;
    let cycle = |t: LedgerTab, d: isize| {
        let i = LedgerTab::ALL.iter().position(|x| *x == t).unwrap_or(0) as isize;
        LedgerTab::ALL[(i + d).rem_euclid(3) as usize]
    };
    match action {
        Action::Close => state.popup = None,
        Action::NextTab | Action::PrevTab => {
            p.tab = cycle(p.tab, if action == Action::NextTab { 1 } else { -1 });
            p.scroll = 0;
        }
        Action::ToggleColumns => p.per_head = !p.per_head,
        Action::Up => p.scroll = p.scroll.saturating_sub(1),
        Action::Down => p.scroll = (p.scroll + 1).min(max),
        Action::PageUp => p.scroll = p.scroll.saturating_sub(page),
        Action::PageDown => p.scroll = p.scroll.saturating_add(page).min(max),
        Action::Top => p.scroll = 0,
        Action::Bottom => p.scroll = max,
        Action::Refresh => return fetch(state),
        Action::OpenQuickBalance => return super::update::open_quick_balance(state),
        Action::OpenExportLedger => return super::export_ledger::open(state),
        Action::PrevPeriod | Action::NextPeriod => {
            let next = if action == Action::NextPeriod {
                state.period.next()
            } else {
                state.period.prev()
            };
            if next > latest || next < super::picker::first_gst_period() {
                return vec![];
            }
            p.scroll = 0;
            state.period = next;
            // The dashboard follows: its balance is for the same period.
            let mut cmds = vec![SyncCommand::RefreshBalance { period: next }];
            state.in_flight.insert(JobKind::Balance);
            if !state.ledgers.by_period.contains_key(&next) {
                cmds.extend(fetch(state));
            }
            return cmds;
        }
        _ => {}
    }
    vec![]
}

#[allow(clippy::too_many_arguments)]
pub fn on_loaded(
    state: &mut AppState,
    period: ReturnPeriod,
    from: NaiveDate,
    to: NaiveDate,
    cash: Arc<CashLedger>,
    itc: Arc<ItcLedger>,
    tax: Arc<LiabilityLedger>,
    fetched_at: DateTime<Utc>,
) {
    state.in_flight.remove(&JobKind::Ledgers);
    state.last_errors.remove(&JobKind::Ledgers);
    state.ledgers.error = None;
    let data = LedgersData {
        from,
        to,
        cash_warnings: cash.check(),
        itc_warnings: itc.check(),
        tax_warnings: tax.check(),
        cash,
        itc,
        tax,
    };
    state.ledgers.by_period.insert(
        period,
        Fetched {
            value: data,
            fetched_at,
            from_cache: false,
        },
    );
}
