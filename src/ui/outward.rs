//! The outward supplies popup (`o`): the supplier view of the period — counts by the portal's
//! tables and the recipients' IMS actions — and the rejected records whose liability was
//! added back, with the totals that return to the supplier's liability.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{fetched_label, pad_left, pad_right, truncate, wrap};
use super::theme::Theme;
use super::widgets::{popup, spinner};
use crate::app::AppState;
use crate::app::outward::OutwardPopup;
use crate::domain::outward::summarise;
use crate::sync::JobKind;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &OutwardPopup, theme: &Theme) {
    let rect = popup::centered(area, area.width.min(100), area.height);
    let loading = state.is_loading(JobKind::Outward);
    let right = loading.then(|| {
        Line::from(Span::styled(
            format!(" {} ", spinner::frame(state.spinner)),
            theme.spinner,
        ))
    });
    let title = format!(" Outward supplies · {} ", state.period);
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let mut lines: Vec<Line> = vec![];
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
