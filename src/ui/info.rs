//! Text popups: the `i` explanation of IMS rules and dates, and the `w` list of ledger
//! arithmetic warnings. Both scroll; the view records how far.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::dashboard::gstr2b_date;
use super::fmt::{date, wrap};
use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::state::{PagerKind, PagerState};
use crate::domain::ReturnPeriod;
use crate::domain::ims::{DEEMED_ACCEPTANCE, pending_deadline};

enum Block {
    Heading(String),
    Para(String),
}

fn info_blocks(p: ReturnPeriod) -> Vec<Block> {
    use Block::*;
    let cn_pending = if p >= ReturnPeriod::new(2025, 10).expect("valid") {
        format!(
            "A credit note in the {p} GSTR-2B can stay pending until {}.",
            date(pending_deadline(p))
        )
    } else {
        format!("For {p}, credit notes could not be kept pending.")
    };
    vec![
        Heading("Deemed acceptance".into()),
        Para(DEEMED_ACCEPTANCE.into()),
        Heading("What each action does".into()),
        Para("Accept: the ITC shows as available in GSTR-2B and flows into GSTR-3B. Reject: the ITC is not available; for credit notes the supplier's liability is added back. Pending: the record is left out of this GSTR-2B and stays in IMS. No action: deemed accepted when GSTR-2B is generated.".into()),
        Heading("How long a record can stay pending".into()),
        Para("Invoices, debit notes and upward amendments: until the ITC time limit of section 16(4). Credit notes and downward amendments: not at all before the Oct 2025 period; from Oct 2025 for one tax period only, until the GSTR-3B due date of the following period. Rows GSTN marks as not allowed to stay pending cannot be kept pending. Imports (bills of entry): accept or keep pending, never reject.".into()),
        Para(cn_pending),
        Heading(format!("Dates for {p}")),
        Para(format!(
            "GSTR-2B for {p} is generated on {}. GSTR-3B is due on {} for monthly filers (quarterly filers: the 22nd or 24th after the quarter). Actions taken after the 14th need GSTR-2B to be recomputed. Actions can change until GSTR-3B for the period is filed; filing removes accepted and rejected records from IMS, so keep your own copy.",
            date(gstr2b_date(p)),
            date(p.gstr3b_due_monthly())
        )),
        Heading("ISD and imports".into()),
        Para("The API counts ISD and import records but cannot list or act on them; act on those on the GST portal.".into()),
    ]
}

fn warning_blocks(state: &AppState) -> Vec<Block> {
    use Block::*;
    let p = state.period;
    let Some(b) = state.balance() else {
        return vec![Para(format!("No balance loaded for {p} yet."))];
    };
    if b.value.warnings.is_empty() {
        return vec![Para(format!("No arithmetic warnings: the balance for {p} adds up."))];
    }
    let mut v = vec![Para(format!(
        "GSTN's figures for {p} are shown exactly as sent. These arithmetic checks of api.md §7.2 failed ({}):",
        b.value.warnings.len()
    ))];
    for w in &b.value.warnings {
        let text = if w.expected == w.found {
            format!("• {} {}", w.rule, w.location)
        } else {
            format!(
                "• {} {}: expected {}, GSTN sent {} (difference {})",
                w.rule,
                w.location,
                w.expected.inr(),
                w.found.inr(),
                w.difference().inr()
            )
        };
        v.push(Para(text));
    }
    v
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, kind: PagerKind, pager: &PagerState, theme: &Theme) {
    let (title, blocks) = match kind {
        PagerKind::Info => (format!(" How IMS works · {} ", state.period), info_blocks(state.period)),
        PagerKind::Warnings => (format!(" Ledger warnings · {} ", state.period), warning_blocks(state)),
    };
    let popup_w = area.width.saturating_sub(4).min(76);
    // Wrap to the inner width (border + one column of padding each side).
    let text_w = popup_w.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Heading(h) => {
                if i > 0 {
                    lines.push(Line::raw(""));
                }
                lines.push(Line::from(Span::styled(h.clone(), theme.title)));
            }
            Block::Para(t) => lines.extend(
                wrap(t, text_w)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, theme.text))),
            ),
        }
    }
    let total = lines.len() as u16;
    let rect = popup::centered(area, popup_w, (total + 2).min(area.height.saturating_sub(2)).min(30));
    let inner_h = rect.height.saturating_sub(2);
    let max = total.saturating_sub(inner_h);
    pager.max_scroll.set(max);
    let scroll = pager.scroll.min(max);
    let right = (max > 0).then(|| {
        Line::from(Span::styled(
            format!(" {}-{}/{total} ", scroll + 1, (scroll + inner_h).min(total)),
            theme.dim,
        ))
    });
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}
