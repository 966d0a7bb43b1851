//! Status bar: the period, running jobs, the last error per job, and pending notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::spinner;
use crate::app::AppState;
use crate::app::state::job_label;
use crate::sync::JobKind;
use crate::ui::fmt::{truncate, width};
use crate::ui::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    f.render_widget(
        Paragraph::new(line(state, theme, area.width as usize)).style(theme.status),
        area,
    );
}

pub fn line<'a>(state: &AppState, theme: &Theme, w: usize) -> Line<'a> {
    let mut left = vec![
        Span::styled(format!(" {} ", state.period), theme.period_badge),
        Span::raw(" "),
    ];
    if let Some(text) = state.offline_text() {
        left.push(Span::styled(format!("⚠ {text}"), theme.error));
        left.push(Span::raw("  "));
    }

    // Right: notices waiting for Esc.
    let mut right = Vec::new();
    let n = state.toasts.items().len();
    if n > 0 {
        let errors = state.toasts.errors();
        let text = match errors {
            0 => format!("{n} notice{}", if n == 1 { "" } else { "s" }),
            e => format!("{e} error{}", if e == 1 { "" } else { "s" }),
        };
        let key = state
            .keymap
            .key_for(crate::app::Context::Dashboard, crate::app::Action::DismissToasts)
            .unwrap_or_default();
        right.push(Span::styled(text, if errors > 0 { theme.error } else { theme.text }));
        right.push(Span::styled(format!(" · {key} dismiss "), theme.dim));
    }
    let fixed: usize = left.iter().chain(&right).map(|s| s.width()).sum();
    let mut room = w.saturating_sub(fixed + 1);

    // The record table's selection and queue come first: they are what the next key acts on.
    if let Some(text) = crate::ui::ims::status_text(state) {
        let t = truncate(&text, room);
        room = room.saturating_sub(width(&t) + 2);
        left.push(Span::styled(t, theme.key));
        left.push(Span::raw("  "));
    }

    // A download being written: a gauge fed by the file job's progress events.
    if let Some(p) = &state.download.progress {
        let bar = if room >= 60 { 12 } else { 6 };
        let text = crate::app::download::gauge_text(p, state.download.format, bar);
        let t = truncate(&text, room);
        room = room.saturating_sub(width(&t) + 2);
        left.push(Span::styled(t, theme.key));
        left.push(Span::raw("  "));
    }

    let mut jobs = state.jobs_in_flight();
    if state.download.progress.is_some() {
        // The gauge already says it.
        jobs.retain(|j| *j != JobKind::Download);
    }
    if !jobs.is_empty() {
        let text = format!("{} refreshing {}", spinner::frame(state.spinner), jobs_summary(&jobs));
        let t = truncate(&text, room.min(42));
        room = room.saturating_sub(width(&t) + 2);
        left.push(Span::styled(t, theme.spinner));
        left.push(Span::raw("  "));
    }
    let errors = state.errors_by_recency();
    if let Some((job, e)) = errors.first() {
        let more = if errors.len() > 1 {
            format!(" (+{} more)", errors.len() - 1)
        } else {
            String::new()
        };
        let text = format!("✖ {}: {}", job_label(*job), e.message.lines().next().unwrap_or(""));
        let t = truncate(&text, room.saturating_sub(width(&more)));
        left.push(Span::styled(t, theme.error));
        left.push(Span::styled(more, theme.error));
    } else if jobs.is_empty() && state.download.progress.is_none() {
        left.push(Span::styled(truncate("ready", room), theme.dim));
    }

    let used: usize = left.iter().map(|s| s.width()).sum();
    let rw: usize = right.iter().map(|s| s.width()).sum();
    let mut spans = left;
    spans.push(Span::raw(" ".repeat(w.saturating_sub(used + rw))));
    spans.extend(right);
    Line::from(spans)
}

/// `IMS counts, balance` when all three count jobs run, else each job's label.
fn jobs_summary(jobs: &[JobKind]) -> String {
    let counts = jobs.iter().filter(|j| matches!(j, JobKind::Counts(_))).count();
    let mut parts: Vec<&str> = Vec::new();
    if counts == 3 {
        parts.push("IMS counts");
    }
    for j in jobs {
        if !(counts == 3 && matches!(j, JobKind::Counts(_))) {
            parts.push(job_label(*j));
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::empty_state;
    use crate::app::msg::Msg;
    use crate::app::state::ThemeName;
    use crate::app::update::update;
    use crate::domain::{Action, ImsRecord, Section};
    use crate::sync::{Decision, StagedDecision, SyncCommand, SyncEvent, Target};

    fn staged(n: usize) -> SyncEvent {
        let staged = (0..n)
            .map(|i| {
                let record: ImsRecord = serde_json::from_str(&format!(
                    r#"{{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","inum":"INV-{i}","idt":"01-10-2025","action":"N"}}"#
                ))
                .unwrap();
                StagedDecision {
                    batch: 1,
                    decision: Decision {
                        section: Section::B2b,
                        record,
                        target: Target::Set(Action::Rejected),
                        remarks: None,
                        itc_reduction: None,
                    },
                    in_flight: false,
                    last_outcome: None,
                }
            })
            .collect();
        SyncEvent::Outbox { staged }
    }

    fn text(state: &AppState) -> String {
        let theme = Theme::of(state.theme);
        line(state, theme, 80)
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect()
    }

    #[test]
    fn offline_shows_the_queue_and_back_online_refreshes_without_sending() {
        let mut s = empty_state(ThemeName::Mono);
        update(&mut s, Msg::Sync(staged(2)));
        assert!(!text(&s).contains("offline"), "{}", text(&s));
        update(&mut s, Msg::Sync(SyncEvent::Link { online: false }));
        assert!(text(&s).contains("⚠ offline, 2 queued"), "{}", text(&s));
        // Decisions keep queuing while offline.
        update(&mut s, Msg::Sync(staged(3)));
        assert!(text(&s).contains("offline, 3 queued"), "{}", text(&s));
        let cmds = update(&mut s, Msg::Sync(SyncEvent::Link { online: true }));
        assert!(!text(&s).contains("offline"), "{}", text(&s));
        assert!(matches!(cmds.as_slice(), [SyncCommand::RefreshAll { .. }]), "{cmds:?}");
        assert!(!cmds.iter().any(|c| matches!(c, SyncCommand::Push)));
        let toast = s.toasts.items().last().unwrap();
        assert!(toast.message.contains("3 decision(s) queued"), "{toast:?}");
    }
}
