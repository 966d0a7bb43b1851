//! The two header lines: who (app, profile, GSTIN, user, environment) and when (period,
//! financial year, session, sync spinner).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::spinner;
use crate::app::{AppState, SessionState};
use crate::ui::fmt::{time_left, truncate, width};
use crate::ui::theme::Theme;

pub const HEIGHT: u16 = 2;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    f.render_widget(
        Paragraph::new(identity_line(state, theme, w)).style(theme.bar),
        Rect { height: 1, ..area },
    );
    if area.height > 1 {
        f.render_widget(
            Paragraph::new(period_line(state, theme, w)),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

fn identity_line<'a>(state: &'a AppState, theme: &Theme, w: usize) -> Line<'a> {
    let p = &state.profile;
    let app = " gstdash ";
    let env = format!(" {} ", p.environment_label);
    let sep = " · ";
    // Always shown: app, GSTIN, environment. Then the name (truncated), then the username.
    let fixed = width(app) + 1 + width(&p.gstin) + 1 + width(&env);
    let user_w = width(sep) + width(&p.username);
    let name_full = width(&p.name);
    let room = w.saturating_sub(fixed + width(sep));
    let show_user = !p.username.is_empty() && room >= user_w + name_full.min(16);
    let name_room = room.saturating_sub(if show_user { user_w } else { 0 });
    let name = truncate(&p.name, name_room);

    let mut left = vec![Span::styled(app, theme.app_name), Span::raw(" ")];
    if !name.is_empty() {
        left.push(Span::styled(
            name,
            theme.bar.add_modifier(ratatui::style::Modifier::BOLD),
        ));
        left.push(Span::raw(sep));
    }
    left.push(Span::raw(p.gstin.as_str()));
    if show_user {
        left.push(Span::raw(sep));
        left.push(Span::raw(p.username.as_str()));
    }
    let used: usize = left.iter().map(|s| s.width()).sum();
    let gap = w.saturating_sub(used + width(&env));
    left.push(Span::raw(" ".repeat(gap)));
    left.push(Span::styled(env, theme.env_badge));
    Line::from(left)
}

fn period_line<'a>(state: &AppState, theme: &Theme, w: usize) -> Line<'a> {
    let left = vec![
        Span::styled(" Return period ", theme.dim),
        Span::styled(format!(" {} ", state.period), theme.period_badge),
        Span::styled(format!("  FY {}", state.period.financial_year()), theme.text),
    ];
    let mut right: Vec<Span> = Vec::new();
    match &state.session {
        SessionState::Unknown => {}
        SessionState::Active { expires_at } if *expires_at > state.now => {
            right.push(Span::styled(
                format!("session {} left", time_left(state.now, *expires_at)),
                theme.dim,
            ));
        }
        SessionState::Active { .. } => right.push(Span::styled("session expired", theme.warn)),
        SessionState::LoggedOut => right.push(Span::styled("signed out", theme.warn)),
    }
    let jobs = state.in_flight.len();
    if jobs > 0 {
        if !right.is_empty() {
            right.push(Span::raw("  "));
        }
        right.push(Span::styled(
            format!("{} syncing {jobs}", spinner::frame(state.spinner)),
            theme.spinner,
        ));
    } else if state.engine_stopped {
        if !right.is_empty() {
            right.push(Span::raw("  "));
        }
        right.push(Span::styled("sync stopped", theme.error));
    }
    right.push(Span::raw(" "));
    let lw: usize = left.iter().map(|s| s.width()).sum();
    let rw: usize = right.iter().map(|s| s.width()).sum();
    let mut spans = left;
    if lw + rw <= w {
        spans.push(Span::raw(" ".repeat(w - lw - rw)));
        spans.extend(right);
    }
    Line::from(spans)
}
