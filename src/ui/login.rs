//! The log-in popup (`O`): who is logging in, whether the OTP went out, the digits typed
//! (masked), and any error from GSTN.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::state::OtpState;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, o: &OtpState, theme: &Theme) {
    let outer = popup::centered(area, 64, 9);
    let title = Line::from(format!(" Log in · {} ", state.profile.gstin));
    let rect = popup::frame(f, outer, title, None, theme);
    let status = if o.verifying {
        "Verifying the OTP…".to_string()
    } else if o.sent {
        format!(
            "OTP sent to the mobile/e-mail registered for {}.",
            state.profile.username
        )
    } else {
        "Asking GSTN to send an OTP…".to_string()
    };
    let masked: String = "•".repeat(o.digits.len());
    let mut lines = vec![
        Line::from(Span::styled(status, theme.text)),
        Line::from(""),
        Line::from(vec![
            Span::styled("OTP: ", theme.text),
            Span::styled(format!("{masked}▏"), theme.title),
        ]),
        Line::from(""),
    ];
    if let Some(e) = &o.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error)));
    } else {
        lines.push(Line::from(Span::styled(
            "Queued decisions stay queued; Enter verifies, Esc closes.",
            theme.dim,
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rect);
}
