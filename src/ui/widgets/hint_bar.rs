//! One-line key hints for the active context, generated from the keymap. Items that do not
//! fit are dropped lowest priority first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::AppState;
use crate::app::keymap::HintItem;
use crate::ui::theme::Theme;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let items = state.keymap.fit_hints(&state.contexts(), area.width as usize);
    f.render_widget(Paragraph::new(line(&items, theme)), area);
}

pub fn line<'a>(items: &[HintItem], theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(it.keys.clone(), theme.key));
        spans.push(Span::styled(format!(" {}", it.label), theme.dim));
    }
    Line::from(spans)
}
