//! `update`: the only place the model changes. Pure: no I/O, no clock, no awaiting. It
//! returns the [`SyncCommand`]s the runner must send; results come back as `Msg::Sync`.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::help::HelpState;
use super::ims;
use super::keymap::{Action, Context, KeySpec};
use super::msg::Msg;
use super::picker::{PickerState, first_gst_period};
use super::state::{AppState, BalanceData, JobError, PagerKind, PagerState, Popup, SessionState, job_label};
use super::toast::ToastLevel;
use crate::domain::{GoodsType, ReturnPeriod};
use crate::sync::{JobKind, SyncCommand, SyncEvent};

/// Help moves this many rows per page.
const HELP_PAGE: isize = 10;

/// Commands to send when the app starts: refresh everything for the selected period.
pub fn start(state: &mut AppState) -> Vec<SyncCommand> {
    refresh_all(state)
}

pub fn update(state: &mut AppState, msg: Msg) -> Vec<SyncCommand> {
    match msg {
        Msg::Key(key) => on_key(state, &key),
        Msg::Sync(ev) => on_sync(state, ev),
        Msg::Tick(now) => {
            on_tick(state, now);
            vec![]
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            vec![]
        }
        Msg::Mouse(m) => on_mouse(state, &m),
    }
}

/// The sync engine's channel closed: nothing will refresh any more. Say so once.
pub fn on_engine_stopped(state: &mut AppState) {
    if state.engine_stopped {
        return;
    }
    state.engine_stopped = true;
    state.in_flight.clear();
    state.toasts.push(
        ToastLevel::Error,
        "Sync engine stopped",
        "Data will not refresh any more; what is shown stays as it is. Quit and start gstdash again (see the log for the cause).",
        state.now,
    );
    state.dirty = true;
}

fn on_key(state: &mut AppState, key: &KeyEvent) -> Vec<SyncCommand> {
    let spec = KeySpec::from_event(key);
    let contexts = state.contexts();
    if let Some((ctx, action)) = state.keymap.lookup(&contexts, spec) {
        return run(state, ctx, action);
    }
    // Unbound printable keys type into the record filter or the confirm popup's remarks.
    if let Some(c) = spec.typed_char()
        && matches!(
            contexts[0],
            Context::RecordFilter | Context::Confirm | Context::CommandLine
        )
    {
        ims::update::typed(state, c);
        return vec![];
    }
    if let Some(c) = spec.typed_char()
        && contexts[0] == Context::IcegateImport
    {
        super::icegate::typed(state, c);
        return vec![];
    }
    if let Some(c) = spec.typed_char()
        && contexts[0] == Context::Otp
    {
        super::login::typed(state, c);
        return vec![];
    }
    if let Some(c) = spec.typed_char()
        && contexts[0] == Context::LedgerRange
    {
        super::ledgers::typed(state, c);
        return vec![];
    }
    if let Some(c) = spec.typed_char()
        && contexts[0] == Context::OutwardFilter
    {
        super::outward::typed(state, c);
        return vec![];
    }
    // Unbound printable keys type into the help filter.
    let keymap = &state.keymap;
    if let (Some(Popup::Help(h)), Some(c)) = (state.popup.as_mut(), spec.typed_char()) {
        h.filter.push(c);
        h.select_first_runnable(keymap);
        state.dirty = true;
    }
    vec![]
}

fn on_mouse(state: &mut AppState, m: &MouseEvent) -> Vec<SyncCommand> {
    let action = match m.kind {
        MouseEventKind::ScrollUp => Action::Up,
        MouseEventKind::ScrollDown => Action::Down,
        _ => return vec![],
    };
    match state.contexts()[0] {
        Context::Dashboard | Context::Global => vec![],
        ctx => run(state, ctx, action),
    }
}

/// Runs `action` as bound in `ctx` (keys, help's Enter, mouse).
pub fn run(state: &mut AppState, ctx: Context, action: Action) -> Vec<SyncCommand> {
    match ctx {
        Context::Global | Context::Dashboard => dashboard_action(state, action),
        Context::Help => match help_action(state, action) {
            Some((ctx, action)) => run(state, ctx, action),
            None => vec![],
        },
        Context::PeriodPicker => picker_action(state, action),
        Context::Pager => {
            pager_action(state, action);
            vec![]
        }
        Context::Records if action == Action::OpenChanges => super::changes::open(state),
        Context::Records => ims::update::records_action(state, action),
        Context::RecordFilter => ims::update::filter_action(state, action),
        Context::Confirm => ims::update::confirm_action(state, action),
        Context::CommandLine => ims::update::command_action(state, action),
        Context::ColumnChooser => ims::update::columns_action(state, action),
        Context::ExportLedger => super::export_ledger::action(state, action),
        Context::QuickBalance => quick_balance_action(state, action),
        Context::Ledgers => super::ledgers::action(state, action),
        Context::Outward => super::outward::action(state, action),
        Context::Otp => super::login::action(state, action),
        Context::Changes => super::changes::action(state, action),
        Context::Download => super::download::action(state, action),
        Context::LedgerRange => super::ledgers::range_action(state, action),
        Context::OutwardFilter => super::outward::filter_action(state, action),
        Context::Icegate => super::icegate::action(state, action),
        Context::IcegatePicker => super::icegate::picker_action(state, action),
        Context::IcegateImport => super::icegate::prompt_action(state, action),
    }
}

/// Every action handler only ever *sets* `dirty`: a no-op must not hide an earlier change
/// that has not been drawn yet.
fn dashboard_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    match action {
        Action::Quit => state.should_quit = true,
        Action::OpenHelp => state.popup = Some(Popup::Help(HelpState::new(Context::Dashboard, &state.keymap))),
        Action::Refresh => return refresh_all(state),
        Action::OpenPeriodPicker => state.popup = Some(Popup::PeriodPicker(PickerState::open(state.period))),
        Action::PrevPeriod => return set_period(state, state.period.prev()),
        Action::NextPeriod => return set_period(state, state.period.next()),
        Action::OpenInfo => state.popup = Some(Popup::Pager(PagerKind::Info, PagerState::default())),
        Action::Login => return super::login::open(state),
        Action::OpenWarnings => state.popup = Some(Popup::Pager(PagerKind::Warnings, PagerState::default())),
        Action::SelectTab(g) => state.goods = g,
        Action::NextTab => state.goods = cycle(state.goods, 1),
        Action::PrevTab => state.goods = cycle(state.goods, -1),
        Action::Up | Action::Down | Action::Left | Action::Right | Action::DrillDown => {
            return ims::update::grid_action(state, action);
        }
        Action::DismissToasts => {
            state.dirty |= state.toasts.dismiss_all();
            return vec![];
        }
        Action::OpenExportLedger => return super::export_ledger::open(state),
        Action::OpenIcegate => return super::icegate::open(state),
        Action::OpenLedgers => return super::ledgers::open(state),
        Action::OpenOutward => return super::outward::open(state),
        Action::OpenQuickBalance => return open_quick_balance(state),
        Action::OpenChanges => return super::changes::open(state),
        Action::DownloadImsDetails => return super::download::ims_details(state),
        Action::DownloadFollowup => return super::download::followup(state),
        Action::DownloadJournal => return super::download::journal(state, false),
        Action::DownloadJournalAll => return super::download::journal(state, true),
        _ => return vec![],
    }
    state.dirty = true;
    vec![]
}

/// `b` from the dashboard or any report popup.
pub(crate) fn open_quick_balance(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::QuickBalance);
    state.dirty = true;
    // Fetch unless a figure for the period is on screen or on its way.
    if state.balance().is_none() && !state.is_loading(JobKind::Balance) {
        state.in_flight.insert(JobKind::Balance);
        return vec![SyncCommand::RefreshBalance { period: state.period }];
    }
    vec![]
}

/// `b` popup: the balance of the selected period; `[`/`]` move the period as on the dashboard.
fn quick_balance_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    match action {
        Action::Close => state.popup = None,
        Action::Refresh => {
            state.balance_error = None;
            state.in_flight.insert(JobKind::Balance);
            return vec![SyncCommand::RefreshBalance { period: state.period }];
        }
        Action::PrevPeriod => return set_period(state, state.period.prev()),
        Action::NextPeriod => return set_period(state, state.period.next()),
        Action::OpenWarnings => state.popup = Some(Popup::Pager(PagerKind::Warnings, PagerState::default())),
        Action::OpenExportLedger => return super::export_ledger::open(state),
        Action::OpenLedgers => return super::ledgers::open(state),
        Action::DownloadExcel => return super::download::quick_balance(state),
        _ => {}
    }
    vec![]
}

fn cycle(g: GoodsType, delta: isize) -> GoodsType {
    let all = GoodsType::ALL;
    let i = all.iter().position(|x| *x == g).unwrap_or(0) as isize;
    all[(i + delta).rem_euclid(all.len() as isize) as usize]
}

fn refresh_all(state: &mut AppState) -> Vec<SyncCommand> {
    for g in GoodsType::ALL {
        state.in_flight.insert(JobKind::Counts(g));
    }
    state.in_flight.insert(JobKind::Balance);
    state.dirty = true;
    vec![SyncCommand::RefreshAll { period: state.period }]
}

/// Selects `p` and asks for its balance. IMS counts are not per period (the count endpoint
/// only takes the goods type), so they are not refetched.
pub(crate) fn set_period(state: &mut AppState, p: ReturnPeriod) -> Vec<SyncCommand> {
    if p == state.period {
        return vec![];
    }
    if p < first_gst_period() {
        state.toasts.push(
            ToastLevel::Info,
            "No earlier period",
            format!("GST returns start with {}.", first_gst_period()),
            state.now,
        );
        state.dirty = true;
        return vec![];
    }
    let latest = state.latest_period();
    if p > latest {
        state.toasts.push(
            ToastLevel::Info,
            "No later period",
            format!("{p} has not started yet; {latest} is the latest period."),
            state.now,
        );
        state.dirty = true;
        return vec![];
    }
    state.period = p;
    state.balance_error = None;
    state.in_flight.insert(JobKind::Balance);
    state.dirty = true;
    vec![SyncCommand::RefreshBalance { period: p }]
}

/// Returns the action Enter chose to run once help is closed.
fn help_action(state: &mut AppState, action: Action) -> Option<(Context, Action)> {
    let keymap = &state.keymap;
    let Some(Popup::Help(h)) = state.popup.as_mut() else {
        return None;
    };
    match action {
        Action::Close => state.popup = None,
        Action::Up => h.move_by(-1, keymap),
        Action::Down => h.move_by(1, keymap),
        Action::PageUp => h.move_by(-HELP_PAGE, keymap),
        Action::PageDown => h.move_by(HELP_PAGE, keymap),
        Action::Top => h.selected = 0,
        Action::Bottom => h.move_by(isize::MAX, keymap),
        Action::DeleteChar => {
            h.filter.pop();
            h.select_first_runnable(keymap);
        }
        Action::ClearFilter => {
            h.filter.clear();
            h.select_first_runnable(keymap);
        }
        Action::Confirm => {
            let row = h.selected_row(keymap)?;
            if row.runnable {
                state.popup = None;
                state.dirty = true;
                return Some((row.context, row.action));
            } else {
                let opener = match row.context {
                    Context::PeriodPicker => keymap
                        .key_for(Context::Dashboard, Action::OpenPeriodPicker)
                        .map(|k| format!(" (press {k})")),
                    Context::Pager => keymap
                        .key_for(Context::Dashboard, Action::OpenInfo)
                        .map(|k| format!(" (e.g. press {k})")),
                    _ => None,
                }
                .unwrap_or_default();
                let msg = format!(
                    "\"{}\" works in the {}; open it first{opener}.",
                    row.desc,
                    row.context.label().to_lowercase()
                );
                state
                    .toasts
                    .push(ToastLevel::Info, "Not available here", msg, state.now);
            }
        }
        _ => return None,
    }
    state.dirty = true;
    None
}

fn picker_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let latest = state.latest_period();
    let Some(Popup::PeriodPicker(p)) = state.popup.as_mut() else {
        return vec![];
    };
    match action {
        Action::Close => state.popup = None,
        Action::Up => p.up(),
        Action::Down => p.down(),
        Action::Top => p.top(),
        Action::Bottom => p.bottom(),
        Action::PrevYear | Action::NextYear => {
            let delta = if action == Action::PrevYear { -1 } else { 1 };
            state.dirty |= p.shift_year(delta, latest);
            return vec![];
        }
        Action::Confirm => {
            let chosen = p.selected();
            // Out of range: set_period explains, and the picker stays open to choose again.
            if chosen <= latest && chosen >= first_gst_period() {
                state.popup = None;
                state.dirty = true;
            }
            return set_period(state, chosen);
        }
        _ => return vec![],
    }
    state.dirty = true;
    vec![]
}

fn pager_action(state: &mut AppState, action: Action) {
    let page = state.size.1.saturating_sub(8).max(1);
    let Some(Popup::Pager(_, pg)) = state.popup.as_mut() else {
        return;
    };
    let max = pg.max_scroll.get();
    let before = pg.scroll;
    match action {
        Action::Close => {
            state.popup = None;
            state.dirty = true;
            return;
        }
        Action::Up => pg.scroll = pg.scroll.saturating_sub(1),
        Action::Down => pg.scroll = (pg.scroll + 1).min(max),
        Action::PageUp => pg.scroll = pg.scroll.saturating_sub(page),
        Action::PageDown => pg.scroll = pg.scroll.saturating_add(page).min(max),
        Action::Top => pg.scroll = 0,
        Action::Bottom => pg.scroll = max,
        _ => {}
    }
    state.dirty |= pg.scroll != before;
}

/// Applies an engine event; returns follow-up commands (fresh data after a save).
fn on_sync(state: &mut AppState, ev: SyncEvent) -> Vec<SyncCommand> {
    state.dirty = true;
    match ev {
        SyncEvent::Started { job } => {
            state.in_flight.insert(job);
        }
        SyncEvent::CountsLoaded {
            goods,
            group,
            fetched_at,
            from_cache,
        } => {
            state.store_counts(goods, group, fetched_at, from_cache);
            // A cache read is not the end of the network job.
            if !from_cache {
                let job = JobKind::Counts(goods);
                state.in_flight.remove(&job);
                state.counts_mut(goods).error = None;
                state.last_errors.remove(&job);
            }
        }
        SyncEvent::BalanceLoaded {
            period,
            balance,
            warnings,
            fetched_at,
            from_cache,
        } => {
            let n = warnings.len();
            state.store_balance(period, BalanceData { balance, warnings }, fetched_at, from_cache);
            // A late result for a period the user already left does not end the current job.
            if !from_cache && period == state.period {
                state.in_flight.remove(&JobKind::Balance);
                state.balance_error = None;
                state.last_errors.remove(&JobKind::Balance);
                if n > 0 {
                    let key = state
                        .keymap
                        .key_for(Context::Dashboard, Action::OpenWarnings)
                        .map(|k| format!(" Press {k} for details."))
                        .unwrap_or_default();
                    let checks = if n == 1 { "check" } else { "checks" };
                    let msg = format!(
                        "GSTN's balance for {period} fails {n} arithmetic {checks}; figures are shown as sent.{key}"
                    );
                    state
                        .toasts
                        .push(ToastLevel::Warn, "Ledger figures do not add up", msg, state.now);
                }
            }
        }
        SyncEvent::Failed { job, message } => {
            state.in_flight.remove(&job);
            if job == JobKind::Download {
                state.download.progress = None;
            }
            if job == JobKind::Session && super::login::on_failed(state, &message) {
                return vec![];
            }
            // The session is gone: say where the fix is, without leaving the app.
            let message = if message.contains("log in again") {
                format!("{message}. Press O to log in with an OTP here; queued decisions are kept.")
            } else {
                message
            };
            match job {
                JobKind::Counts(g) => state.counts_mut(g).error = Some(message.clone()),
                JobKind::Balance => state.balance_error = Some(message.clone()),
                JobKind::ExportLedger => {
                    state.export_ledger.error = Some(message.clone());
                    state.export_ledger.progress = None;
                    state.export_ledger.fetching = None;
                }
                JobKind::Ledgers => state.ledgers.error = Some(message.clone()),
                JobKind::Outward => state.outward.error = Some(message.clone()),
                JobKind::Session
                | JobKind::Records(_)
                | JobKind::Stage
                | JobKind::Push
                | JobKind::Gstr2b
                | JobKind::ImsPeriod
                | JobKind::Download => {}
            }
            let title = match job {
                JobKind::Stage => "Could not queue the decisions".to_string(),
                JobKind::Push => "Could not save to GSTN".to_string(),
                JobKind::Gstr2b => "Could not compute GSTR-2B".to_string(),
                JobKind::Download => "Download not written".to_string(),
                _ => format!("Could not refresh {}", job_label(job)),
            };
            state.toasts.push(ToastLevel::Error, title, message.clone(), state.now);
            state.last_errors.insert(job, JobError { message, at: state.now });
        }
        SyncEvent::Session { expires_at } => {
            state.in_flight.remove(&JobKind::Session);
            state.session = match expires_at {
                Some(expires_at) => SessionState::Active { expires_at },
                None => SessionState::LoggedOut,
            };
            if expires_at.is_some() {
                super::login::on_session(state);
            }
        }
        SyncEvent::ExportLedgerLoaded {
            fy,
            ledger,
            returns,
            fetched_at,
            periods_fetched,
            periods_cached,
        } => super::export_ledger::on_loaded(
            state,
            fy,
            ledger,
            returns,
            fetched_at,
            super::export_ledger::Gathered {
                fetched: periods_fetched,
                cached: periods_cached,
            },
        ),
        SyncEvent::IcegateVerdicts { path, verdicts } => super::icegate::on_verdicts(state, path, verdicts),
        SyncEvent::ExportLedgerProgress { fy, done, total } => {
            state.export_ledger.progress = Some(super::export_ledger::FetchProgress { fy, done, total });
        }
        SyncEvent::LedgersLoaded {
            period,
            from,
            to,
            cash,
            itc,
            tax,
            fetched_at,
        } => super::ledgers::on_loaded(state, period, from, to, cash, itc, tax, fetched_at),
        SyncEvent::OutwardLoaded {
            period,
            sales,
            added_back,
            fetched_at,
        } => super::outward::on_loaded(state, period, sales, added_back, fetched_at),
        SyncEvent::OtpSent => super::login::on_otp_sent(state),
        SyncEvent::Link { online } => return on_link(state, online),
        SyncEvent::PullChanges { changes, from_cache } => super::changes::on_loaded(state, changes, from_cache),
        SyncEvent::DownloadProgress(p) => state.download.progress = Some(p),
        SyncEvent::FileWritten { what, path } => {
            state.download.progress = None;
            state.in_flight.remove(&JobKind::Download);
            state.last_errors.remove(&JobKind::Download);
            state.toasts.push_for(
                ToastLevel::Info,
                "Saved",
                format!("{what}:\n{}", path.display()),
                state.now,
                super::toast::PATH_TOAST_TTL,
            );
        }
        // Records, outbox and push events belong to the IMS review screen.
        ev @ (SyncEvent::RecordsLoaded { .. }
        | SyncEvent::Outbox { .. }
        | SyncEvent::PushProgress { .. }
        | SyncEvent::Outcome { .. }
        | SyncEvent::Gstr2b { .. }
        | SyncEvent::Gstr3bState { .. }
        | SyncEvent::Suppliers { .. }
        | SyncEvent::ImsColumns { .. }
        | SyncEvent::History { .. }) => return ims::update::on_sync(state, ev),
    }
    vec![]
}

/// The API became unreachable or reachable again. Offline, everything keeps working from the
/// local copy and decisions keep queuing; back online, the dashboard refreshes, and queued
/// decisions wait for the user's save (never sent behind their back).
fn on_link(state: &mut AppState, online: bool) -> Vec<SyncCommand> {
    if !online {
        if state.offline_since.is_none() {
            state.offline_since = Some(state.now);
            state.toasts.push(
                ToastLevel::Warn,
                "Offline",
                "GSTN cannot be reached. Showing the local copy; decisions keep queuing. Checking the connection in the background.",
                state.now,
            );
        }
        return vec![];
    }
    if state.offline_since.take().is_none() {
        return vec![];
    }
    let queued = state.queued_decisions();
    let msg = if queued > 0 {
        let key = state
            .keymap
            .key_for(Context::Records, Action::Push)
            .map(|k| format!(" (press {k} in the record table)"))
            .unwrap_or_default();
        format!("Connected again. {queued} decision(s) queued; they are sent when you save{key}.")
    } else {
        "Connected again; refreshing.".into()
    };
    state.toasts.push(ToastLevel::Info, "Back online", msg, state.now);
    refresh_all(state)
}

fn on_tick(state: &mut AppState, now: DateTime<Utc>) {
    state.now = now;
    ims::update::on_tick(state);
    if state.toasts.expire(now) {
        state.dirty = true;
    }
    if !state.in_flight.is_empty() {
        state.spinner = state.spinner.wrapping_add(1);
        state.dirty = true;
    }
    let minute = now.timestamp().div_euclid(60);
    if minute != state.clock_minute {
        state.clock_minute = minute;
        state.dirty = true;
    }
}
