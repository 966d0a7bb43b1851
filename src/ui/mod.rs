//! The terminal UI: pure views of [`crate::app::AppState`] plus the terminal runner.
//!
//! [`render`] draws one frame from the model and never changes it (apart from recording a
//! popup's scroll limit). [`runner::run`] owns the terminal and the event loop.

pub mod bench;
pub mod changes;
pub mod dashboard;
pub mod download;
pub mod export_ledger;
pub mod fmt;
pub mod help;
pub mod icegate;
pub mod ims;
pub mod info;
pub mod ledgers;
pub mod login;
pub mod outward;
pub mod period_picker;
pub mod quick_balance;
pub mod runner;
pub mod terminal;
pub mod theme;
pub mod widgets;

#[cfg(test)]
mod tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{AppState, Popup};
pub use runner::{RunOptions, run, run_with};
pub use theme::Theme;
use widgets::{header, hint_bar, status_bar, toasts};

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Draws the whole screen.
pub fn render(f: &mut Frame, state: &AppState) {
    let theme = Theme::of(state.theme);
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "gstdash needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}. Enlarge it, or press q to quit.",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(Line::styled(msg, theme.warn)).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [top, body, status, hints] = Layout::vertical([
        Constraint::Length(header::HEIGHT),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(f, top, state, theme);
    match &state.ims.table {
        Some(t) => ims::render(f, body, state, t, theme),
        None => dashboard::render(f, body, state, theme),
    }
    status_bar::render(f, status, state, theme);
    hint_bar::render(f, hints, state, theme);
    match &state.popup {
        None => {}
        Some(Popup::Help(h)) => help::render(f, body, state, h, theme),
        Some(Popup::PeriodPicker(p)) => period_picker::render(f, body, state, p, theme),
        Some(Popup::Pager(kind, pg)) => info::render(f, body, state, *kind, pg, theme),
        Some(Popup::Confirm(c)) => ims::confirm::render(f, body, state, c, theme),
        Some(Popup::ExportLedger(p)) => export_ledger::render(f, body, state, p, theme),
        Some(Popup::QuickBalance) => quick_balance::render(f, body, state, theme),
        Some(Popup::Ledgers(p)) => ledgers::render(f, body, state, p, theme),
        Some(Popup::Outward(p)) => outward::render(f, body, state, p, theme),
        Some(Popup::Otp(o)) => login::render(f, body, state, o, theme),
        Some(Popup::Changes(p)) => changes::render(f, body, state, p, theme),
        Some(Popup::Icegate(s)) => icegate::render(f, body, state, s, theme),
    }
    if let Some(ch) = &state.download.chooser {
        download::render(f, body, state, ch, theme);
    }
    toasts::render(f, body, state, theme);
}
