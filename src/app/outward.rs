//! The outward supplies popup's model (`o`): the supplier view of the selected period.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::keymap::Action;
use super::state::{AppState, Fetched, Popup};
use crate::domain::ReturnPeriod;
use crate::domain::outward::{AddedBack, SalesDoc};
use crate::sync::{JobKind, SyncCommand};

#[derive(Clone, Debug)]
pub struct OutwardData {
    pub sales: Arc<SalesDoc>,
    pub added_back: Arc<AddedBack>,
}

#[derive(Clone, Debug, Default)]
pub struct OutwardState {
    pub by_period: BTreeMap<ReturnPeriod, Fetched<OutwardData>>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutwardPopup {
    pub scroll: u16,
    pub max_scroll: std::cell::Cell<u16>,
}

/// `D`: the summary and the added-back records as shown (a workbook with two sheets, or two
/// CSV files in a folder).
fn download(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(fetched) = state.outward.by_period.get(&state.period) else {
        state.toasts.push(
            super::toast::ToastLevel::Info,
            "Nothing to download yet",
            "The supplier view is not loaded; press r to fetch it.",
            state.now,
        );
        state.dirty = true;
        return vec![];
    };
    let d = &fetched.value;
    let note = format!(
        "Outward supplies {}, GSTIN {}, as recipients acted in IMS",
        state.period, state.profile.gstin
    );
    let tables = vec![
        crate::export::tables::outward_summary(&d.sales).with_notes(vec![note]),
        crate::export::tables::added_back(&d.added_back),
    ];
    let request = super::download::DownloadRequest {
        source: crate::export::ExportSource::Tables(tables),
        xlsx_only: vec![],
        what: format!("Outward supplies {}", state.period),
        kind: "outward".into(),
        period: state.period.iso(),
    };
    super::download::request(state, request)
}

fn fetch(state: &mut AppState) -> Vec<SyncCommand> {
    state.outward.error = None;
    state.in_flight.insert(JobKind::Outward);
    vec![SyncCommand::RefreshOutward { period: state.period }]
}

pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::Outward(OutwardPopup::default()));
    state.dirty = true;
    if state.outward.by_period.contains_key(&state.period) {
        vec![]
    } else {
        fetch(state)
    }
}

pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let latest = state.latest_period();
    let Some(Popup::Outward(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let max = p.max_scroll.get();
    state.dirty = true;
    match action {
        Action::Close => state.popup = None,
        Action::Up => p.scroll = p.scroll.saturating_sub(1),
        Action::Down => p.scroll = (p.scroll + 1).min(max),
        Action::Refresh => return fetch(state),
        Action::DownloadExcel => return download(state),
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
            state.in_flight.insert(JobKind::Balance);
            let mut cmds = vec![SyncCommand::RefreshBalance { period: next }];
            if !state.outward.by_period.contains_key(&next) {
                cmds.extend(fetch(state));
            }
            return cmds;
        }
        _ => {}
    }
    vec![]
}

pub fn on_loaded(
    state: &mut AppState,
    period: ReturnPeriod,
    sales: Arc<SalesDoc>,
    added_back: Arc<AddedBack>,
    fetched_at: DateTime<Utc>,
) {
    state.in_flight.remove(&JobKind::Outward);
    state.last_errors.remove(&JobKind::Outward);
    state.outward.error = None;
    state.outward.by_period.insert(
        period,
        Fetched {
            value: OutwardData { sales, added_back },
            fetched_at,
            from_cache: false,
        },
    );
}
