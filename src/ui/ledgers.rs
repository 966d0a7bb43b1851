//! The Ledgers screen (`L`): cash, ITC and return-liability ledgers as tables (the same
//! tables the CLI prints), opening and closing lines, running balances, and the arithmetic
//! checks with their differences.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{fetched_label, pad_left, pad_right, truncate, wrap};
use super::theme::Theme;
use super::widgets::{popup, spinner};
use crate::app::AppState;
use crate::app::ledgers::{LedgerTab, LedgersPopup, RangeInput};
use crate::domain::ledger::LedgerWarning;
use crate::export::text::{self as report, Align, Amounts, Table};
use crate::sync::JobKind;

/// Columns shown: date, Cr/Dr, description, then amount and balance or the four heads.
fn columns(per_head: bool, w: usize) -> Vec<usize> {
    // movement_table: 0 Date, 1 Reference, 2 Period/Discharge, 3 Cr/Dr, 4 Description,
    // 5-8 IGST CGST SGST CESS, 9 Amount, 10 Balance/Liability.
    if per_head && w < 100 {
        // The running balance is in the other view; four heads fill 80 columns.
        vec![0, 3, 5, 6, 7, 8]
    } else if per_head {
        vec![0, 3, 5, 6, 7, 8, 10]
    } else {
        vec![0, 3, 4, 9, 10]
    }
}

fn lines<'a>(t: &Table, cols: &[usize], w: usize, theme: &Theme) -> (Line<'a>, Vec<Line<'a>>) {
    // Opening and closing lines carry their label in the Reference column, which is not
    // shown: move it to the description, or to the date column when that is hidden.
    let label_col = if cols.contains(&4) { 4 } else { 0 };
    let mut t = t.clone();
    for r in t.rows.iter_mut().filter(|r| r[0].is_empty()) {
        r[label_col] = std::mem::take(&mut r[1]);
    }
    let t = &t;
    let mut widths: Vec<usize> = cols
        .iter()
        .map(|c| {
            t.rows
                .iter()
                .map(|r| super::fmt::width(&r[*c]))
                .chain(std::iter::once(super::fmt::width(&t.headers[*c])))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The description (or the first left column) takes what is left.
    let fixed: usize = widths.iter().sum::<usize>() + 2 * cols.len().saturating_sub(1);
    if let Some(i) = cols.iter().position(|c| *c == 4) {
        let others = fixed - widths[i];
        widths[i] = w.saturating_sub(others).max(8).min(widths[i]);
    }
    let fmt_row = |cells: &[String]| {
        cols.iter()
            .zip(&widths)
            .map(|(c, wd)| {
                let s = truncate(&cells[*c], *wd);
                match t.align[*c] {
                    Align::Left => pad_right(&s, *wd),
                    Align::Right => pad_left(&s, *wd),
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let header = Line::styled(truncate(&fmt_row(&t.headers), w), theme.table_header);
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let style = if r[3].is_empty() { theme.total } else { theme.text };
            Line::styled(truncate(&fmt_row(r), w), style)
        })
        .collect();
    (header, rows)
}

fn warning_lines<'a>(ws: &[LedgerWarning], w: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut v = vec![];
    for x in ws.iter().take(2) {
        let text = format!(
            "⚠ {} {}: expected {}, GSTN sent {} (difference {})",
            x.rule,
            x.location,
            x.expected.inr(),
            x.found.inr(),
            x.difference().inr()
        );
        v.extend(wrap(&text, w).into_iter().map(|l| Line::styled(l, theme.warn)));
    }
    if ws.len() > 2 {
        v.push(Line::styled(
            format!("⚠ and {} more check(s)", ws.len() - 2),
            theme.warn,
        ));
    }
    v
}

/// Marks a range the user set (`d`), so nobody takes it for the year to date.
fn own_dates(state: &AppState) -> &'static str {
    if state.ledgers.range.is_some() {
        " (your dates)"
    } else {
        ""
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &LedgersPopup, theme: &Theme) {
    let rect = popup::centered(area, area.width.min(120), area.height);
    let loading = state.is_loading(JobKind::Ledgers);
    let right = loading.then(|| {
        Line::from(Span::styled(
            format!(" {} ", spinner::frame(state.spinner)),
            theme.spinner,
        ))
    });
    let tabs: Vec<String> = LedgerTab::ALL
        .iter()
        .map(|t| {
            if *t == p.tab {
                format!("[{}]", t.label())
            } else {
                t.label().to_string()
            }
        })
        .collect();
    let title = format!(" Ledgers · {} · {} ", state.period, tabs.join(" "));
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let mut top: Vec<Line> = vec![];
    let mut rows: Vec<Line> = vec![];
    match state.ledgers.by_period.get(&state.period) {
        None => {
            let msg = match (&state.ledgers.error, loading) {
                (Some(e), _) => format!("Could not fetch the ledgers: {e}"),
                (None, true) => "Fetching cash and ITC ledgers (in ≤ 6-month slices) and the liability ledger…".into(),
                (None, false) => "Not loaded. Press r to fetch.".into(),
            };
            top.extend(wrap(&msg, w).into_iter().map(|l| Line::styled(l, theme.text)));
        }
        Some(fetched) => {
            let d = &fetched.value;
            let (table, warnings, range) = match p.tab {
                LedgerTab::Cash => (
                    report::cash_ledger_table(&d.cash, Amounts::Grouped),
                    &d.cash_warnings,
                    format!("{} – {}{}", d.cash.fr_dt, d.cash.to_dt, own_dates(state)),
                ),
                LedgerTab::Itc => (
                    report::itc_ledger_table(&d.itc, Amounts::Grouped),
                    &d.itc_warnings,
                    format!("{} – {}{}", d.itc.details.fr_dt, d.itc.details.to_dt, own_dates(state)),
                ),
                LedgerTab::Liability => (
                    report::tax_ledger_table(&d.tax, Amounts::Grouped),
                    &d.tax_warnings,
                    format!("return period {}", state.period),
                ),
            };
            let checks = if warnings.is_empty() {
                "all checks pass".to_string()
            } else {
                format!("{} check(s) fail", warnings.len())
            };
            top.push(Line::styled(
                truncate(
                    &format!(
                        "{range} · {} entries · {checks} · {}",
                        table.rows.len().saturating_sub(2),
                        fetched_label(state.now, fetched)
                    ),
                    w,
                ),
                if warnings.is_empty() { theme.dim } else { theme.warn },
            ));
            top.extend(warning_lines(warnings, w, theme));
            let (header, body) = lines(&table, &columns(p.per_head, w), w, theme);
            top.push(header);
            rows = body;
        }
    }
    let top_h = top.len().min(inner.height as usize);
    let rows_h = (inner.height as usize).saturating_sub(top_h);
    let max = rows.len().saturating_sub(rows_h) as u16;
    p.max_scroll.set(max);
    f.render_widget(
        Paragraph::new(top),
        Rect {
            height: top_h as u16,
            ..inner
        },
    );
    f.render_widget(
        Paragraph::new(rows).scroll((p.scroll.min(max), 0)),
        Rect {
            y: inner.y + top_h as u16,
            height: rows_h as u16,
            ..inner
        },
    );
    if let Some(input) = &p.range_input {
        range_input(f, rect, state, input, theme);
    }
}

/// The From/To box over the ledgers: both fields, the cursor in the one being typed, the
/// accepted forms, and the last validation error naming the field.
fn range_input(f: &mut Frame, area: Rect, state: &AppState, input: &RangeInput, theme: &Theme) {
    let outer = popup::centered(area, 56, 11);
    let rect = popup::frame(f, outer, Line::from(" Cash and ITC ledgers: dates "), None, theme);
    let rect = Rect {
        x: rect.x + 1,
        width: rect.width.saturating_sub(2),
        ..rect
    };
    let w = rect.width as usize;
    let field = |label: &str, value: &str, active: bool| {
        let style = if active { theme.selection } else { theme.text };
        let cursor = if active { "▏" } else { " " };
        Line::from(vec![
            Span::styled(format!("{label:<5} "), theme.key),
            Span::styled(format!("{:<11}", format!("{value}{cursor}")), style),
        ])
    };
    let mut lines = vec![
        field("From", &input.from, input.field == 0),
        field("To", &input.to, input.field == 1),
        Line::from(""),
        Line::styled(truncate("Dates as DD-MM-YYYY or YYYY-MM-DD.", w), theme.dim),
        Line::styled(
            truncate(
                &format!(
                    "To not after today, {}.",
                    crate::domain::period::fmt_dash(state.today())
                ),
                w,
            ),
            theme.dim,
        ),
        Line::styled(
            truncate("Longer than 6 months: fetched in slices and joined.", w),
            theme.dim,
        ),
    ];
    match &input.error {
        Some(e) => lines.extend(wrap(e, w).into_iter().map(|l| Line::styled(l, theme.error))),
        None => lines.push(Line::styled(
            truncate("Enter fetches · Tab From/To · Ctrl-r back to April", w),
            theme.dim,
        )),
    }
    f.render_widget(Paragraph::new(lines), rect);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::fixtures::{loaded_state, now};
    use crate::app::{Msg, ThemeName, update};
    use crate::domain::Money;
    use crate::domain::ledger::{CashLedger, ItcLedger, LiabilityLedger};
    use crate::sync::{SyncCommand, SyncEvent};

    /// GSTN's closing IGST says ₹1,000 where opening ₹1,200 with no entries means ₹1,200:
    /// the screen shows the figure as sent and the check with its difference.
    #[test]
    fn a_failed_check_is_shown_with_its_difference() {
        let mut s = loaded_state(ThemeName::Dark);
        let cmds = update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('L'), KeyModifiers::NONE)));
        let (from, to) = crate::app::ledgers::wanted_range(&s, s.period);
        assert_eq!(
            cmds,
            vec![SyncCommand::RefreshLedgers {
                period: s.period,
                from,
                to
            }]
        );
        let mut cash = CashLedger::default();
        cash.op_bal.igstbal.tx = Money::from(1200);
        cash.op_bal.igstbal.tot = Some(Money::from(1200));
        cash.op_bal.tot_rng_bal = Money::from(1200);
        cash.cl_bal.igstbal.tx = Money::from(1000);
        cash.cl_bal.igstbal.tot = Some(Money::from(1000));
        cash.cl_bal.tot_rng_bal = Money::from(1000);
        assert!(!cash.check().is_empty());
        let p = s.period;
        update(
            &mut s,
            Msg::Sync(SyncEvent::LedgersLoaded {
                period: p,
                from,
                to,
                cash: Arc::new(cash),
                itc: Arc::new(ItcLedger::default()),
                tax: Arc::new(LiabilityLedger::default()),
                fetched_at: now(),
            }),
        );
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::render(f, &s)).unwrap();
        let text = t.backend().to_string();
        assert!(text.contains("check(s) fail"), "{text}");
        assert!(text.contains("difference"), "{text}");
        assert!(text.contains("1,000.00"), "figures as sent: {text}");
    }
}
