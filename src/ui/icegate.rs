//! The ICEGATE tracking screen (`I`): the portal's counts table for a month or quarter, the
//! invoices behind a count with their reasons (SB codes explained), the FY + month picker and
//! the import prompt. Every figure is computed, and the screen says so.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{pad_left, pad_right, truncate, wrap};
use super::theme::Theme;
use super::widgets::{popup, spinner};
use crate::app::AppState;
use crate::app::icegate::{Drill, IcegateScreen, MonthPicker, tracking};
use crate::app::keymap::{Action, Context};
use crate::domain::export_ledger::DERIVED_LABEL;
use crate::domain::icegate::{InvoiceStatus, Tracking};
use crate::sync::JobKind;

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The counts table: one line per count, the selected one highlighted.
fn counts_lines<'a>(t: &Tracking, row: usize, w: usize, theme: &Theme) -> Vec<Line<'a>> {
    let label_w = w.saturating_sub(2 + 6 + 2 + 16 + 2 + 13 + 2).clamp(20, 40);
    let fmt = |a: &str, b: &str, c: &str, d: &str| {
        format!(
            "  {}  {}  {}  {}",
            pad_right(a, label_w),
            pad_left(b, 6),
            pad_left(c, 16),
            pad_left(d, 13)
        )
    };
    let mut v = vec![Line::styled(fmt("Status", "Count", "IGST", "CESS"), theme.table_header)];
    for (i, c) in t.counts().iter().enumerate() {
        let mut text = fmt(&c.label, &c.count.to_string(), &c.tax.igst.inr(), &c.tax.cess.inr());
        if i == row {
            // A marker as well as the colour, so the selection shows without colour too.
            text.replace_range(0..2, "› ");
        }
        let style = if i == row {
            theme.selection
        } else if c.label.starts_with("  ") {
            theme.dim
        } else {
            theme.text
        };
        v.push(Line::styled(pad_right(&text, w), style));
    }
    v
}

/// What a drill-down row shows beyond its number: the reason, with the SB code explained.
fn detail(i: &InvoiceStatus) -> String {
    let sb = match (&i.sbnum, &i.sbdt) {
        (Some(n), Some(d)) if !n.trim().is_empty() => format!("SB {n} of {d}"),
        (Some(n), _) if !n.trim().is_empty() => format!("SB {n} (no date)"),
        _ => "no shipping bill".into(),
    };
    let port = i
        .sbpcode
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("port {p}"))
        .unwrap_or_else(|| "no port code".into());
    format!(
        "{} of {} ({}) · {sb} · {port} · {}",
        i.inum,
        i.idt,
        i.period,
        i.reason()
    )
}

/// The invoices of one count: a table, and the selected invoice's reason in full below it.
fn drill_lines<'a>(t: &Tracking, d: &Drill, w: usize, height: usize, theme: &Theme) -> (Vec<Line<'a>>, Vec<Line<'a>>) {
    let invs: Vec<&InvoiceStatus> = t.of(d.kind).collect();
    let wide = w >= 110;
    let fmt = |a: &str, b: &str, c: &str, e: &str, g: &str, h: &str, r: &str| {
        let mut s = format!(
            "  {}  {}  {}  {}  {}  {}",
            pad_right(&truncate(a, 14), 14),
            pad_right(b, 10),
            pad_right(&truncate(c, 9), 9),
            pad_right(&truncate(e, 6), 6),
            pad_left(g, 13),
            pad_left(h, 10)
        );
        if wide {
            s.push_str("  ");
            s.push_str(&truncate(r, w.saturating_sub(s.chars().count() + 2)));
        }
        s
    };
    let mut rows = vec![Line::styled(
        fmt("Invoice No", "Date", "SB No", "Port", "IGST", "CESS", "Reason"),
        theme.table_header,
    )];
    if invs.is_empty() {
        rows.push(Line::styled("No invoices under this count.", theme.dim));
        return (rows, vec![]);
    }
    let selected = d.selected.min(invs.len() - 1);
    // Keep the selection on screen.
    let visible = height.max(1);
    let mut offset = d.offset.get();
    if selected < offset {
        offset = selected;
    } else if selected >= offset + visible {
        offset = selected + 1 - visible;
    }
    d.offset.set(offset);
    for (n, i) in invs.iter().enumerate().skip(offset).take(visible) {
        let mut text = fmt(
            &i.inum,
            &i.idt,
            i.sbnum.as_deref().unwrap_or("–"),
            i.sbpcode.as_deref().unwrap_or("–"),
            &i.tax.igst.inr(),
            &i.tax.cess.inr(),
            &i.reason(),
        );
        if n == selected {
            text.replace_range(0..2, "› ");
        }
        let style = if n == selected {
            theme.selection
        } else if i.failed() {
            theme.warn
        } else {
            theme.text
        };
        rows.push(Line::styled(pad_right(&text, w), style));
    }
    let below = wrap(&detail(invs[selected]), w)
        .into_iter()
        .take(3)
        .map(|l| Line::styled(l, theme.attention))
        .collect();
    (rows, below)
}

fn picker_lines<'a>(p: &MonthPicker, latest: crate::domain::ReturnPeriod, theme: &Theme) -> Vec<Line<'a>> {
    let mut v = vec![
        Line::styled(format!("FY {}", p.fy()), theme.title),
        Line::styled(
            if p.quarterly {
                "Quarterly filer: pick the quarter's last month (Tab: monthly)"
            } else {
                "Monthly filer (Tab: quarterly)"
            },
            theme.dim,
        ),
    ];
    for m in p.choices() {
        let label = if p.quarterly {
            format!("{} – {}", m.plus_months(-2), m)
        } else {
            m.to_string()
        };
        let not_started = if p.quarterly {
            m.plus_months(-2) > latest
        } else {
            m > latest
        };
        let style = if m == p.month {
            theme.selection
        } else if not_started {
            theme.dim
        } else {
            theme.text
        };
        let mark = if m == p.month { "› " } else { "  " };
        let suffix = if not_started { "  (not started)" } else { "" };
        v.push(Line::styled(format!("{mark}{label}{suffix}"), style));
    }
    v
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, s: &IcegateScreen, theme: &Theme) {
    let rect = popup::centered(area, area.width.min(120), area.height);
    let loading = state.is_loading(JobKind::ExportLedger);
    let right = loading.then(|| {
        Line::from(Span::styled(
            format!(" {} ", spinner::frame(state.spinner)),
            theme.spinner,
        ))
    });
    let t = tracking(state, s);
    let title = match (&s.drill, &t) {
        (Some(d), Some(t)) => format!(
            " ICEGATE tracking · {} · {} ({}) ",
            s.span(),
            d.kind.label().trim(),
            t.of(d.kind).count()
        ),
        _ => format!(" ICEGATE tracking · {} ", s.span()),
    };
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let h = inner.height as usize;
    let mut top: Vec<Line> = wrap(&capitalised(DERIVED_LABEL), w)
        .into_iter()
        .map(|l| Line::styled(l, theme.attention))
        .collect();
    let imported = match &state.export_ledger.verdicts {
        Some(v) => format!(
            "ICEGATE responses: {} imported from {}",
            v.verdicts.len(),
            v.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ),
        None => "ICEGATE responses (SB codes): none imported; m imports the portal's CSV".into(),
    };
    top.push(Line::styled(truncate(&imported, w), theme.dim));
    let mut body: Vec<Line>;
    let mut below: Vec<Line> = Vec::new();
    let key = |a: Action| {
        state
            .keymap
            .key_for(Context::Icegate, a)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    if let Some(p) = &s.picker {
        top.push(Line::styled("Pick the return period to track", theme.text));
        body = picker_lines(p, state.latest_period(), theme);
    } else {
        match (&t, &s.drill) {
            (Some(t), None) => {
                body = counts_lines(t, s.row, w, theme);
                if !t.unmatched_verdicts.is_empty() {
                    let text = format!(
                        "⚠ {} imported response(s) match no 6A invoice of {}",
                        t.unmatched_verdicts.len(),
                        s.span()
                    );
                    body.push(Line::styled(truncate(&text, w), theme.warn));
                }
                let failed = t.failed().count();
                body.push(Line::styled(
                    truncate(
                        &format!(
                            "{failed} failed invoice(s). {} lists the invoices of the selected line.",
                            key(Action::DrillDown)
                        ),
                        w,
                    ),
                    theme.dim,
                ));
            }
            (Some(t), Some(d)) => {
                // Title, label, imported, header, detail (3) and actions take the rest.
                let room = h.saturating_sub(top.len() + 1 + 3 + 1);
                (body, below) = drill_lines(t, d, w, room, theme);
            }
            (None, _) => {
                let msg = match (&state.export_ledger.error, loading) {
                    (Some(e), _) => format!("Could not fetch the returns: {e}"),
                    (None, true) => "Fetching GSTR-1, GSTR-1A and GSTR-3B (the export ledger's returns)…".into(),
                    (None, false) => "Not loaded. Press r to fetch.".into(),
                };
                body = wrap(&msg, w).into_iter().map(|l| Line::styled(l, theme.text)).collect();
                if let Some(g) = state.export_ledger.progress.filter(|_| loading) {
                    body.push(Line::styled(g.label(), theme.text));
                }
            }
        }
    }
    let actions = if let Some(text) = &s.prompt {
        // The prompt replaces the actions line; the cursor is a block after the text.
        let label = "ICEGATE CSV path: ";
        let room = w.saturating_sub(label.chars().count() + 1);
        let shown: String = {
            let n = text.chars().count();
            text.chars().skip(n.saturating_sub(room)).collect()
        };
        Line::from(vec![
            Span::styled(label, theme.key),
            Span::styled(shown, theme.text),
            Span::styled("█", theme.key),
        ])
    } else if s.picker.is_some() {
        Line::from(Span::styled("[Enter] TRACK  [Esc] CANCEL", theme.key))
    } else {
        Line::from(vec![
            Span::styled(format!("[{}]", key(Action::DownloadFailedCsv)), theme.key),
            Span::styled(" DOWNLOAD FAILED INVOICES  ", theme.text),
            Span::styled(format!("[{}]", key(Action::ImportCsv)), theme.key),
            Span::styled(" IMPORT ICEGATE CSV  ", theme.text),
            Span::styled(format!("[{}]", key(Action::ClearOrBack)), theme.key),
            Span::styled(if s.drill.is_some() { " BACK" } else { " CLOSE" }, theme.text),
        ])
    };
    let top_h = top.len().min(h.saturating_sub(2));
    let below_h = below.len().min(h.saturating_sub(top_h + 2));
    let body_h = h.saturating_sub(top_h + below_h + 1);
    let at = |y: usize, height: usize| Rect {
        y: inner.y + y as u16,
        height: height as u16,
        ..inner
    };
    f.render_widget(Paragraph::new(top), at(0, top_h));
    f.render_widget(Paragraph::new(body), at(top_h, body_h));
    f.render_widget(Paragraph::new(below), at(top_h + body_h, below_h));
    f.render_widget(Paragraph::new(actions), at(h.saturating_sub(1), 1.min(h)));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use insta::assert_snapshot;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::fixtures::loaded_state;
    use crate::app::{AppState, Msg, Popup, ThemeName, update};
    use crate::domain::icegate::{CountKind, parse_verdicts};
    use crate::domain::{FinancialYear, ReturnPeriod};
    use crate::sync::{SyncCommand, SyncEvent};

    fn press(s: &mut AppState, code: KeyCode) -> Vec<SyncCommand> {
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }
    fn ch(s: &mut AppState, c: char) -> Vec<SyncCommand> {
        press(s, KeyCode::Char(c))
    }
    fn draw(s: &AppState) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::render(f, s)).unwrap();
        t
    }
    fn screen(s: &AppState) -> &crate::app::icegate::IcegateScreen {
        match &s.popup {
            Some(Popup::Icegate(x)) => x,
            other => panic!("{other:?}"),
        }
    }
    fn p(y: i32, m: u32) -> ReturnPeriod {
        ReturnPeriod::new(y, m).unwrap()
    }

    /// The export ledger popup's fixture (FY 2025-26, Apr–Oct filed; July short until
    /// September), then Tab to the ICEGATE screen and back a month to September.
    fn on_september(theme: ThemeName) -> AppState {
        let mut s = crate::ui::export_ledger::tests::opened_for_icegate(theme);
        assert!(press(&mut s, KeyCode::Tab).is_empty(), "the returns are loaded already");
        assert_eq!(screen(&s).month, p(2025, 10));
        ch(&mut s, '[');
        assert_eq!(screen(&s).month, p(2025, 9));
        s
    }

    #[test]
    fn counts_screen_80x24() {
        let s = on_september(ThemeName::Mono);
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("ICEGATE tracking · Sep 2025"), "{text}");
        assert!(text.contains("not an official GSTN figure"), "{text}");
        assert!(text.contains("DOWNLOAD FAILED INVOICES"), "{text}");
        assert_snapshot!(t.backend());
    }

    /// September's invoice has its shipping bill but no port code: it is the one not
    /// transmitted, and the drill-down says why.
    #[test]
    fn drill_down_into_not_transmitted_80x24_and_back() {
        let mut s = on_september(ThemeName::Mono);
        ch(&mut s, 'j');
        ch(&mut s, 'j');
        press(&mut s, KeyCode::Enter);
        let d = screen(&s).drill.as_ref().expect("drilled");
        assert_eq!(d.kind, CountKind::NotTransmitted);
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("Not transmitted (1)"), "{text}");
        assert!(text.contains("EXP/25/0009"), "{text}");
        assert!(text.contains("port code missing"), "{text}");
        assert_snapshot!(t.backend());
        press(&mut s, KeyCode::Esc);
        assert!(screen(&s).drill.is_none(), "Esc goes back to the counts first");
        press(&mut s, KeyCode::Esc);
        assert!(s.popup.is_none(), "then closes");
    }

    #[test]
    fn failed_invoices_download_names_the_month_and_reads_back() {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let dir = tempfile::tempdir().unwrap();
        let mut s = on_september(ThemeName::Dark);
        s.downloads_dir = Some(dir.path().to_path_buf());
        let cmds = ch(&mut s, 'D');
        let path = crate::ui::export_ledger::tests::write(&mut s, cmds);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("icegate-failed-") && name.contains("-092025-"),
            "{name}"
        );
        let mut r = csv::Reader::from_path(&path).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "Period",
                "Invoice No",
                "Invoice Date",
                "Shipping Bill",
                "Port",
                "IGST",
                "CESS",
                "Reason"
            ]
        );
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows,
            vec![vec![
                "092025".to_string(),
                "EXP/25/0009".into(),
                "2025-09-05".into(),
                "7000009".into(),
                String::new(),
                "189000.00".into(),
                "0.00".into(),
                "port code missing".into(),
            ]]
        );
        let cmds = ch(&mut s, 'x');
        let book = crate::ui::export_ledger::tests::write(&mut s, cmds);
        let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
        assert_eq!(wb.sheet_names(), ["ICEGATE counts", "Failed invoices"]);
        let counts = wb.worksheet_range("ICEGATE counts").unwrap();
        assert_eq!(counts.get((3, 0)), Some(&Data::String("Not transmitted".into())));
        assert_eq!(counts.get((3, 1)), Some(&Data::Float(1.0)));
        assert_eq!(counts.get((3, 2)), Some(&Data::Float(189000.0)));
    }

    /// Quarterly: Tab in the picker, the quarter's last month, and the counts cover the
    /// three months.
    #[test]
    fn picker_80x24_and_a_quarter() {
        let mut s = on_september(ThemeName::Mono);
        ch(&mut s, 'p');
        press(&mut s, KeyCode::Tab);
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("Quarterly filer"), "{text}");
        assert!(text.contains("Jul 2025 – Sep 2025"), "{text}");
        assert_snapshot!(t.backend());
        ch(&mut s, 'k');
        assert!(press(&mut s, KeyCode::Enter).is_empty());
        let sc = screen(&s);
        assert!(sc.quarterly && sc.picker.is_none());
        assert_eq!(sc.periods(), vec![p(2025, 4), p(2025, 5), p(2025, 6)]);
        let t = crate::app::icegate::tracking(&s, sc).unwrap();
        let c = t.counts();
        assert_eq!(c[0].count, 3, "April, May and June");
        // Even months lack the shipping bill: April and June.
        let sb = c.iter().find(|l| l.kind == CountKind::ShippingBillMissing).unwrap();
        assert_eq!(sb.count, 2);
        // Picking the year before (nothing loaded for it) is fine: the latest ledger covers it.
        ch(&mut s, 'p');
        ch(&mut s, 'h');
        assert!(press(&mut s, KeyCode::Enter).is_empty());
        assert_eq!(screen(&s).month.financial_year(), FinancialYear::new(2024));
    }

    #[test]
    fn import_prompt_sends_the_path_and_verdicts_count_as_rejections() {
        let mut s = on_september(ThemeName::Mono);
        ch(&mut s, 'm');
        for c in "icegate.csv".chars() {
            ch(&mut s, c);
        }
        assert!(
            draw(&s)
                .backend()
                .to_string()
                .contains("ICEGATE CSV path: /home/ca/Downloads/icegate.csv")
        );
        let cmds = press(&mut s, KeyCode::Enter);
        assert_eq!(
            cmds,
            vec![SyncCommand::ImportIcegateCsv {
                path: "/home/ca/Downloads/icegate.csv".into()
            }]
        );
        // A response for July's invoice (another month: unmatched here) and one for
        // September's, which GSTN never transmitted (kept on the invoice, not a rejection).
        let verdicts = parse_verdicts(
            "Invoice No,Invoice Date,Response Code\nEXP/25/0009,05-09-2025,SB001\nEXP/25/0007,05-07-2025,SB000\n",
        )
        .unwrap();
        update(
            &mut s,
            Msg::Sync(SyncEvent::IcegateVerdicts {
                path: "/home/ca/Downloads/icegate.csv".into(),
                verdicts: Ok(Arc::new(verdicts)),
            }),
        );
        let text = draw(&s).backend().to_string();
        assert!(
            text.contains("ICEGATE responses: 2 imported from icegate.csv"),
            "{text}"
        );
        assert!(text.contains("1 imported response(s) match no 6A invoice"), "{text}");
        // July: transmitted once September's 3.1(b) cleared the ledger; ICEGATE validated it.
        ch(&mut s, '[');
        ch(&mut s, '[');
        let t = crate::app::icegate::tracking(&s, screen(&s)).unwrap();
        let r = t.invoices[0].reason();
        assert!(
            r.starts_with("SB000: Validated") && r.contains("held until 3.1(b) of Sep 2025"),
            "{r}"
        );
        assert!(t.unmatched_verdicts.len() == 1 && t.failed().count() == 0);

        update(
            &mut s,
            Msg::Sync(SyncEvent::IcegateVerdicts {
                path: "/tmp/bad.csv".into(),
                verdicts: Err("line 3, column \"Response Code\": response code \"OK\": expected SB000–SB006".into()),
            }),
        );
        let text = draw(&s).backend().to_string();
        assert!(text.contains("Could not import ICEGATE"), "{text}");
    }

    #[test]
    fn opening_from_the_dashboard_fetches_the_latest_year_once() {
        let mut s = loaded_state(ThemeName::Dark);
        let cmds = ch(&mut s, 'I');
        let fy = s.latest_period().financial_year();
        assert_eq!(cmds, vec![SyncCommand::RefreshExportLedger { fy }]);
        assert!(draw(&s).backend().to_string().contains("Fetching GSTR-1"));
        press(&mut s, KeyCode::Esc);
        assert!(ch(&mut s, 'I').is_empty(), "already on its way");
    }
}
