//! The quick balance popup (`b`): cash and ITC balance per head for the selected period, the
//! cash ledger by minor head, how old the figures are and whether they add up. It reuses the
//! dashboard's balance panels, so both always show the same thing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::dashboard::{BalanceView, CASH_DETAIL_H, cash_detail};
use super::theme::Theme;
use super::widgets::popup;
use crate::app::AppState;
use crate::app::keymap::{Action, Context};

pub fn render(f: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let w = area.width.min(80);
    let view = BalanceView::new(state, w.saturating_sub(2));
    let data = state.balance();
    let detail_h = if data.is_some() { CASH_DETAIL_H } else { 0 };
    let h = (2 + view.height() + detail_h + 1).min(area.height);
    let outer = popup::centered(area, w, h);
    f.render_widget(Clear, outer);
    let title = Line::from(format!(" Quick balance · {} ", state.period));
    let rect = popup::frame(f, outer, title, None, theme);
    let top_h = view.height().min(rect.height);
    view.render(f, Rect { height: top_h, ..rect }, state, theme);
    if let Some(b) = data {
        let detail = Rect {
            y: rect.y + top_h,
            height: detail_h.min(rect.height.saturating_sub(top_h + 1)),
            ..rect
        };
        if detail.height > 2 {
            cash_detail(f, detail, &b.value, theme);
        }
    }
    let key = |a: Action| {
        state
            .keymap
            .key_for(Context::QuickBalance, a)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let mut spans = vec![
        Span::styled(format!(" {} ", key(Action::Refresh)), theme.key),
        Span::styled("refresh ", theme.text),
        Span::styled(
            format!("{} {} ", key(Action::PrevPeriod), key(Action::NextPeriod)),
            theme.key,
        ),
        Span::styled("period ", theme.text),
        Span::styled(format!("{} ", key(Action::Close)), theme.key),
        Span::styled("close", theme.text),
    ];
    if let Some(n) = data.map(|b| b.value.warnings.len()).filter(|n| *n > 0) {
        spans.push(Span::styled(
            format!(
                "  ⚠ {n} check(s) fail: {} for the differences",
                key(Action::OpenWarnings)
            ),
            theme.warn,
        ));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect {
            y: rect.y + rect.height.saturating_sub(1),
            height: 1,
            ..rect
        },
    );
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use insta::assert_snapshot;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::fixtures::{loaded_state, loading_state};
    use crate::app::{Msg, Popup, ThemeName, update};
    use crate::sync::SyncCommand;

    fn draw(s: &crate::app::AppState) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::render(f, s)).unwrap();
        t
    }
    fn press(s: &mut crate::app::AppState, c: char) -> Vec<SyncCommand> {
        update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
    }

    #[test]
    fn quick_balance_80x24() {
        let mut s = loaded_state(ThemeName::Dark);
        assert!(press(&mut s, 'b').is_empty(), "a loaded balance is not refetched");
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("Ledger balance · Oct 2025"), "{text}");
        assert!(text.contains("Cash ledger by minor head"), "{text}");
        assert_snapshot!(t.backend());
        // `[` moves to the previous period and fetches it; `b` closes.
        assert_eq!(
            press(&mut s, '['),
            vec![SyncCommand::RefreshBalance { period: s.period }]
        );
        press(&mut s, 'b');
        assert!(s.popup.is_none());
    }

    #[test]
    fn quick_balance_fetches_when_nothing_is_loaded() {
        let mut s = loading_state();
        s.in_flight.clear();
        let cmds = press(&mut s, 'b');
        assert_eq!(cmds, vec![SyncCommand::RefreshBalance { period: s.period }]);
        assert_eq!(s.popup, Some(Popup::QuickBalance));
        let text = draw(&s).backend().to_string();
        assert!(text.contains("Ledger balance"), "{text}");
    }

    #[test]
    fn report_popups_open_each_other() {
        let mut s = loaded_state(ThemeName::Dark);
        press(&mut s, 'b');
        let fy = s.period.financial_year();
        assert_eq!(press(&mut s, 'e'), vec![SyncCommand::RefreshExportLedger { fy }]);
        assert!(matches!(s.popup, Some(Popup::ExportLedger(_))));
        assert!(press(&mut s, 'b').is_empty());
        assert_eq!(s.popup, Some(Popup::QuickBalance));
        let (from, to) = crate::app::ledgers::wanted_range(&s, s.period);
        assert_eq!(
            press(&mut s, 'L'),
            vec![SyncCommand::RefreshLedgers {
                period: s.period,
                from,
                to
            }]
        );
        assert!(matches!(s.popup, Some(Popup::Ledgers(_))));
        press(&mut s, 'e');
        assert!(matches!(s.popup, Some(Popup::ExportLedger(_))));
    }
}
