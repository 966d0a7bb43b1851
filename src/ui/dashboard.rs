//! The dashboard: the portal's IMS summary (goods-type tabs, sections × actions grid) and the
//! ledger balance of the selected period, each saying how old its data is.
//!
//! Layout: at 80×24 the panels stack (tabs, counts, balance). Wide terminals put counts and
//! balance side by side; tall ones add the cash ledger by minor head and the key dates.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::fmt::{self, count, countdown, fetched_label, wrap};
use super::theme::Theme;
use super::widgets::spinner;
use crate::api::wire::{CountGroup, SectionName};
use crate::app::state::BalanceData;
use crate::app::{Action, AppState, Context, Fetched};
use crate::domain::ims::StatusCounts;
use crate::domain::ledger::{Head, MinorHeads};
use crate::domain::{GoodsType, Money, ReturnPeriod};
use crate::sync::JobKind;

/// Side by side from this width.
const WIDE: u16 = 150;
/// Width of each count column.
const COUNT_W: u16 = 10;
/// The counts grid grows no wider than this.
const GRID_MAX_W: u16 = 80;
/// Minimum width of an amount column: `12,34,567.89`.
const MONEY_W: usize = 12;
const STATUS_COLS: [&str; 5] = ["No action", "Accepted", "Rejected", "Pending", "Total"];

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.width >= WIDE && area.height >= 20 {
        let lw = (area.width - 2) / 2;
        let [left, _, right] =
            Layout::horizontal([Constraint::Length(lw), Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        let counts = CountsView::new(state, state.goods, left.width);
        let mut l = Stack::new(left, 1 + counts.height());
        l.push(f, 1, |f, r| tabs(f, r, state, theme));
        l.push(f, counts.height(), |f, r| counts.render(f, r, state, theme));
        l.gap();
        let att = attention_lines(state, left.width);
        if !att.is_empty() {
            l.push_optional(f, 1 + att.len() as u16, |f, r| attention(f, r, att, theme));
        }

        let bal = BalanceView::new(state, right.width);
        let mut r = Stack::new(right, 1 + bal.height());
        r.gap();
        r.push(f, bal.height(), |f, a| bal.render(f, a, state, theme));
        r.gap();
        if let Some(b) = state.balance() {
            r.push_optional(f, CASH_DETAIL_H, |f, a| cash_detail(f, a, &b.value, theme));
            r.gap();
        }
        r.push_optional(f, key_dates_height(state, right.width), |f, a| {
            key_dates(f, a, state, theme)
        });
    } else {
        let counts = CountsView::new(state, state.goods, area.width);
        let bal = BalanceView::new(state, area.width);
        let mut s = Stack::new(area, 1 + counts.height() + bal.height());
        s.push(f, 1, |f, r| tabs(f, r, state, theme));
        s.push(f, counts.height(), |f, r| counts.render(f, r, state, theme));
        s.gap();
        s.push(f, bal.height(), |f, r| bal.render(f, r, state, theme));
        s.gap();
        let att = attention_lines(state, area.width);
        if !att.is_empty() {
            s.push_optional(f, 1 + att.len() as u16, |f, r| attention(f, r, att, theme));
            s.gap();
        }
        if let Some(b) = state.balance() {
            s.push_optional(f, CASH_DETAIL_H, |f, r| cash_detail(f, r, &b.value, theme));
            s.gap();
        }
        s.push_optional(f, key_dates_height(state, area.width), |f, r| {
            key_dates(f, r, state, theme)
        });
    }
}

/// Places panels top to bottom. Required panels are clipped to what is left; optional ones
/// are skipped unless they fit whole; blank gaps are only spent while the required panels
/// still fit.
struct Stack {
    area: Rect,
    y: u16,
    /// Rows not needed by required panels, available for gaps.
    spare: u16,
}

impl Stack {
    fn new(area: Rect, required: u16) -> Stack {
        Stack {
            area,
            y: area.y,
            spare: area.height.saturating_sub(required),
        }
    }
    fn left(&self) -> u16 {
        (self.area.y + self.area.height).saturating_sub(self.y)
    }
    fn push(&mut self, f: &mut Frame, h: u16, draw: impl FnOnce(&mut Frame, Rect)) {
        let h = h.min(self.left());
        if h == 0 {
            return;
        }
        draw(
            f,
            Rect {
                x: self.area.x,
                y: self.y,
                width: self.area.width,
                height: h,
            },
        );
        self.y += h;
    }
    fn push_optional(&mut self, f: &mut Frame, h: u16, draw: impl FnOnce(&mut Frame, Rect)) {
        if h <= self.left() {
            self.spare = self.spare.saturating_sub(h);
            self.push(f, h, draw);
        }
    }
    fn gap(&mut self) {
        if self.spare > 0 && self.left() > 0 {
            self.spare -= 1;
            self.y += 1;
        }
    }
}

/// A titled rule: `── Title ──────── right ─`, returns the area below it.
fn panel<'a>(f: &mut Frame, area: Rect, title: Vec<Span<'a>>, right: Option<Span<'a>>, theme: &Theme) -> Rect {
    let mut block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.rule)
        .title_top(Line::from(title));
    if let Some(r) = right {
        block = block.title_top(Line::from(vec![Span::raw(" "), r, Span::raw(" ")]).right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}

/// "fetched 2 min ago", "⠋ loading…", "✖ failed · cached · 3 h old" for a panel title.
fn status_span<'a, T>(
    state: &AppState,
    job: JobKind,
    data: Option<&Fetched<T>>,
    error: Option<&str>,
    theme: &Theme,
) -> Span<'a> {
    let age = data.map(|d| fetched_label(state.now, d));
    if state.is_loading(job) {
        let text = match &age {
            Some(a) => format!("{} refreshing · {a}", spinner::frame(state.spinner)),
            None => format!("{} loading…", spinner::frame(state.spinner)),
        };
        return Span::styled(text, theme.spinner);
    }
    match (error, age) {
        (Some(_), Some(a)) => Span::styled(format!("✖ refresh failed · {a}"), theme.error),
        (Some(_), None) => Span::styled("✖ failed", theme.error),
        (None, Some(a)) => Span::styled(
            a,
            if data.is_some_and(|d| d.from_cache) {
                theme.attention
            } else {
                theme.dim
            },
        ),
        (None, None) => {
            let key = state
                .keymap
                .key_for(Context::Dashboard, Action::Refresh)
                .unwrap_or_default();
            Span::styled(format!("not loaded · {key} to refresh"), theme.dim)
        }
    }
}

// ---- Tabs ------------------------------------------------------------------------------

fn short_label(g: GoodsType) -> &'static str {
    match g {
        GoodsType::Others => "Other ITC",
        GoodsType::Isd => "ISD",
        GoodsType::Imports => "Imports",
    }
}

fn tabs(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let badge = |g: GoodsType| -> String {
        let p = state.counts(g);
        match (&p.data, &p.error) {
            (Some(d), _) => count(d.value.sections.iter().map(|(_, c)| c.total()).sum()),
            (None, _) if state.is_loading(JobKind::Counts(g)) => spinner::frame(state.spinner).to_string(),
            (None, Some(_)) => "✖".into(),
            (None, None) => String::new(),
        }
    };
    let build = |full: bool, badges: bool| -> Vec<Span> {
        let mut spans = vec![Span::raw(" ")];
        for (i, g) in GoodsType::ALL.into_iter().enumerate() {
            let selected = g == state.goods;
            let label = if full { g.label() } else { short_label(g) };
            let b = if badges { badge(g) } else { String::new() };
            let style = if selected { theme.tab_selected } else { theme.tab };
            spans.push(Span::styled(format!(" {} {label} ", i + 1), style));
            if !b.is_empty() {
                spans.push(Span::styled(
                    format!("{b} "),
                    if selected { theme.tab_selected } else { theme.dim },
                ));
            }
            spans.push(Span::raw(" "));
        }
        spans
    };
    let w = area.width as usize;
    let fits = |s: &Vec<Span>| s.iter().map(Span::width).sum::<usize>() <= w;
    let spans = [build(true, true), build(false, true), build(false, false)]
        .into_iter()
        .find(fits)
        .unwrap_or_else(|| build(false, false));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

// ---- Counts grid -----------------------------------------------------------------------

/// One row of the grid: a label and the counts (`None`: not in the response).
struct GridRow {
    label: String,
    counts: Option<StatusCounts>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Note {
    Good,
    Warn,
    Error,
    Plain,
}

struct CountsView {
    goods: GoodsType,
    rows: Vec<GridRow>,
    /// Lines under the grid: the ttl_cnt check, the error, the tab's note.
    notes: Vec<(String, Note)>,
    has_data: bool,
}

impl CountsView {
    fn new(state: &AppState, goods: GoodsType, width: u16) -> CountsView {
        let panel = state.counts(goods);
        let group: Option<&CountGroup> = panel.data.as_ref().map(|d| &d.value);
        let mut rows: Vec<GridRow> = goods
            .sections()
            .iter()
            .map(|s| GridRow {
                label: s.label().to_string(),
                counts: group.and_then(|g| {
                    g.sections
                        .iter()
                        .find(|(n, _)| *n == SectionName::Known(*s))
                        .map(|(_, c)| *c)
                }),
            })
            .collect();
        // Sections the grid does not expect are shown, not dropped.
        if let Some(g) = group {
            for (name, c) in &g.sections {
                let expected = matches!(name, SectionName::Known(s) if goods.sections().contains(s));
                if !expected {
                    let label = match name {
                        SectionName::Known(s) => format!("{} (unexpected)", s.label()),
                        SectionName::Unknown(k) => format!("{k} (unknown)"),
                    };
                    rows.push(GridRow {
                        label,
                        counts: Some(*c),
                    });
                }
            }
        }
        let text_w = width.saturating_sub(2) as usize;
        let mut notes = Vec::new();
        let queued = state.ims.staged_unsent();
        if queued > 0
            && goods
                .sections()
                .iter()
                .any(|s| state.ims.outbox.values().any(|d| d.decision.section == *s))
        {
            notes.push((
                format!(
                    "a→b, b*: counts after {} local decisions not saved yet",
                    count(queued as u64)
                ),
                Note::Warn,
            ));
        }
        if let Some(g) = group {
            let sum: u64 = g.sections.iter().map(|(_, c)| c.total()).sum();
            if sum == g.ttl_cnt {
                notes.push((
                    format!("✓ API total (ttl_cnt) {} matches the sections", count(g.ttl_cnt)),
                    Note::Good,
                ));
            } else {
                let diff = g.ttl_cnt as i128 - sum as i128;
                notes.push((
                    format!(
                        "⚠ API total (ttl_cnt) is {}, the sections add up to {} (difference {diff:+})",
                        count(g.ttl_cnt),
                        count(sum)
                    ),
                    Note::Warn,
                ));
            }
        }
        if let Some(e) = &panel.error {
            // One line: the toast and the status bar carry the full message.
            notes.push((
                fmt::truncate(&format!("✖ {}", e.lines().next().unwrap_or("")), text_w),
                Note::Error,
            ));
        }
        let note = match goods {
            GoodsType::Others => None,
            GoodsType::Isd => Some(
                "Note: ISD records can be counted but not listed or acted on through the API; act on them on the GST portal.",
            ),
            GoodsType::Imports => Some(
                "Note: imports can be counted but not acted on through the API. On the portal a bill of entry can be accepted or kept pending, not rejected.",
            ),
        };
        if let Some(n) = note {
            for l in wrap(n, text_w) {
                notes.push((l, Note::Plain));
            }
        }
        CountsView {
            goods,
            rows,
            notes,
            has_data: group.is_some(),
        }
    }

    fn height(&self) -> u16 {
        // rule + header + rows + total + notes
        (1 + 1 + self.rows.len() + 1 + self.notes.len()) as u16
    }

    fn render(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
        let counts = state.counts(self.goods);
        let title = vec![Span::styled(
            format!(" IMS summary · {} ", self.goods.label()),
            theme.title,
        )];
        let status = status_span(
            state,
            JobKind::Counts(self.goods),
            counts.data.as_ref(),
            counts.error.as_deref(),
            theme,
        );
        let inner = panel(f, area, title, Some(status), theme);
        if inner.height == 0 {
            return;
        }
        let loading = state.is_loading(JobKind::Counts(self.goods));
        let placeholder = if loading && !self.has_data { "…" } else { "–" };

        let num = |n: u64, col: usize| -> Cell {
            let style = if n == 0 {
                theme.dim
            } else if col == 0 {
                theme.attention
            } else if col == 4 {
                theme.total
            } else {
                theme.text
            };
            Cell::from(Line::from(count(n)).right_aligned()).style(style)
        };
        let values = |c: &StatusCounts| [c.noaction, c.accept, c.reject, c.pending, c.total()];

        let header = Row::new(
            std::iter::once(Cell::from("Section"))
                .chain(STATUS_COLS.iter().map(|h| Cell::from(Line::from(*h).right_aligned())))
                .collect::<Vec<_>>(),
        )
        .style(theme.table_header);
        let mut rows: Vec<Row> = Vec::new();
        let mut sum = [0u64; 5];
        // The grid cursor (drill-down) is drawn only while no popup has the keys.
        let cursor = state
            .popup
            .is_none()
            .then_some((state.ims.grid_row_for(self.goods), state.ims.grid_col));
        for (ri, r) in self.rows.iter().enumerate() {
            let mut cells = vec![Cell::from(r.label.clone())];
            let section = self.goods.sections().get(ri).copied();
            match &r.counts {
                Some(c) => {
                    // Counts after the local (unsaved) decisions, beside the API's.
                    let local = section.and_then(|s| state.ims.local_counts(s, *c)).map(|l| values(&l));
                    for (i, v) in values(c).into_iter().enumerate() {
                        sum[i] += v;
                        match local {
                            Some(l) if l[i] != v => {
                                let both = format!("{}→{}", count(v), count(l[i]));
                                let text = if both.chars().count() <= COUNT_W as usize {
                                    both
                                } else {
                                    format!("{}*", count(l[i]))
                                };
                                cells.push(Cell::from(Line::from(text).right_aligned()).style(theme.key));
                            }
                            _ => cells.push(num(v, i)),
                        }
                    }
                }
                None => {
                    cells.extend((0..5).map(|_| Cell::from(Line::from(placeholder).right_aligned()).style(theme.dim)))
                }
            }
            if let Some((row, col)) = cursor
                && row == ri
                && let Some(cell) = cells.get_mut(col + 1)
            {
                *cell = std::mem::take(cell).style(theme.selection);
            }
            rows.push(Row::new(cells));
        }
        let mut total = vec![Cell::from("Total")];
        if self.has_data {
            total.extend(sum.iter().map(|v| Cell::from(Line::from(count(*v)).right_aligned())));
        } else {
            total.extend((0..5).map(|_| Cell::from(Line::from(placeholder).right_aligned())));
        }
        rows.push(Row::new(total).style(theme.total));

        let widths = std::iter::once(Constraint::Min(12))
            .chain(std::iter::repeat_n(Constraint::Length(COUNT_W), 5))
            .collect::<Vec<_>>();
        let grid_h = (self.rows.len() + 2) as u16;
        // Keep numbers near their labels on wide terminals.
        let grid_w = inset(inner).width.min(GRID_MAX_W);
        let table_area = Rect {
            height: grid_h.min(inner.height),
            width: grid_w,
            ..inset(inner)
        };
        f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), table_area);

        let notes_area = Rect {
            y: table_area.y + table_area.height,
            height: inner.height.saturating_sub(table_area.height),
            ..inset(inner)
        };
        let lines: Vec<Line> = self
            .notes
            .iter()
            .map(|(t, kind)| {
                let style = match kind {
                    Note::Good => theme.ok,
                    Note::Warn => theme.warn,
                    Note::Error => theme.error,
                    Note::Plain => theme.dim,
                };
                Line::from(Span::styled(t.clone(), style))
            })
            .collect();
        f.render_widget(Paragraph::new(lines), notes_area);
    }
}

/// One column of padding on the left.
fn inset(r: Rect) -> Rect {
    Rect {
        x: r.x + 1,
        width: r.width.saturating_sub(1),
        ..r
    }
}

// ---- Balance -------------------------------------------------------------------------

pub(crate) struct BalanceView {
    /// Heads as columns (portal style) when the amounts fit; heads as rows otherwise.
    transposed: bool,
    label_w: usize,
    col_w: usize,
    rows: Vec<(&'static str, [String; 5])>,
    error_lines: Vec<String>,
    warnings: usize,
}

impl BalanceView {
    pub(crate) fn new(state: &AppState, width: u16) -> BalanceView {
        let data = state.balance().map(|b| &b.value);
        let dash = || std::array::from_fn::<String, 5, _>(|_| "–".to_string());
        let amounts = |f: &dyn Fn(Head) -> Money| -> [String; 5] {
            let total: Money = Head::ALL.iter().map(|h| f(*h)).sum();
            [
                f(Head::Igst).inr(),
                f(Head::Cgst).inr(),
                f(Head::Sgst).inr(),
                f(Head::Cess).inr(),
                total.inr(),
            ]
        };
        let mut rows = Vec::new();
        match data {
            Some(d) => {
                let b = &d.balance;
                // Cash per head is `<head>_tot_bal`, as GSTN sends it.
                rows.push(("Cash", amounts(&|h| b.cash_bal.head(h).1)));
                rows.push(("ITC", amounts(&|h| b.itc_bal.head(h))));
                if let Some(bl) = &b.itc_blck_bal {
                    rows.push(("Blocked ITC", amounts(&|h| bl.head(h))));
                }
            }
            None => {
                rows.push(("Cash", dash()));
                rows.push(("ITC", dash()));
            }
        }
        let label_w = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(4).max(4);
        // Room for lakhs even before data arrives, so the layout does not jump.
        let col_w = rows
            .iter()
            .flat_map(|(_, v)| v.iter().map(|s| fmt::width(s)))
            .max()
            .unwrap_or(1)
            .max(MONEY_W);
        let avail = width.saturating_sub(2) as usize;
        let transposed = label_w + 5 * (col_w + 1) <= avail;
        // One line: the toast and the status bar carry the full message.
        let error_lines = state
            .balance_error
            .iter()
            .map(|e| fmt::truncate(&format!("✖ {}", e.lines().next().unwrap_or("")), avail))
            .collect();
        BalanceView {
            transposed,
            label_w,
            col_w,
            rows,
            error_lines,
            warnings: data.map_or(0, |d| d.warnings.len()),
        }
    }

    pub(crate) fn height(&self) -> u16 {
        let body = if self.transposed { 1 + self.rows.len() } else { 1 + 5 };
        (1 + body + self.error_lines.len()) as u16
    }

    pub(crate) fn render(&self, f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
        let mut title = vec![Span::styled(
            format!(" Ledger balance · {} ", state.period),
            theme.title,
        )];
        if self.warnings > 0 {
            let key = state
                .keymap
                .key_for(Context::Dashboard, Action::OpenWarnings)
                .unwrap_or_default();
            let s = if self.warnings == 1 { "" } else { "s" };
            title.push(Span::styled(
                format!("⚠ {} warning{s} · {key} ", self.warnings),
                theme.warn,
            ));
        }
        let data = state.balance();
        let status = status_span(state, JobKind::Balance, data, state.balance_error.as_deref(), theme);
        let inner = panel(f, area, title, Some(status), theme);
        let area = inset(inner);
        let heads = ["IGST", "CGST", "SGST", "CESS", "Total"];
        let cw = self.col_w as u16;
        let table = if self.transposed {
            let header = Row::new(
                std::iter::once(Cell::from("₹"))
                    .chain(heads.iter().map(|h| Cell::from(Line::from(*h).right_aligned())))
                    .collect::<Vec<_>>(),
            )
            .style(theme.table_header);
            let rows = self.rows.iter().map(|(label, v)| {
                Row::new(
                    std::iter::once(Cell::from(*label))
                        .chain(v.iter().enumerate().map(|(i, s)| money_cell(s, i == 4, theme)))
                        .collect::<Vec<_>>(),
                )
            });
            let widths = std::iter::once(Constraint::Length(self.label_w as u16))
                .chain(std::iter::repeat_n(Constraint::Length(cw), 5))
                .collect::<Vec<_>>();
            Table::new(rows, widths).header(header).column_spacing(1)
        } else {
            let header = Row::new(
                std::iter::once(Cell::from("₹"))
                    .chain(
                        self.rows
                            .iter()
                            .map(|(l, _)| Cell::from(Line::from(*l).right_aligned())),
                    )
                    .collect::<Vec<_>>(),
            )
            .style(theme.table_header);
            let rows = heads.iter().enumerate().map(|(i, h)| {
                Row::new(
                    std::iter::once(Cell::from(*h))
                        .chain(self.rows.iter().map(|(_, v)| money_cell(&v[i], i == 4, theme)))
                        .collect::<Vec<_>>(),
                )
                .style(if i == 4 { theme.total } else { Style::new() })
            });
            let widths = std::iter::once(Constraint::Length(5))
                .chain(std::iter::repeat_n(Constraint::Length(cw), self.rows.len()))
                .collect::<Vec<_>>();
            Table::new(rows, widths).header(header).column_spacing(2)
        };
        let table_h = area.height.saturating_sub(self.error_lines.len() as u16);
        f.render_widget(
            table,
            Rect {
                height: table_h,
                ..area
            },
        );
        let lines: Vec<Line> = self
            .error_lines
            .iter()
            .map(|l| Line::from(Span::styled(l.clone(), theme.error)))
            .collect();
        f.render_widget(
            Paragraph::new(lines),
            Rect {
                y: area.y + table_h,
                height: area.height - table_h,
                ..area
            },
        );
    }
}

fn money_cell<'a>(s: &str, total: bool, theme: &Theme) -> Cell<'a> {
    let style = if s.starts_with('-') {
        theme.warn
    } else if s == "0.00" || s == "–" {
        theme.dim
    } else if total {
        theme.total
    } else {
        theme.text
    };
    Cell::from(Line::from(s.to_string()).right_aligned()).style(style)
}

// ---- Cash ledger by minor head (tall/wide terminals) -----------------------------------

pub(crate) const CASH_DETAIL_H: u16 = 8;

pub(crate) fn cash_detail(f: &mut Frame, area: Rect, data: &BalanceData, theme: &Theme) {
    let inner = inset(panel(
        f,
        area,
        vec![Span::styled(" Cash ledger by minor head ", theme.title)],
        None,
        theme,
    ));
    let cash = &data.balance.cash_bal;
    type Minor = fn(&MinorHeads) -> Money;
    let minor: [(&str, Minor); 5] = [
        ("Tax", |m| m.tx),
        ("Interest", |m| m.intr),
        ("Penalty", |m| m.pen),
        ("Fee", |m| m.fee),
        ("Others", |m| m.oth),
    ];
    let mut table: Vec<(&str, Vec<String>)> = minor
        .iter()
        .map(|(l, get)| (*l, Head::ALL.iter().map(|h| get(cash.head(*h).0).inr()).collect()))
        .collect();
    table.push(("Total", Head::ALL.iter().map(|h| cash.head(*h).1.inr()).collect()));
    let cw = table
        .iter()
        .flat_map(|(_, v)| v.iter().map(|s| fmt::width(s)))
        .max()
        .unwrap_or(4)
        .max(MONEY_W) as u16;
    let header = Row::new(
        std::iter::once(Cell::from("₹"))
            .chain(
                Head::ALL
                    .iter()
                    .map(|h| Cell::from(Line::from(h.label()).right_aligned())),
            )
            .collect::<Vec<_>>(),
    )
    .style(theme.table_header);
    let rows = table.iter().map(|(l, v)| {
        let is_total = *l == "Total";
        Row::new(
            std::iter::once(Cell::from(*l))
                .chain(v.iter().map(|s| money_cell(s, is_total, theme)))
                .collect::<Vec<_>>(),
        )
        .style(if is_total { theme.total } else { Style::new() })
    });
    let widths = std::iter::once(Constraint::Length(8))
        .chain(std::iter::repeat_n(Constraint::Length(cw), 4))
        .collect::<Vec<_>>();
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(2), inner);
}

// ---- Key dates -----------------------------------------------------------------------

/// GSTR-2B for `p` is generated on the 14th of the next month.
pub fn gstr2b_date(p: ReturnPeriod) -> chrono::NaiveDate {
    p.next().first_day().with_day(14).expect("valid date")
}

use chrono::Datelike;

fn key_date_lines(state: &AppState, width: u16) -> Vec<Line<'static>> {
    let p = state.period;
    let today = state.today();
    let b2 = gstr2b_date(p);
    let due = p.gstr3b_due_monthly();
    let w = width.saturating_sub(2) as usize;
    let info = state
        .keymap
        .key_for(Context::Dashboard, Action::OpenInfo)
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::raw(fmt::pad_right("GSTR-2B (draft) generated", 29)),
            Span::raw(fmt::pad_left(&fmt::date(b2), 12)),
            Span::raw("  "),
            Span::raw(countdown(today, b2)),
        ]),
        Line::from(vec![
            Span::raw(fmt::pad_right("GSTR-3B due (monthly filers)", 29)),
            Span::raw(fmt::pad_left(&fmt::date(due), 12)),
            Span::raw("  "),
            Span::raw(countdown(today, due)),
        ]),
    ];
    let text = format!(
        "No action at generation = deemed accepted. Actions can change until GSTR-3B is filed; after the 14th, recompute 2B. {info} explains."
    );
    lines.extend(wrap(&text, w).into_iter().map(Line::from));
    lines
}

fn key_dates_height(state: &AppState, width: u16) -> u16 {
    1 + key_date_lines(state, width).len() as u16
}

fn key_dates(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let inner = inset(panel(
        f,
        area,
        vec![Span::styled(format!(" Key dates · {} ", state.period), theme.title)],
        None,
        theme,
    ));
    let lines: Vec<Line> = key_date_lines(state, area.width)
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i < 2 { l.style(theme.text) } else { l.style(theme.dim) })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

// ---- Needs attention -------------------------------------------------------------------

/// The next GSTR-2B generation on or after `today` (the 14th) and the period it is for.
pub fn next_gstr2b(today: chrono::NaiveDate) -> (chrono::NaiveDate, ReturnPeriod) {
    let this = ReturnPeriod::of_date(today);
    if today.day() <= 14 {
        (gstr2b_date(this.prev()), this.prev())
    } else {
        (gstr2b_date(this), this)
    }
}

fn attention_lines(state: &AppState, width: u16) -> Vec<(String, Note)> {
    let w = width.saturating_sub(2) as usize;
    let loaded: Vec<(GoodsType, &CountGroup)> = GoodsType::ALL
        .into_iter()
        .filter_map(|g| state.counts(g).data.as_ref().map(|d| (g, &d.value)))
        .collect();
    let mut items: Vec<(String, Note)> = Vec::new();
    let mut push = |text: String, kind: Note| items.push((text, kind));
    if loaded.is_empty() {
        return vec![];
    }
    let sum = |f: fn(&StatusCounts) -> u64| -> Vec<(GoodsType, u64)> {
        loaded
            .iter()
            .map(|(g, grp)| (*g, grp.sections.iter().map(|(_, c)| f(c)).sum()))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let split = |v: &[(GoodsType, u64)]| -> String {
        if v.len() < 2 {
            return String::new();
        }
        format!(
            " ({})",
            v.iter()
                .map(|(g, n)| format!("{} {}", short_label(*g), count(*n)))
                .collect::<Vec<_>>()
                .join(" · ")
        )
    };
    let today = state.today();
    let (generated, for_period) = next_gstr2b(today);
    let no_action = sum(|c| c.noaction);
    let n: u64 = no_action.iter().map(|(_, n)| n).sum();
    if n > 0 {
        push(
            format!(
                "• {} with no action{} will be deemed accepted when GSTR-2B for {for_period} is generated on {} ({}).",
                plural(n, "record", "records"),
                split(&no_action),
                fmt::date(generated),
                countdown(today, generated)
            ),
            Note::Warn,
        );
    }
    let pending = sum(|c| c.pending);
    let p: u64 = pending.iter().map(|(_, n)| n).sum();
    if p > 0 {
        let cn: u64 = loaded
            .iter()
            .flat_map(|(_, g)| g.sections.iter())
            .filter(|(s, _)| matches!(s, SectionName::Known(s) if s.is_credit_note()))
            .map(|(_, c)| c.pending)
            .sum();
        let cn_note = if cn > 0 {
            format!(
                "; {} may stay pending for one tax period only",
                plural(cn, "credit note", "credit notes")
            )
        } else {
            String::new()
        };
        push(
            format!(
                "• {} pending{}: left out of GSTR-2B until acted on{cn_note}.",
                plural(p, "record", "records"),
                split(&pending)
            ),
            Note::Plain,
        );
    }
    for (g, grp) in &loaded {
        let total: u64 = grp.sections.iter().map(|(_, c)| c.total()).sum();
        if total != grp.ttl_cnt {
            push(
                format!(
                    "• {}: the API total ({}) disagrees with its sections ({}).",
                    g.label(),
                    count(grp.ttl_cnt),
                    count(total)
                ),
                Note::Warn,
            );
        }
    }
    if let Some(b) = state.balance().filter(|b| !b.value.warnings.is_empty()) {
        let key = state
            .keymap
            .key_for(Context::Dashboard, Action::OpenWarnings)
            .unwrap_or_default();
        push(
            format!(
                "• {} on the {} balance: press {key}.",
                plural(
                    b.value.warnings.len() as u64,
                    "ledger check failed",
                    "ledger checks failed"
                ),
                state.period
            ),
            Note::Warn,
        );
    }
    if items.is_empty() {
        items.push(("✓ Nothing in IMS is waiting for a decision.".into(), Note::Good));
    }
    // Bullets hang: continuation lines are indented under the text.
    items
        .into_iter()
        .flat_map(|(text, kind)| {
            wrap(&text, w.saturating_sub(2))
                .into_iter()
                .enumerate()
                .map(move |(i, l)| (if i == 0 { l } else { format!("  {l}") }, kind))
        })
        .collect()
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n))
    }
}

fn attention(f: &mut Frame, area: Rect, lines: Vec<(String, Note)>, theme: &Theme) {
    let inner = inset(panel(
        f,
        area,
        vec![Span::styled(" Needs attention ", theme.title)],
        None,
        theme,
    ));
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|(t, kind)| {
            let style = match kind {
                Note::Good => theme.ok,
                Note::Warn => theme.attention,
                Note::Error => theme.error,
                Note::Plain => theme.text,
            };
            Line::from(Span::styled(t, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
