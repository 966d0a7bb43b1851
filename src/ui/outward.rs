//! The outward supplies popup (`o`): the supplier view of the period — counts by the portal's
//! tables and the recipients' IMS actions — and the rejected records whose liability was
//! added back, with the totals that return to the supplier's liability.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{fetched_label, pad_left, pad_right, truncate, wrap};
use super::theme::Theme;
use super::widgets::data_table::{self, Column, TableSpec};
use super::widgets::{popup, spinner};
use crate::app::AppState;
use crate::app::outward::{OutwardPopup, OutwardTab, cell_text, is_money_col};
use crate::domain::outward::summarise;
use crate::sync::JobKind;
use ratatui::style::Style;
use std::borrow::Cow;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &OutwardPopup, theme: &Theme) {
    let rect = popup::centered(area, area.width.min(100), area.height);
    let loading = state.is_loading(JobKind::Outward);
    let right = loading.then(|| {
        Line::from(Span::styled(
            format!(" {} ", spinner::frame(state.spinner)),
            theme.spinner,
        ))
    });
    let tabs = match p.tab {
        OutwardTab::Summary => "[Summary] Records",
        OutwardTab::Records => "Summary [Records]",
    };
    let title = format!(" Outward supplies · {} · {tabs} ", state.period);
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let mut lines: Vec<Line> = vec![];
    if p.tab == OutwardTab::Records
        && let Some(fetched) = state.outward.by_period.get(&state.period)
    {
        records(f, inner, state, p, fetched, theme);
        return;
    }
    match state.outward.by_period.get(&state.period) {
        None => {
            let msg = match (&state.outward.error, loading) {
                (Some(e), _) => format!("Could not fetch the supplier view: {e}"),
                (None, true) => "Fetching sales invoices and added-back liabilities…".into(),
                (None, false) => "Not loaded. Press r to fetch.".into(),
            };
            lines.extend(wrap(&msg, w).into_iter().map(|l| Line::styled(l, theme.text)));
        }
        Some(fetched) => {
            let d = &fetched.value;
            lines.push(Line::styled(
                truncate(
                    &format!("As recipients acted in IMS · {}", fetched_label(state.now, fetched)),
                    w,
                ),
                theme.dim,
            ));
            let row = |a: &str, b: &str, c: &str, d: &str, e: &str, g: &str, h: &str| {
                format!(
                    "{} {} {} {} {} {} {}",
                    pad_right(a, 4),
                    pad_right(b, 11),
                    pad_left(c, 6),
                    pad_left(d, 6),
                    pad_left(e, 6),
                    pad_left(g, 6),
                    pad_left(h, 14)
                )
            };
            lines.push(Line::styled(
                row("Form", "Table", "Accept", "Reject", "Pend.", "None", "Value"),
                theme.table_header,
            ));
            let summary = summarise(&d.sales);
            if summary.is_empty() {
                lines.push(Line::styled("No outward documents for this period.", theme.dim));
            }
            for l in &summary {
                let c = &l.counts;
                let table = if l.table == "?" { l.section.as_str() } else { l.table };
                let mut text = row(
                    l.form,
                    table,
                    &c.accepted.to_string(),
                    &c.rejected.to_string(),
                    &c.pending.to_string(),
                    &c.no_action.to_string(),
                    &c.value.inr(),
                );
                if c.other > 0 {
                    text.push_str(&format!("  {} not summarised", c.other));
                }
                let style = if c.rejected > 0 { theme.warn } else { theme.text };
                lines.push(Line::styled(truncate(&text, w), style));
            }
            lines.push(Line::raw(""));
            let ab = &d.added_back;
            let recs = ab.all();
            lines.push(Line::styled("Rejected records (liability added back)", theme.title));
            if recs.is_empty() {
                lines.push(Line::styled("none", theme.dim));
            } else {
                let [tx, i, c, s, cs] = ab.totals();
                for t in wrap(
                    &format!(
                        "{} record(s): taxable ₹{tx}; back to your liability IGST ₹{i}, CGST ₹{c}, SGST ₹{s}, cess ₹{cs}",
                        recs.len()
                    ),
                    w,
                ) {
                    lines.push(Line::styled(t, theme.warn));
                }
                for (sec, r) in recs {
                    let doc = r.nt_num.clone().or(r.inum.clone()).unwrap_or_default();
                    let who = r.tradenm.clone().or(r.ctin.clone()).unwrap_or_default();
                    let tax = r.iamt + r.camt + r.samt + r.csamt;
                    lines.push(Line::styled(
                        truncate(
                            &format!(
                                "{} {} {} {}",
                                pad_right(sec, 6),
                                pad_right(&doc, 16),
                                pad_left(&tax.inr(), 12),
                                who
                            ),
                            w,
                        ),
                        theme.text,
                    ));
                }
            }
        }
    }
    let h = inner.height as usize;
    let max = lines.len().saturating_sub(h) as u16;
    p.max_scroll.set(max);
    f.render_widget(Paragraph::new(lines).scroll((p.scroll.min(max), 0)), inner);
}

/// Column layout of the records tab: what stays when the terminal is narrow.
fn record_columns() -> Vec<Column<'static>> {
    let t = crate::export::tables::OUTWARD_RECORD_COLUMNS;
    // (min, max, priority) per column, in OUTWARD_RECORD_COLUMNS order.
    let dims: [(u16, u16, u8); 15] = [
        (4, 4, 4),
        (11, 11, 6),
        (15, 15, 0),
        (10, 16, 0),
        (10, 10, 1),
        (4, 5, 6),
        (13, 14, 1),
        (10, 14, 5),
        (9, 12, 6),
        (9, 12, 7),
        (9, 12, 7),
        (7, 10, 8),
        (6, 7, 8),
        (9, 10, 0),
        (6, 8, 2),
    ];
    let headers: [&'static str; 15] = [
        t[0],
        t[1],
        "Recipient",
        t[3],
        t[4],
        t[5],
        t[6],
        t[7],
        t[8],
        t[9],
        t[10],
        t[11],
        t[12],
        "Action",
        "Filed",
    ];
    (0..15)
        .map(|i| Column {
            header: headers[i],
            min: dims[i].0,
            max: dims[i].1,
            priority: dims[i].2,
            right: is_money_col(i),
        })
        .collect()
}

fn records(
    f: &mut Frame,
    area: Rect,
    state: &AppState,
    p: &OutwardPopup,
    fetched: &crate::app::state::Fetched<crate::app::outward::OutwardData>,
    theme: &Theme,
) {
    let t = &p.table;
    let recs = &fetched.value.records;
    let w = area.width as usize;
    let filter = if t.filter_editing {
        format!(" · filter: {}▏", t.filter)
    } else if t.filter.is_empty() {
        String::new()
    } else {
        format!(" · filter: {}", t.filter)
    };
    let pos = if t.view.is_empty() { 0 } else { t.cursor + 1 };
    let head = format!(
        "{pos}/{} of {} document(s){filter} · {}",
        t.view.len(),
        recs.len(),
        fetched_label(state.now, fetched)
    );
    f.render_widget(
        Paragraph::new(Line::styled(truncate(&head, w), theme.dim)),
        Rect { height: 1, ..area },
    );
    let area = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    let cols = record_columns();
    let widths = data_table::layout(&cols, area.width);
    let height = area.height.saturating_sub(1) as usize;
    let offset = data_table::scroll(t.offset.get(), t.cursor, height, t.view.len());
    t.offset.set(offset);
    let end = (offset + height).min(t.view.len());
    let spec = TableSpec {
        columns: &cols,
        widths: &widths,
        header_style: theme.table_header,
        sort: t.sort,
        highlight: Some(t.col),
        highlight_style: theme.tab_selected,
    };
    let row_style = |pos: usize| if pos == t.cursor { theme.selection } else { theme.text };
    let cell = |pos: usize, ci: usize| -> (Cow<'_, str>, Option<Style>) {
        let r = &recs[t.view[pos] as usize];
        let style = (ci == 13 && r.action == crate::domain::Action::Rejected && pos != t.cursor).then_some(theme.warn);
        (cell_text(r, ci), style)
    };
    data_table::render(f.buffer_mut(), area, &spec, offset..end, row_style, cell);
    if t.view.is_empty() && area.height > 2 {
        let msg = if recs.is_empty() {
            "No outward documents for this period.".to_string()
        } else {
            format!("No document matches {:?}. Esc clears the filter.", t.filter)
        };
        f.render_widget(
            Paragraph::new(Line::styled(msg, theme.dim)),
            Rect {
                y: area.y + 2,
                height: 1,
                ..area
            },
        );
    }
}
