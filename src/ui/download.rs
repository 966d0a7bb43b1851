//! The download format chooser (`D` on any table): what will be written, how many rows, the
//! two formats (the highlighted one is the last used this session) and the folder.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fmt::truncate;
use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::download::Chooser;
use crate::export::FileFormat;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, ch: &Chooser, theme: &Theme) {
    let w = area.width.min(60);
    let outer = popup::centered(area, w, 9);
    let rect = popup::frame(f, outer, Line::from(" Download "), None, theme);
    let rect = Rect {
        x: rect.x + 1,
        width: rect.width.saturating_sub(2),
        ..rect
    };
    let inner_w = rect.width as usize;
    let rows = crate::domain::money::format_count(ch.request.source.rows() as u64);
    let option = |key: &str, label: &str, fmt: FileFormat| {
        let style = if ch.selected == fmt {
            theme.selection
        } else {
            theme.text
        };
        let marker = if ch.selected == fmt { "▶" } else { " " };
        Line::from(vec![
            Span::styled(format!("{marker} "), style),
            Span::styled(format!("{key} "), theme.key.patch(style)),
            Span::styled(format!("{label:<width$}", width = inner_w.saturating_sub(4)), style),
        ])
    };
    let dir = state
        .downloads_dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let lines = vec![
        Line::styled(
            truncate(
                &match ch.request.source {
                    // Assembled by the engine: the rows are counted as it is written.
                    crate::export::ExportSource::Report(_) => ch.request.what.clone(),
                    _ => format!("{} · {rows} row(s)", ch.request.what),
                },
                inner_w,
            ),
            theme.title,
        ),
        Line::from(""),
        option("x", "Excel workbook (.xlsx): typed cells, ₹ format", FileFormat::Xlsx),
        option("c", "CSV (.csv): plain values for scripts", FileFormat::Csv),
        Line::from(""),
        Line::styled(truncate(&format!("to {dir}"), inner_w), theme.dim),
        Line::styled("Enter writes the highlighted one · Esc cancels", theme.dim),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rect);
}
