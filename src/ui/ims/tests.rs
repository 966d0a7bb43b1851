//! Snapshots of the IMS record screen (TestBackend + insta) at 80×24 and 160×48, in colour
//! and mono, with the detail pane, the confirm popup and the dashboard's grid cursor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::{assert_debug_snapshot, assert_snapshot};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use crate::app::fixtures::loaded_state;
use crate::app::ims::fixtures::{loaded, record, records};
use crate::app::{AppState, Msg, ThemeName, update};
use crate::domain::ims::ImsRecord;
use crate::domain::{Action, Section};
use crate::sync::{Outcome, StagedDecision, SyncCommand, SyncEvent};
use crate::ui::render;

fn draw(state: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(f, state)).unwrap();
    t
}
fn text(t: &Terminal<TestBackend>) -> String {
    t.backend().to_string()
}
fn key(s: &mut AppState, code: KeyCode) -> Vec<SyncCommand> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}
fn keys(s: &mut AppState, k: &str) -> Vec<SyncCommand> {
    k.chars().flat_map(|c| key(s, KeyCode::Char(c))).collect()
}

/// B2B, all statuses, `recs` loaded; one record is flagged (bad GSTIN).
fn table_state(theme: ThemeName, recs: Vec<ImsRecord>) -> AppState {
    let mut s = loaded_state(theme);
    s.ims.grid_col = 4;
    key(&mut s, KeyCode::Enter);
    update(&mut s, Msg::Sync(loaded(Section::B2b, recs, false)));
    s.toasts.dismiss_all();
    s
}

fn sample() -> Vec<ImsRecord> {
    let mut r = records(Section::B2b, 60);
    r[2].stin = "27AAPFU0939F1ZX".into(); // wrong check digit: flagged, still shown
    r
}

/// Two local decisions in the outbox: one queued, one that met a conflict.
fn with_outbox(s: &mut AppState) {
    let t = s.ims.table.as_ref().unwrap();
    let d = |i: usize, a: Action| crate::sync::Decision {
        section: Section::B2b,
        record: t.records[i].clone(),
        target: crate::sync::Target::Set(a),
        remarks: None,
        itc_reduction: None,
    };
    let current = ImsRecord {
        action: Action::Rejected,
        ..t.records[4].clone()
    };
    let staged = vec![
        StagedDecision {
            batch: 0,
            decision: d(0, Action::Accepted),
            in_flight: false,
            last_outcome: None,
        },
        StagedDecision {
            batch: 1,
            decision: d(4, Action::Accepted),
            in_flight: false,
            last_outcome: Some(Outcome::Conflict {
                current: Some(Box::new(current)),
            }),
        },
    ];
    update(s, Msg::Sync(SyncEvent::Outbox { staged }));
}

#[test]
fn records_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    keys(&mut s, "j j");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn records_160x48() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    keys(&mut s, "lllls");
    keys(&mut s, "  ");
    assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn records_filtered_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    keys(&mut s, "/29aab");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn records_detail_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    keys(&mut s, "jjjj");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn records_detail_160x48() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    keys(&mut s, "jjjj");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn confirm_reject_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    keys(&mut s, "/status:noaction");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "Vr");
    keys(&mut s, "duplicate");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn confirm_credit_note_160x48() {
    let mut s = loaded_state(ThemeName::Dark);
    s.ims.grid_row = 4;
    key(&mut s, KeyCode::Enter);
    let recs = (0..3).map(|i| record(Section::B2bCn, i, Action::NoAction)).collect();
    update(&mut s, Msg::Sync(loaded(Section::B2bCn, recs, false)));
    keys(&mut s, "Va");
    assert_snapshot!(draw(&s, 160, 48).backend());
}

#[test]
fn dashboard_grid_cursor_and_local_counts_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    key(&mut s, KeyCode::Backspace);
    keys(&mut s, "jh");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn loading_records_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    key(&mut s, KeyCode::Enter);
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn mono_keeps_cursor_and_selection_visible() {
    let mut s = table_state(ThemeName::Mono, sample());
    keys(&mut s, " ");
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    let screen = text(&t);
    // Row 0 is selected (mark ●), row 1 has the cursor (reverse video).
    let lines: Vec<&str> = screen.lines().collect();
    let first = lines.iter().position(|l| l.contains("INV/25-26/00001")).unwrap();
    assert!(lines[first].contains('●'));
    let y = first as u16;
    assert!(
        buf[(5, y + 1)].modifier.contains(Modifier::REVERSED),
        "cursor row reversed"
    );
    assert!(!buf[(5, y)].modifier.contains(Modifier::REVERSED));
    assert!(buf[(5, y)].modifier.contains(Modifier::BOLD), "selected row bold");
    for y in 0..24 {
        for x in 0..80 {
            let c = &buf[(x, y)];
            assert!(c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset);
        }
    }
    assert_debug_snapshot!(
        "mono_records_row_styles",
        (first..first + 2)
            .map(|y| (0..80)
                .map(|x| buf[(x, y as u16)].modifier)
                .fold(Modifier::empty(), |a, m| a | m))
            .collect::<Vec<_>>()
    );
}

#[test]
fn narrow_terminals_drop_low_priority_columns() {
    let s = table_state(ThemeName::Dark, sample());
    let narrow = text(&draw(&s, 80, 24));
    let wide = text(&draw(&s, 160, 48));
    for h in ["Supplier GSTIN", "Doc no.", "Taxable", "Action", "Local"] {
        assert!(narrow.contains(h), "80 columns keep {h}");
    }
    for h in ["IGST", "CGST", "Form", "Period", "S.No", "Trade name"] {
        assert!(!narrow.contains(h) && wide.contains(h), "{h} only when wide");
    }
    // Hiding columns makes room: the least important ones come back.
    let mut s = s;
    for c in [crate::app::ims::columns::Col::Igst, crate::app::ims::columns::Col::Cgst] {
        s.ims.columns.set_shown(c, false).unwrap();
    }
    let wide = text(&draw(&s, 160, 48));
    for h in ["P-blk", "3B"] {
        assert!(wide.contains(h), "{h} back once IGST and CGST are hidden");
    }
}

#[test]
fn hundred_thousand_records_draw_only_the_viewport() {
    let mut s = table_state(ThemeName::Dark, records(Section::B2b, 100_000));
    key(&mut s, KeyCode::End);
    let screen = text(&draw(&s, 160, 48));
    assert!(screen.contains("1,00,000 of 1,00,000"), "{screen}");
    assert!(screen.contains("INV/25-26/100000"));
    assert!(!screen.contains("INV/25-26/00001 "));
    keys(&mut s, "V");
    let screen = text(&draw(&s, 160, 48));
    assert!(screen.contains("1,00,000 selected"), "{screen}");
}

#[test]
fn confirm_partial_itc_with_error_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    s.ims.grid_row = 4;
    key(&mut s, KeyCode::Enter);
    let recs = vec![record(Section::B2bCn, 0, Action::NoAction)];
    update(&mut s, Msg::Sync(loaded(Section::B2bCn, recs, false)));
    keys(&mut s, "a");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    keys(&mut s, "5000");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn command_line_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    keys(&mut s, ":so");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn wide_variants_160x48() {
    let mut s = table_state(ThemeName::Dark, sample());
    keys(&mut s, "/status:noaction");
    key(&mut s, KeyCode::Enter);
    insta::assert_snapshot!("records_filtered_160x48", draw(&s, 160, 48).backend());
    keys(&mut s, "Vr");
    insta::assert_snapshot!("confirm_reject_160x48", draw(&s, 160, 48).backend());
    key(&mut s, KeyCode::Esc);
    keys(&mut s, ":sort t");
    insta::assert_snapshot!("command_line_160x48", draw(&s, 160, 48).backend());
    key(&mut s, KeyCode::Esc);
    with_outbox(&mut s);
    key(&mut s, KeyCode::Backspace);
    insta::assert_snapshot!(
        "dashboard_grid_cursor_and_local_counts_160x48",
        draw(&s, 160, 48).backend()
    );
}

#[test]
fn mono_grid_cursor_is_reversed() {
    let mut s = loaded_state(ThemeName::Mono);
    keys(&mut s, "jl");
    let t = draw(&s, 80, 24);
    let screen = text(&t);
    let y = screen.lines().position(|l| l.contains("B2BA invoices")).unwrap() as u16;
    let buf = t.backend().buffer();
    // The Accepted column of B2BA ("4") is the cursor cell.
    let x = screen
        .lines()
        .nth(y as usize)
        .unwrap()
        .chars()
        .position(|c| c == '4')
        .unwrap() as u16
        - 1;
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED), "{screen}");
    let other = screen
        .lines()
        .nth(y as usize)
        .unwrap()
        .chars()
        .position(|c| c == '1')
        .unwrap() as u16
        - 1;
    assert!(!buf[(other, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn hidden_columns_make_room_for_others() {
    let mut s = table_state(ThemeName::Dark, sample());
    assert!(!text(&draw(&s, 80, 24)).contains("Total tax"));
    for c in ":hide date\r".chars() {
        match c {
            '\r' => key(&mut s, KeyCode::Enter),
            c => key(&mut s, KeyCode::Char(c)),
        };
    }
    let screen = text(&draw(&s, 80, 24));
    assert!(!screen.contains("Date") && screen.contains("Total tax"), "{screen}");
}

#[test]
fn visual_mode_is_named_in_the_title() {
    let mut s = table_state(ThemeName::Mono, sample());
    keys(&mut s, "vjj");
    let screen = text(&draw(&s, 80, 24));
    assert!(screen.contains(" VISUAL "), "{screen}");
    assert!(screen.contains("3 selected"), "{screen}");
    keys(&mut s, "v");
    assert!(!text(&draw(&s, 80, 24)).contains("VISUAL"));
}

/// Trade names from GSTR-2B in their column and the detail pane; one supplier is unknown
/// (blank, not an error). A filed GSTR-3B marks the period read-only in the title.
#[test]
fn trade_names_and_read_only_marker_160x48() {
    let mut s = table_state(ThemeName::Dark, sample());
    let names: std::collections::HashMap<String, String> = [
        ("27AAPFU0939F1ZV", "Lotus Steel Traders"),
        ("29AABCT1332L1ZA", "Bharat Paper Mills Pvt Ltd"),
    ]
    .into_iter()
    .map(|(g, n)| (g.to_string(), n.to_string()))
    .collect();
    update(
        &mut s,
        Msg::Sync(SyncEvent::Suppliers {
            names: std::sync::Arc::new(names),
        }),
    );
    let (period, now) = (s.period, s.now);
    update(
        &mut s,
        Msg::Sync(SyncEvent::Gstr3bState {
            period,
            filed: Some(true),
            checked_at: now,
            from_cache: false,
            error: None,
        }),
    );
    key(&mut s, KeyCode::Enter);
    let screen = text(&draw(&s, 160, 48));
    assert!(screen.contains("Lotus Steel Traders"), "{screen}");
    assert!(screen.contains("3B filed: Oct 2025 read-only"), "{screen}");
    assert_snapshot!("records_trade_names_160x48", screen);
    // The filter's free text matches trade names.
    keys(&mut s, "/bharat");
    let t = s.ims.table.as_ref().unwrap();
    assert!(!t.view.is_empty());
    assert!(t.view.iter().all(|&i| t.records[i as usize].stin == "29AABCT1332L1ZA"));
    // At 80 columns the trade name drops before the GSTIN.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Enter);
    let narrow = text(&draw(&s, 80, 24));
    assert!(
        narrow.contains("Supplier GSTIN") && !narrow.contains("Trade name"),
        "{narrow}"
    );
}

#[test]
fn column_chooser_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    keys(&mut s, "cj jJ");
    let screen = text(&draw(&s, 80, 24));
    assert!(screen.contains("Columns"), "{screen}");
    assert_snapshot!("column_chooser_80x24", screen);
    // The mono theme still shows the cursor row.
    let mut m = table_state(ThemeName::Mono, sample());
    keys(&mut m, "c");
    let t = draw(&m, 80, 24);
    let buf = t.backend().buffer();
    let reversed = (0..24)
        .any(|y| (0..80).any(|x| buf[(x, y)].modifier.contains(Modifier::REVERSED) && buf[(x, y)].symbol() == "["));
    assert!(reversed, "the chooser's cursor is visible without colour");
}

/// Journal entries of record `k`, oldest first (as the store returns them); `n` ≥ 2.
fn journal(k: &crate::domain::ims::RecordKey, n: i64) -> Vec<crate::store::JournalEntry> {
    let at = crate::app::fixtures::now() - chrono::TimeDelta::hours(2);
    let e = |id: i64, old: &str, new: &str, rm: Option<&str>, rf: Option<&str>, out: Option<&str>| {
        crate::store::JournalEntry {
            id,
            at: at + chrono::TimeDelta::minutes(id * 7),
            local_user: "tester".into(),
            profile: "acme".into(),
            record: k.to_string(),
            old_action: old.into(),
            new_action: new.into(),
            remarks: rm.map(str::to_string),
            reference_id: rf.map(str::to_string),
            outcome: out.map(str::to_string),
            outcome_at: out.map(|_| at),
        }
    };
    let mut v = vec![e(
        1,
        "N",
        "R",
        Some("not received"),
        Some("0032e479bcb644c"),
        Some("applied"),
    )];
    for id in 2..n {
        let (old, new) = if id % 2 == 0 { ("R", "N") } else { ("N", "R") };
        v.push(e(id, old, new, None, Some("0032e479bcb6451"), Some("applied")));
    }
    v.push(e(n, "N", "A", None, None, None));
    v
}

/// The detail pane's action history from the local journal, newest first.
#[test]
fn detail_history_160x48() {
    let mut s = table_state(ThemeName::Dark, sample());
    key(&mut s, KeyCode::Enter);
    let k = s.ims.table.as_ref().unwrap().keys[0].clone();
    let entries = journal(&k, 3);
    update(&mut s, Msg::Sync(SyncEvent::History { key: k, entries }));
    let screen = text(&draw(&s, 160, 48));
    assert!(screen.contains("History (3)"), "{screen}");
    assert!(screen.contains("0032e479bcb644c"), "{screen}");
    assert_snapshot!("records_detail_history_160x48", screen);
}

/// At 80×24 the detail pane sits below the table, 8 rows tall: the history comes right
/// after the record (latest 3 entries and how many more), the actions share one line.
#[test]
fn detail_history_80x24() {
    let mut s = table_state(ThemeName::Dark, sample());
    with_outbox(&mut s);
    key(&mut s, KeyCode::Enter);
    let k = s.ims.table.as_ref().unwrap().keys[0].clone();
    let entries = journal(&k, 5);
    update(&mut s, Msg::Sync(SyncEvent::History { key: k, entries }));
    let screen = text(&draw(&s, 80, 24));
    assert!(screen.contains("History (5, latest 3 shown, 2 more)"), "{screen}");
    assert!(
        screen.contains("No action → Accepted"),
        "the newest entry is visible: {screen}"
    );
    assert!(screen.contains("Actions"), "{screen}");
    assert_snapshot!("records_detail_history_80x24", screen);
}
