//! The IMS record table screen: a title line ("N of M", filter, data age), the virtualized
//! table and the detail pane; plus the confirm popup.

pub mod columns;
pub mod confirm;
pub mod detail;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{self, count, truncate};
use super::theme::Theme;
use super::widgets::data_table::{self, Column, TableSpec};
use super::widgets::spinner;
use crate::app::AppState;
use crate::app::ims::RecordTable;
use crate::app::ims::columns::{COLUMNS, Col, ColumnLayout, filed_label};
use crate::domain::Action as ImsAction;
use crate::sync::JobKind;

/// The detail pane goes to the right from this width, else below the table.
const SIDE_DETAIL_W: u16 = 130;
const DETAIL_W: u16 = 52;

/// The shown columns in the user's order, as the generic table sees them (which drops them
/// by priority when the terminal is narrow).
pub fn table_columns(layout: &ColumnLayout) -> (Vec<Col>, Vec<Column<'static>>) {
    let cols: Vec<Col> = layout.shown().collect();
    let specs = cols
        .iter()
        .map(|col| {
            let c = col.spec();
            Column {
                header: c.header,
                min: c.min,
                max: c.max,
                priority: c.priority,
                right: c.right,
            }
        })
        .collect();
    (cols, specs)
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, t: &RecordTable, theme: &Theme) {
    if area.height < 3 {
        return;
    }
    let title_area = Rect { height: 1, ..area };
    f.render_widget(
        Paragraph::new(title_line(state, t, theme, area.width as usize)),
        title_area,
    );
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let (table_area, detail_area) = if !t.detail {
        (body, None)
    } else if body.width >= SIDE_DETAIL_W {
        let tw = body.width - DETAIL_W - 1;
        (
            Rect { width: tw, ..body },
            Some(Rect {
                x: body.x + tw + 1,
                width: DETAIL_W,
                ..body
            }),
        )
    } else {
        let dh = (body.height / 2).max(6).min(body.height.saturating_sub(3));
        let th = body.height - dh;
        (
            Rect { height: th, ..body },
            Some(Rect {
                y: body.y + th,
                height: dh,
                ..body
            }),
        )
    };
    table(f, table_area, state, t, theme);
    if let Some(d) = detail_area {
        detail::render(f, d, state, t, theme);
    }
    if let Some(ch) = &state.ims.chooser {
        columns::render(f, area, state, ch, theme);
    }
    if let Some(cl) = &state.ims.command {
        let row = Rect {
            y: area.y + area.height - 1,
            height: 1,
            ..area
        };
        f.render_widget(ratatui::widgets::Clear, row);
        let mut spans = vec![Span::styled(format!(":{}▏", cl.text), theme.key)];
        match &cl.error {
            Some(e) => spans.push(Span::styled(format!("  ✖ {e}"), theme.error)),
            None => {
                let c = cl.candidates();
                if !c.is_empty() && !cl.text.ends_with(' ') {
                    spans.push(Span::styled(format!("  {}", c.join(" ")), theme.dim));
                }
            }
        }
        f.render_widget(Paragraph::new(Line::from(spans)), row);
    }
}

fn title_line<'a>(state: &AppState, t: &RecordTable, theme: &Theme, w: usize) -> Line<'a> {
    let status = t.status.as_ref().map_or("All statuses", |s| s.label());
    let mut spans = vec![
        Span::styled(format!(" {} · {status} ", t.section.label()), theme.title),
        Span::styled(
            format!(" {} of {} ", count(t.view.len() as u64), count(t.status_total as u64)),
            theme.text,
        ),
    ];
    match state.ims.gstr3b_of(state.period) {
        Some(g) if g.filed == Some(true) => {
            // Each record is locked by its own period (see `ImsState::locked_by`).
            spans.push(Span::styled(
                format!(" 3B filed: {} read-only ", state.period),
                theme.warn,
            ));
            spans.push(Span::raw(" "));
        }
        Some(g) if g.filed.is_none() => {
            spans.push(Span::styled(" GSTR-3B state unknown ", theme.dim));
            spans.push(Span::raw(" "));
        }
        _ => {}
    }
    if t.visual.is_some() {
        spans.push(Span::styled(" VISUAL ", theme.tab_selected));
        spans.push(Span::raw(" "));
    }
    if t.filter_editing || !t.filter.is_empty() {
        let cursor = if t.filter_editing { "▏" } else { "" };
        spans.push(Span::styled(" / ", theme.key));
        spans.push(Span::styled(format!("{}{cursor} ", t.filter), theme.key));
        if let Some(e) = &t.filter_error {
            spans.push(Span::styled(format!("✖ {e} "), theme.error));
        }
    }
    let job = JobKind::Records(t.section);
    let right = if state.is_loading(job) {
        let age = t
            .fetched_at
            .map(|at| format!(" · {} old", fmt::age(state.now, at)))
            .unwrap_or_default();
        Span::styled(
            format!("{} loading{age} ", spinner::frame(state.spinner)),
            theme.spinner,
        )
    } else if let Some(e) = state.last_errors.get(&job) {
        Span::styled(format!("✖ {} ", e.message.lines().next().unwrap_or("")), theme.error)
    } else if let Some(at) = t.fetched_at {
        let a = fmt::age(state.now, at);
        if t.from_cache {
            Span::styled(format!("cached · {a} old "), theme.attention)
        } else {
            Span::styled(format!("fetched {a} ago "), theme.dim)
        }
    } else {
        Span::styled("not loaded ", theme.dim)
    };
    let used: usize = spans.iter().map(Span::width).sum();
    let room = w.saturating_sub(used + 1);
    let right = Span::styled(truncate(&right.content, room), right.style);
    let pad = w.saturating_sub(used + right.width());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(right);
    Line::from(spans)
}

pub use crate::app::ims::local_label;

fn table(f: &mut Frame, area: Rect, state: &AppState, t: &RecordTable, theme: &Theme) {
    let (shown, cols) = table_columns(&state.ims.columns);
    let widths = data_table::layout(&cols, area.width);
    let height = area.height.saturating_sub(1) as usize;
    let offset = data_table::scroll(t.offset.get(), t.cursor, height, t.view.len());
    t.offset.set(offset);
    let end = (offset + height).min(t.view.len());
    let sort = t
        .sort
        .and_then(|s| shown.iter().position(|c| *c == s.col).map(|i| (i, s.descending)));
    let spec = TableSpec {
        columns: &cols,
        widths: &widths,
        header_style: theme.table_header,
        sort,
        highlight: shown.iter().position(|c| *c == COLUMNS[t.col_cursor].col),
        highlight_style: theme.tab_selected,
    };
    let row_style = |pos: usize| -> Style {
        if pos == t.cursor {
            theme.selection
        } else if t.is_selected(pos) {
            theme.attention
        } else {
            theme.text
        }
    };
    let cell = |pos: usize, ci: usize| -> (Cow<'_, str>, Option<Style>) {
        let i = t.view[pos] as usize;
        let rec = &t.records[i];
        let text = t.row_text(i);
        let on_cursor = pos == t.cursor;
        match shown[ci] {
            Col::Mark => (Cow::Borrowed(if t.is_selected(pos) { "●" } else { " " }), None),
            Col::Sno => (Cow::Owned((pos + 1).to_string()), (!on_cursor).then_some(theme.dim)),
            Col::Local => match state.ims.outbox.get(&t.keys[i]) {
                Some(s) => (Cow::Owned(local_label(s)), (!on_cursor).then_some(theme.key)),
                None => (Cow::Borrowed(""), None),
            },
            Col::Filed => (Cow::Borrowed(filed_label(rec)), None),
            Col::Gstin if text.flagged => (
                Cow::Borrowed(text.cell(Col::Gstin).unwrap_or("")),
                (!on_cursor).then_some(theme.warn),
            ),
            Col::Action if rec.action == ImsAction::NoAction => (
                Cow::Borrowed(text.cell(Col::Action).unwrap_or("")),
                (!on_cursor).then_some(theme.attention),
            ),
            col => (Cow::Borrowed(text.cell(col).unwrap_or("")), None),
        }
    };
    data_table::render(f.buffer_mut(), area, &spec, offset..end, row_style, cell);
    if t.view.is_empty() && area.height > 2 {
        let failed = state.last_errors.get(&JobKind::Records(t.section));
        let msg = if let (false, Some(e)) = (t.loaded(), failed) {
            format!("Could not load the records: {}", e.message.lines().next().unwrap_or(""))
        } else if !t.loaded() {
            "Loading records…".to_string()
        } else if t.filter.is_empty() {
            "No records with this status.".to_string()
        } else {
            format!("No record matches {:?}. Esc clears the filter.", t.filter)
        };
        f.render_widget(
            Paragraph::new(Line::styled(format!(" {msg}"), theme.dim)),
            Rect {
                y: area.y + 2,
                height: 1,
                ..area
            },
        );
    }
}

/// Status-bar text of the record screen: selection with its totals, queued decisions, push.
pub fn status_text(state: &AppState) -> Option<String> {
    let t = state.ims.table.as_ref()?;
    let mut parts = Vec::new();
    if t.selection.count > 0 {
        parts.push(format!(
            "{} selected · taxable ₹{} · tax ₹{}",
            count(t.selection.count as u64),
            t.selection.taxable.inr(),
            t.selection.tax.inr()
        ));
    }
    let queued = state.ims.staged_unsent();
    if queued > 0 {
        parts.push(format!("{} queued", count(queued as u64)));
    }
    if let Some([total, sent, applied, rejected, conflicts]) = state.ims.push
        && state.is_loading(JobKind::Push)
    {
        parts.push(format!(
            "saving {sent}/{total} · {applied} ok · {rejected} refused · {conflicts} conflicts"
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}
