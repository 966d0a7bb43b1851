//! The "Changes since the last pull" popup (`W`): one summary line per section, then every
//! new, changed and gone document with what changed. Only the visible rows are drawn.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{age, count, pad_right, truncate, wrap};
use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::changes::ChangesPopup;
use crate::sync::changes::ChangeKind;

const SECTION_W: usize = 6;
const GSTIN_W: usize = 15;
const DOC_W: usize = 16;
const KIND_W: usize = 7;

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &ChangesPopup, theme: &Theme) {
    let rect = popup::centered(area, area.width.min(110), area.height);
    let totals = [ChangeKind::New, ChangeKind::Changed, ChangeKind::Gone]
        .map(|k| format!("{} {}", count(state.changes.total(k) as u64), k.label()))
        .join(" · ");
    let title = Line::from(" Changes since the last pull ");
    let right = Line::styled(format!(" {totals} "), theme.dim);
    let inner = popup::frame(f, rect, title, Some(right), theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let h = inner.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    if state.changes.sections.is_empty() {
        let msg = "Nothing compared yet. Each pull of a section (open it from the summary grid) is compared \
                   with the copy before it; the new, changed and gone documents are listed here.";
        lines.extend(wrap(msg, w).into_iter().map(|l| Line::styled(l, theme.text)));
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    // One line per section, at most a third of the popup; the rest lists the documents.
    let sections: Vec<_> = state.changes.sections.values().collect();
    let summary_rows = sections.len().min((h / 3).max(1));
    for s in sections.iter().take(summary_rows) {
        let text = format!(
            "{} · pulled {} ago · {} records",
            s.summary(),
            age(state.now, s.pulled_at),
            count(s.records as u64)
        );
        lines.push(Line::styled(truncate(&text, w), theme.dim));
    }
    if sections.len() > summary_rows {
        lines.pop();
        lines.push(Line::styled(
            truncate(&format!("… and {} more sections", sections.len() - summary_rows + 1), w),
            theme.dim,
        ));
    }
    let rest = w.saturating_sub(SECTION_W + GSTIN_W + DOC_W + KIND_W + 4);
    lines.push(Line::styled(
        truncate(
            &format!(
                "{} {} {} {} {}",
                pad_right("Sect", SECTION_W),
                pad_right("Supplier GSTIN", GSTIN_W),
                pad_right("Document", DOC_W),
                pad_right("", KIND_W),
                "What changed"
            ),
            w,
        ),
        theme.table_header,
    ));
    let rows = state.changes.rows();
    if rows.is_empty() {
        lines.push(Line::styled("No documents changed in the last pulls.", theme.text));
    }
    let selected = p.selected.min(rows.len().saturating_sub(1));
    // The selected change in full at the bottom: a row shows only what fits.
    let footer: Vec<String> = rows
        .get(selected)
        .map(|(_, c)| {
            let mut v = wrap(&format!("{} {}: {}", c.key.stin, c.key.doc_num, c.describe()), w);
            v.truncate(2);
            v
        })
        .unwrap_or_default();
    let list_h = h.saturating_sub(lines.len() + footer.len() + 1);
    let mut offset = p.offset.get().min(selected);
    if list_h > 0 && selected >= offset + list_h {
        offset = selected + 1 - list_h;
    }
    p.offset.set(offset);
    for (i, (section, c)) in rows.iter().enumerate().skip(offset).take(list_h) {
        let kind_style = match c.kind {
            ChangeKind::New => theme.ok,
            ChangeKind::Changed => theme.warn,
            ChangeKind::Gone => theme.error,
        };
        let style = if i == selected { theme.selection } else { theme.text };
        let kind_style = if i == selected { theme.selection } else { kind_style };
        let lead = format!(
            "{} {} {} ",
            pad_right(&section.key().to_ascii_uppercase(), SECTION_W),
            pad_right(&truncate(&c.key.stin, GSTIN_W), GSTIN_W),
            pad_right(&truncate(&c.key.doc_num, DOC_W), DOC_W),
        );
        let kind = format!("{} ", pad_right(c.kind.label(), KIND_W));
        let what = pad_right(&truncate(&c.describe(), rest), rest);
        lines.push(Line::from(vec![
            Span::styled(lead, style),
            Span::styled(kind, kind_style),
            Span::styled(what, style),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
    let fh = footer.len() as u16;
    if fh > 0 && inner.height > fh {
        let area = Rect {
            y: inner.y + inner.height - fh,
            height: fh,
            ..inner
        };
        let lines: Vec<Line> = footer.into_iter().map(|l| Line::styled(l, theme.text)).collect();
        f.render_widget(Paragraph::new(lines), area);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use insta::assert_snapshot;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::msg::Msg;
    use crate::app::state::{ProfileInfo, ThemeName};
    use crate::app::update::update;
    use crate::app::{AppState, Popup};
    use crate::domain::{ReturnPeriod, Section};
    use crate::sync::SyncEvent;
    use crate::sync::changes::{ChangeKind, FieldChange, RecordChange, SectionChanges};

    fn state() -> AppState {
        let mut s = AppState::new(
            ProfileInfo {
                name: "Acme Traders Pvt Ltd".into(),
                gstin: "27AAKCA4821K1ZI".into(),
                username: "acme.traders".into(),
                environment_label: "SIMULATOR".into(),
            },
            ReturnPeriod::new(2025, 10).unwrap(),
            ThemeName::Mono,
        );
        s.now = Utc.with_ymd_and_hms(2025, 11, 12, 6, 5, 0).unwrap();
        s
    }

    fn change(kind: ChangeKind, stin: &str, doc: &str, fields: &[(&str, &str, &str)]) -> RecordChange {
        RecordChange {
            key: crate::domain::RecordKey {
                section: Section::B2b,
                stin: stin.into(),
                doc_num: doc.into(),
                doc_date: "01-10-2025".into(),
            },
            kind,
            fields: fields
                .iter()
                .map(|(f, o, n)| FieldChange {
                    field: (*f).into(),
                    old: (*o).into(),
                    new: (*n).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn changes_popup_at_80x24() {
        let mut s = state();
        let at = Utc.with_ymd_and_hms(2025, 11, 12, 6, 0, 0).unwrap();
        let mut b2b = SectionChanges {
            section: Section::B2b,
            pulled_at: at,
            previous_at: at - chrono::Duration::hours(3),
            records: 1204,
            changes: vec![
                change(ChangeKind::New, "27AAPFU0939F1ZV", "INV/2025/0912", &[]),
                change(
                    ChangeKind::Changed,
                    "29AABCT1332L1ZW",
                    "TX-88812",
                    &[
                        ("taxable value", "1,20,000.00", "1,21,000.00"),
                        ("IGST", "21,600.00", "21,780.00"),
                    ],
                ),
                change(
                    ChangeKind::Changed,
                    "27AAACR5055K1Z5",
                    "R-4410",
                    &[("action", "No action", "Accepted")],
                ),
                change(ChangeKind::Gone, "24AAACC1206D1ZM", "GJ-771", &[]),
            ],
        };
        for c in &mut b2b.changes {
            c.key.section = Section::B2b;
        }
        let cn = SectionChanges {
            section: Section::B2bCn,
            pulled_at: at,
            previous_at: at - chrono::Duration::days(2),
            records: 88,
            changes: vec![],
        };
        for c in [b2b, cn] {
            update(
                &mut s,
                Msg::Sync(SyncEvent::PullChanges {
                    changes: Arc::new(c),
                    from_cache: true,
                }),
            );
        }
        update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('W'), KeyModifiers::NONE)));
        update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)));
        assert!(matches!(s.popup, Some(Popup::Changes(_))));
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::render(f, &s)).unwrap();
        assert_snapshot!(t.backend());
    }
}
