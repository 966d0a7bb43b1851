//! The outward supplies popup's model (`o`): the supplier view of the selected period — the
//! summary by portal table with the added-back liabilities, and the records table (cursor,
//! sort, `/` filter) on the shared virtualized table. `D` downloads the tab shown.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::keymap::Action;
use super::state::{AppState, Fetched, Popup};
use crate::domain::ReturnPeriod;
use crate::domain::outward::{AddedBack, OutwardRecord, SalesDoc};
use crate::sync::{JobKind, SyncCommand};

#[derive(Clone, Debug)]
pub struct OutwardData {
    pub sales: Arc<SalesDoc>,
    pub added_back: Arc<AddedBack>,
    /// Every invoice and note, flattened once when the data arrives.
    pub records: Arc<Vec<OutwardRecord>>,
}

#[derive(Clone, Debug, Default)]
pub struct OutwardState {
    pub by_period: BTreeMap<ReturnPeriod, Fetched<OutwardData>>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutwardTab {
    /// Counts by portal table and recipient action, and the added-back liabilities.
    #[default]
    Summary,
    /// Every document, one row each.
    Records,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutwardPopup {
    pub tab: OutwardTab,
    pub scroll: u16,
    pub max_scroll: std::cell::Cell<u16>,
    pub table: OutwardTable,
}

/// The records tab: the rows shown (filter and sort applied), cursor and scroll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutwardTable {
    pub cursor: usize,
    /// First row drawn (the view keeps the cursor on screen).
    pub offset: std::cell::Cell<usize>,
    /// Highlighted column (`s` sorts by it), an index into `OUTWARD_RECORD_COLUMNS`.
    pub col: usize,
    /// Sorted column and whether descending.
    pub sort: Option<(usize, bool)>,
    pub filter: String,
    pub filter_editing: bool,
    /// Indexes into the period's records, in screen order.
    pub view: Vec<u32>,
}

/// Columns with amounts (sorted as numbers, right-aligned).
pub fn is_money_col(c: usize) -> bool {
    (6..=11).contains(&c)
}

/// The text of column `c` of a record, as the table shows it and the filter searches it.
pub fn cell_text(r: &OutwardRecord, c: usize) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match c {
        0 => Cow::Borrowed(r.form),
        1 => Cow::Borrowed(r.table),
        2 => Cow::Borrowed(&r.ctin),
        3 => Cow::Borrowed(&r.doc),
        4 => Cow::Borrowed(&r.date),
        5 => Cow::Borrowed(&r.typ),
        6 => Cow::Owned(r.val.inr()),
        7 => Cow::Owned(r.txval.inr()),
        8 => Cow::Owned(r.iamt.inr()),
        9 => Cow::Owned(r.camt.inr()),
        10 => Cow::Owned(r.samt.inr()),
        11 => Cow::Owned(r.csamt.inr()),
        12 => Cow::Borrowed(&r.rtnprd),
        13 => Cow::Borrowed(r.action.label()),
        14 => Cow::Borrowed(crate::export::tables::filed_label(r.recipient_filed.as_deref())),
        _ => Cow::Borrowed(""),
    }
}

fn money_of(r: &OutwardRecord, c: usize) -> crate::domain::Money {
    [r.val, r.txval, r.iamt, r.camt, r.samt, r.csamt][c - 6]
}

/// Recomputes the view of the records tab from the period's records, the filter and the sort.
pub fn refresh_view(state: &mut AppState) {
    let records = state
        .outward
        .by_period
        .get(&state.period)
        .map(|f| f.value.records.clone());
    let Some(Popup::Outward(p)) = state.popup.as_mut() else {
        return;
    };
    let t = &mut p.table;
    let Some(recs) = records else {
        t.view.clear();
        t.cursor = 0;
        return;
    };
    let needle = t.filter.trim().to_lowercase();
    let ncols = crate::export::tables::OUTWARD_RECORD_COLUMNS.len();
    t.view = (0..recs.len() as u32)
        .filter(|i| {
            needle.is_empty() || (0..ncols).any(|c| cell_text(&recs[*i as usize], c).to_lowercase().contains(&needle))
        })
        .collect();
    if let Some((c, desc)) = t.sort {
        let date = |r: &OutwardRecord| crate::domain::period::parse_date_lenient(&r.date);
        t.view.sort_by(|a, b| {
            let (x, y) = (&recs[*a as usize], &recs[*b as usize]);
            let o = if is_money_col(c) {
                money_of(x, c).cmp(&money_of(y, c))
            } else if c == 4 {
                date(x).cmp(&date(y))
            } else {
                cell_text(x, c).cmp(&cell_text(y, c))
            };
            if desc { o.reverse() } else { o }
        });
    }
    t.cursor = t.cursor.min(t.view.len().saturating_sub(1));
}

/// Keys while typing the records filter.
pub fn filter_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    let Some(Popup::Outward(p)) = state.popup.as_mut() else {
        return vec![];
    };
    match action {
        Action::Confirm => p.table.filter_editing = false,
        Action::Close => {
            p.table.filter_editing = false;
            p.table.filter.clear();
        }
        Action::DeleteChar => {
            p.table.filter.pop();
        }
        Action::ClearFilter => p.table.filter.clear(),
        _ => return vec![],
    }
    p.table.cursor = 0;
    refresh_view(state);
    vec![]
}

/// A character typed into the records filter.
pub fn typed(state: &mut AppState, c: char) {
    if let Some(Popup::Outward(p)) = state.popup.as_mut() {
        p.table.filter.push(c);
        p.table.cursor = 0;
        state.dirty = true;
        refresh_view(state);
    }
}

/// Keys of the records tab.
fn records_action(state: &mut AppState, action: Action) {
    let page = state.size.1.saturating_sub(10).max(1) as usize;
    let Some(Popup::Outward(p)) = state.popup.as_mut() else {
        return;
    };
    let t = &mut p.table;
    let last = t.view.len().saturating_sub(1);
    let ncols = crate::export::tables::OUTWARD_RECORD_COLUMNS.len();
    match action {
        Action::Up => t.cursor = t.cursor.saturating_sub(1),
        Action::Down => t.cursor = (t.cursor + 1).min(last),
        Action::PageUp => t.cursor = t.cursor.saturating_sub(page),
        Action::PageDown => t.cursor = (t.cursor + page).min(last),
        Action::Top => t.cursor = 0,
        Action::Bottom => t.cursor = last,
        Action::Left => t.col = t.col.saturating_sub(1),
        Action::Right => t.col = (t.col + 1).min(ncols - 1),
        Action::OpenFilter => t.filter_editing = true,
        Action::Sort => {
            t.sort = match t.sort {
                Some((c, desc)) if c == t.col => Some((c, !desc)),
                // Amounts largest first, everything else A→Z.
                _ => Some((t.col, is_money_col(t.col))),
            };
            refresh_view(state);
        }
        _ => {}
    }
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
    let Some(Popup::Outward(p)) = state.popup.as_ref() else {
        return vec![];
    };
    let (tables, what, kind) = match p.tab {
        OutwardTab::Summary => (
            vec![
                crate::export::tables::outward_summary(&d.sales).with_notes(vec![note]),
                crate::export::tables::added_back(&d.added_back),
            ],
            format!("Outward supplies {}", state.period),
            "outward",
        ),
        OutwardTab::Records => {
            let rows = p.table.view.iter().filter_map(|i| d.records.get(*i as usize));
            let what = if p.table.filter.is_empty() {
                format!("Outward records {}", state.period)
            } else {
                format!("Outward records {} matching {:?}", state.period, p.table.filter)
            };
            (
                vec![crate::export::tables::outward_records(rows).with_notes(vec![note])],
                what,
                "outward-records",
            )
        }
    };
    let request = super::download::DownloadRequest {
        source: crate::export::ExportSource::Tables(tables),
        xlsx_only: vec![],
        what,
        kind: kind.into(),
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
    refresh_view(state);
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
    let records_tab = p.tab == OutwardTab::Records;
    match action {
        Action::Close => state.popup = None,
        Action::NextTab => {
            p.tab = match p.tab {
                OutwardTab::Summary => OutwardTab::Records,
                OutwardTab::Records => OutwardTab::Summary,
            };
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
        | Action::Left
        | Action::Right
        | Action::OpenFilter
        | Action::Sort
            if records_tab =>
        {
            records_action(state, action)
        }
        Action::Up => p.scroll = p.scroll.saturating_sub(1),
        Action::Down => p.scroll = (p.scroll + 1).min(max),
        Action::Top => p.scroll = 0,
        Action::Bottom => p.scroll = max,
        Action::Refresh => return fetch(state),
        Action::DownloadExcel => return download(state),
        Action::OpenQuickBalance => return super::update::open_quick_balance(state),
        Action::OpenExportLedger => return super::export_ledger::open(state),
        Action::OpenLedgers => return super::ledgers::open(state),
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
            p.table.cursor = 0;
            state.period = next;
            refresh_view(state);
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
    let records = Arc::new(crate::domain::outward::records(&sales));
    state.outward.by_period.insert(
        period,
        Fetched {
            value: OutwardData {
                sales,
                added_back,
                records,
            },
            fetched_at,
            from_cache: false,
        },
    );
    if period == state.period {
        refresh_view(state);
    }
}
