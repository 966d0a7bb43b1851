//! The column chooser popup (`c` on the record table): every column in the table's order,
//! shown or hidden; Space toggles, J/K move, Enter/Esc close.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::AppState;
use crate::app::ims::columns::{Col, ColumnChooser};
use crate::app::keymap::{Action, Context};
use crate::ui::fmt::truncate;
use crate::ui::theme::Theme;
use crate::ui::widgets::popup;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, ch: &ColumnChooser, theme: &Theme) {
    let layout = &state.ims.columns;
    let rows = layout.cols.len() as u16;
    // Border, the list, a blank line, the message or hint.
    let area = popup::centered(area, 46, rows + 4);
    let inner = popup::frame(f, area, Line::raw(" Columns "), None, theme);
    if inner.height < 2 {
        return;
    }
    let list_h = inner.height.saturating_sub(2) as usize;
    let top = ch.cursor.saturating_sub(list_h.saturating_sub(1));
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, &(col, on)) in layout.cols.iter().enumerate().skip(top).take(list_h) {
        let name = if col == Col::Mark {
            "● selection mark"
        } else {
            col.spec().header
        };
        let note = if col.why_always_shown().is_some() {
            "always shown"
        } else if on {
            ""
        } else {
            "hidden"
        };
        let mark = if on { "[x] " } else { "[ ] " };
        let text = format!("{mark}{:<22}{note}", truncate(name, 22));
        let style = if i == ch.cursor {
            theme.selection
        } else if on {
            theme.text
        } else {
            theme.dim
        };
        lines.push(Line::styled(truncate(&text, w), style));
    }
    while lines.len() < list_h {
        lines.push(Line::raw(""));
    }
    lines.push(Line::raw(""));
    match &ch.error {
        Some(e) => lines.push(Line::styled(truncate(&format!("✖ {e}"), w), theme.error)),
        None => {
            let km = &state.keymap;
            let k = |a| km.key_for(Context::ColumnChooser, a).unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(k(Action::ToggleMark), theme.key),
                Span::styled(" show/hide  ", theme.dim),
                Span::styled(format!("{}/{}", k(Action::MoveDown), k(Action::MoveUp)), theme.key),
                Span::styled(" move  ", theme.dim),
                Span::styled(k(Action::Close), theme.key),
                Span::styled(" done", theme.dim),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
