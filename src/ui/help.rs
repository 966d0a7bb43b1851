//! The `?` popup: every binding from the keymap, grouped by context, filtered as you type.
//! Enter runs the selected action (see `app::update`); actions of other screens are dimmed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{pad_right, truncate, width};
use super::theme::Theme;
use super::widgets::popup;
use crate::app::help::{HelpState, rows};
use crate::app::{AppState, Context};

pub fn render(f: &mut Frame, area: Rect, state: &AppState, help: &HelpState, theme: &Theme) {
    let rect = popup::centered(
        area,
        area.width.saturating_sub(4).min(78),
        area.height.saturating_sub(2).min(30),
    );
    let all = rows(
        &state.keymap,
        &HelpState {
            filter: String::new(),
            ..help.clone()
        },
    )
    .len();
    let list = rows(&state.keymap, help);
    let right = Line::from(Span::styled(format!(" {} of {all} ", list.len()), theme.dim));
    let inner = popup::frame(f, rect, Line::from(" Keys "), Some(right), theme);
    if inner.height < 3 {
        return;
    }
    let w = inner.width as usize;

    // Filter line.
    let filter = if help.filter.is_empty() {
        Line::from(vec![
            Span::styled(" Filter: ", theme.dim),
            Span::styled("type to filter, Enter runs the selected action", theme.dim),
        ])
    } else {
        Line::from(vec![
            Span::styled(" Filter: ", theme.dim),
            Span::styled(format!("{}▏", help.filter), theme.key),
        ])
    };
    f.render_widget(Paragraph::new(filter), Rect { height: 1, ..inner });

    // Grouped list.
    let keys_w = list.iter().map(|r| width(&r.keys)).max().unwrap_or(0).clamp(6, 18);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let mut last_ctx: Option<Context> = None;
    for (i, r) in list.iter().enumerate() {
        if last_ctx != Some(r.context) {
            if last_ctx.is_some() {
                lines.push(Line::raw(""));
            }
            let note = if r.runnable { "" } else { " (in its popup)" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {}", r.context.label()), theme.title),
                Span::styled(note, theme.dim),
            ]));
            last_ctx = Some(r.context);
        }
        let keys = format!("   {}", pad_right(&truncate(&r.keys, keys_w), keys_w));
        let desc = pad_right(
            &truncate(&format!("  {}", r.desc), w.saturating_sub(width(&keys))),
            w.saturating_sub(width(&keys)),
        );
        if i == help.selected {
            selected_line = lines.len();
            lines.push(Line::from(Span::styled(format!("{keys}{desc}"), theme.selection)));
        } else if r.runnable {
            lines.push(Line::from(vec![
                Span::styled(keys, theme.key),
                Span::styled(desc, theme.text),
            ]));
        } else {
            lines.push(Line::from(Span::styled(format!("{keys}{desc}"), theme.dim)));
        }
    }
    if list.is_empty() {
        lines.push(Line::from(Span::styled(
            " No key matches the filter. Backspace deletes, Ctrl-u clears.",
            theme.dim,
        )));
    }
    let list_area = Rect {
        y: inner.y + 2,
        height: inner.height - 2,
        ..inner
    };
    let h = list_area.height as usize;
    let offset = (selected_line + 1).saturating_sub(h);
    let visible: Vec<Line> = lines.into_iter().skip(offset).take(h).collect();
    f.render_widget(Paragraph::new(visible), list_area);
}
