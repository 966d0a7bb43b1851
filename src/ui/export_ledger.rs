//! The Export Ledger popup (`e`): net IGST and CESS balances, "data as on", the rows as the
//! portal lists them, what to pay when the balance is negative, and the download actions. Every
//! figure is derived, and the popup says so.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fmt::{pad_left, pad_right, wrap};
use super::theme::Theme;
use super::widgets::{popup, spinner};
use crate::app::AppState;
use crate::app::export_ledger::ExportLedgerPopup;
use crate::app::keymap::{Action, Context};
use crate::app::state::ist;
use crate::domain::Money;
use crate::domain::export_ledger::{DERIVED_LABEL, ExportLedger};
use crate::sync::JobKind;

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn money_style(m: Money, theme: &Theme) -> Style {
    if m < Money::ZERO { theme.error } else { theme.total }
}

/// Lines above the table: balances, date, label, negative spells and what to pay.
fn summary<'a>(l: &ExportLedger, fetched: &str, w: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut v = vec![
        Line::from(vec![
            Span::styled("Net IGST balance ", theme.text),
            Span::styled(format!("₹{}", l.balance.igst), money_style(l.balance.igst, theme)),
            Span::styled("   Net CESS balance ", theme.text),
            Span::styled(format!("₹{}", l.balance.cess), money_style(l.balance.cess, theme)),
        ]),
        Line::styled(fetched.to_string(), theme.dim),
    ];
    for t in wrap(&capitalised(DERIVED_LABEL), w) {
        v.push(Line::styled(t, theme.attention));
    }
    if let Some(s) = &l.shortfall {
        let text = format!(
            "⚠ Short by IGST ₹{} · CESS ₹{}: nothing goes to ICEGATE from {}. Pay it through 3.1(b) of the {} \
             GSTR-3B or a later one.",
            s.pay.igst, s.pay.cess, s.blocked_from, s.pay_in
        );
        for t in wrap(&text, w) {
            v.push(Line::styled(t, theme.warn));
        }
    }
    for s in l.spells.iter().filter(|s| s.cleared_in.is_some()) {
        let c = s.cleared_in.expect("filtered");
        let text = format!(
            "Negative {} to {c} (lowest IGST ₹{}, CESS ₹{}); cleared by 3.1(b) of {c}.",
            s.from, s.worst.igst, s.worst.cess
        );
        for t in wrap(&text, w) {
            v.push(Line::styled(t, theme.dim));
        }
    }
    for warn in &l.warnings {
        for t in wrap(&format!("⚠ {warn}"), w) {
            v.push(Line::styled(t, theme.warn));
        }
    }
    v
}

pub fn render(f: &mut Frame, area: Rect, state: &AppState, p: &ExportLedgerPopup, theme: &Theme) {
    let popup_w = area.width.min(96);
    let rect = popup::centered(area, popup_w, area.height);
    let loading = state.is_loading(JobKind::ExportLedger);
    let right = loading.then(|| {
        Line::from(Span::styled(
            format!(" {} ", spinner::frame(state.spinner)),
            theme.spinner,
        ))
    });
    let title = format!(" Export ledger · FY {} ", p.fy);
    let inner = popup::frame(f, rect, Line::from(title), right, theme);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let w = inner.width as usize;
    let mut top: Vec<Line> = Vec::new();
    let mut rows: Vec<Line> = Vec::new();
    match state.export_ledger.ledgers.get(&p.fy) {
        Some(fetched) => {
            let l = &fetched.value;
            let at = fetched.fetched_at.with_timezone(&ist()).format("%d-%m-%Y %H:%M");
            let since = state
                .export_ledger
                .returns
                .get(&p.fy)
                .and_then(|r| r.first())
                .map(|r| format!("balance cumulated from {}", r.period))
                .unwrap_or_else(|| "no returns before this year".into());
            let label = format!("Data as on {at} IST · {since}");
            top = summary(l, &crate::ui::fmt::truncate(&label, w), w, theme);
            let wide = w >= 90;
            let cols = |a: &str, b: &str, c: &str, d: &str, e: &str, g: &str| {
                let mut s = format!(
                    "{}  {}  {}  {}  {}",
                    pad_right(a, 13),
                    pad_right(b, 4),
                    pad_right(c, 12),
                    pad_left(d, 15),
                    pad_left(e, 12)
                );
                if wide {
                    s.push_str(&format!("  {}", pad_left(g, 15)));
                }
                s
            };
            top.push(Line::styled(
                cols("Return period", "Type", "Credit/Debit", "IGST", "CESS", "Balance IGST"),
                theme.table_header,
            ));
            let year = l.year_rows(p.fy);
            if year.is_empty() {
                rows.push(Line::styled(
                    format!("No GSTR-1 or GSTR-3B filed for FY {} yet.", p.fy),
                    theme.dim,
                ));
            }
            for r in &year {
                let text = cols(
                    &r.period.to_string(),
                    &r.ret_type.to_string(),
                    &r.dr_cr.to_string(),
                    &r.amount.igst.inr(),
                    &r.amount.cess.inr(),
                    &r.balance.igst.inr(),
                );
                let style = if r.balance.is_negative() {
                    theme.warn
                } else {
                    theme.text
                };
                rows.push(Line::styled(text, style));
            }
        }
        None => {
            let msg = match (&state.export_ledger.error, loading) {
                (Some(e), _) => format!("Could not compute the export ledger: {e}"),
                (None, true) => format!(
                    "Fetching GSTR-1, GSTR-1A and GSTR-3B of every period from your first return to FY {} \
                     (usually 3 to 6 calls a period; filed periods are kept and not fetched again). Esc closes; the \
                     fetch goes on.",
                    p.fy
                ),
                (None, false) => "Not loaded. Press r to fetch.".to_string(),
            };
            for t in wrap(&msg, w) {
                top.push(Line::styled(t, theme.text));
            }
            for t in wrap(&capitalised(DERIVED_LABEL), w) {
                top.push(Line::styled(t, theme.attention));
            }
        }
    }
    if let (Some(e), true) = (
        &state.export_ledger.error,
        state.export_ledger.ledgers.contains_key(&p.fy),
    ) {
        for t in wrap(&format!("Last refresh failed: {e}"), w) {
            top.insert(0, Line::styled(t, theme.error));
        }
    }
    // Actions, named as on the portal, with their keys from the keymap.
    let key = |a: Action| {
        state
            .keymap
            .key_for(Context::ExportLedger, a)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let actions = Line::from(vec![
        Span::styled(format!("[{}]", key(Action::DownloadCsv)), theme.key),
        Span::styled(" DOWNLOAD AS CSV  ", theme.text),
        Span::styled(format!("[{}]", key(Action::DownloadTransactionsCsv)), theme.key),
        Span::styled(" DOWNLOAD TRANSACTION AS CSV  ", theme.text),
        Span::styled(format!("[{}]", key(Action::Close)), theme.key),
        Span::styled(" CLOSE", theme.text),
    ]);
    let progress = state.export_ledger.progress.filter(|g| loading && g.fy == p.fy);
    let gauge_h = usize::from(progress.is_some());
    let inner_h = inner.height as usize;
    let top_h = top.len().min(inner_h.saturating_sub(2 + gauge_h));
    let rows_h = inner_h.saturating_sub(top_h + 1 + gauge_h);
    let max = rows.len().saturating_sub(rows_h) as u16;
    p.max_scroll.set(max);
    let scroll = p.scroll.min(max);
    f.render_widget(
        Paragraph::new(top),
        Rect {
            height: top_h as u16,
            ..inner
        },
    );
    f.render_widget(
        Paragraph::new(rows).scroll((scroll, 0)),
        Rect {
            y: inner.y + top_h as u16,
            height: rows_h as u16,
            ..inner
        },
    );
    if let Some(g) = progress {
        f.render_widget(
            ratatui::widgets::Gauge::default()
                .gauge_style(theme.selection)
                .use_unicode(true)
                .ratio(g.ratio())
                .label(g.label()),
            Rect {
                y: inner.y + inner.height.saturating_sub(2),
                height: 1,
                ..inner
            },
        );
    }
    f.render_widget(
        Paragraph::new(actions),
        Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        },
    );
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use chrono::TimeDelta;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use insta::assert_snapshot;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::fixtures::{loaded_state, now};
    use crate::app::{AppState, Msg, ThemeName, update};
    use crate::domain::export_ledger::{
        ExpGroup, ExpInvoice, Gstr1Sections, Gstr3bDetails, ItemAmounts, PeriodReturns, compute,
    };
    use crate::domain::{FinancialYear, Money, ReturnPeriod};
    use crate::sync::{SyncCommand, SyncEvent};

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    /// Six periods of FY 2025-26: July's 3.1(b) is ₹32,140.80 short, September pays it back,
    /// and the last filed period (Sep… no: Oct) leaves IGST ₹5,000 and cess ₹300 unpaid.
    fn returns() -> Vec<PeriodReturns> {
        let periods: Vec<PeriodReturns> = (4..=10)
            .map(|mo| {
                let p = ReturnPeriod::new(2025, mo).unwrap();
                let igst = m("180000") + Money::from(i64::from(mo) * 1000);
                let cess = if mo == 10 { m("300") } else { Money::ZERO };
                let r1 = Gstr1Sections {
                    exp: vec![ExpGroup {
                        exp_typ: "WPAY".into(),
                        inv: vec![ExpInvoice {
                            inum: format!("EXP/25/{mo:04}"),
                            idt: format!("05-{mo:02}-2025"),
                            // Odd months carry the shipping bill; September lacks the port code.
                            sbnum: (mo % 2 == 1).then(|| format!("70{mo:05}")),
                            sbdt: (mo % 2 == 1).then(|| format!("07-{mo:02}-2025")),
                            sbpcode: (mo != 9).then(|| "INNSA1".to_string()),
                            itms: vec![ItemAmounts {
                                iamt: igst,
                                csamt: cess,
                                ..Default::default()
                            }],
                            ..Default::default()
                        }],
                    }],
                    ..Default::default()
                };
                let paid = match mo {
                    7 => igst - m("32140.80"),
                    9 => igst + m("32140.80"),
                    10 => igst - m("5000"),
                    _ => igst,
                };
                let mut r3b = Gstr3bDetails::default();
                r3b.sup_details.osup_zero.iamt = paid;
                PeriodReturns {
                    period: p,
                    gstr1: Some(r1),
                    gstr1a: None,
                    gstr3b: Some(r3b),
                }
            })
            .collect();
        periods
    }

    fn press(s: &mut AppState, code: KeyCode) -> Vec<SyncCommand> {
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    pub(crate) fn opened_for_icegate(theme: ThemeName) -> AppState {
        opened(theme)
    }

    fn opened(theme: ThemeName) -> AppState {
        let mut s = loaded_state(theme);
        s.downloads_dir = Some("/home/ca/Downloads".into());
        let cmds = press(&mut s, KeyCode::Char('e'));
        let fy = s.period.financial_year();
        assert_eq!(cmds, vec![SyncCommand::RefreshExportLedger { fy }]);
        update(
            &mut s,
            Msg::Sync(SyncEvent::ExportLedgerLoaded {
                fy: FinancialYear::new(2025),
                ledger: Arc::new(compute(&returns())),
                returns: Arc::new(returns()),
                fetched_at: now() - TimeDelta::minutes(5),
                periods_fetched: 7,
                periods_cached: 0,
            }),
        );
        s
    }

    fn draw(s: &AppState) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| crate::ui::render(f, s)).unwrap();
        t
    }

    #[test]
    fn fixture_is_in_the_fixture_year() {
        assert_eq!(
            loaded_state(ThemeName::Dark).period.financial_year(),
            FinancialYear::new(2025)
        );
    }

    #[test]
    fn export_ledger_popup_80x24() {
        let s = opened(ThemeName::Dark);
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("not an official GSTN figure"), "{text}");
        assert!(text.contains("DOWNLOAD AS CSV"), "{text}");
        assert_snapshot!(t.backend());
    }

    #[test]
    fn export_ledger_popup_scrolled_mono_80x24() {
        let mut s = opened(ThemeName::Mono);
        draw(&s); // the view records how far the rows can scroll
        press(&mut s, KeyCode::Char('G'));
        let t = draw(&s);
        assert!(
            t.backend().to_string().contains("Oct 2025       R3B"),
            "{}",
            t.backend()
        );
        assert_snapshot!(t.backend());
    }

    #[test]
    fn progress_gauge_while_fetching_and_esc_leaves_the_fetch_running_80x24() {
        let mut s = loaded_state(ThemeName::Mono);
        press(&mut s, KeyCode::Char('e'));
        let fy = s.period.financial_year();
        update(
            &mut s,
            Msg::Sync(SyncEvent::ExportLedgerProgress {
                fy,
                done: 14,
                total: 31,
            }),
        );
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("fetching returns: 14 of 31 periods"), "{text}");
        assert_snapshot!(t.backend());
        press(&mut s, KeyCode::Esc);
        assert!(s.popup.is_none());
        assert!(s.is_loading(crate::sync::JobKind::ExportLedger), "the fetch goes on");
        // Reopening while it runs asks for nothing more and shows the progress again.
        assert!(press(&mut s, KeyCode::Char('e')).is_empty());
        assert!(draw(&s).backend().to_string().contains("14 of 31"));
    }

    /// March 2025 (the year before) leaves IGST ₹2,000 unpaid: FY 2025-26 opens with a
    /// brought-forward debit of ₹2,000 and every balance after it is ₹2,000 lower.
    #[test]
    fn brought_forward_row_opens_the_year_80x24() {
        let mut s = loaded_state(ThemeName::Mono);
        press(&mut s, KeyCode::Char('e'));
        let mut all = returns();
        let mut mar = all[0].clone();
        mar.period = ReturnPeriod::new(2025, 3).unwrap();
        let igst = mar.gstr1.as_ref().unwrap().exp[0].inv[0].itms[0].iamt;
        mar.gstr1.as_mut().unwrap().exp[0].inv[0].inum = "EXP/24/0312".into();
        mar.gstr3b.as_mut().unwrap().sup_details.osup_zero.iamt = igst - m("2000");
        all.insert(0, mar);
        update(
            &mut s,
            Msg::Sync(SyncEvent::ExportLedgerLoaded {
                fy: FinancialYear::new(2025),
                ledger: Arc::new(compute(&all)),
                returns: Arc::new(all),
                fetched_at: now() - TimeDelta::minutes(5),
                periods_fetched: 0,
                periods_cached: 8,
            }),
        );
        let t = draw(&s);
        let text = t.backend().to_string();
        assert!(text.contains("Apr 2025       B/F   Debit"), "{text}");
        assert!(text.contains("cumulated from Mar 2025"), "{text}");
        assert!(text.contains("Net IGST balance ₹-7,000.00"), "{text}");
        assert_snapshot!(t.backend());
    }

    #[test]
    fn loading_then_failure_is_shown_in_the_popup() {
        let mut s = loaded_state(ThemeName::Dark);
        press(&mut s, KeyCode::Char('e'));
        let text = draw(&s).backend().to_string();
        assert!(text.contains("Fetching GSTR-1"), "{text}");
        update(
            &mut s,
            Msg::Sync(SyncEvent::Failed {
                job: crate::sync::JobKind::ExportLedger,
                message: "GSTN session expired (AUTH4033)".into(),
            }),
        );
        let text = draw(&s).backend().to_string();
        assert!(text.contains("Could not compute the export ledger"), "{text}");
        // Downloading with nothing loaded explains instead of writing an empty file.
        assert!(press(&mut s, KeyCode::Char('d')).is_empty());
    }

    /// Runs a download command through the engine's job (the shared writers, a real folder)
    /// and feeds its answer back to the model.
    pub(crate) fn write(s: &mut AppState, cmds: Vec<SyncCommand>) -> std::path::PathBuf {
        let [
            SyncCommand::WriteTables {
                tables,
                format,
                target,
                what,
            },
        ] = <[SyncCommand; 1]>::try_from(cmds).expect("one command")
        else {
            panic!("not a table download")
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(crate::sync::reports::write_tables_job(tables, format, target, what, tx));
        let ev = rx.try_recv().unwrap();
        let SyncEvent::FileWritten { path, .. } = &ev else {
            panic!("{ev:?}")
        };
        let path = path.clone();
        update(s, Msg::Sync(ev));
        path
    }

    fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
        csv::Reader::from_path(path)
            .unwrap()
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn downloads_are_written_by_the_shared_writers_and_read_back_exactly() {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let dir = tempfile::tempdir().unwrap();
        let mut s = opened(ThemeName::Dark);
        s.downloads_dir = Some(dir.path().to_path_buf());

        let c = press(&mut s, KeyCode::Char('d'));
        let ledger = write(&mut s, c);
        assert!(ledger.starts_with(dir.path()));
        let name = ledger.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("export-ledger-27") && name.contains("FY2025-26") && name.ends_with(".csv"),
            "{name}"
        );
        let text: String = s
            .toasts
            .items()
            .iter()
            .map(|t| format!("{}: {}\n", t.title, t.message))
            .collect();
        assert!(
            text.contains(&ledger.display().to_string()),
            "the toast names the full path: {text}"
        );
        let mut r = csv::Reader::from_path(&ledger).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "Return period",
                "Return type",
                "Credit/Debit",
                "IGST",
                "CESS",
                "Balance IGST",
                "Balance CESS"
            ]
        );
        let rows = csv_rows(&ledger);
        assert_eq!(rows.len(), 14, "R1 and R3B for April to October");
        // July: R1 debit 187,000, then 3.1(b) 32,140.80 short.
        assert_eq!(
            rows[7],
            ["072025", "R3B", "Credit", "154859.20", "0.00", "-32140.80", "0.00"]
        );

        // The same key again never overwrites: a second file with a suffix.
        let c = press(&mut s, KeyCode::Char('d'));
        let again = write(&mut s, c);
        assert_ne!(again, ledger);
        assert_eq!(csv_rows(&again), rows);

        let c = press(&mut s, KeyCode::Char('t'));
        let tx = write(&mut s, c);
        let name = tx.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("export-ledger-transactions-"), "{name}");
        let trows = csv_rows(&tx);
        assert_eq!(trows.len(), 7, "one row per period");
        assert_eq!(trows[3][0], "072025");
        assert_eq!(trows[3][1], "187000.00", "6A IGST");
        assert_eq!(trows[3][10], "154859.20", "3.1(b) IGST");

        let c = press(&mut s, KeyCode::Char('x'));
        let book = write(&mut s, c);
        assert!(book.extension().is_some_and(|e| e == "xlsx"), "{}", book.display());
        let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
        assert_eq!(wb.sheet_names(), ["Export ledger", "Transactions"]);
        let sheet = wb.worksheet_range("Export ledger").unwrap();
        assert_eq!(sheet.get((0, 0)), Some(&Data::String("Return period".into())));
        assert_eq!(
            sheet.get((8, 0)),
            Some(&Data::String("072025".into())),
            "periods stay text"
        );
        assert_eq!(sheet.get((8, 3)), Some(&Data::Float(154859.20)));
        assert_eq!(sheet.get((8, 5)), Some(&Data::Float(-32140.80)));
        let tsheet = wb.worksheet_range("Transactions").unwrap();
        assert_eq!(tsheet.get((4, 1)), Some(&Data::Float(187000.0)));

        press(&mut s, KeyCode::Esc);
        assert!(s.popup.is_none());
    }
}
