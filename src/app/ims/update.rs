//! Key paths and sync events of the IMS review screen. Pure, like [`crate::app::update`]:
//! returns the commands to send.

use std::collections::BTreeMap;

use super::columns::{COLUMNS, ColumnChooser};
use super::command::{COMMANDS, CommandLine, column_names};
use super::confirm::{ConfirmOp, ConfirmState, ItcChoice, REMARKS_MAX, StagePlan, parse_partial};
use super::{GRID_STATUSES, RecordTable};
use crate::app::help::HelpState;
use crate::app::keymap::{Action, Context};
use crate::app::state::{AppState, Fetched, PagerKind, PagerState, Popup};
use crate::app::toast::ToastLevel;
use crate::domain::ims::{
    DEEMED_ACCEPTANCE, Denial, ImsRecord, ItcReduction, Requirement, RuleContext, Verdict, check_action, check_reset,
};
use crate::domain::query;
use crate::domain::{Action as ImsAction, Money, ReturnPeriod};
use crate::sync::{Decision, JobKind, Outcome, SyncCommand, SyncEvent, Target};

/// The clock, or the event loop at [`ImsState::deadline`](super::ImsState::deadline): a typed
/// filter whose pause is over is applied; otherwise a chunk of row text is built.
pub fn on_tick(state: &mut AppState) {
    let now = std::time::Instant::now();
    let Some(t) = state.ims.table.as_mut() else {
        return;
    };
    if t.apply_due_filter(now) {
        state.dirty = true;
    } else {
        // Idle: a few milliseconds of row text, so the first filter or sort is quick.
        t.build_text_chunk(TEXT_CHUNK);
    }
}

/// Rows whose text one idle wake builds (a few milliseconds).
pub const TEXT_CHUNK: usize = 4_000;

/// Summary grid keys on the dashboard: move the cell cursor, Enter drills in.
pub fn grid_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let rows = state.goods.sections().len();
    let g = &mut state.ims;
    g.grid_row = g.grid_row_for(state.goods);
    match action {
        Action::Up => g.grid_row = g.grid_row.saturating_sub(1),
        Action::Down => g.grid_row = (g.grid_row + 1).min(rows.saturating_sub(1)),
        Action::Left => g.grid_col = g.grid_col.saturating_sub(1),
        Action::Right => g.grid_col = (g.grid_col + 1).min(GRID_STATUSES.len()),
        Action::DrillDown => return drill_down(state),
        _ => return vec![],
    }
    state.dirty = true;
    vec![]
}

fn drill_down(state: &mut AppState) -> Vec<SyncCommand> {
    state.ims.grid_row = state.ims.grid_row_for(state.goods);
    let Some(section) = state.ims.grid_section(state.goods) else {
        return vec![];
    };
    state.dirty = true;
    if !section.api_actionable() {
        let msg = format!(
            "{} records can be counted but not listed through the API; review them on the GST portal.",
            section.goods().label()
        );
        state.toasts.push(
            ToastLevel::Info,
            format!("{} cannot be opened", section.label()),
            msg,
            state.now,
        );
        return vec![];
    }
    let mut t = RecordTable::new(section, state.ims.grid_status());
    t.suppliers = state.ims.suppliers.clone();
    if let Some(f) = state.ims.loaded.get(&section) {
        t.set_records(f.value.clone(), f.fetched_at, f.from_cache);
    }
    state.ims.table = Some(t);
    state.in_flight.insert(JobKind::Records(section));
    vec![SyncCommand::PullRecords { section }]
}

fn table_page(state: &AppState) -> isize {
    // Header, tabs line, table title and header row, status and hint bars.
    state.size.1.saturating_sub(7).max(1) as isize
}

/// Keys of the record table. With the detail pane open, a cursor on another record asks the
/// engine for that record's journal (read off the UI thread).
pub fn records_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let mut cmds = table_action(state, action);
    cmds.extend(want_history(state, false));
    cmds
}

/// `LoadHistory` for the cursor record when the detail pane shows it and its journal is not
/// loaded or asked for yet (`again`: ask even so, the journal changed).
fn want_history(state: &mut AppState, again: bool) -> Vec<SyncCommand> {
    let key = state
        .ims
        .table
        .as_ref()
        .filter(|t| t.detail)
        .and_then(|t| t.current_key())
        .cloned();
    match key {
        Some(k) if again || state.ims.history_for.as_ref() != Some(&k) => {
            state.ims.history_for = Some(k.clone());
            vec![SyncCommand::LoadHistory { key: k }]
        }
        _ => vec![],
    }
}

fn table_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let page = table_page(state);
    let Some(t) = state.ims.table.as_mut() else {
        return vec![];
    };
    // Whatever the key, it acts on the view as filtered by what was typed.
    t.flush_filter();
    state.dirty = true;
    match action {
        Action::Up => t.move_cursor(-1),
        Action::Down => t.move_cursor(1),
        Action::PageUp => t.move_cursor(-page),
        Action::PageDown => t.move_cursor(page),
        Action::Top => t.move_cursor(isize::MIN),
        Action::Bottom => t.move_cursor(isize::MAX),
        Action::Left => t.col_cursor = state.ims.columns.step(COLUMNS[t.col_cursor].col, -1).index(),
        Action::Right => t.col_cursor = state.ims.columns.step(COLUMNS[t.col_cursor].col, 1).index(),
        Action::OpenColumns => {
            let cursor = state
                .ims
                .columns
                .cols
                .iter()
                .position(|(c, _)| c.index() == t.col_cursor);
            state.ims.chooser = Some(ColumnChooser {
                cursor: cursor.unwrap_or(0),
                error: None,
                before: Some(state.ims.columns.clone()),
            });
        }
        Action::Sort => t.sort_by_cursor(),
        Action::ToggleMark => {
            t.toggle_mark();
            t.move_cursor(1);
        }
        Action::VisualMode => t.toggle_visual(),
        Action::SelectAll => t.select_all(),
        Action::ToggleDetail => t.detail = !t.detail,
        Action::OpenFilter => t.filter_editing = true,
        Action::OpenCommand => state.ims.command = Some(CommandLine::default()),
        Action::ClearOrBack => {
            if t.has_selection() {
                t.clear_selection();
            } else if !t.filter.is_empty() {
                t.set_filter(String::new());
            } else if !state.toasts.is_empty() {
                state.toasts.dismiss_all();
            } else {
                state.ims.table = None;
            }
        }
        Action::Back => state.ims.table = None,
        Action::Accept => return act(state, Target::Set(ImsAction::Accepted)),
        Action::Reject => return act(state, Target::Set(ImsAction::Rejected)),
        Action::MarkPending => return act(state, Target::Set(ImsAction::Pending)),
        Action::ResetRecords => return act(state, Target::Reset),
        Action::ClearLocal => return clear_local(state),
        Action::Undo => return undo(state),
        Action::Push => open_push(state),
        Action::Compute2b => open_compute(state),
        Action::DownloadExcel => return download_view(state),
        Action::OpenQuickBalance => return crate::app::update::open_quick_balance(state),
        Action::OpenExportLedger => return crate::app::export_ledger::open(state),
        Action::Login => return crate::app::login::open(state),
        Action::OpenHelp => state.popup = Some(Popup::Help(HelpState::new(Context::Records, &state.keymap))),
        Action::OpenInfo => state.popup = Some(Popup::Pager(PagerKind::Info, PagerState::default())),
        Action::Quit => state.should_quit = true,
        _ => {}
    }
    vec![]
}

/// Keys while typing the filter.
pub fn filter_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let Some(t) = state.ims.table.as_mut() else {
        return vec![];
    };
    state.dirty = true;
    let now = std::time::Instant::now();
    match action {
        Action::Confirm => {
            t.filter_editing = false;
            t.flush_filter();
        }
        Action::Close => {
            t.filter_editing = false;
            t.set_filter(String::new());
        }
        Action::DeleteChar => {
            let mut f = t.filter.clone();
            f.pop();
            t.type_filter(f, now);
        }
        Action::ClearFilter => t.set_filter(String::new()),
        _ => {}
    }
    vec![]
}

/// A printable character typed into the filter or the remarks. The filter is applied as
/// typed on small tables; a large one follows after a short pause (the text echoes at once).
pub fn typed(state: &mut AppState, c: char) {
    match state.popup.as_mut() {
        Some(Popup::Confirm(cf)) => {
            if cf.itc == Some(ItcChoice::Partial) {
                if cf.amounts.len() < 64 {
                    cf.amounts.push(c);
                    cf.error = None;
                    state.dirty = true;
                }
            } else if let Some(r) = cf.remarks.as_mut()
                && r.chars().count() < REMARKS_MAX
            {
                r.push(c);
                state.dirty = true;
            }
        }
        None if state.ims.command.is_some() => {
            if let Some(cl) = state.ims.command.as_mut() {
                cl.push(c);
                state.dirty = true;
            }
        }
        None => {
            if let Some(t) = state.ims.table.as_mut().filter(|t| t.filter_editing) {
                let mut f = t.filter.clone();
                f.push(c);
                t.type_filter(f, std::time::Instant::now());
                state.dirty = true;
            }
        }
        _ => {}
    }
}

/// Keys of the command line.
pub fn command_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let Some(cl) = state.ims.command.as_mut() else {
        return vec![];
    };
    state.dirty = true;
    match action {
        Action::Close => state.ims.command = None,
        Action::DeleteChar => cl.pop(),
        Action::NextChoice => cl.complete(),
        Action::Confirm => {
            let text = cl.text.trim().to_string();
            return match run_command(state, &text) {
                Ok(cmds) => {
                    state.ims.command = None;
                    cmds
                }
                Err(e) => {
                    if let Some(cl) = state.ims.command.as_mut() {
                        cl.error = Some(e);
                    }
                    vec![]
                }
            };
        }
        _ => {}
    }
    vec![]
}

/// Runs one command line; an error says what was expected.
fn run_command(state: &mut AppState, text: &str) -> Result<Vec<SyncCommand>, String> {
    let (cmd, arg) = text.split_once(' ').map_or((text, ""), |(c, a)| (c, a.trim()));
    let cmd = cmd.to_ascii_lowercase();
    let known = || COMMANDS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    let full = match COMMANDS
        .iter()
        .filter(|(c, _)| c.starts_with(cmd.as_str()))
        .collect::<Vec<_>>()[..]
    {
        [(c, _)] => *c,
        _ if COMMANDS.iter().any(|(c, _)| *c == cmd) => cmd.as_str(),
        [] => return Err(format!("{cmd:?} is not a command; expected one of {}", known())),
        _ => return Err(format!("{cmd:?} is ambiguous; Tab completes it")),
    };
    let table = || "open a section first".to_string();
    match full {
        "period" => {
            let p = ReturnPeriod::parse_user(arg).map_err(|e| e.0)?;
            Ok(crate::app::update::set_period(state, p))
        }
        "filter" => {
            let t = state.ims.table.as_mut().ok_or_else(table)?;
            t.set_filter(arg.to_string());
            match &t.filter_error {
                Some(e) => Err(e.clone()),
                None => Ok(vec![]),
            }
        }
        "select" => {
            let q = query::parse(arg).map_err(|e| e.to_string())?;
            if q.is_empty() {
                return Err("select what? e.g. select txval>100000 gstin:27*".into());
            }
            let t = state.ims.table.as_mut().ok_or_else(table)?;
            let n = t.select_matching(&q);
            state.toasts.push(
                ToastLevel::Info,
                format!("Selected {}", docs(n)),
                format!("{} in all.", docs(t.selection.count)),
                state.now,
            );
            Ok(vec![])
        }
        "clear" => {
            state.ims.table.as_mut().ok_or_else(table)?.clear_selection();
            Ok(vec![])
        }
        "sort" => {
            let t = state.ims.table.as_mut().ok_or_else(table)?;
            let mut words = arg.split_whitespace();
            let name = words.next().unwrap_or("").to_lowercase();
            let names = column_names();
            let idx = names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| format!("sort by what? columns: {}", names.join(", ")))?;
            let descending = match words.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(o) => return Err(format!("{o:?}: expected asc or desc")),
            };
            // `names` skips the unnamed mark column.
            t.col_cursor = idx + 1;
            t.sort = Some(super::SortBy {
                col: COLUMNS[idx + 1].col,
                descending: !descending,
            });
            t.sort_by_cursor();
            Ok(vec![])
        }
        "hide" | "show" => {
            let names = column_names();
            if full == "show" && arg == "all" {
                state.ims.columns.cols.iter_mut().for_each(|c| c.1 = true);
                return Ok(save_columns(state));
            }
            let idx = names
                .iter()
                .position(|n| *n == arg.to_lowercase())
                .ok_or_else(|| format!("{full} which column? {}", names.join(", ")))?;
            let col = COLUMNS[idx + 1].col;
            state.ims.columns.set_shown(col, full == "show")?;
            Ok(save_columns(state))
        }
        "detail" => {
            let t = state.ims.table.as_mut().ok_or_else(table)?;
            t.detail = !t.detail;
            Ok(want_history(state, false))
        }
        other => {
            state.ims.table.as_ref().ok_or_else(table)?;
            let action = match other {
                "accept" => Action::Accept,
                "reject" => Action::Reject,
                "pending" => Action::MarkPending,
                "reset" => Action::ResetRecords,
                "save" => Action::Push,
                "compute" => Action::Compute2b,
                _ => Action::Undo,
            };
            state.ims.command = None;
            Ok(records_action(state, action))
        }
    }
}

/// Remembers the column arrangement for the profile (the engine writes it to the store).
fn save_columns(state: &mut AppState) -> Vec<SyncCommand> {
    // The highlighted column may just have been hidden: move it to a shown one.
    if let Some(t) = state.ims.table.as_mut()
        && !state.ims.columns.is_shown(COLUMNS[t.col_cursor].col)
    {
        t.col_cursor = state.ims.columns.step(COLUMNS[t.col_cursor].col, 0).index();
    }
    vec![SyncCommand::SaveImsColumns {
        columns: state.ims.columns.encode(),
    }]
}

/// Keys of the column chooser.
pub fn columns_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let Some(ch) = state.ims.chooser.as_mut() else {
        return vec![];
    };
    state.dirty = true;
    let layout = &mut state.ims.columns;
    let last = layout.cols.len().saturating_sub(1);
    match action {
        Action::Up => ch.cursor = ch.cursor.saturating_sub(1),
        Action::Down => ch.cursor = (ch.cursor + 1).min(last),
        Action::MoveUp => ch.cursor = layout.move_by(ch.cursor, -1),
        Action::MoveDown => ch.cursor = layout.move_by(ch.cursor, 1),
        Action::ToggleMark => {
            if let Some(&(col, on)) = layout.cols.get(ch.cursor) {
                ch.error = layout.set_shown(col, !on).err();
            }
        }
        Action::Close | Action::Confirm => {
            let changed = ch.before.as_ref() != Some(&state.ims.columns);
            state.ims.chooser = None;
            return if changed { save_columns(state) } else { vec![] };
        }
        _ => {}
    }
    if !matches!(action, Action::ToggleMark)
        && let Some(ch) = state.ims.chooser.as_mut()
    {
        ch.error = None;
    }
    vec![]
}

/// Keys of the confirm popup.
pub fn confirm_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let Some(Popup::Confirm(cf)) = state.popup.as_mut() else {
        return vec![];
    };
    state.dirty = true;
    match action {
        Action::Close => state.popup = None,
        Action::NextChoice => {
            let partial_ok = match &cf.op {
                ConfirmOp::Stage(plan) => plan.itc_needed.iter().filter(|b| **b).count() == 1,
                _ => false,
            };
            if let Some(c) = cf.itc.as_mut() {
                *c = c.next(partial_ok);
                cf.error = None;
            }
        }
        Action::DeleteChar => {
            if cf.itc == Some(ItcChoice::Partial) {
                cf.amounts.pop();
            } else if let Some(r) = cf.remarks.as_mut() {
                r.pop();
            }
        }
        Action::Confirm => {
            // The declaration first: a partial one must parse and fit the document's tax.
            let itc = match (&cf.op, cf.itc) {
                (_, None) => None,
                (_, Some(ItcChoice::Full)) => Some(ItcReduction::Full),
                (_, Some(ItcChoice::NotAvailed)) => Some(ItcReduction::None),
                (ConfirmOp::Stage(plan), Some(ItcChoice::Partial)) => {
                    let rec = plan
                        .items
                        .iter()
                        .zip(&plan.itc_needed)
                        .find(|(_, n)| **n)
                        .map(|(i, _)| &plan.records[*i as usize]);
                    match (parse_partial(&cf.amounts), rec) {
                        (Ok(r), Some(rec)) => match r.validate(rec) {
                            Ok(()) => Some(r),
                            Err(e) => {
                                cf.error = Some(e);
                                return vec![];
                            }
                        },
                        (Err(e), _) => {
                            cf.error = Some(e);
                            return vec![];
                        }
                        (Ok(_), None) => None,
                    }
                }
                (_, Some(ItcChoice::Partial)) => None,
            };
            let Some(Popup::Confirm(cf)) = state.popup.take() else {
                return vec![];
            };
            let ConfirmState { remarks, op, .. } = *cf;
            return match op {
                ConfirmOp::Stage(plan) => {
                    let decisions = plan.finish(remarks.as_deref(), itc);
                    stage(state, decisions)
                }
                ConfirmOp::Push => {
                    state.in_flight.insert(JobKind::Push);
                    state.ims.push = None;
                    vec![SyncCommand::Push]
                }
                ConfirmOp::PushHolding(held) => {
                    state.in_flight.insert(JobKind::Push);
                    state.ims.push = None;
                    vec![SyncCommand::PushHolding { held }]
                }
                ConfirmOp::Regenerate2b(period) => {
                    state.in_flight.insert(JobKind::Gstr2b);
                    state.ims.gstr2b = None;
                    vec![SyncCommand::Regenerate2b { period }]
                }
            };
        }
        _ => {}
    }
    vec![]
}

fn verb(target: &Target) -> &'static str {
    match target {
        Target::Set(ImsAction::Accepted) => "Accept",
        Target::Set(ImsAction::Rejected) => "Reject",
        Target::Set(ImsAction::Pending) => "Keep pending",
        Target::Set(_) => "Set",
        Target::Reset => "Reset to No action",
    }
}

fn docs(n: usize) -> String {
    format!(
        "{} document{}",
        crate::domain::money::format_count(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

/// The rules' context for record `r`: GSTR-3B counts as filed when GSTN said so for the
/// period that governs the record (see [`super::ImsState::locked_by`]); an unknown state locks
/// nothing and leaves the lock to GSTN's answer.
pub fn rule_context(state: &AppState, r: &ImsRecord) -> RuleContext {
    RuleContext {
        today: state.today(),
        gstr3b_filed: state.ims.locked_by(r).is_some(),
    }
}

/// Why a record of a filed period is locked, naming the period.
fn lock_reason(period: ReturnPeriod) -> String {
    format!("GSTR-3B for {period} is filed, so IMS is read-only for its records")
}

/// Why `target` is not possible for the cursor record, if it is not (detail pane, toasts).
pub fn verdict_for(state: &AppState, t: &RecordTable, i: usize, target: &Target) -> Verdict {
    let rec = &t.records[i];
    if let Some(p) = state.ims.locked_by(rec) {
        return Verdict::Denied(Denial {
            reason: lock_reason(p),
            rule: "domain.md rule 6",
        });
    }
    let ctx = rule_context(state, rec);
    match target {
        Target::Set(a) => check_action(t.section, rec, a, &ctx),
        Target::Reset => check_reset(t.section, rec, &ctx),
    }
}

/// a / r / p / R on the cursor record or the selection: check the rules, then stage at once
/// (one record, nothing to ask) or through the confirm popup.
fn act(state: &mut AppState, target: Target) -> Vec<SyncCommand> {
    if state.ims.table.is_none() {
        return vec![];
    }
    let Some(t) = state.ims.table.as_ref() else {
        return vec![];
    };
    let targets = t.targets();
    if targets.is_empty() {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to act on",
            "No record is shown here.",
            state.now,
        );
        return vec![];
    }
    let mut plan = StagePlan::new(t.section, target.clone(), t.records.clone());
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let (mut unchanged, mut sent) = (0usize, 0usize);
    let mut tax = Money::default();
    for &i in &targets {
        if state.ims.outbox.get(&t.keys[i]).is_some_and(|s| s.in_flight) {
            sent += 1;
            continue;
        }
        match verdict_for(state, t, i, &target) {
            Verdict::Allowed { needs, remarks_allowed } => {
                tax += t.records[i].total_tax();
                plan.push(
                    i,
                    remarks_allowed,
                    needs.contains(&Requirement::ItcReductionDeclaration),
                );
            }
            Verdict::NoChange => unchanged += 1,
            Verdict::Denied(d) => *refused.entry(d.to_string()).or_default() += 1,
        }
    }
    let mut lines: Vec<String> = refused
        .iter()
        .map(|(reason, n)| format!("✗ {} refused: {reason}", docs(*n)))
        .collect();
    if unchanged > 0 {
        lines.push(format!(
            "· {} already {} at GSTN: skipped",
            docs(unchanged),
            after_label(&target)
        ));
    }
    if sent > 0 {
        lines.push(format!("· {} being sent to GSTN: skipped", docs(sent)));
    }
    let v = verb(&target);
    if plan.is_empty() {
        let msg = if lines.is_empty() {
            "Nothing to change.".to_string()
        } else {
            lines.join("\n")
        };
        state
            .toasts
            .push(ToastLevel::Warn, format!("Cannot {}", v.to_lowercase()), msg, state.now);
        return vec![];
    }
    let needs_itc = plan.itc_needed.iter().any(|b| *b);
    let takes_remarks =
        matches!(target, Target::Set(ImsAction::Rejected | ImsAction::Pending)) && plan.remarks_ok.iter().any(|b| *b);
    let single = plan.len() == 1 && lines.is_empty() && targets.len() == 1;
    if single && !needs_itc && !takes_remarks && target != Target::Reset {
        let decisions = plan.finish(None, None);
        let cmds = stage(state, decisions);
        if let Some(t) = state.ims.table.as_mut() {
            t.move_cursor(1);
        }
        return cmds;
    }
    if needs_itc {
        let n = plan.itc_needed.iter().filter(|b| **b).count();
        lines.push(format!(
            "{n} {} the ITC-reduction declaration (Tab to change):",
            if n == 1 {
                "credit note needs"
            } else {
                "credit notes need"
            }
        ));
    }
    let title = format!("{v} {}, ₹{} ITC?", docs(plan.len()), tax.inr());
    state.popup = Some(Popup::Confirm(Box::new(ConfirmState {
        title,
        lines,
        remarks: takes_remarks.then(String::new),
        itc: needs_itc.then_some(ItcChoice::Full),
        amounts: String::new(),
        error: None,
        op: ConfirmOp::Stage(plan),
    })));
    vec![]
}

fn after_label(target: &Target) -> &'static str {
    match target {
        Target::Set(ImsAction::Accepted) => "accepted",
        Target::Set(ImsAction::Rejected) => "rejected",
        Target::Set(ImsAction::Pending) => "pending",
        _ => "at No action",
    }
}

fn stage(state: &mut AppState, decisions: Vec<Decision>) -> Vec<SyncCommand> {
    let batch = state.ims.next_batch;
    state.ims.next_batch += 1;
    state.ims.undo.push(batch);
    let n = decisions.len();
    if let Some(t) = state.ims.table.as_mut() {
        t.clear_selection();
    }
    if n > 1 {
        let undo = state.keymap.key_for(Context::Records, Action::Undo).unwrap_or_default();
        let save = state.keymap.key_for(Context::Records, Action::Push).unwrap_or_default();
        state.toasts.push(
            ToastLevel::Info,
            format!("Queued {}", docs(n)),
            format!("Not sent yet: {undo} undoes, {save} saves to GSTN."),
            state.now,
        );
    }
    state.in_flight.insert(JobKind::Stage);
    state.dirty = true;
    vec![SyncCommand::Stage { batch, decisions }]
}

fn undo(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(batch) = state.ims.undo.pop() else {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to undo",
            "No local change of this session is left.",
            state.now,
        );
        return vec![];
    };
    let staged: Vec<_> = state.ims.outbox.values().filter(|s| s.batch == batch).collect();
    if staged.iter().any(|s| s.in_flight) {
        state.ims.undo.push(batch);
        state.toasts.push(
            ToastLevel::Warn,
            "Cannot undo",
            "These decisions are being sent to GSTN; reset them (R) once saved.",
            state.now,
        );
        return vec![];
    }
    state.in_flight.insert(JobKind::Stage);
    vec![SyncCommand::Unstage { batch }]
}

fn clear_local(state: &mut AppState) -> Vec<SyncCommand> {
    // Dropping unsent local decisions changes nothing at GSTN: allowed for records of a filed
    // period too (it is the only thing left to do with them).
    if state.ims.table.is_none() {
        return vec![];
    }
    let Some(t) = state.ims.table.as_ref() else {
        return vec![];
    };
    let keys: Vec<_> = t
        .targets()
        .into_iter()
        .map(|i| t.keys[i].clone())
        .filter(|k| state.ims.outbox.get(k).is_some_and(|s| !s.in_flight))
        .collect();
    if keys.is_empty() {
        state.toasts.push(
            ToastLevel::Info,
            "No local action",
            "Nothing unsaved to clear here (decisions being sent cannot be cleared).",
            state.now,
        );
        return vec![];
    }
    if let Some(t) = state.ims.table.as_mut() {
        t.clear_selection();
    }
    state.in_flight.insert(JobKind::Stage);
    vec![SyncCommand::UnstageKeys { keys }]
}

fn open_push(state: &mut AppState) {
    let all_unsent: Vec<_> = state.ims.outbox.values().filter(|s| !s.in_flight).collect();
    // Decisions on records of a filed period stay queued: GSTN refuses them.
    let mut held: BTreeMap<ReturnPeriod, usize> = BTreeMap::new();
    let mut unsent = Vec::with_capacity(all_unsent.len());
    for s in all_unsent {
        match state.ims.locked_by(&s.decision.record) {
            Some(p) => *held.entry(p).or_default() += 1,
            None => unsent.push(s),
        }
    }
    let held_lines: Vec<String> = held
        .iter()
        .map(|(p, n)| format!("· {} stay queued: {}.", docs(*n), lock_reason(*p)))
        .collect();
    if unsent.is_empty() && !held.is_empty() {
        let msg = held_lines.join("\n");
        state
            .toasts
            .push(ToastLevel::Warn, "Cannot save to GSTN", msg, state.now);
        state.dirty = true;
        return;
    }
    if unsent.is_empty() {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to save",
            "No local decision is waiting.",
            state.now,
        );
        return;
    }
    let mut by: BTreeMap<&'static str, (usize, Money)> = BTreeMap::new();
    let mut tax = Money::default();
    for s in &unsent {
        let e = by.entry(verb(&s.decision.target)).or_default();
        e.0 += 1;
        e.1 += s.decision.record.total_tax();
        tax += s.decision.record.total_tax();
    }
    let lines = by
        .iter()
        .map(|(v, (n, t))| format!("{v}: {}, ₹{} ITC", docs(*n), t.inr()))
        .chain(held_lines)
        .chain(std::iter::once(
            "Once sent they cannot be undone here; a wrong action is reset (R) and saved again.".to_string(),
        ))
        .collect();
    let op = if held.is_empty() {
        ConfirmOp::Push
    } else {
        ConfirmOp::PushHolding(
            state
                .ims
                .outbox
                .iter()
                .filter(|(_, s)| !s.in_flight && state.ims.locked_by(&s.decision.record).is_some())
                .map(|(k, _)| k.clone())
                .collect(),
        )
    };
    state.popup = Some(Popup::Confirm(Box::new(ConfirmState {
        title: format!("Save {} to GSTN, ₹{} ITC?", docs(unsent.len()), tax.inr()),
        lines,
        remarks: None,
        itc: None,
        amounts: String::new(),
        error: None,
        op,
    })));
}

fn open_compute(state: &mut AppState) {
    let period = state.period;
    let mut lines = vec![format!("Warning: {DEEMED_ACCEPTANCE}")];
    let noaction: u64 = crate::domain::GoodsType::ALL
        .iter()
        .filter_map(|g| state.counts(*g).data.as_ref())
        .flat_map(|d| d.value.sections.iter().map(|(_, c)| c.noaction))
        .sum();
    if noaction > 0 {
        lines.push(format!(
            "{} records have no action and will be deemed accepted.",
            crate::domain::money::format_count(noaction)
        ));
    }
    let unsent = state.ims.staged_unsent();
    if unsent > 0 {
        lines.push(format!(
            "{} are not saved yet and will not count: save (S) first.",
            docs(unsent)
        ));
    }
    state.popup = Some(Popup::Confirm(Box::new(ConfirmState {
        title: format!("Compute GSTR-2B for {period}?"),
        lines,
        remarks: None,
        itc: None,
        amounts: String::new(),
        error: None,
        op: ConfirmOp::Regenerate2b(period),
    })));
}

/// Records, outbox, push and GSTR-2B events. After a push, asks for fresh counts and the
/// open section's records, so the screen shows what GSTN now holds.
pub fn on_sync(state: &mut AppState, ev: SyncEvent) -> Vec<SyncCommand> {
    state.dirty = true;
    match ev {
        SyncEvent::RecordsLoaded {
            section,
            records,
            fetched_at,
            from_cache,
        } => {
            // Each record is locked by its own period: learn the periods not known yet.
            let periods = state.ims.periods_to_check(&records);
            let newer = state
                .ims
                .loaded
                .get(&section)
                .is_none_or(|c| fetched_at >= c.fetched_at);
            if newer {
                state.ims.loaded.insert(
                    section,
                    Fetched {
                        value: records.clone(),
                        fetched_at,
                        from_cache,
                    },
                );
                if let Some(t) = state.ims.table.as_mut().filter(|t| t.section == section) {
                    t.set_records(records, fetched_at, from_cache);
                }
            }
            if !from_cache {
                state.in_flight.remove(&JobKind::Records(section));
                state.last_errors.remove(&JobKind::Records(section));
            }
            // The cursor may be on another record now.
            let mut cmds = want_history(state, false);
            if !periods.is_empty() {
                cmds.push(SyncCommand::Gstr3bPeriods { periods });
            }
            return cmds;
        }
        SyncEvent::Outbox { staged } => {
            state.in_flight.remove(&JobKind::Stage);
            state.ims.outbox = staged.into_iter().map(|s| (s.decision.key(), s)).collect();
            let live: std::collections::HashSet<u64> = state.ims.outbox.values().map(|s| s.batch).collect();
            state.ims.undo.retain(|b| live.contains(b));
            // The journal got a line (staged, dropped or answered): read it again.
            return want_history(state, true);
        }
        SyncEvent::PushProgress {
            total,
            sent,
            applied,
            rejected,
            conflicts,
        } => {
            let now = [total, sent, applied, rejected, conflicts];
            // The engine repeats the closing figures when the push ends; one toast is enough.
            let repeated_end = state.ims.push == Some(now);
            state.ims.push = Some(now);
            if applied + rejected + conflicts >= total && !repeated_end {
                state.in_flight.remove(&JobKind::Push);
                let (level, title) = if rejected + conflicts == 0 {
                    (ToastLevel::Info, "Saved to GSTN")
                } else {
                    (ToastLevel::Warn, "Saved with problems")
                };
                let msg = format!(
                    "{applied} applied, {rejected} refused by GSTN, {conflicts} changed since read (conflicts stay queued; see the detail pane)."
                );
                state.toasts.push(level, title, msg, state.now);
                let mut cmds = vec![SyncCommand::RefreshCounts { goods: state.goods }];
                state.in_flight.insert(JobKind::Counts(state.goods));
                if let Some(t) = &state.ims.table {
                    state.in_flight.insert(JobKind::Records(t.section));
                    cmds.push(SyncCommand::PullRecords { section: t.section });
                }
                return cmds;
            }
        }
        SyncEvent::Outcome { key, outcome } => {
            if let Some(s) = state.ims.outbox.get_mut(&key) {
                match outcome {
                    Outcome::Applied => {
                        state.ims.outbox.remove(&key);
                    }
                    other => {
                        s.in_flight = false;
                        s.last_outcome = Some(other);
                    }
                }
            }
            if state.ims.history_for.as_ref() == Some(&key) {
                return want_history(state, true);
            }
        }
        SyncEvent::Gstr3bState {
            period,
            filed,
            error,
            from_cache,
            ..
        } => {
            // The engine keeps a known "filed" when a later check fails (a filed return stays
            // filed), so the latest event is the truth.
            if period == state.period && (!from_cache || error.is_some()) {
                state.in_flight.remove(&JobKind::ImsPeriod);
            }
            let info = super::Gstr3bInfo { period, filed, error };
            state.ims.gstr3b_periods.insert(period, info.clone());
            if period == state.period || state.ims.gstr3b.is_none() {
                state.ims.gstr3b = Some(info);
            }
        }
        // An answer for a record the cursor has left is dropped (falls through below).
        SyncEvent::History { key, entries } if state.ims.history_for.as_ref() == Some(&key) => {
            state.ims.history = Some((key, entries));
        }
        SyncEvent::ImsColumns { columns } => {
            state.ims.columns = super::columns::ColumnLayout::decode(&columns);
        }
        SyncEvent::Suppliers { names } => {
            state.ims.suppliers = names;
            let names = state.ims.suppliers.clone();
            if let Some(t) = state.ims.table.as_mut() {
                t.set_suppliers(names);
            }
        }
        SyncEvent::Gstr2b {
            period,
            status,
            message,
        } => {
            let done = !status.eq_ignore_ascii_case("IP");
            if done {
                state.in_flight.remove(&JobKind::Gstr2b);
                let ok = status.eq_ignore_ascii_case("P");
                let (level, title) = if ok {
                    (ToastLevel::Info, format!("GSTR-2B for {period} computed"))
                } else {
                    (
                        ToastLevel::Error,
                        format!("GSTR-2B for {period} not computed ({status})"),
                    )
                };
                let msg = message.clone().unwrap_or_else(|| {
                    if ok {
                        "Refresh (r on the dashboard) to see the new counts.".into()
                    } else {
                        "GSTN gave no reason; try again later.".into()
                    }
                });
                state.toasts.push(level, title, msg, state.now);
            }
            state.ims.gstr2b = Some((status, message));
        }
        _ => {}
    }
    vec![]
}

/// `D`: the records of the view, in screen order (filter and sort as shown), through the
/// shared download chooser (.xlsx or .csv); the engine builds and writes the file off the UI
/// thread.
fn download_view(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(t) = state.ims.table.as_ref() else {
        return vec![];
    };
    let label = match &t.status {
        Some(a) => format!("{} · {}", t.section.short(), a.label()),
        None => format!("{} · all statuses", t.section.short()),
    };
    let request = crate::app::download::DownloadRequest {
        source: crate::export::ExportSource::ImsRecords {
            section: t.section,
            records: t.records.clone(),
            view: t.view.clone(),
            shown: Some(Box::new(super::columns::ShownColumns {
                cols: state.ims.columns.shown().collect(),
                names: state.ims.suppliers.clone(),
                local: state
                    .ims
                    .outbox
                    .iter()
                    .filter(|(k, _)| k.section == t.section)
                    .map(|(k, s)| (k.clone(), super::local_label(s)))
                    .collect(),
            })),
        },
        xlsx_only: vec![],
        what: label,
        kind: format!("ims-{}", t.section.key()),
        period: state.period.iso(),
    };
    crate::app::download::request(state, request)
}
