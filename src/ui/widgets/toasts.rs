//! Toasts, stacked bottom-right above the status bar, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::app::{Action, AppState, Context, ToastLevel};
use crate::ui::fmt::wrap;
use crate::ui::theme::Theme;

const MAX_SHOWN: usize = 3;
const MAX_LINES: usize = 4;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let items = state.toasts.items();
    if items.is_empty() || area.width < 20 || area.height < 3 {
        return;
    }
    let w = area.width.saturating_sub(2).min(58);
    let x = area.x + area.width - w - 1;
    let mut bottom = area.y + area.height;
    let hidden = items.len().saturating_sub(MAX_SHOWN);
    let dismiss = state
        .keymap
        .key_for(Context::Dashboard, Action::DismissToasts)
        .unwrap_or_else(|| "Esc".into());
    for (i, t) in items.iter().rev().take(MAX_SHOWN).enumerate() {
        let style = match t.level {
            ToastLevel::Info => theme.toast_info,
            ToastLevel::Warn => theme.toast_warn,
            ToastLevel::Error => theme.toast_error,
        };
        let mut lines = wrap(&t.message, w.saturating_sub(4) as usize);
        if lines.len() > MAX_LINES {
            lines.truncate(MAX_LINES);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        let h = lines.len() as u16 + 2;
        if bottom < area.y + h {
            break;
        }
        let rect = Rect {
            x,
            y: bottom - h,
            width: w,
            height: h,
        };
        bottom -= h;
        let mut title = format!(" {} {} ", t.level.icon(), t.title);
        if t.repeats > 1 {
            title.push_str(&format!("×{} ", t.repeats));
        }
        let mut block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(style)
            .title_top(Line::from(Span::styled(
                title,
                style.add_modifier(ratatui::style::Modifier::BOLD),
            )));
        if t.level == ToastLevel::Error {
            block =
                block.title_bottom(Line::from(Span::styled(format!(" {dismiss} dismiss "), theme.dim)).right_aligned());
        }
        let last_shown = i + 1 == MAX_SHOWN.min(items.len());
        if last_shown && hidden > 0 {
            block = block.title_top(Line::from(Span::styled(format!(" +{hidden} more "), theme.dim)).right_aligned());
        }
        f.render_widget(Clear, rect);
        let text: Vec<Line> = lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.text)))
            .collect();
        f.render_widget(
            Paragraph::new(text).block(block.padding(ratatui::widgets::Padding::horizontal(1))),
            rect,
        );
    }
}
