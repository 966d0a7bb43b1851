//! The detail pane: every field of the cursor record, the original document of amendments
//! and notes, flags explained, the local decision (and a conflict's old vs new), and for each
//! action whether it is possible and why not.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::AppState;
use crate::app::ims::RecordTable;
use crate::app::ims::update::verdict_for;
use crate::app::keymap::{Action, Context};
use crate::domain::ims::{Verdict, pending_deadline};
use crate::domain::{Action as ImsAction, period};
use crate::sync::{Outcome, Target};
use crate::ui::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, t: &RecordTable, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::TOP | Borders::LEFT)
        .border_style(theme.rule)
        .title_top(Line::styled(" Detail ", theme.title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = match t.current() {
        Some(i) => lines(state, t, i, theme, inner.height as usize),
        None => vec![Line::styled("No record selected.", theme.dim)],
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn kv<'a>(k: &str, v: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<10}"), theme.dim),
        Span::styled(v, theme.text),
    ])
}

/// Entries of the journal a short pane shows (newest first), with "N more" in the heading.
const SHORT_HISTORY: usize = 3;

/// Everything about record `i`, for a pane `height` rows tall. When it all fits: the record,
/// each action with its verdict, the amounts, then the full history. In a short pane (the
/// one below the table at 80×24) the history comes right after the record (latest
/// [`SHORT_HISTORY`] entries and how many more), the actions share one line, and only
/// refusal reasons and the remaining fields follow, so the history is never below the fold.
fn lines<'a>(state: &AppState, t: &RecordTable, i: usize, theme: &Theme, height: usize) -> Vec<Line<'a>> {
    let r = &t.records[i];
    // Most useful first: the pane is short at 80×24.
    let mut out = vec![kv(
        "Document",
        format!(
            "{} {} · {} · {}",
            t.section.short(),
            r.doc_number(),
            r.doc_date_raw(),
            r.stin
        ),
        theme,
    )];
    if let Some(name) = t.trade_name(i) {
        out.push(kv("Supplier", name.to_string(), theme));
    }
    for flag in r.flags() {
        out.push(Line::styled(format!("⚠ {}: {}", flag.field, flag.message), theme.warn));
    }
    let mut at_gstn = r.action.label().to_string();
    if let Some(rm) = r.remarks.as_deref().filter(|s| !s.is_empty()) {
        at_gstn.push_str(&format!(" · remarks: {rm}"));
    }
    out.push(kv("At GSTN", at_gstn, theme));
    let local_at = out.len();
    local(&mut out, state, t, i, theme);
    let head = out.len();
    // The Local line itself stays with the record; a refusal or conflict diff under it
    // moves below the history in a short pane.
    let local_line_end = (local_at + 1).min(head);
    // What each action would do, and why not.
    let km = &state.keymap;
    let mut compact: Vec<Span<'a>> = vec![Span::styled(format!("{:<10}", "Actions"), theme.dim)];
    let mut refusals: Vec<Line<'a>> = vec![];
    for (action, target) in [
        (Action::Accept, Target::Set(ImsAction::Accepted)),
        (Action::Reject, Target::Set(ImsAction::Rejected)),
        (Action::MarkPending, Target::Set(ImsAction::Pending)),
        (Action::ResetRecords, Target::Reset),
    ] {
        let key = km.key_for(Context::Records, action).unwrap_or_default();
        let verdict = verdict_for(state, t, i, &target);
        let (mark, mark_style) = match &verdict {
            Verdict::Allowed { .. } => ("✓", theme.ok),
            Verdict::NoChange => ("=", theme.dim),
            Verdict::Denied(d) => {
                let reason = format!("✗ {}: {d}", target_word(&target));
                refusals.push(Line::styled(reason, theme.error));
                ("✗", theme.error)
            }
        };
        compact.push(Span::styled(format!("{key} "), theme.key));
        compact.push(Span::styled(format!("{} ", target_word(&target)), theme.dim));
        compact.push(Span::styled(format!("{mark}  "), mark_style));
        let (text, style) = match verdict {
            Verdict::Allowed { needs, .. } if needs.is_empty() => ("allowed".to_string(), theme.ok),
            Verdict::Allowed { .. } => ("allowed, asks for the ITC-reduction declaration".to_string(), theme.ok),
            Verdict::NoChange => ("already so at GSTN".to_string(), theme.dim),
            Verdict::Denied(d) => (format!("not allowed: {d}"), theme.error),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{key:>2} "), theme.key),
            Span::styled(format!("{:<8}", target_word(&target)), theme.dim),
            Span::styled(text, style),
        ]));
    }
    if r.pending_blocked() {
        out.push(kv(
            "Pending",
            "not allowed for this record (ispendactblocked = Y)".into(),
            theme,
        ));
    } else if crate::domain::ims::is_specified_record(t.section)
        && let Some(p) = r.return_period()
    {
        out.push(kv(
            "Pending",
            format!("allowed until {}", period::fmt_dash(pending_deadline(p))),
            theme,
        ));
    }
    out.push(kv(
        "Amounts",
        format!(
            "taxable {} · tax {} · value {}",
            r.txval.inr(),
            r.total_tax().inr(),
            r.val.inr()
        ),
        theme,
    ));
    out.push(kv(
        "Tax",
        format!(
            "IGST {} · CGST {} · SGST {} · cess {}",
            r.iamt.inr(),
            r.camt.inr(),
            r.samt.inr(),
            r.cess.inr()
        ),
        theme,
    ));
    out.push(kv(
        "Details",
        format!(
            "type {} · POS {} · {} · period {} · supplier 3B {}",
            r.inv_typ.as_deref().unwrap_or("–"),
            r.pos,
            r.srcform,
            r.rtnprd,
            if r.srcfilstatus.is_empty() {
                "–"
            } else {
                &r.srcfilstatus
            }
        ),
        theme,
    ));
    if let Some(n) = r.original_number() {
        out.push(kv(
            "Original",
            format!("{n} · {}", r.original_date().unwrap_or("–")),
            theme,
        ));
    }
    let verdicts_end = head + 4;
    let mut full_history = vec![];
    history(&mut full_history, state, t, i, theme, usize::MAX);
    if out.len() + full_history.len() <= height {
        out.extend(full_history);
        return out;
    }
    let rest = out.split_off(verdicts_end);
    out.truncate(head);
    let local_extra = out.split_off(local_line_end);
    history(&mut out, state, t, i, theme, SHORT_HISTORY);
    out.push(Line::from(compact));
    out.extend(refusals);
    out.extend(local_extra);
    out.extend(rest);
    out
}

/// The record's lines of the local journal, newest first: when, old → new, remarks, GSTN's
/// reference id and the outcome.
/// At most `max` entries; the heading says how many more there are.
fn history<'a>(out: &mut Vec<Line<'a>>, state: &AppState, t: &RecordTable, i: usize, theme: &Theme, max: usize) {
    let key = &t.keys[i];
    let Some(entries) = state.ims.history_of(key) else {
        let text = if state.ims.history_for.as_ref() == Some(key) {
            "loading the journal…"
        } else {
            "–"
        };
        out.push(kv("History", text.into(), theme));
        return;
    };
    if entries.is_empty() {
        out.push(kv("History", "no action taken from this computer".into(), theme));
        return;
    }
    let heading = if entries.len() > max {
        format!(
            "History ({}, latest {max} shown, {} more)",
            entries.len(),
            entries.len() - max
        )
    } else {
        format!("History ({})", entries.len())
    };
    out.push(Line::styled(heading, theme.dim));
    let ist = crate::app::state::ist();
    for e in entries.iter().rev().take(max) {
        let mut text = format!(
            "{} {} → {}",
            e.at.with_timezone(&ist).format("%d-%m-%Y %H:%M"),
            ImsAction::from_code(&e.old_action).label(),
            ImsAction::from_code(&e.new_action).label()
        );
        if let Some(rm) = e.remarks.as_deref().filter(|s| !s.is_empty()) {
            text.push_str(&format!(" · “{rm}”"));
        }
        if let Some(r) = &e.reference_id {
            text.push_str(&format!(" · ref {r}"));
        }
        let (outcome, style) = match e.outcome.as_deref() {
            None => ("waiting".to_string(), theme.key),
            Some("applied") => ("applied".to_string(), theme.ok),
            Some(o) if o.starts_with("rejected") || o.starts_with("conflict") => (o.to_string(), theme.warn),
            Some(o) => (o.to_string(), theme.dim),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {text} · "), theme.text),
            Span::styled(outcome, style),
        ]));
    }
}

fn target_word(t: &Target) -> &'static str {
    match t {
        Target::Set(ImsAction::Accepted) => "accept",
        Target::Set(ImsAction::Rejected) => "reject",
        Target::Set(ImsAction::Pending) => "pending",
        Target::Set(_) => "set",
        Target::Reset => "reset",
    }
}

/// The local decision, GSTN's refusal, or a conflict's old vs new.
fn local<'a>(out: &mut Vec<Line<'a>>, state: &AppState, t: &RecordTable, i: usize, theme: &Theme) {
    let Some(s) = state.ims.outbox.get(&t.keys[i]) else {
        return;
    };
    let mut local = format!("{} (batch {})", super::local_label(s), s.batch);
    if s.in_flight {
        local.push_str(" · being sent");
    }
    if let Some(rm) = &s.decision.remarks {
        local.push_str(&format!(" · remarks: {rm}"));
    }
    if let Some(d) = &s.decision.itc_reduction {
        local.push_str(&format!(" · ITC reduction: {d:?}"));
    }
    out.push(Line::from(vec![
        Span::styled(format!("{:<10}", "Local"), theme.dim),
        Span::styled(local, theme.key),
    ]));
    match &s.last_outcome {
        Some(Outcome::Rejected { code, message }) => {
            out.push(Line::styled(format!("✗ GSTN refused ({code}): {message}"), theme.error));
        }
        Some(Outcome::Conflict { current }) => {
            out.push(Line::styled(
                "! Changed at GSTN since read (as read → now):".to_string(),
                theme.warn,
            ));
            match current {
                Some(now) => {
                    let old = &s.decision.record;
                    for (k, a, b) in [
                        ("action", old.action.label().to_string(), now.action.label().to_string()),
                        ("taxable", old.txval.inr(), now.txval.inr()),
                        ("tax", old.total_tax().inr(), now.total_tax().inr()),
                        ("date", old.doc_date_raw().into(), now.doc_date_raw().into()),
                    ] {
                        let style = if a == b { theme.dim } else { theme.warn };
                        out.push(Line::styled(format!("  {k:<8} {a:>14} → {b}"), style));
                    }
                }
                None => out.push(Line::styled("  the record is no longer listed by GSTN", theme.warn)),
            }
        }
        _ => {}
    }
}
