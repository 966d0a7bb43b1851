//! The confirm popup: the question (count and tax effect), details, remarks field and the
//! ITC-reduction choice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::AppState;
use crate::app::ims::confirm::{ConfirmOp, ConfirmState, ItcChoice};
use crate::ui::fmt::wrap;
use crate::ui::theme::Theme;
use crate::ui::widgets::popup;

pub fn render(f: &mut Frame, area: Rect, _state: &AppState, c: &ConfirmState, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(76);
    let text_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap(&c.title, text_w) {
        lines.push(Line::styled(l, theme.total));
    }
    lines.push(Line::raw(""));
    for l in &c.lines {
        let style = if l.starts_with('✗') || l.starts_with("Warning") {
            theme.warn
        } else {
            theme.text
        };
        for w in wrap(l, text_w) {
            lines.push(Line::styled(w, style));
        }
    }
    if let Some(choice) = c.itc {
        let partial_ok = match &c.op {
            ConfirmOp::Stage(plan) => plan.itc_needed.iter().filter(|b| **b).count() == 1,
            _ => false,
        };
        let opts: &[ItcChoice] = if partial_ok {
            &[ItcChoice::Full, ItcChoice::NotAvailed, ItcChoice::Partial]
        } else {
            &[ItcChoice::Full, ItcChoice::NotAvailed]
        };
        for &opt in opts {
            let on = opt == choice;
            lines.push(Line::from(vec![
                Span::styled(if on { " (•) " } else { " ( ) " }, theme.key),
                Span::styled(opt.label(), if on { theme.selection } else { theme.text }),
            ]));
        }
    }
    if choice_is_partial(c) {
        lines.push(Line::from(vec![
            Span::styled("     Amounts: ", theme.dim),
            Span::styled(format!("{}▏", c.amounts), theme.key),
        ]));
    }
    if let Some(e) = &c.error {
        for w in wrap(&format!("✖ {e}"), text_w) {
            lines.push(Line::styled(w, theme.error));
        }
    }
    if let Some(r) = &c.remarks {
        if !c.lines.is_empty() || c.itc.is_some() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(vec![
            Span::styled("Remarks (optional): ", theme.dim),
            Span::styled(format!("{r}▏"), theme.key),
        ]));
    }
    lines.push(Line::raw(""));
    let mut keys = vec![
        Span::styled("Enter", theme.key),
        Span::styled(" confirm  ", theme.dim),
        Span::styled("Esc", theme.key),
        Span::styled(" cancel", theme.dim),
    ];
    if c.itc.is_some() {
        keys.push(Span::styled("  Tab", theme.key));
        keys.push(Span::styled(" change answer", theme.dim));
    }
    lines.push(Line::from(keys));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = popup::centered(area, w, h);
    let inner = popup::frame(f, rect, Line::from(" Confirm "), None, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn choice_is_partial(c: &ConfirmState) -> bool {
    c.itc == Some(ItcChoice::Partial)
}
