//! `update` tests of the IMS review screen: drill-down, table keys, selection, filter and
//! sort, acting under the rules, confirm, undo, and the sync events. Driven by feeding
//! `SyncEvent`s, as the engine will.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal_macros::dec;

use super::confirm::{ConfirmOp, ItcChoice};
use super::fixtures::{loaded, record, records};
use super::*;
use crate::app::fixtures::loaded_state;
use crate::app::toast::ToastLevel;
use crate::app::{AppState, Msg, Popup, ThemeName, update};
use crate::domain::ims::{ItcReduction, YesNo};
use crate::sync::{Decision, JobKind, Outcome, StagedDecision, SyncCommand, SyncEvent, Target};

fn key(s: &mut AppState, code: KeyCode) -> Vec<SyncCommand> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}
fn ch(s: &mut AppState, c: char) -> Vec<SyncCommand> {
    key(s, KeyCode::Char(c))
}
fn ctrl(s: &mut AppState, c: char) -> Vec<SyncCommand> {
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)))
}
fn typed(s: &mut AppState, text: &str) {
    for c in text.chars() {
        ch(s, c);
    }
}
fn sync(s: &mut AppState, ev: SyncEvent) {
    update(s, Msg::Sync(ev));
}
fn table(s: &AppState) -> &RecordTable {
    s.ims.table.as_ref().expect("record table open")
}
fn confirm(s: &AppState) -> &confirm::ConfirmState {
    match &s.popup {
        Some(Popup::Confirm(c)) => c,
        other => panic!("confirm not open: {other:?}"),
    }
}
fn staged(cmds: &[SyncCommand]) -> (u64, Vec<Decision>) {
    match cmds {
        [SyncCommand::Stage { batch, decisions }] => (*batch, decisions.clone()),
        other => panic!("expected one Stage, got {other:?}"),
    }
}
/// The engine's answer to a Stage: the outbox now holds these decisions.
fn outbox_of(batches: &[(u64, &[Decision])], in_flight: bool) -> SyncEvent {
    SyncEvent::Outbox {
        staged: batches
            .iter()
            .flat_map(|(b, ds)| {
                ds.iter().map(move |d| StagedDecision {
                    batch: *b,
                    decision: d.clone(),
                    in_flight,
                    last_outcome: None,
                })
            })
            .collect(),
    }
}

/// Dashboard → B2B × All statuses, with `n` records loaded.
fn open(n: usize) -> AppState {
    open_at(Section::B2b, 4, records(Section::B2b, n))
}

fn open_at(section: Section, col: usize, recs: Vec<ImsRecord>) -> AppState {
    let mut s = loaded_state(ThemeName::Dark);
    s.ims.grid_row = GoodsType::Others.sections().iter().position(|x| *x == section).unwrap();
    s.ims.grid_col = col;
    assert_eq!(key(&mut s, KeyCode::Enter), vec![SyncCommand::PullRecords { section }]);
    sync(&mut s, loaded(section, recs, false));
    s.toasts.dismiss_all();
    s
}

// ---- Drill-down ----------------------------------------------------------------------

#[test]
fn grid_cursor_moves_and_enter_opens_the_cell() {
    let mut s = loaded_state(ThemeName::Dark);
    ch(&mut s, 'j');
    key(&mut s, KeyCode::Down);
    ch(&mut s, 'l');
    assert_eq!((s.ims.grid_row, s.ims.grid_col), (2, 1));
    for _ in 0..9 {
        ch(&mut s, 'l');
        ch(&mut s, 'j');
    }
    assert_eq!(
        (s.ims.grid_row, s.ims.grid_col),
        (7, 4),
        "clamped to the grid (Total column)"
    );
    ch(&mut s, 'k');
    ch(&mut s, 'h');
    assert_eq!((s.ims.grid_row, s.ims.grid_col), (6, 3));
    // Dn × Pending.
    s.ims.grid_row = 2;
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![SyncCommand::PullRecords {
            section: Section::B2bDn
        }]
    );
    assert_eq!(table(&s).status, Some(Action::Pending));
    assert!(s.is_loading(JobKind::Records(Section::B2bDn)));
    assert_eq!(s.contexts()[0], crate::app::Context::Records);
    // Backspace goes back; Esc too when there is nothing to clear.
    key(&mut s, KeyCode::Backspace);
    assert!(s.ims.table.is_none());
    s.ims.grid_col = 4;
    key(&mut s, KeyCode::Enter);
    assert_eq!(table(&s).status, None, "Total column: all statuses");
    s.toasts.dismiss_all();
    key(&mut s, KeyCode::Esc);
    assert!(s.ims.table.is_none());
}

#[test]
fn isd_sections_cannot_be_listed_and_say_so() {
    let mut s = loaded_state(ThemeName::Dark);
    ch(&mut s, '2');
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert!(s.ims.table.is_none());
    assert!(s.toasts.items()[0].message.contains("portal"));
}

#[test]
fn status_cell_filters_by_current_action_and_counts_n_of_m() {
    let s = open_at(Section::B2b, 2, records(Section::B2b, 40));
    let t = table(&s);
    assert_eq!(t.status, Some(Action::Rejected));
    assert_eq!(t.view.len(), 5, "every 8th record (3, 11, …) is rejected");
    assert_eq!(t.status_total, 5);
    assert!(t.view.iter().all(|&i| t.records[i as usize].action == Action::Rejected));
}

#[test]
fn cached_then_fresh_data_keeps_cursor_and_selection_by_key() {
    let mut s = open(20);
    ch(&mut s, 'j');
    ch(&mut s, 'j');
    ch(&mut s, ' '); // selects record 2, cursor to 3
    let cur = table(&s).current_key().cloned().unwrap();
    let sel = table(&s).keys[2].clone();
    // Fresh data in another order, with one record gone.
    let mut fresh = records(Section::B2b, 20);
    fresh.reverse();
    fresh.remove(0);
    sync(&mut s, loaded(Section::B2b, fresh, false));
    let t = table(&s);
    assert_eq!(t.current_key(), Some(&cur));
    assert!(t.marked_keys().contains(&sel));
    assert_eq!(t.selection.count, 1);
    // An older (cached) copy arriving late does not replace newer data.
    let mut old = loaded(Section::B2b, records(Section::B2b, 3), true);
    if let SyncEvent::RecordsLoaded { fetched_at, .. } = &mut old {
        *fetched_at -= chrono::TimeDelta::hours(1);
    }
    sync(&mut s, old);
    assert_eq!(table(&s).records.len(), 19);
    assert!(!s.is_loading(JobKind::Records(Section::B2b)));
}

#[test]
fn records_for_another_section_are_kept_for_later() {
    let mut s = open(5);
    sync(&mut s, loaded(Section::B2bCn, records(Section::B2bCn, 7), false));
    assert_eq!(table(&s).records.len(), 5);
    key(&mut s, KeyCode::Backspace);
    s.ims.grid_row = 4;
    key(&mut s, KeyCode::Enter);
    assert_eq!(table(&s).records.len(), 7, "opened at once from what arrived");
}

// ---- Moving, selection ---------------------------------------------------------------

#[test]
fn cursor_keys_stay_in_bounds() {
    let mut s = open(100);
    s.size = (80, 24);
    ch(&mut s, 'G');
    assert_eq!(table(&s).cursor, 99);
    ch(&mut s, 'j');
    assert_eq!(table(&s).cursor, 99);
    ch(&mut s, 'g');
    ch(&mut s, 'k');
    assert_eq!(table(&s).cursor, 0);
    key(&mut s, KeyCode::PageDown);
    assert_eq!(table(&s).cursor, 17);
    ctrl(&mut s, 'b');
    assert_eq!(table(&s).cursor, 0);
}

#[test]
fn space_visual_select_all_and_escape() {
    let mut s = open(30);
    ch(&mut s, ' ');
    ch(&mut s, ' ');
    assert_eq!(table(&s).selection.count, 2);
    ch(&mut s, ' ');
    ch(&mut s, 'k');
    ch(&mut s, ' '); // unselect record 2
    assert_eq!(table(&s).selection.count, 2);
    // Visual range from 5 to 9.
    s.ims.table.as_mut().unwrap().cursor = 5;
    ch(&mut s, 'v');
    for _ in 0..4 {
        ch(&mut s, 'j');
    }
    assert_eq!(table(&s).selection.count, 7);
    assert!(table(&s).is_selected(9) && !table(&s).is_selected(10));
    ch(&mut s, 'v');
    assert_eq!(table(&s).visual, None);
    assert_eq!(table(&s).marked_keys().len(), 7, "the range became marks");
    let expect: Money = (0..30)
        .filter(|i| [0, 1, 5, 6, 7, 8, 9].contains(i))
        .map(|i| table(&s).records[i].txval)
        .sum();
    assert_eq!(table(&s).selection.taxable, expect);
    key(&mut s, KeyCode::Esc);
    assert!(!table(&s).has_selection());
    assert!(s.ims.table.is_some(), "Esc cleared, did not leave");
    // Select all takes the whole filtered view, not just the visible rows.
    ch(&mut s, '/');
    typed(&mut s, "status:noaction");
    key(&mut s, KeyCode::Enter);
    ctrl(&mut s, 'a');
    assert_eq!(table(&s).selection.count, table(&s).view.len());
    assert_eq!(table(&s).selection.count, 18);
    key(&mut s, KeyCode::Esc);
    ch(&mut s, 'V');
    assert_eq!(table(&s).selection.count, 18);
}

// ---- Filter and sort -----------------------------------------------------------------

#[test]
fn slash_filters_as_you_type_and_escape_clears() {
    let mut s = open(200);
    ch(&mut s, '/');
    assert_eq!(s.contexts()[0], crate::app::Context::RecordFilter);
    typed(&mut s, "0012");
    // INV/25-26/00012 and 00120..00129.
    assert_eq!(table(&s).view.len(), 11);
    typed(&mut s, "3");
    assert_eq!(table(&s).view.len(), 1, "filtered on every keystroke");
    key(&mut s, KeyCode::Backspace);
    assert_eq!(table(&s).view.len(), 11);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.contexts()[0], crate::app::Context::Records);
    assert_eq!(table(&s).filter, "0012");
    // 'a' is a key again, not text.
    key(&mut s, KeyCode::Esc);
    assert_eq!(table(&s).filter, "");
    assert_eq!(table(&s).view.len(), 200);
    // GSTIN substring, case-insensitive.
    ch(&mut s, '/');
    typed(&mut s, "29aabct");
    assert_eq!(table(&s).view.len(), 67);
    key(&mut s, KeyCode::Esc);
    assert_eq!(table(&s).view.len(), 200);
}

#[test]
fn field_queries_and_their_errors() {
    let mut s = open(200);
    ch(&mut s, '/');
    typed(&mut s, "gstin:27AAP* txval>100000 status:noaction");
    let t = table(&s);
    assert!(t.filter_error.is_none());
    assert!(!t.view.is_empty());
    for &i in &t.view {
        let r = &t.records[i as usize];
        assert!(r.stin.starts_with("27AAP") && r.txval > Money(dec!(100000)) && r.action == Action::NoAction);
    }
    ctrl(&mut s, 'u');
    typed(&mut s, "status:maybe");
    let t = table(&s);
    assert!(t.filter_error.as_deref().unwrap().contains("status:maybe"));
    assert_eq!(t.view.len(), 200, "a broken query hides nothing");
}

#[test]
fn s_sorts_by_the_highlighted_column_and_again_reverses() {
    let mut s = open(50);
    // From GSTIN: Trade name, Doc no., Date, Type, Taxable.
    for _ in 0..5 {
        ch(&mut s, 'l');
    }
    assert_eq!(COLUMNS[table(&s).col_cursor].col, Col::Taxable);
    let cur = table(&s).current_key().cloned();
    ch(&mut s, 's');
    let t = table(&s);
    let vals: Vec<Money> = t.view.iter().map(|&i| t.records[i as usize].txval).collect();
    assert!(vals.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(t.current_key().cloned(), cur, "the cursor stays on its record");
    ch(&mut s, 's');
    let t = table(&s);
    let vals: Vec<Money> = t.view.iter().map(|&i| t.records[i as usize].txval).collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(
        t.sort,
        Some(SortBy {
            col: Col::Taxable,
            descending: true
        })
    );
    ch(&mut s, 'h');
    ch(&mut s, 'h');
    ch(&mut s, 's');
    let t = table(&s);
    let dates: Vec<i32> = t.view.iter().map(|&i| t.row_text(i as usize).date_key).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "dates sort as dates");
    for _ in 0..30 {
        ch(&mut s, 'h');
    }
    assert_eq!(table(&s).col_cursor, 1, "the mark column is not sortable");
}

// ---- Acting ----------------------------------------------------------------------------

#[test]
fn accepting_one_record_stages_at_once_and_moves_on() {
    let mut s = open(10);
    let first = table(&s).records[0].clone();
    let cmds = ch(&mut s, 'a');
    let (batch, ds) = staged(&cmds);
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].record, first);
    assert_eq!(ds[0].target, Target::Set(Action::Accepted));
    assert_eq!((ds[0].remarks.clone(), ds[0].itc_reduction.clone()), (None, None));
    assert_eq!(table(&s).cursor, 1);
    assert!(s.popup.is_none());
    // Accepting an already accepted record changes nothing and says why.
    assert_eq!(table(&s).records[1].action, Action::Accepted);
    assert_eq!(ch(&mut s, 'a'), vec![]);
    assert_eq!(s.toasts.items()[0].level, ToastLevel::Warn);
    assert!(s.toasts.items()[0].message.contains("already accepted"));
    assert_eq!(s.ims.next_batch, batch + 1);
}

#[test]
fn bulk_reject_confirms_with_count_and_tax_and_takes_remarks() {
    let mut s = open(20);
    ch(&mut s, '/');
    typed(&mut s, "status:noaction");
    key(&mut s, KeyCode::Enter);
    ch(&mut s, 'V');
    let n = table(&s).view.len();
    let tax: Money = table(&s)
        .view
        .iter()
        .map(|&i| table(&s).records[i as usize].total_tax())
        .sum();
    assert_eq!(ch(&mut s, 'r'), vec![]);
    let c = confirm(&s);
    assert_eq!(c.title, format!("Reject {n} documents, ₹{} ITC?", tax.inr()));
    assert_eq!(c.remarks.as_deref(), Some(""));
    assert_eq!(s.contexts()[0], crate::app::Context::Confirm);
    typed(&mut s, "wrong GSTIN");
    key(&mut s, KeyCode::Backspace);
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(ds.len(), n);
    assert!(
        ds.iter()
            .all(|d| d.remarks.as_deref() == Some("wrong GSTI") && d.target == Target::Set(Action::Rejected))
    );
    assert!(s.popup.is_none());
    assert!(!table(&s).has_selection(), "the selection is used up");
}

#[test]
fn escape_cancels_the_confirm_without_staging() {
    let mut s = open(5);
    ch(&mut s, 'V');
    ch(&mut s, 'p');
    assert!(matches!(s.popup, Some(Popup::Confirm(_))));
    assert_eq!(key(&mut s, KeyCode::Esc), vec![]);
    assert!(s.popup.is_none());
    assert!(table(&s).has_selection(), "cancel keeps the selection");
}

#[test]
fn pending_blocked_records_are_refused_with_the_reason() {
    let mut recs = records(Section::B2b, 3);
    for r in &mut recs {
        r.action = Action::NoAction;
    }
    recs[1].ispendactblocked = YesNo::Yes;
    let mut s = open_at(Section::B2b, 4, recs);
    ch(&mut s, 'V');
    ch(&mut s, 'p');
    let c = confirm(&s);
    assert!(c.title.starts_with("Keep pending 2 documents"), "{}", c.title);
    assert!(
        c.lines[0].contains("1 document refused") && c.lines[0].contains("ispendactblocked"),
        "{:?}",
        c.lines
    );
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(ds.len(), 2);
    // All refused: a toast, nothing staged.
    s.ims.table.as_mut().unwrap().cursor = 1;
    assert_eq!(ch(&mut s, 'p'), vec![]);
    assert!(s.popup.is_none());
    let t = s.toasts.items().last().unwrap();
    assert_eq!(t.title, "Cannot keep pending");
    assert!(t.message.contains("not allowed to stay pending"), "{}", t.message);
}

#[test]
fn imports_cannot_be_rejected_even_in_bulk() {
    // The rule holds whatever the section's listing: check it on the model directly.
    let mut s = open(3);
    let t = s.ims.table.as_mut().unwrap();
    t.section = Section::Impg;
    ch(&mut s, 'r');
    assert!(
        s.toasts.items()[0].message.contains("not rejected"),
        "{}",
        s.toasts.items()[0].message
    );
}

#[test]
fn accepting_credit_notes_asks_for_the_itc_declaration() {
    let recs: Vec<ImsRecord> = (0..2).map(|i| record(Section::B2bCn, i, Action::NoAction)).collect();
    let mut s = open_at(Section::B2bCn, 0, recs);
    // Even a single credit note asks.
    ch(&mut s, 'a');
    let c = confirm(&s);
    assert_eq!(c.itc, Some(ItcChoice::Full));
    assert_eq!(c.remarks, None, "no remarks on accept");
    key(&mut s, KeyCode::Tab);
    assert_eq!(confirm(&s).itc, Some(ItcChoice::NotAvailed));
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(ds[0].itc_reduction, Some(ItcReduction::None));
    ch(&mut s, 'V');
    ch(&mut s, 'a');
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(ds.len(), 2);
    assert!(ds.iter().all(|d| d.itc_reduction == Some(ItcReduction::Full)));
}

#[test]
fn reset_always_confirms() {
    let mut s = open(4);
    ch(&mut s, 'j'); // record 1 is accepted
    ch(&mut s, 'R');
    let c = confirm(&s);
    assert!(c.title.starts_with("Reset to No action 1 document"), "{}", c.title);
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(ds[0].target, Target::Reset);
}

// ---- Outbox, undo, clear, save, 2B ---------------------------------------------------

#[test]
fn outbox_drives_the_local_column_and_undo_is_repeatable_until_sent() {
    let mut s = open(10);
    let (b1, d1) = staged(&ch(&mut s, 'a'));
    sync(&mut s, outbox_of(&[(b1, &d1)], false));
    assert_eq!(ch(&mut s, 'a'), vec![], "record 1 is accepted already");
    ch(&mut s, 'j');
    let (b2, d2) = staged(&ch(&mut s, 'a'));
    sync(&mut s, outbox_of(&[(b1, &d1), (b2, &d2)], false));
    assert_eq!(s.ims.outbox.len(), 2);
    assert_eq!(s.ims.staged_unsent(), 2);
    assert_eq!(ch(&mut s, 'u'), vec![SyncCommand::Unstage { batch: b2 }]);
    sync(&mut s, outbox_of(&[(b1, &d1)], false));
    assert_eq!(ch(&mut s, 'u'), vec![SyncCommand::Unstage { batch: b1 }]);
    sync(&mut s, outbox_of(&[], false));
    assert_eq!(ch(&mut s, 'u'), vec![]);
    assert_eq!(s.toasts.items().last().unwrap().title, "Nothing to undo");
}

#[test]
fn sent_decisions_cannot_be_undone_or_cleared() {
    let mut s = open(10);
    let (b1, d1) = staged(&ch(&mut s, 'a'));
    sync(&mut s, outbox_of(&[(b1, &d1)], true));
    assert_eq!(ch(&mut s, 'u'), vec![]);
    assert_eq!(s.toasts.items().last().unwrap().title, "Cannot undo");
    ch(&mut s, 'g');
    assert_eq!(ch(&mut s, 'x'), vec![]);
    assert_eq!(ch(&mut s, 'a'), vec![], "being sent: skipped");
}

#[test]
fn x_clears_the_local_action_of_the_selection() {
    let mut s = open(10);
    ch(&mut s, 'V');
    ch(&mut s, 'r');
    let (b, ds) = staged(&key(&mut s, KeyCode::Enter));
    sync(&mut s, outbox_of(&[(b, &ds)], false));
    ch(&mut s, ' ');
    ch(&mut s, ' ');
    let expect: Vec<RecordKey> = table(&s).keys[..2].to_vec();
    let cmds = ch(&mut s, 'x');
    assert_eq!(cmds, vec![SyncCommand::UnstageKeys { keys: expect }]);
}

#[test]
fn local_counts_move_between_status_columns() {
    let mut s = open(10);
    let (b, ds) = staged(&ch(&mut s, 'a')); // record 0: No action → Accepted
    sync(&mut s, outbox_of(&[(b, &ds)], false));
    let base = StatusCounts {
        noaction: 112,
        accept: 1340,
        reject: 6,
        pending: 9,
    };
    let l = s.ims.local_counts(Section::B2b, base).unwrap();
    assert_eq!((l.noaction, l.accept, l.total()), (111, 1341, base.total()));
    assert_eq!(s.ims.local_counts(Section::B2bCn, base), None);
}

#[test]
fn save_confirms_then_pushes_and_reports_progress() {
    let mut s = open(10);
    assert_eq!(ch(&mut s, 'S'), vec![]);
    assert_eq!(s.toasts.items()[0].title, "Nothing to save");
    let (b, ds) = staged(&ch(&mut s, 'a'));
    sync(&mut s, outbox_of(&[(b, &ds)], false));
    ch(&mut s, 'S');
    assert!(confirm(&s).title.starts_with("Save 1 document to GSTN"));
    assert_eq!(confirm(&s).op, ConfirmOp::Push);
    assert_eq!(key(&mut s, KeyCode::Enter), vec![SyncCommand::Push]);
    assert!(s.is_loading(JobKind::Push));
    let after = update(
        &mut s,
        Msg::Sync(SyncEvent::PushProgress {
            total: 1,
            sent: 1,
            applied: 0,
            rejected: 0,
            conflicts: 1,
        }),
    );
    assert_eq!(
        after,
        vec![
            SyncCommand::RefreshCounts {
                goods: GoodsType::Others
            },
            SyncCommand::PullRecords { section: Section::B2b }
        ],
        "fresh data once the push is done"
    );
    let repeated = update(
        &mut s,
        Msg::Sync(SyncEvent::PushProgress {
            total: 1,
            sent: 1,
            applied: 0,
            rejected: 0,
            conflicts: 1,
        }),
    );
    assert_eq!(
        repeated,
        vec![],
        "the engine's repeated closing figures neither refetch nor toast again"
    );
    assert_eq!(s.toasts.items().last().unwrap().repeats, 1);
    let current = ImsRecord {
        action: Action::Rejected,
        ..ds[0].record.clone()
    };
    sync(
        &mut s,
        SyncEvent::Outcome {
            key: ds[0].key(),
            outcome: Outcome::Conflict {
                current: Some(Box::new(current)),
            },
        },
    );
    assert!(!s.is_loading(JobKind::Push));
    assert_eq!(s.toasts.items().last().unwrap().title, "Saved with problems");
    assert!(matches!(
        s.ims.outbox[&ds[0].key()].last_outcome,
        Some(Outcome::Conflict { .. })
    ));
}

#[test]
fn compute_2b_warns_about_deemed_acceptance_first() {
    let mut s = open(3);
    ch(&mut s, 'C');
    let c = confirm(&s);
    assert!(c.lines[0].contains("deemed accepted"));
    assert!(c.lines.iter().any(|l| l.contains("have no action")), "{:?}", c.lines);
    let period = s.period;
    assert_eq!(key(&mut s, KeyCode::Enter), vec![SyncCommand::Regenerate2b { period }]);
    sync(
        &mut s,
        SyncEvent::Gstr2b {
            period,
            status: "IP".into(),
            message: None,
        },
    );
    assert!(s.is_loading(JobKind::Gstr2b));
    sync(
        &mut s,
        SyncEvent::Gstr2b {
            period,
            status: "P".into(),
            message: None,
        },
    );
    assert!(!s.is_loading(JobKind::Gstr2b));
    assert!(s.toasts.items().last().unwrap().title.contains("computed"));
}

#[test]
fn help_from_the_table_runs_table_actions() {
    let mut s = open(3);
    ch(&mut s, '?');
    typed(&mut s, "select every");
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(cmds, vec![]);
    assert!(s.popup.is_none());
    assert_eq!(table(&s).selection.count, 3);
}

#[test]
fn running_selection_totals_match_a_full_count() {
    let mut s = open(64);
    let brute = |s: &AppState| {
        let t = table(s);
        let mut b = SelectionTotals::default();
        for i in t.targets() {
            b.count += 1;
            b.taxable += t.records[i].txval;
            b.tax += t.records[i].total_tax();
        }
        if !t.has_selection() {
            b = SelectionTotals::default();
        }
        b
    };
    let steps: &[&str] = &[" ", "  ", "k ", "jjv", "jjj", "v", "/0001\r", "V", "\u{1b}", "jv", "jj"];
    for step in steps {
        for c in step.chars() {
            match c {
                '\r' => key(&mut s, KeyCode::Enter),
                '\u{1b}' => key(&mut s, KeyCode::Esc),
                c => ch(&mut s, c),
            };
        }
        assert_eq!(table(&s).selection, brute(&s), "after {step:?}");
    }
    // Fresh data with fewer records: totals follow.
    sync(&mut s, loaded(Section::B2b, records(Section::B2b, 20), false));
    assert_eq!(table(&s).selection, brute(&s));
    assert!(table(&s).selection.count > 0);
}

#[test]
fn grid_row_follows_the_tab_size() {
    let mut s = loaded_state(ThemeName::Dark);
    s.ims.grid_row = 7;
    ch(&mut s, '3');
    assert_eq!(s.ims.grid_section(GoodsType::Imports), Some(Section::ImpgSeza));
    ch(&mut s, 'k');
    assert_eq!(s.ims.grid_section(GoodsType::Imports), Some(Section::ImpgSez));
}

#[test]
fn failed_load_is_shown_in_the_table() {
    let mut s = loaded_state(ThemeName::Dark);
    key(&mut s, KeyCode::Enter);
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Records(Section::B2b),
            message: "GSTN is down (503); retry with r on the dashboard.".into(),
        },
    );
    assert!(!s.is_loading(JobKind::Records(Section::B2b)));
    assert!(s.last_errors.contains_key(&JobKind::Records(Section::B2b)));
}

#[test]
fn one_credit_note_can_declare_a_partial_reduction_checked_against_its_tax() {
    let recs: Vec<ImsRecord> = (0..2).map(|i| record(Section::B2bCn, i, Action::NoAction)).collect();
    let igst = recs[1].iamt;
    let mut s = open_at(Section::B2bCn, 0, recs);
    ch(&mut s, 'j');
    ch(&mut s, 'a');
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert_eq!(confirm(&s).itc, Some(ItcChoice::Partial));
    // More than the document's IGST: refused, the popup stays.
    typed(&mut s, "999999 0 0 0");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert!(
        confirm(&s).error.as_deref().unwrap().contains("declIgst"),
        "{:?}",
        confirm(&s).error
    );
    for _ in 0.."999999 0 0 0".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "abc");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert!(confirm(&s).error.as_deref().unwrap().starts_with("IGST"));
    for _ in 0..3 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "100.50,0");
    let (_, ds) = staged(&key(&mut s, KeyCode::Enter));
    assert_eq!(
        ds[0].itc_reduction,
        Some(ItcReduction::Partial {
            igst: Money(dec!(100.50)),
            cgst: Money::default(),
            sgst: Money::default(),
            cess: Money::default(),
        })
    );
    assert!(Money(dec!(100.50)) <= igst);
    // Two credit notes at once: Full and None only.
    ch(&mut s, 'V');
    ch(&mut s, 'a');
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert_eq!(confirm(&s).itc, Some(ItcChoice::Full));
}

#[test]
fn partial_amounts_parse_in_head_order() {
    use super::confirm::parse_partial;
    assert_eq!(
        parse_partial("10 20, 30 4.5").unwrap(),
        ItcReduction::Partial {
            igst: Money(dec!(10)),
            cgst: Money(dec!(20)),
            sgst: Money(dec!(30)),
            cess: Money(dec!(4.5)),
        }
    );
    assert!(parse_partial("").unwrap_err().contains("IGST CGST SGST cess"));
    assert!(parse_partial("1 2 3 4 5").unwrap_err().contains("at most 4"));
    assert!(parse_partial("1 x").unwrap_err().starts_with("CGST"));
}

// ---- Command line ----------------------------------------------------------------------

fn command(s: &mut AppState, text: &str) -> Vec<SyncCommand> {
    ch(s, ':');
    assert_eq!(s.contexts()[0], crate::app::Context::CommandLine);
    typed(s, text);
    key(s, KeyCode::Enter)
}

#[test]
fn command_line_filters_selects_sorts_and_changes_period() {
    let mut s = open(100);
    assert_eq!(command(&mut s, "filter status:noaction"), vec![]);
    assert!(s.ims.command.is_none());
    assert_eq!(table(&s).view.len(), 62);
    command(&mut s, "select txval>100000 gstin:27*");
    let t = table(&s);
    assert!(t.selection.count > 0);
    for i in t.targets() {
        assert!(t.records[i].txval > Money(dec!(100000)) && t.records[i].stin.starts_with("27"));
        assert_eq!(t.records[i].action, Action::NoAction, "only within the view");
    }
    command(&mut s, "sort taxable desc");
    let t = table(&s);
    assert_eq!(
        t.sort,
        Some(SortBy {
            col: Col::Taxable,
            descending: true
        })
    );
    let first = t.records[t.view[0] as usize].txval;
    assert!(t.view.iter().all(|&i| t.records[i as usize].txval <= first));
    command(&mut s, "clear");
    assert!(!table(&s).has_selection());
    let cmds = command(&mut s, "period 2025-09");
    assert_eq!(
        cmds,
        vec![SyncCommand::RefreshBalance {
            period: crate::domain::ReturnPeriod::new(2025, 9).unwrap()
        }]
    );
}

#[test]
fn command_line_errors_keep_the_line_open_and_tab_completes() {
    let mut s = open(10);
    assert_eq!(command(&mut s, "fly"), vec![]);
    let cl = s.ims.command.as_ref().unwrap();
    assert!(cl.error.as_deref().unwrap().contains("not a command"));
    key(&mut s, KeyCode::Esc);
    assert!(s.ims.command.is_none());
    command(&mut s, "select status:maybe");
    assert!(
        s.ims
            .command
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("status:maybe")
    );
    key(&mut s, KeyCode::Esc);
    command(&mut s, "s");
    assert!(
        s.ims
            .command
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("ambiguous")
    );
    key(&mut s, KeyCode::Esc);
    // Tab: "sa" → "save", Enter opens the save popup (nothing queued: a toast instead).
    ch(&mut s, ':');
    typed(&mut s, "sa");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.ims.command.as_ref().unwrap().text, "save");
    key(&mut s, KeyCode::Enter);
    assert!(s.ims.command.is_none());
    assert_eq!(s.toasts.items().last().unwrap().title, "Nothing to save");
    // Accept through the command line stages like `a`.
    let (_, ds) = staged(&command(&mut s, "acc"));
    assert_eq!(ds.len(), 1);
}

#[test]
fn columns_can_be_hidden_and_shown_but_not_the_essential_ones() {
    let mut s = open(5);
    command(&mut s, "hide igst");
    let cmds = command(&mut s, "hide date");
    assert_eq!(s.ims.columns.hidden(), vec![Col::Date, Col::Igst]);
    assert_eq!(
        cmds,
        vec![SyncCommand::SaveImsColumns {
            columns: s.ims.columns.encode()
        }],
        "remembered for the profile"
    );
    command(&mut s, "hide taxable");
    assert!(
        s.ims
            .command
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("essential")
    );
    key(&mut s, KeyCode::Esc);
    command(&mut s, "show igst");
    assert_eq!(s.ims.columns.hidden(), vec![Col::Date]);
    command(&mut s, "show all");
    assert!(s.ims.columns.hidden().is_empty());
}

fn chooser(s: &AppState) -> &columns::ColumnChooser {
    s.ims.chooser.as_ref().expect("column chooser open")
}

#[test]
fn the_column_chooser_hides_moves_and_remembers() {
    let mut s = open(5);
    assert_eq!(ch(&mut s, 'c'), vec![]);
    assert_eq!(s.contexts()[0], crate::app::keymap::Context::ColumnChooser);
    // The cursor starts on the highlighted column (GSTIN).
    assert_eq!(s.ims.columns.cols[chooser(&s).cursor].0, Col::Gstin);
    // GSTIN cannot be hidden, and says why.
    ch(&mut s, ' ');
    assert!(s.ims.columns.is_shown(Col::Gstin));
    let e = chooser(&s).error.clone().unwrap();
    assert!(e.contains("always shown") && e.contains("identifies the record"), "{e}");
    // Down to the trade name: hide it, then move it after the document number.
    ch(&mut s, 'j');
    assert_eq!(s.ims.columns.cols[chooser(&s).cursor].0, Col::TradeName);
    assert_eq!(chooser(&s).error, None, "moving on clears the message");
    ch(&mut s, ' ');
    assert!(!s.ims.columns.is_shown(Col::TradeName));
    ch(&mut s, 'J');
    let order: Vec<Col> = s.ims.columns.cols.iter().map(|c| c.0).take(5).collect();
    assert_eq!(order, vec![Col::Mark, Col::Sno, Col::Gstin, Col::DocNo, Col::TradeName]);
    assert_eq!(
        s.ims.columns.cols[chooser(&s).cursor].0,
        Col::TradeName,
        "the cursor follows"
    );
    // Date before the document number with K.
    ch(&mut s, 'j');
    ch(&mut s, 'K');
    ch(&mut s, 'K');
    let order: Vec<Col> = s.ims.columns.shown().take(5).collect();
    assert_eq!(order, vec![Col::Mark, Col::Sno, Col::Gstin, Col::Date, Col::DocNo]);
    // The mark column stays too.
    for _ in 0..10 {
        ch(&mut s, 'k');
    }
    ch(&mut s, ' ');
    assert!(s.ims.columns.is_shown(Col::Mark));
    // Enter closes and saves; the table keys work again.
    let cmds = key(&mut s, KeyCode::Enter);
    assert!(s.ims.chooser.is_none());
    let saved = match &cmds[..] {
        [SyncCommand::SaveImsColumns { columns }] => columns.clone(),
        other => panic!("expected a save, got {other:?}"),
    };
    assert!(saved.contains("-trade_name"), "{saved}");
    // → from GSTIN now goes to Date (the new order), skipping the hidden trade name.
    ch(&mut s, 'l');
    assert_eq!(COLUMNS[table(&s).col_cursor].col, Col::Date);
    // A restart: the saved text gives the same arrangement.
    let mut again = open(5);
    sync(&mut again, SyncEvent::ImsColumns { columns: saved });
    assert_eq!(again.ims.columns, s.ims.columns);
    // Closing without a change saves nothing.
    ch(&mut again, 'c');
    assert_eq!(key(&mut again, KeyCode::Esc), vec![]);
}

#[test]
fn a_saved_layout_from_an_older_version_gains_new_columns() {
    use columns::ColumnLayout;
    // Saved before the trade name existed, with Date hidden and IGST first after GSTIN.
    let l = ColumnLayout::decode("mark,sno,gstin,igst,doc_no,-date,bogus,-gstin");
    assert!(!l.is_shown(Col::Date));
    assert!(
        l.is_shown(Col::Gstin),
        "a duplicate or an essential column is never hidden"
    );
    let order: Vec<Col> = l.cols.iter().map(|c| c.0).take(5).collect();
    assert_eq!(order, vec![Col::Mark, Col::Sno, Col::Gstin, Col::TradeName, Col::Igst]);
    assert_eq!(l.cols.len(), COLUMNS.len());
    assert_eq!(ColumnLayout::decode(&l.encode()), l);
}

// ---- GSTR-3B filed ⇒ read-only -------------------------------------------------------------

fn gstr3b(s: &AppState, filed: Option<bool>, error: Option<&str>) -> SyncEvent {
    SyncEvent::Gstr3bState {
        period: s.period,
        filed,
        checked_at: s.now,
        from_cache: false,
        error: error.map(str::to_string),
    }
}

fn filed(period: ReturnPeriod, filed: Option<bool>, s: &AppState) -> SyncEvent {
    SyncEvent::Gstr3bState {
        period,
        filed,
        checked_at: s.now,
        from_cache: false,
        error: None,
    }
}

/// 12 records: 0..6 reported in Sep 2025, 6..12 in Oct 2025 (the selected period).
fn two_periods() -> AppState {
    let mut recs = records(Section::B2b, 12);
    for r in &mut recs[..6] {
        r.rtnprd = "092025".into();
    }
    let mut s = open(0);
    sync(&mut s, loaded(Section::B2b, recs, false));
    s
}

#[test]
fn records_ask_for_the_gstr3b_state_of_their_own_periods_once() {
    let mut s = open(0);
    let mut recs = records(Section::B2b, 4);
    recs[0].rtnprd = "092025".into();
    recs[1].rtnprd = "garbage".into();
    let cmds = update(&mut s, Msg::Sync(loaded(Section::B2b, recs.clone(), false)));
    let sep = ReturnPeriod::new(2025, 9).unwrap();
    assert!(
        cmds.contains(&SyncCommand::Gstr3bPeriods {
            periods: vec![sep, s.period]
        }),
        "{cmds:?}"
    );
    // A refresh of the same records asks nothing again.
    let cmds = update(&mut s, Msg::Sync(loaded(Section::B2b, recs, false)));
    assert!(
        !cmds.iter().any(|c| matches!(c, SyncCommand::Gstr3bPeriods { .. })),
        "{cmds:?}"
    );
}

#[test]
fn a_filed_period_locks_its_own_records_only_and_says_why() {
    let mut s = two_periods();
    let sep = ReturnPeriod::new(2025, 9).unwrap();
    let ev = filed(sep, Some(true), &s);
    sync(&mut s, ev);
    let ev = filed(s.period, Some(false), &s);
    sync(&mut s, ev);
    assert!(s.ims.read_only(sep) && !s.ims.read_only(s.period));
    // Record 0 (Sep, No action): every action is refused, naming the period.
    for k in ['a', 'r', 'R'] {
        s.toasts.dismiss_all();
        assert_eq!(ch(&mut s, k), vec![], "{k} is refused");
        let t = s.toasts.items().last().expect("a toast says why");
        assert!(t.title.starts_with("Cannot"), "{k}: {}", t.title);
        assert!(
            t.message.contains("GSTR-3B for Sep 2025 is filed") && t.message.contains("read-only"),
            "{k}: {}",
            t.message
        );
        assert!(s.popup.is_none(), "{k} opens nothing");
    }
    let t = table(&s);
    let v = super::update::verdict_for(&s, t, 0, &Target::Set(Action::Accepted));
    assert!(
        matches!(&v, crate::domain::ims::Verdict::Denied(d) if d.reason.contains("Sep 2025")),
        "{v:?}"
    );
    // Record 5 (Sep, Pending) stays in IMS after filing (domain.md rule 7): open.
    assert_eq!(t.records[5].action, Action::Pending);
    let v = super::update::verdict_for(&s, t, 5, &Target::Set(Action::Accepted));
    assert!(matches!(v, crate::domain::ims::Verdict::Allowed { .. }), "{v:?}");
    // Record 6 (Oct, not filed): allowed.
    let v = super::update::verdict_for(&s, t, 6, &Target::Set(Action::Accepted));
    assert!(matches!(v, crate::domain::ims::Verdict::Allowed { .. }), "{v:?}");
    // Accept everything: the confirm counts the open ones and says why the rest are refused.
    ch(&mut s, 'V');
    ch(&mut s, 'a');
    let c = confirm(&s);
    let ConfirmOp::Stage(plan) = &c.op else {
        panic!("{:?}", c.op)
    };
    let locked = (0..6)
        .filter(|&i| table(&s).records[i].action != Action::Pending)
        .count();
    let already = (6..12)
        .filter(|&i| table(&s).records[i].action == Action::Accepted)
        .count();
    assert_eq!(plan.len(), 12 - locked - already);
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains(&format!("{} documents refused: GSTR-3B for Sep 2025 is filed", locked))),
        "{:?}",
        c.lines
    );
}

#[test]
fn save_sends_the_open_decisions_and_holds_those_of_a_filed_period() {
    let mut s = two_periods();
    let sep = ReturnPeriod::new(2025, 9).unwrap();
    let decision = |s: &AppState, i: usize| Decision {
        section: Section::B2b,
        record: table(s).records[i].clone(),
        target: Target::Set(Action::Accepted),
        remarks: None,
        itc_reduction: None,
    };
    // Queued before the filing was known: one Sep record, two Oct records.
    let ds = [decision(&s, 0), decision(&s, 6), decision(&s, 8)];
    sync(&mut s, outbox_of(&[(1, &ds)], false));
    let ev = filed(sep, Some(true), &s);
    sync(&mut s, ev);
    s.toasts.dismiss_all();
    ch(&mut s, 'S');
    let c = confirm(&s);
    assert!(c.title.starts_with("Save 2 documents to GSTN"), "{}", c.title);
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("1 document stay queued: GSTR-3B for Sep 2025 is filed")),
        "{:?}",
        c.lines
    );
    let held = vec![table(&s).keys[0].clone()];
    assert_eq!(key(&mut s, KeyCode::Enter), vec![SyncCommand::PushHolding { held }]);
    assert!(s.is_loading(JobKind::Push));

    // Only decisions of the filed period left: S refuses and says how many and why.
    let mut s = two_periods();
    let ds = [decision(&s, 0), decision(&s, 1)];
    sync(&mut s, outbox_of(&[(1, &ds)], false));
    let ev = filed(sep, Some(true), &s);
    sync(&mut s, ev);
    s.toasts.dismiss_all();
    assert_eq!(ch(&mut s, 'S'), vec![]);
    assert!(s.popup.is_none());
    let t = s.toasts.items().last().unwrap();
    assert_eq!(t.title, "Cannot save to GSTN");
    assert!(
        t.message.contains("2 documents stay queued: GSTR-3B for Sep 2025"),
        "{}",
        t.message
    );
    // Nothing filed: a plain push.
    let mut s = two_periods();
    let ds = [decision(&s, 0)];
    sync(&mut s, outbox_of(&[(1, &ds)], false));
    ch(&mut s, 'S');
    assert_eq!(key(&mut s, KeyCode::Enter), vec![SyncCommand::Push]);
}

#[test]
fn another_period_or_an_unknown_state_locks_nothing() {
    let mut s = open(10);
    // Filed, but for another period than the records' own (Oct 2025).
    let other = SyncEvent::Gstr3bState {
        period: s.period.prev(),
        filed: Some(true),
        checked_at: s.now,
        from_cache: false,
        error: None,
    };
    sync(&mut s, other);
    assert!(!s.ims.read_only(s.period));
    assert!(matches!(&ch(&mut s, 'a')[..], [SyncCommand::Stage { .. }]));
    ch(&mut s, 'g');
    // The check failed: say so, but let the user work (GSTN has the last word).
    let ev = gstr3b(&s, None, Some("offline: cannot reach the API"));
    sync(&mut s, ev);
    assert!(!s.ims.read_only(s.period));
    assert_eq!(s.ims.gstr3b_of(s.period).unwrap().filed, None);
    assert!(matches!(&ch(&mut s, 'a')[..], [SyncCommand::Stage { .. }]));
    ch(&mut s, 'g');
    // Not filed: nothing locked either.
    let ev = gstr3b(&s, Some(false), None);
    sync(&mut s, ev);
    assert!(matches!(&ch(&mut s, 'a')[..], [SyncCommand::Stage { .. }]));
}

#[test]
fn download_writes_the_columns_as_shown_with_trade_names() {
    let mut s = open(6);
    s.downloads_dir = Some(std::path::PathBuf::from("/tmp/gstdash-test-downloads"));
    let names: HashMap<String, String> = [("27AAPFU0939F1ZV".to_string(), "Lotus Steel Traders".to_string())].into();
    sync(&mut s, SyncEvent::Suppliers { names: Arc::new(names) });
    // Hide S.No, move Date first after the mark.
    command(&mut s, "hide s.no");
    ch(&mut s, 'c');
    let at = s.ims.columns.cols.iter().position(|c| c.0 == Col::Date).unwrap();
    for _ in 0..30 {
        ch(&mut s, 'k');
    }
    for _ in 0..at {
        ch(&mut s, 'j');
    }
    for _ in 0..at - 1 {
        ch(&mut s, 'K');
    }
    key(&mut s, KeyCode::Esc);
    assert!(ch(&mut s, 'D').is_empty(), "D opens the format chooser first");
    let cmds = ch(&mut s, 'x');
    let [
        SyncCommand::Export {
            source:
                crate::export::ExportSource::ImsRecords {
                    records,
                    view,
                    shown: Some(shown),
                    ..
                },
            ..
        },
    ] = &cmds[..]
    else {
        panic!("expected an export, got {cmds:?}");
    };
    assert_eq!(shown.cols, s.ims.columns.shown().collect::<Vec<_>>());
    let rows: Vec<ImsRecord> = view.iter().map(|i| records[*i as usize].clone()).collect();
    let t = shown.export_table(Section::B2b, &rows);
    let titles: Vec<&str> = t.columns.iter().map(|c| c.title.as_str()).take(4).collect();
    assert_eq!(titles, vec!["Date", "Supplier GSTIN", "Trade name", "Doc no."]);
    assert_eq!(t.rows.len(), 6);
    assert_eq!(t.rows[0][2], crate::export::Cell::text("Lotus Steel Traders"));
    assert_eq!(t.rows[1][2], crate::export::Cell::Empty, "an unknown supplier is blank");
}

fn journal_entry(key: &RecordKey, id: i64, new: &str, outcome: Option<&str>) -> crate::store::JournalEntry {
    let at = crate::app::fixtures::now() - chrono::TimeDelta::minutes(30 - id);
    crate::store::JournalEntry {
        id,
        at,
        local_user: "tester".into(),
        profile: "acme".into(),
        record: key.to_string(),
        old_action: "N".into(),
        new_action: new.into(),
        remarks: (new == "R").then(|| "not received".to_string()),
        reference_id: outcome.map(|_| format!("0032e479bcb644{id}")),
        outcome: outcome.map(str::to_string),
        outcome_at: outcome.map(|_| at),
    }
}

#[test]
fn the_detail_pane_asks_for_the_cursor_records_history_and_drops_stale_answers() {
    let mut s = open(10);
    assert!(s.ims.history_for.is_none(), "nothing asked while the pane is closed");
    let k0 = table(&s).keys[0].clone();
    let k1 = table(&s).keys[1].clone();
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![SyncCommand::LoadHistory { key: k0.clone() }]
    );
    // Moving asks for the next record; the answer for the first one comes late and is dropped.
    assert_eq!(ch(&mut s, 'j'), vec![SyncCommand::LoadHistory { key: k1.clone() }]);
    sync(
        &mut s,
        SyncEvent::History {
            key: k0.clone(),
            entries: vec![journal_entry(&k0, 1, "A", Some("applied"))],
        },
    );
    assert!(s.ims.history_of(&k0).is_none() && s.ims.history_of(&k1).is_none());
    let entries = vec![
        journal_entry(&k1, 1, "A", Some("rejected IMSSAV0054: enter value for itcRedReq")),
        journal_entry(&k1, 2, "R", None),
    ];
    sync(
        &mut s,
        SyncEvent::History {
            key: k1.clone(),
            entries: entries.clone(),
        },
    );
    assert_eq!(s.ims.history_of(&k1), Some(&entries[..]));
    // Keys that keep the cursor ask nothing more; a journal change (outbox) asks again.
    assert_eq!(ch(&mut s, 's'), vec![]);
    let cur = table(&s).current_key().cloned().unwrap();
    let cmds = update(&mut s, Msg::Sync(SyncEvent::Outbox { staged: vec![] }));
    assert_eq!(cmds, vec![SyncCommand::LoadHistory { key: cur }]);
    // Closing the pane stops asking.
    key(&mut s, KeyCode::Enter);
    assert_eq!(ch(&mut s, 'j'), vec![]);
}

#[test]
fn a_large_table_applies_the_typed_filter_after_a_pause_and_echoes_at_once() {
    let mut s = open(DEBOUNCE_FROM + 1_000);
    let all = table(&s).view.len();
    ch(&mut s, '/');
    typed(&mut s, "inv/25-26/0000");
    let t = table(&s);
    assert_eq!(t.filter, "inv/25-26/0000", "the text echoes at once");
    assert_eq!(t.view.len(), all, "the view waits for the pause");
    let due = s.ims.deadline().expect("the runner is told when to wake");
    assert!(due > std::time::Instant::now());
    // A clock tick before the pause is over changes nothing.
    let now = s.now;
    update(&mut s, Msg::Tick(now));
    assert_eq!(table(&s).view.len(), all);
    // After it, the filter applies.
    std::thread::sleep(FILTER_PAUSE + std::time::Duration::from_millis(20));
    let now = s.now;
    update(&mut s, Msg::Tick(now));
    assert_eq!(table(&s).view.len(), 9, "INV/25-26/00001..9");
    assert!(s.ims.deadline().is_none());
    // Typing more narrows within the view; Enter applies at once.
    ch(&mut s, '1');
    key(&mut s, KeyCode::Enter);
    let t = table(&s);
    assert_eq!(t.view.len(), 1);
    assert_eq!(t.records[t.view[0] as usize].doc_number(), "INV/25-26/00001");
    // Backspace widens again (a full pass), also after the pause or at the next table key.
    ch(&mut s, '/');
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    assert_eq!(table(&s).view.len(), 1, "still waiting");
    key(&mut s, KeyCode::Enter);
    assert_eq!(table(&s).view.len(), 99, "\"inv/25-26/000\": INV/25-26/00001..00099");
}

#[test]
fn a_small_table_filters_on_every_keystroke() {
    let mut s = open(100);
    ch(&mut s, '/');
    typed(&mut s, "00001");
    assert!(s.ims.deadline().is_none());
    assert_eq!(table(&s).view.len(), 1);
}

// ---- Key overrides from the config file -----------------------------------------------------

fn with_keys(toml: &str) -> AppState {
    let cfg = crate::config::Config::parse(toml, std::path::Path::new("test.toml")).expect("config parses");
    let mut s = open(10);
    crate::config::KeyOverride::apply_all(&cfg.keys, &mut s.keymap).unwrap();
    s
}

#[test]
fn config_overrides_rebind_the_ims_contexts() {
    let mut s = with_keys(
        "[keys.records]\naccept = [\"y\"]\nopen_columns = [\"F2\"]\n\
         [keys.column_chooser]\nmove_down = [\"ctrl-j\"]\n\
         [keys.record_filter]\nconfirm = [\"tab\"]\n",
    );
    // The old key is free, the new one accepts.
    assert_eq!(ch(&mut s, 'a'), vec![]);
    assert!(matches!(&ch(&mut s, 'y')[..], [SyncCommand::Stage { .. }]));
    // Help and the hint bar name the new key.
    use crate::app::keymap::{Action as K, Context};
    assert_eq!(s.keymap.key_for(Context::Records, K::Accept).as_deref(), Some("y"));
    let hints = s.keymap.hints(&s.contexts());
    assert!(hints.iter().any(|h| h.keys == "y" && h.label == "accept"), "{hints:?}");
    // F2 opens the column chooser; Ctrl-j moves a column there; plain J no longer does.
    key(&mut s, KeyCode::F(2));
    assert!(s.ims.chooser.is_some());
    let before = s.ims.columns.clone();
    ch(&mut s, 'J');
    assert_eq!(s.ims.columns, before, "J is unbound now");
    ctrl(&mut s, 'j');
    assert_ne!(s.ims.columns, before);
    key(&mut s, KeyCode::Esc);
    // Tab ends typing the filter instead of Enter.
    ch(&mut s, '/');
    typed(&mut s, "00002");
    key(&mut s, KeyCode::Tab);
    assert!(!table(&s).filter_editing);
    assert_eq!(table(&s).view.len(), 1);
}

#[test]
fn config_overrides_that_clash_in_an_ims_context_are_refused_with_their_line() {
    let e = crate::config::Config::parse("[keys.records]\naccept = [\"r\"]\n", std::path::Path::new("test.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("test.toml:2") && e.contains("reject"), "{e}");
    let e = crate::config::Config::parse(
        "[keys.record_filter]\nconfirm = [\"x\"]\n",
        std::path::Path::new("test.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("types into"), "a typing context keeps its letters: {e}");
}

#[test]
fn row_text_is_built_for_visible_rows_first_and_the_rest_in_idle_time() {
    let mut s = open(DEBOUNCE_FROM + 5_000);
    let t = table(&s);
    assert!(t.text_pending(), "opening does not format every row");
    assert!(
        s.ims.deadline().is_some(),
        "the event loop is asked to wake and build the rest"
    );
    let mut wakes = 0;
    while s.ims.table.as_ref().unwrap().text_pending() {
        let now = s.now;
        update(&mut s, Msg::Tick(now));
        wakes += 1;
        assert!(wakes < 100);
    }
    assert_eq!(wakes, (DEBOUNCE_FROM + 5_000).div_ceil(super::update::TEXT_CHUNK));
    assert!(s.ims.deadline().is_none(), "idle again");
    // A filter before the idle work is done builds what is missing at once: same answer.
    let mut early = open(DEBOUNCE_FROM + 5_000);
    ch(&mut early, '/');
    typed(&mut early, "inv/25-26/0000");
    key(&mut early, KeyCode::Enter);
    assert!(!table(&early).text_pending());
    assert_eq!(table(&early).view.len(), 9);
}

#[test]
fn e_opens_the_export_ledger_from_the_record_table_and_esc_comes_back() {
    let mut s = open(3);
    let cmds = ch(&mut s, 'e');
    assert!(matches!(s.popup, Some(Popup::ExportLedger(_))), "{:?}", s.popup);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, SyncCommand::RefreshExportLedger { .. })),
        "{cmds:?}"
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.popup.is_none());
    assert!(s.ims.table.is_some(), "back on the record table");
}
