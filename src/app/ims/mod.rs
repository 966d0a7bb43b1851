//! The IMS review screen's model: the summary-grid cursor, the record table of one section
//! (virtualized view, selection by record identity, filter, sort), the outbox as the sync
//! engine reports it, and the confirm popup of bulk actions. Changed only by [`update`].

pub mod columns;
pub mod command;
pub mod confirm;
pub mod update;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use self::columns::{COLUMNS, Col, RowText};
use super::state::Fetched;
use crate::domain::ims::{ImsRecord, RecordKey, StatusCounts};
use crate::domain::query::{self, Query};
use crate::domain::{Action, GoodsType, Money, ReturnPeriod, Section};
use crate::sync::{Outcome, StagedDecision, Target};

/// Statuses in the summary grid's column order; the fifth column is the total.
pub const GRID_STATUSES: [Action; 4] = [Action::NoAction, Action::Accepted, Action::Rejected, Action::Pending];

/// Everything of the IMS review screen.
#[derive(Clone, Debug, Default)]
pub struct ImsState {
    /// Summary grid cursor: section row and status column (4 = Total).
    pub grid_row: usize,
    pub grid_col: usize,
    /// The open record table, if drilled in.
    pub table: Option<RecordTable>,
    /// Records by section as last received (shared, never copied per frame).
    pub loaded: HashMap<Section, Fetched<Arc<Vec<ImsRecord>>>>,
    /// The outbox as the engine last reported it.
    pub outbox: HashMap<RecordKey, StagedDecision>,
    /// Batches staged by this session, newest last, for undo.
    pub undo: Vec<u64>,
    pub next_batch: u64,
    /// Last push progress: (total, sent, applied, rejected, conflicts).
    pub push: Option<[usize; 5]>,
    /// Last GSTR-2B regeneration status.
    pub gstr2b: Option<(String, Option<String>)>,
    /// The `:` command line, while open.
    pub command: Option<command::CommandLine>,
    /// The record table's columns: order and shown/hidden (chooser `c`, `:hide`, `:show`),
    /// remembered per profile.
    pub columns: columns::ColumnLayout,
    /// The column chooser, while open.
    pub chooser: Option<columns::ColumnChooser>,
    /// Whether GSTR-3B of a period is filed, as the engine last said.
    pub gstr3b: Option<Gstr3bInfo>,
    /// The same for every period the engine answered about (the selected one and the return
    /// periods of the records shown): each record is locked by its own period.
    pub gstr3b_periods: HashMap<ReturnPeriod, Gstr3bInfo>,
    /// Periods already asked about (so a refresh does not ask again).
    pub gstr3b_asked: HashSet<ReturnPeriod>,
    /// Supplier trade names by GSTIN (from GSTR-2B), shared with every table built.
    pub suppliers: Arc<HashMap<String, String>>,
    /// The detail pane's action history: the record asked for, and the answer once it came
    /// (answers for another record are dropped).
    pub history_for: Option<RecordKey>,
    pub history: Option<(RecordKey, Vec<crate::store::JournalEntry>)>,
}

/// What is known about GSTR-3B of one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gstr3bInfo {
    pub period: ReturnPeriod,
    /// `None`: the check failed (see `error`); nothing is locked on our side then.
    pub filed: Option<bool>,
    pub error: Option<String>,
}

impl ImsState {
    /// The grid row for `goods` (tabs have different numbers of sections).
    pub fn grid_row_for(&self, goods: GoodsType) -> usize {
        self.grid_row.min(goods.sections().len().saturating_sub(1))
    }

    /// The section under the grid cursor for `goods`.
    pub fn grid_section(&self, goods: GoodsType) -> Option<Section> {
        goods.sections().get(self.grid_row_for(goods)).copied()
    }

    /// The grid column's status, `None` for Total.
    pub fn grid_status(&self) -> Option<Action> {
        GRID_STATUSES.get(self.grid_col).cloned()
    }

    /// Counts per status after the staged decisions of `section` (not yet saved) would apply,
    /// starting from `base`. `None` when nothing is staged for the section.
    pub fn local_counts(&self, section: Section, base: StatusCounts) -> Option<StatusCounts> {
        let mut c = base;
        let mut any = false;
        for s in self.outbox.values().filter(|s| s.decision.section == section) {
            let from = &s.decision.record.action;
            let to = match &s.decision.target {
                Target::Set(a) => a.clone(),
                Target::Reset => Action::NoAction,
            };
            if *from != to {
                c.bump(from, -1);
                c.bump(&to, 1);
                any = true;
            }
        }
        any.then_some(c)
    }

    /// Whether IMS is read-only for `period` (its GSTR-3B is filed).
    pub fn read_only(&self, period: ReturnPeriod) -> bool {
        self.gstr3b_of(period).is_some_and(|g| g.filed == Some(true))
    }

    /// What is known about GSTR-3B of `period`, if anything.
    pub fn gstr3b_of(&self, period: ReturnPeriod) -> Option<&Gstr3bInfo> {
        self.gstr3b_periods
            .get(&period)
            .or_else(|| self.gstr3b.as_ref().filter(|g| g.period == period))
    }

    /// The filed period that makes `r` read-only, if any.
    ///
    /// Which period governs: actions are "allowed until the recipient files GSTR-3B for that
    /// 2B period" (`domain.md` rule 6). The API gives a record no 2B period, only `rtnprd`,
    /// "supplier's return period in which the document was reported" (`api.md` §3.2); the 2B
    /// period is that period or, for a late filing, a later one (`domain.md` rules 22, 44).
    /// We take `rtnprd`, the conservative reading: a record is never sent while the return
    /// of the period it was reported in is filed. Pending records are the exception the docs
    /// name: "on filing 3B, accepted and rejected records of that period are removed from
    /// IMS; pending and future-period records stay" (`domain.md` rule 7), so they stay open.
    /// An unreadable `rtnprd` or an unknown filing state locks nothing; GSTN has the last word.
    pub fn locked_by(&self, r: &ImsRecord) -> Option<ReturnPeriod> {
        if r.action == Action::Pending {
            return None;
        }
        let p = r.return_period()?;
        self.read_only(p).then_some(p)
    }

    /// Return periods of `records` whose GSTR-3B state was never asked for (marks them asked).
    pub fn periods_to_check(&mut self, records: &[ImsRecord]) -> Vec<ReturnPeriod> {
        let mut seen: HashSet<ReturnPeriod> = HashSet::new();
        for r in records {
            if let Some(p) = r.return_period() {
                seen.insert(p);
            }
        }
        let mut out: Vec<ReturnPeriod> = seen.into_iter().filter(|p| self.gstr3b_asked.insert(*p)).collect();
        out.sort();
        out
    }

    /// When the event loop must wake: to apply a typed filter (see
    /// [`RecordTable::type_filter`]), or at once while row text is still to be built in idle
    /// time (see [`RecordTable::build_text_chunk`]).
    pub fn deadline(&self) -> Option<std::time::Instant> {
        let t = self.table.as_ref()?;
        match t.filter_due {
            Some(due) => Some(due),
            None if t.text_pending() => Some(std::time::Instant::now()),
            None => None,
        }
    }

    /// The journal of `key`, if it is the one loaded.
    pub fn history_of(&self, key: &RecordKey) -> Option<&[crate::store::JournalEntry]> {
        self.history
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, e)| e.as_slice())
    }

    /// Staged decisions not yet sent.
    pub fn staged_unsent(&self) -> usize {
        self.outbox.values().filter(|s| !s.in_flight).count()
    }
}

/// `→Reject`, `⇡Accept` (being sent), `!Accept` (conflict), `✗Reject` (refused).
pub fn local_label(s: &StagedDecision) -> String {
    let what = match &s.decision.target {
        Target::Set(Action::Accepted) => "Accept",
        Target::Set(Action::Rejected) => "Reject",
        Target::Set(Action::Pending) => "Pending",
        Target::Set(other) => other.label(),
        Target::Reset => "Reset",
    };
    let mark = match (&s.last_outcome, s.in_flight) {
        (_, true) => "⇡",
        (Some(Outcome::Conflict { .. }), _) => "!",
        (Some(Outcome::Rejected { .. }), _) => "✗",
        _ => "→",
    };
    format!("{mark}{what}")
}

/// Tables this large apply a typed filter after a pause instead of on every keystroke.
pub const DEBOUNCE_FROM: usize = 20_000;
/// The pause after the last keystroke before a large table is filtered.
pub const FILTER_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// How the view is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortBy {
    pub col: Col,
    pub descending: bool,
}

/// Totals of the selection, for the status bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelectionTotals {
    pub count: usize,
    pub taxable: Money,
    pub tax: Money,
}

impl SelectionTotals {
    fn add(&mut self, r: &ImsRecord) {
        self.count += 1;
        self.taxable += r.txval;
        self.tax += r.total_tax();
    }
    fn sub(&mut self, r: &ImsRecord) {
        self.count = self.count.saturating_sub(1);
        self.taxable -= r.txval;
        self.tax -= r.total_tax();
    }
}

/// The record table of one section × status.
#[derive(Clone, Debug)]
pub struct RecordTable {
    pub section: Section,
    /// Status filter from the grid cell; `None` = all statuses.
    pub status: Option<Action>,
    pub records: Arc<Vec<ImsRecord>>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub from_cache: bool,
    /// Identity of each record (same index as `records`).
    pub keys: Vec<RecordKey>,
    /// Display text of each record, built once per data change, when first needed: a frame
    /// builds its visible rows only; a filter or a sort by text builds all of them at once
    /// (on every core). So 100,000 records open without formatting 100,000 rows first.
    text: Vec<std::sync::OnceLock<RowText>>,
    /// Every entry of `text` is built.
    text_complete: bool,
    /// Rows before this one are built (the idle-time builder's position).
    text_built_upto: usize,
    /// Indices into `records` after status filter, filter and sort.
    pub view: Vec<u32>,
    /// Records matching the status alone (the "M" of "N of M").
    pub status_total: usize,
    /// Cursor position in `view`.
    pub cursor: usize,
    /// First visible row; kept by the view so the cursor stays visible.
    pub offset: Cell<usize>,
    /// Selected records, one flag per record of this data. Identity across data changes is
    /// the record key: [`RecordTable::set_records`] carries marks over by key, so a refresh or
    /// a re-sort never moves them. A flag per record keeps select-all over 100,000 records
    /// to one pass over a `Vec<bool>`.
    marks: Vec<bool>,
    marked_count: usize,
    /// Visual range anchor (a position in `view`) while `v` is active.
    pub visual: Option<usize>,
    pub selection: SelectionTotals,
    /// Totals of `marked` alone, kept up to date as marks change (no full scan per key).
    marked_totals: SelectionTotals,
    /// The filter as typed (echoed at once).
    pub filter: String,
    /// The filter the view reflects; differs from `filter` while a keystroke waits for
    /// [`FILTER_PAUSE`] on a large table.
    applied: String,
    /// When the typed filter is applied (large tables only).
    pub filter_due: Option<std::time::Instant>,
    /// Typing into the filter.
    pub filter_editing: bool,
    /// The filter's parse error (the view keeps the last good filter).
    pub filter_error: Option<String>,
    pub sort: Option<SortBy>,
    /// Highlighted column (index into `COLUMNS`), for sorting.
    pub col_cursor: usize,
    pub detail: bool,
    /// Supplier trade names by GSTIN (shared with [`ImsState::suppliers`]).
    pub suppliers: Arc<HashMap<String, String>>,
}

enum Matcher {
    All,
    Text(String),
    /// The query's bare words (searched in the precomputed text) and the query.
    Query(Vec<String>, Query),
}

impl RecordTable {
    pub fn new(section: Section, status: Option<Action>) -> RecordTable {
        RecordTable {
            section,
            status,
            records: Arc::new(Vec::new()),
            fetched_at: None,
            from_cache: false,
            keys: Vec::new(),
            text: Vec::new(),
            text_complete: true,
            text_built_upto: 0,
            view: Vec::new(),
            status_total: 0,
            cursor: 0,
            offset: Cell::new(0),
            marks: Vec::new(),
            marked_count: 0,
            visual: None,
            selection: SelectionTotals::default(),
            marked_totals: SelectionTotals::default(),
            filter: String::new(),
            applied: String::new(),
            filter_due: None,
            filter_editing: false,
            filter_error: None,
            sort: None,
            col_cursor: COLUMNS.iter().position(|c| c.col == Col::Gstin).unwrap_or(0),
            detail: false,
            suppliers: Arc::default(),
        }
    }

    /// The supplier's trade name, if GSTR-2B gave one.
    pub fn trade_name(&self, i: usize) -> Option<&str> {
        self.suppliers
            .get(self.records[i].stin.trim())
            .map(String::as_str)
            .filter(|n| !n.is_empty())
    }

    /// New supplier names: the rows' text (trade name column, filter) is rebuilt.
    pub fn set_suppliers(&mut self, names: Arc<HashMap<String, String>>) {
        if Arc::ptr_eq(&names, &self.suppliers) {
            return;
        }
        self.suppliers = names;
        if let Some(at) = self.fetched_at {
            let records = self.records.clone();
            self.set_records(records, at, self.from_cache);
        }
    }

    pub fn loaded(&self) -> bool {
        self.fetched_at.is_some()
    }

    /// Replaces the data (cached copy, then fresh), keeping cursor and selection by key.
    pub fn set_records(&mut self, records: Arc<Vec<ImsRecord>>, fetched_at: DateTime<Utc>, from_cache: bool) {
        let current = self.current_key().cloned();
        self.end_visual();
        let selected: HashSet<RecordKey> = self.marked_keys().into_iter().collect();
        self.keys = build_keys(self.section, &records);
        self.text = (0..records.len()).map(|_| std::sync::OnceLock::new()).collect();
        self.text_complete = records.is_empty();
        self.text_built_upto = 0;
        self.records = records;
        self.fetched_at = Some(fetched_at);
        self.from_cache = from_cache;
        // Marks follow their records; records that disappeared leave the selection.
        self.marks = if selected.is_empty() {
            vec![false; self.keys.len()]
        } else {
            self.keys.iter().map(|k| selected.contains(k)).collect()
        };
        self.marked_count = 0;
        self.marked_totals = SelectionTotals::default();
        for i in 0..self.marks.len() {
            if self.marks[i] {
                self.marked_count += 1;
                self.marked_totals.add(&self.records[i]);
            }
        }
        self.rebuild(current);
    }

    /// Keys of the marked records (not counting a visual range in progress).
    pub fn marked_keys(&self) -> Vec<RecordKey> {
        self.marks
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(i, _)| self.keys[i].clone())
            .collect()
    }

    /// Display text of record `i` (built on first use).
    pub fn row_text(&self, i: usize) -> &RowText {
        self.text[i].get_or_init(|| row_text(self.section, &self.records[i], &self.suppliers))
    }

    /// Whether some rows' text is still to be built (the event loop builds it when idle).
    pub fn text_pending(&self) -> bool {
        !self.text_complete
    }

    /// Builds the text of up to `n` more rows (idle time, between frames and keys), so a
    /// first filter or sort finds it ready; false once every row is built.
    pub fn build_text_chunk(&mut self, n: usize) -> bool {
        if self.text_complete {
            return false;
        }
        let end = (self.text_built_upto + n).min(self.text.len());
        for i in self.text_built_upto..end {
            self.row_text(i);
        }
        self.text_built_upto = end;
        if end == self.text.len() {
            self.text_complete = true;
        }
        !self.text_complete
    }

    /// Builds the text of every record not built yet, split over the available cores.
    fn ensure_text(&mut self) {
        if self.text_complete {
            return;
        }
        let (section, records, names, text) = (self.section, &*self.records, &*self.suppliers, &self.text);
        let one = |i: usize| {
            text[i].get_or_init(|| row_text(section, &records[i], names));
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        if records.len() < 20_000 || threads < 2 {
            (0..records.len()).for_each(one);
        } else {
            let chunk = records.len().div_ceil(threads);
            std::thread::scope(|s| {
                for start in (0..records.len()).step_by(chunk) {
                    let end = (start + chunk).min(records.len());
                    s.spawn(move || (start..end).for_each(one));
                }
            });
        }
        self.text_complete = true;
    }

    fn matcher(&mut self) -> Matcher {
        let f = self.filter.trim();
        if f.is_empty() {
            self.filter_error = None;
            return Matcher::All;
        }
        if query::is_query(f) {
            match query::parse(f) {
                Ok(q) => {
                    self.filter_error = None;
                    Matcher::Query(q.words().map(str::to_string).collect(), q)
                }
                Err(e) => {
                    self.filter_error = Some(e.to_string());
                    Matcher::All
                }
            }
        } else {
            self.filter_error = None;
            Matcher::Text(f.to_lowercase())
        }
    }

    /// Recomputes the view (status filter, text filter or query, sort) and puts the cursor
    /// back on `keep` when it is still visible.
    pub fn rebuild(&mut self, keep: Option<RecordKey>) {
        let matcher = self.matcher();
        if !matches!(matcher, Matcher::All) {
            self.ensure_text();
        }
        self.applied = self.filter.clone();
        self.filter_due = None;
        let mut view = Vec::with_capacity(self.records.len());
        let mut status_total = 0;
        for (i, r) in self.records.iter().enumerate() {
            if self.status.as_ref().is_some_and(|s| r.action != *s) {
                continue;
            }
            status_total += 1;
            let ok = match &matcher {
                Matcher::All => true,
                Matcher::Text(t) => self.row_text(i).search.contains(t.as_str()),
                Matcher::Query(words, q) => {
                    let search = &self.row_text(i).search;
                    words.iter().all(|w| search.contains(w.as_str())) && q.matches_fields(self.section, r)
                }
            };
            if ok {
                view.push(i as u32);
            }
        }
        self.status_total = status_total;
        self.view = view;
        self.apply_sort();
        self.cursor = keep
            .and_then(|k| self.view.iter().position(|&i| self.keys[i as usize] == k))
            .unwrap_or(0)
            .min(self.view.len().saturating_sub(1));
        self.recount();
    }

    fn apply_sort(&mut self) {
        let Some(SortBy { col, descending }) = self.sort else {
            return;
        };
        self.ensure_text();
        let recs = &self.records;
        let text = &self.text;
        let row = |i: &u32| text[*i as usize].get().expect("ensure_text built every row");
        let cmp = |a: &u32, b: &u32| -> std::cmp::Ordering {
            let (ra, rb) = (&recs[*a as usize], &recs[*b as usize]);
            match col {
                Col::Date => row(a).date_key.cmp(&row(b).date_key),
                Col::Taxable => ra.txval.cmp(&rb.txval),
                Col::Igst => ra.iamt.cmp(&rb.iamt),
                Col::Cgst => ra.camt.cmp(&rb.camt),
                Col::Sgst => ra.samt.cmp(&rb.samt),
                Col::Cess => ra.cess.cmp(&rb.cess),
                Col::TotalTax => ra.total_tax().cmp(&rb.total_tax()),
                Col::Filed => ra.supplier_filed().cmp(&rb.supplier_filed()),
                Col::Mark | Col::Sno | Col::Local => a.cmp(b),
                other => row(a).cell(other).cmp(&row(b).cell(other)),
            }
        };
        if descending {
            self.view.sort_by(|a, b| cmp(b, a));
        } else {
            self.view.sort_by(cmp);
        }
    }

    /// Sorts by the highlighted column; again reverses.
    pub fn sort_by_cursor(&mut self) {
        let col = COLUMNS[self.col_cursor].col;
        self.sort = Some(match self.sort {
            Some(s) if s.col == col => SortBy {
                col,
                descending: !s.descending,
            },
            _ => SortBy { col, descending: false },
        });
        let keep = self.current_key().cloned();
        self.end_visual();
        self.rebuild(keep);
    }

    pub fn set_filter(&mut self, filter: String) {
        if filter == self.filter && self.filter_due.is_none() {
            return;
        }
        self.filter = filter;
        let keep = self.current_key().cloned();
        self.end_visual();
        // Typing more of a plain-text filter only narrows: search the current view alone.
        let f = self.filter.trim();
        let before = self.applied.trim();
        if !before.is_empty()
            && f.starts_with(before)
            && !query::is_query(f)
            && !query::is_query(before)
            && self.filter_error.is_none()
        {
            let t = f.to_lowercase();
            self.ensure_text();
            let text = &self.text;
            self.view
                .retain(|&i| text[i as usize].get().is_some_and(|r| r.search.contains(t.as_str())));
            self.applied = self.filter.clone();
            self.filter_due = None;
            self.cursor = keep
                .and_then(|k| self.view.iter().position(|&i| self.keys[i as usize] == k))
                .unwrap_or(0)
                .min(self.view.len().saturating_sub(1));
            self.recount();
            return;
        }
        self.rebuild(keep);
    }

    /// A keystroke in the `/` filter: the text echoes at once; on a large table the view
    /// follows [`FILTER_PAUSE`] after the last keystroke (see [`RecordTable::apply_due_filter`]),
    /// so typing never waits for a pass over 100,000 rows per key.
    pub fn type_filter(&mut self, filter: String, now: std::time::Instant) {
        if self.records.len() < DEBOUNCE_FROM {
            self.set_filter(filter);
        } else if filter != self.filter || self.filter_due.is_some() {
            self.filter = filter;
            self.filter_due = Some(now + FILTER_PAUSE);
        }
    }

    /// Applies a typed filter whose pause is over; true when the view changed.
    pub fn apply_due_filter(&mut self, now: std::time::Instant) -> bool {
        match self.filter_due {
            Some(due) if due <= now => {
                self.flush_filter();
                true
            }
            _ => false,
        }
    }

    /// Applies a typed filter now (Enter, or before acting on the view).
    pub fn flush_filter(&mut self) {
        if self.filter_due.is_some() {
            let f = self.filter.clone();
            self.set_filter(f);
        }
    }

    /// Index into `records` of the cursor row.
    pub fn current(&self) -> Option<usize> {
        self.view.get(self.cursor).map(|&i| i as usize)
    }

    pub fn current_key(&self) -> Option<&RecordKey> {
        self.current().map(|i| &self.keys[i])
    }

    pub fn move_cursor(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        self.cursor = self.cursor.saturating_add_signed(delta).min(self.view.len() - 1);
        if self.visual.is_some() {
            self.recount();
        }
    }

    /// View positions covered by the visual range.
    fn visual_range(&self) -> Option<std::ops::RangeInclusive<usize>> {
        self.visual.map(|a| a.min(self.cursor)..=a.max(self.cursor))
    }

    /// Whether the record at view position `pos` is selected.
    pub fn is_selected(&self, pos: usize) -> bool {
        self.visual_range().is_some_and(|r| r.contains(&pos))
            || self.view.get(pos).is_some_and(|&i| self.marks[i as usize])
    }

    pub fn has_selection(&self) -> bool {
        self.marked_count > 0 || self.visual.is_some()
    }

    /// Marks record `i`; false when it was marked already.
    fn mark(&mut self, i: usize) -> bool {
        if self.marks[i] {
            return false;
        }
        self.marks[i] = true;
        self.marked_count += 1;
        self.marked_totals.add(&self.records[i]);
        true
    }

    /// Folds the visual range into the marks.
    pub fn end_visual(&mut self) {
        if let Some(r) = self.visual_range() {
            for pos in r {
                if let Some(&i) = self.view.get(pos) {
                    self.mark(i as usize);
                }
            }
            self.visual = None;
        }
    }

    pub fn toggle_visual(&mut self) {
        if self.visual.is_some() {
            self.end_visual();
        } else if !self.view.is_empty() {
            self.visual = Some(self.cursor);
        }
        self.recount();
    }

    pub fn toggle_mark(&mut self) {
        if let Some(i) = self.current()
            && !self.mark(i)
        {
            self.marks[i] = false;
            self.marked_count -= 1;
            self.marked_totals.sub(&self.records[i]);
        }
        self.recount();
    }

    /// Adds the records of the view matching `q` to the selection; returns how many matched.
    pub fn select_matching(&mut self, q: &Query) -> usize {
        self.end_visual();
        let mut n = 0;
        for pos in 0..self.view.len() {
            let i = self.view[pos] as usize;
            if q.matches(self.section, &self.records[i]) {
                n += 1;
                self.mark(i);
            }
        }
        self.recount();
        n
    }

    /// Selects every record of the filtered view (all of it, not just what is visible).
    pub fn select_all(&mut self) {
        self.visual = None;
        for pos in 0..self.view.len() {
            self.mark(self.view[pos] as usize);
        }
        self.recount();
    }

    pub fn clear_selection(&mut self) {
        self.visual = None;
        self.marks.iter_mut().for_each(|m| *m = false);
        self.marked_count = 0;
        self.marked_totals = SelectionTotals::default();
        self.recount();
    }

    /// Indices into `records` of the selection (in data order), or of the cursor row when
    /// nothing is selected.
    pub fn targets(&self) -> Vec<usize> {
        if !self.has_selection() {
            return self.current().into_iter().collect();
        }
        let mut sel = std::borrow::Cow::Borrowed(&self.marks);
        if let Some(r) = self.visual_range() {
            let sel = sel.to_mut();
            for pos in r {
                if let Some(&i) = self.view.get(pos) {
                    sel[i as usize] = true;
                }
            }
        }
        sel.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect()
    }

    /// The selection's count and totals: the marks' running totals plus the unmarked records
    /// of the visual range (only the range is scanned).
    pub fn recount(&mut self) {
        let mut t = self.marked_totals;
        if let Some(r) = self.visual_range() {
            for pos in r {
                if let Some(&i) = self.view.get(pos)
                    && !self.marks[i as usize]
                {
                    t.add(&self.records[i as usize]);
                }
            }
        }
        self.selection = t;
    }
}

fn row_text(section: Section, r: &ImsRecord, names: &HashMap<String, String>) -> RowText {
    let name = names.get(r.stin.trim()).map_or("", String::as_str);
    RowText::build(section, r, name)
}

/// The key of every record. Large data is split over the available cores (scoped threads,
/// joined before returning): 100,000 rows are a first frame, not a pause.
fn build_keys(section: Section, records: &[ImsRecord]) -> Vec<RecordKey> {
    let one = |r: &ImsRecord| r.key(section);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if records.len() < 20_000 || threads < 2 {
        records.iter().map(one).collect()
    } else {
        let chunk = records.len().div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = records
                .chunks(chunk)
                .map(|c| s.spawn(move || c.iter().map(one).collect::<Vec<_>>()))
                .collect();
            parts
                .into_iter()
                .flat_map(|h| h.join().expect("key builder panicked"))
                .collect()
        })
    }
}
