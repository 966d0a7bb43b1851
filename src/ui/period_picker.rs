//! The `p` popup: the twelve months of a financial year, April to March.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::pad_right;
use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::picker::{PickerState, first_gst_period};
use crate::domain::ReturnPeriod;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, picker: &PickerState, theme: &Theme) {
    let rect = popup::centered(area, 42, 17);
    let inner = popup::frame(f, rect, Line::from(" Return period "), None, theme);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let latest = state.latest_period();
    let current = ReturnPeriod::of_date(state.today());
    let mut lines = vec![
        Line::from(vec![
            Span::styled("  ‹ ", theme.dim),
            Span::styled(format!("FY {}", picker.fy), theme.title),
            Span::styled(" ›", theme.dim),
            Span::styled("   h/l change year", theme.dim),
        ]),
        Line::raw(""),
    ];
    for (i, p) in picker.fy.periods().into_iter().enumerate() {
        let marker = if p == state.period { "●" } else { " " };
        let mut notes: Vec<&str> = Vec::new();
        if p == state.period {
            notes.push("selected");
        }
        if p == current {
            notes.push("this month");
        }
        if p > latest {
            notes.push("not started");
        } else if p < first_gst_period() {
            notes.push("before GST");
        }
        if state.balances.contains_key(&p) {
            notes.push("cached");
        }
        let text = pad_right(&format!("  {marker} {p:<9}  {}", notes.join(" · ")), w);
        let style = if i == picker.cursor {
            theme.selection
        } else if p > latest || p < first_gst_period() {
            theme.dim
        } else if p == state.period {
            theme.total
        } else {
            theme.text
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
