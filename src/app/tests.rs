//! `update` tests: every key path and every sync event, with a pinned clock.

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::fixtures::{self, balance_event, counts_event, empty_state, loaded_state, now, period};
use super::state::{PagerKind, SessionState};
use super::toast::ToastLevel;
use super::*;
use crate::domain::{GoodsType, ReturnPeriod};
use crate::sync::{JobKind, SyncCommand, SyncEvent};

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
fn sync(s: &mut AppState, ev: SyncEvent) -> Vec<SyncCommand> {
    update(s, Msg::Sync(ev))
}
fn p(y: i32, m: u32) -> ReturnPeriod {
    ReturnPeriod::new(y, m).unwrap()
}
fn state() -> AppState {
    let mut s = loaded_state(ThemeName::Dark);
    s.dirty = false;
    s
}
fn picker(s: &AppState) -> picker::PickerState {
    match &s.popup {
        Some(Popup::PeriodPicker(p)) => *p,
        other => panic!("picker not open: {other:?}"),
    }
}
fn help(s: &AppState) -> help::HelpState {
    match &s.popup {
        Some(Popup::Help(h)) => h.clone(),
        other => panic!("help not open: {other:?}"),
    }
}

// ---- Start, refresh, quit -------------------------------------------------------------

#[test]
fn start_refreshes_everything_for_the_period() {
    let mut s = empty_state(ThemeName::Dark);
    assert_eq!(start(&mut s), vec![SyncCommand::RefreshAll { period: period() }]);
    assert_eq!(s.in_flight.len(), 4);
    assert!(s.is_loading(JobKind::Balance) && s.is_loading(JobKind::Counts(GoodsType::Isd)));
}

#[test]
fn r_refreshes_all_and_shows_spinners() {
    let mut s = state();
    assert_eq!(ch(&mut s, 'r'), vec![SyncCommand::RefreshAll { period: period() }]);
    assert!(s.dirty);
    assert_eq!(s.jobs_in_flight().len(), 4);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut s = state();
    assert!(ch(&mut s, 'q').is_empty());
    assert!(s.should_quit);
    let mut s = state();
    ctrl(&mut s, 'c');
    assert!(s.should_quit);
}

#[test]
fn unbound_keys_do_nothing() {
    let mut s = state();
    assert!(ch(&mut s, 'z').is_empty());
    assert!(!s.dirty && !s.should_quit && s.popup.is_none());
}

// ---- Tabs ------------------------------------------------------------------------------

#[test]
fn number_keys_pick_tabs() {
    let mut s = state();
    ch(&mut s, '2');
    assert_eq!(s.goods, GoodsType::Isd);
    ch(&mut s, '3');
    assert_eq!(s.goods, GoodsType::Imports);
    ch(&mut s, '1');
    assert_eq!(s.goods, GoodsType::Others);
    assert!(s.dirty);
}

#[test]
fn tab_and_back_tab_cycle_tabs() {
    let mut s = state();
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.goods, GoodsType::Isd);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.goods, GoodsType::Imports);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.goods, GoodsType::Others, "wraps around");
    // Terminals report Back-Tab with Shift.
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
    assert_eq!(s.goods, GoodsType::Imports, "wraps backwards");
    // h/l and the arrows move the summary grid's cell cursor instead.
    ch(&mut s, 'l');
    key(&mut s, KeyCode::Right);
    assert_eq!((s.goods, s.ims.grid_col), (GoodsType::Imports, 2));
}

// ---- Period ----------------------------------------------------------------------------

#[test]
fn brackets_step_the_period_and_fetch_its_balance() {
    let mut s = state();
    assert_eq!(
        ch(&mut s, '['),
        vec![SyncCommand::RefreshBalance { period: p(2025, 9) }]
    );
    assert_eq!(s.period, p(2025, 9));
    assert!(s.is_loading(JobKind::Balance));
    assert!(s.balance().is_none(), "Sep has nothing cached");
    assert_eq!(
        ch(&mut s, ']'),
        vec![SyncCommand::RefreshBalance { period: p(2025, 10) }]
    );
    assert!(s.balance().is_some(), "going back shows what was fetched before");
}

#[test]
fn periods_stop_at_the_current_month() {
    let mut s = state(); // today: 10 Nov 2025
    assert_eq!(ch(&mut s, ']').len(), 1);
    assert_eq!(s.period, p(2025, 11));
    assert!(ch(&mut s, ']').is_empty());
    assert_eq!(s.period, p(2025, 11));
    let t = s.toasts.items().last().unwrap();
    assert_eq!((t.level, t.title.as_str()), (ToastLevel::Info, "No later period"));
}

#[test]
fn periods_stop_at_the_start_of_gst() {
    let mut s = AppState::new(fixtures::profile(), p(2017, 7), ThemeName::Dark);
    update(&mut s, Msg::Tick(now()));
    assert!(ch(&mut s, '[').is_empty());
    assert_eq!(s.period, p(2017, 7));
    assert!(s.toasts.items().last().unwrap().message.contains("Jul 2017"));
}

#[test]
fn changing_the_period_clears_the_old_balance_error() {
    let mut s = state();
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Balance,
            message: "down".into(),
        },
    );
    assert!(s.balance_error.is_some());
    ch(&mut s, '[');
    assert!(s.balance_error.is_none());
    assert!(
        s.last_errors.contains_key(&JobKind::Balance),
        "the status bar still remembers it"
    );
}

#[test]
fn picker_opens_on_the_period_and_enter_picks() {
    let mut s = state();
    ch(&mut s, 'p');
    assert_eq!(picker(&s).selected(), period());
    ch(&mut s, 'k');
    key(&mut s, KeyCode::Up);
    assert_eq!(picker(&s).selected(), p(2025, 8));
    ch(&mut s, 'j');
    assert_eq!(picker(&s).selected(), p(2025, 9));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![SyncCommand::RefreshBalance { period: p(2025, 9) }]
    );
    assert!(s.popup.is_none());
    assert_eq!(s.period, p(2025, 9));
}

#[test]
fn picker_changes_financial_year() {
    let mut s = state();
    ch(&mut s, 'p');
    ch(&mut s, 'h');
    assert_eq!(picker(&s).fy.to_string(), "2024-25");
    assert_eq!(picker(&s).selected(), p(2024, 10), "keeps the month");
    key(&mut s, KeyCode::Left);
    ch(&mut s, 'g');
    assert_eq!(picker(&s).selected(), p(2023, 4));
    ch(&mut s, 'G');
    assert_eq!(picker(&s).selected(), p(2024, 3));
    ch(&mut s, 'l');
    ch(&mut s, 'l');
    assert_eq!(picker(&s).fy.to_string(), "2025-26");
    ch(&mut s, 'l');
    assert_eq!(picker(&s).fy.to_string(), "2025-26", "no future financial year");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        Vec::<SyncCommand>::new(),
        "Mar 2026 has not started"
    );
    assert!(
        matches!(s.popup, Some(Popup::PeriodPicker(_))),
        "stays open to choose again"
    );
    assert_eq!(s.toasts.items().last().unwrap().title, "No later period");
}

#[test]
fn picker_esc_and_q_close_without_changes() {
    for close in [KeyCode::Esc, KeyCode::Char('q')] {
        let mut s = state();
        ch(&mut s, 'p');
        ch(&mut s, 'k');
        assert!(key(&mut s, close).is_empty());
        assert!(s.popup.is_none());
        assert_eq!(s.period, period());
        assert!(!s.should_quit, "q closes the picker, it does not quit");
    }
}

#[test]
fn picking_the_same_period_sends_nothing() {
    let mut s = state();
    ch(&mut s, 'p');
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.popup.is_none());
}

// ---- Help ------------------------------------------------------------------------------

#[test]
fn help_opens_filters_and_closes() {
    let mut s = state();
    ch(&mut s, '?');
    let h = help(&s);
    assert_eq!(h.origin, Context::Dashboard);
    let all = help::rows(&s.keymap, &h).len();
    typed(&mut s, "quit");
    let h = help(&s);
    assert_eq!(h.filter, "quit");
    let rows = help::rows(&s.keymap, &h);
    assert!(
        rows.len() < all
            && rows
                .iter()
                .all(|r| r.desc.to_lowercase().contains("quit") || r.action == Action::Quit)
    );
    assert!(!s.should_quit, "q typed into the filter");
    key(&mut s, KeyCode::Backspace);
    assert_eq!(help(&s).filter, "qui");
    ctrl(&mut s, 'u');
    assert_eq!(help(&s).filter, "");
    key(&mut s, KeyCode::Esc);
    assert!(s.popup.is_none());
}

#[test]
fn help_moves_and_enter_runs_the_selected_action() {
    let mut s = state();
    ch(&mut s, '?');
    typed(&mut s, "refresh");
    let h = help(&s);
    assert_eq!(h.selected_row(&s.keymap).unwrap().action, Action::Refresh);
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![SyncCommand::RefreshAll { period: period() }]
    );
    assert!(s.popup.is_none());

    // Running an action that opens a popup replaces help with it.
    ch(&mut s, '?');
    typed(&mut s, "pick the");
    key(&mut s, KeyCode::Enter);
    assert!(matches!(s.popup, Some(Popup::PeriodPicker(_))));
}

#[test]
fn help_navigation_is_clamped() {
    let mut s = state();
    ch(&mut s, '?');
    let n = help::rows(&s.keymap, &help(&s)).len();
    key(&mut s, KeyCode::Home);
    key(&mut s, KeyCode::Up);
    assert_eq!(help(&s).selected, 0);
    key(&mut s, KeyCode::Down);
    ctrl(&mut s, 'n');
    assert_eq!(help(&s).selected, 2);
    ctrl(&mut s, 'p');
    assert_eq!(help(&s).selected, 1);
    key(&mut s, KeyCode::PageDown);
    assert_eq!(help(&s).selected, 11);
    key(&mut s, KeyCode::End);
    assert_eq!(help(&s).selected, n - 1);
    key(&mut s, KeyCode::PageDown);
    assert_eq!(help(&s).selected, n - 1);
    key(&mut s, KeyCode::PageUp);
    assert_eq!(help(&s).selected, n - 11);
}

#[test]
fn help_explains_actions_of_other_screens_instead_of_running_them() {
    let mut s = state();
    ch(&mut s, '?');
    typed(&mut s, "next financial year");
    assert_eq!(help(&s).selected_row(&s.keymap).unwrap().action, Action::NextYear);
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(matches!(s.popup, Some(Popup::Help(_))));
    let t = s.toasts.items().last().unwrap();
    assert!(
        t.message.contains("period picker") && t.message.contains("press p"),
        "{}",
        t.message
    );
}

#[test]
fn ctrl_c_quits_even_while_typing_in_help() {
    let mut s = state();
    ch(&mut s, '?');
    ctrl(&mut s, 'c');
    assert!(s.should_quit);
}

// ---- Info, warnings, Esc ---------------------------------------------------------------

#[test]
fn info_and_warnings_popups_scroll_within_limits() {
    let mut s = state();
    ch(&mut s, 'i');
    let Some(Popup::Pager(PagerKind::Info, pg)) = &s.popup else {
        panic!("info not open")
    };
    pg.max_scroll.set(3); // the view records this when it wraps the text
    for _ in 0..5 {
        ch(&mut s, 'j');
    }
    let scroll = |s: &AppState| match &s.popup {
        Some(Popup::Pager(_, pg)) => pg.scroll,
        _ => panic!(),
    };
    assert_eq!(scroll(&s), 3);
    ch(&mut s, 'k');
    assert_eq!(scroll(&s), 2);
    ch(&mut s, 'g');
    assert_eq!(scroll(&s), 0);
    ch(&mut s, 'G');
    assert_eq!(scroll(&s), 3);
    update(
        &mut s,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(scroll(&s), 2);
    ch(&mut s, 'q');
    assert!(s.popup.is_none() && !s.should_quit);

    ch(&mut s, 'w');
    assert!(matches!(s.popup, Some(Popup::Pager(PagerKind::Warnings, _))));
    key(&mut s, KeyCode::Esc);
    assert!(s.popup.is_none());
}

#[test]
fn esc_closes_the_popup_first_then_dismisses_toasts() {
    let mut s = state();
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Balance,
            message: "GSTN is down; press r later.".into(),
        },
    );
    ch(&mut s, 'i');
    key(&mut s, KeyCode::Esc);
    assert!(s.popup.is_none());
    assert_eq!(
        s.toasts.items().len(),
        1,
        "the error toast stays until Esc on the dashboard"
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.toasts.is_empty());
    s.dirty = false;
    key(&mut s, KeyCode::Esc);
    assert!(!s.dirty && !s.should_quit, "Esc never quits");
}

// ---- Sync events -----------------------------------------------------------------------

#[test]
fn counts_loaded_stores_data_and_ends_the_job() {
    let mut s = empty_state(ThemeName::Dark);
    sync(
        &mut s,
        SyncEvent::Started {
            job: JobKind::Counts(GoodsType::Others),
        },
    );
    assert!(s.is_loading(JobKind::Counts(GoodsType::Others)));
    sync(&mut s, counts_event(GoodsType::Others, TimeDelta::zero(), false));
    let d = s.counts(GoodsType::Others).data.as_ref().unwrap();
    assert_eq!((d.fetched_at, d.from_cache), (now(), false));
    assert_eq!(d.value.ttl_cnt, 1526);
    assert!(!s.is_loading(JobKind::Counts(GoodsType::Others)));
}

#[test]
fn cached_results_show_but_do_not_end_the_network_job() {
    let mut s = empty_state(ThemeName::Dark);
    start(&mut s);
    sync(&mut s, counts_event(GoodsType::Isd, TimeDelta::hours(3), true));
    assert!(s.counts(GoodsType::Isd).data.as_ref().unwrap().from_cache);
    assert!(s.is_loading(JobKind::Counts(GoodsType::Isd)));
    sync(&mut s, balance_event(period(), TimeDelta::hours(3), true));
    assert!(s.balance().unwrap().from_cache);
    assert!(s.is_loading(JobKind::Balance));
    assert!(s.toasts.is_empty(), "warnings of cached data do not toast");
}

#[test]
fn older_data_never_overwrites_newer() {
    let mut s = empty_state(ThemeName::Dark);
    sync(&mut s, counts_event(GoodsType::Others, TimeDelta::minutes(1), false));
    sync(&mut s, counts_event(GoodsType::Others, TimeDelta::hours(5), true));
    let d = s.counts(GoodsType::Others).data.as_ref().unwrap();
    assert!(!d.from_cache);
    assert_eq!(d.fetched_at, now() - TimeDelta::minutes(1));
}

#[test]
fn failures_keep_data_toast_and_record_the_error() {
    let mut s = state();
    start(&mut s);
    let job = JobKind::Counts(GoodsType::Imports);
    sync(
        &mut s,
        SyncEvent::Failed {
            job,
            message: "Rate limit reached; try again in 30 s.".into(),
        },
    );
    assert!(!s.is_loading(job));
    assert!(s.counts(GoodsType::Imports).data.is_some(), "old data stays visible");
    assert_eq!(
        s.counts(GoodsType::Imports).error.as_deref(),
        Some("Rate limit reached; try again in 30 s.")
    );
    assert_eq!(s.last_errors[&job].at, now());
    let t = s.toasts.items().last().unwrap();
    assert_eq!(t.level, ToastLevel::Error);
    assert_eq!(t.title, "Could not refresh counts (imports)");
    assert!(t.expires_at.is_none());
    // The next good result clears the error.
    sync(&mut s, counts_event(GoodsType::Imports, TimeDelta::zero(), false));
    assert!(s.counts(GoodsType::Imports).error.is_none());
    assert!(!s.last_errors.contains_key(&job));
}

#[test]
fn balance_failure_and_recovery() {
    let mut s = state();
    sync(&mut s, SyncEvent::Started { job: JobKind::Balance });
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Balance,
            message: "Session expired; sign in again.".into(),
        },
    );
    assert_eq!(s.balance_error.as_deref(), Some("Session expired; sign in again."));
    assert!(s.balance().is_some());
    sync(&mut s, balance_event(period(), TimeDelta::zero(), false));
    assert!(s.balance_error.is_none());
    assert!(!s.balance().unwrap().from_cache);
    let t = s.toasts.items().last().unwrap();
    assert_eq!(t.level, ToastLevel::Warn, "fresh figures that fail checks are flagged");
    assert!(t.message.contains("Press w"), "{}", t.message);
}

#[test]
fn a_late_balance_for_another_period_is_kept_but_does_not_stop_the_spinner() {
    let mut s = state();
    ch(&mut s, '['); // Sep 2025 requested
    sync(&mut s, balance_event(p(2025, 10), TimeDelta::zero(), false));
    assert!(s.is_loading(JobKind::Balance));
    assert!(!s.balances[&p(2025, 10)].from_cache);
    assert!(s.balance().is_none());
    sync(&mut s, balance_event(p(2025, 9), TimeDelta::zero(), false));
    assert!(!s.is_loading(JobKind::Balance));
    assert!(s.balance().is_some());
}

#[test]
fn session_events_set_the_session_state() {
    let mut s = empty_state(ThemeName::Dark);
    sync(&mut s, SyncEvent::Started { job: JobKind::Session });
    let at = now() + TimeDelta::hours(6);
    sync(&mut s, SyncEvent::Session { expires_at: Some(at) });
    assert_eq!(s.session, SessionState::Active { expires_at: at });
    assert!(!s.is_loading(JobKind::Session));
    sync(&mut s, SyncEvent::Session { expires_at: None });
    assert_eq!(s.session, SessionState::LoggedOut);
}

#[test]
fn preload_shows_cache_before_anything_runs() {
    let mut s = empty_state(ThemeName::Dark);
    s.preload(counts_event(GoodsType::Others, TimeDelta::hours(3), true));
    assert!(s.counts(GoodsType::Others).data.as_ref().unwrap().from_cache);
    assert!(s.in_flight.is_empty());
}

#[test]
fn engine_stopping_is_reported_once() {
    let mut s = state();
    start(&mut s);
    update::on_engine_stopped(&mut s);
    update::on_engine_stopped(&mut s);
    assert!(s.engine_stopped && s.in_flight.is_empty());
    assert_eq!(s.toasts.items().len(), 1);
    assert_eq!(s.toasts.errors(), 1);
}

// ---- Clock and resize ------------------------------------------------------------------

#[test]
fn ticks_expire_toasts_but_not_errors() {
    let mut s = state();
    ch(&mut s, ']');
    ch(&mut s, ']'); // refused: info toast
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Balance,
            message: "x".into(),
        },
    );
    assert_eq!(s.toasts.items().len(), 2);
    s.dirty = false;
    update(&mut s, Msg::Tick(now() + TimeDelta::seconds(4)));
    assert_eq!(s.toasts.items().len(), 2);
    update(&mut s, Msg::Tick(now() + TimeDelta::seconds(6)));
    assert_eq!(s.toasts.items().len(), 1);
    assert_eq!(s.toasts.items()[0].level, ToastLevel::Error);
    assert!(s.dirty);
    update(&mut s, Msg::Tick(now() + TimeDelta::hours(2)));
    assert_eq!(s.toasts.items().len(), 1, "errors stay until Esc");
}

#[test]
fn ticks_redraw_only_when_something_moves() {
    let mut s = state();
    s.dirty = false;
    update(&mut s, Msg::Tick(now() + TimeDelta::seconds(1)));
    assert!(!s.dirty, "idle, same minute: nothing to redraw");
    update(&mut s, Msg::Tick(now() + TimeDelta::seconds(61)));
    assert!(s.dirty, "ages change by the minute");
    s.dirty = false;
    ch(&mut s, 'r');
    s.dirty = false;
    let before = s.spinner;
    update(&mut s, Msg::Tick(now() + TimeDelta::seconds(62)));
    assert!(s.dirty);
    assert_eq!(s.spinner, before + 1);
}

#[test]
fn resize_marks_dirty() {
    let mut s = state();
    update(&mut s, Msg::Resize(160, 48));
    assert_eq!(s.size, (160, 48));
    assert!(s.dirty);
}

#[test]
fn contexts_follow_the_popup() {
    let mut s = state();
    assert_eq!(s.contexts(), [Context::Dashboard, Context::Global]);
    ch(&mut s, 'p');
    assert_eq!(s.contexts(), [Context::PeriodPicker, Context::Global]);
}

#[test]
fn a_no_op_key_does_not_hide_an_undrawn_change() {
    for noop in [KeyCode::Char('z'), KeyCode::Esc] {
        let mut s = state();
        ch(&mut s, '2');
        assert!(s.dirty);
        key(&mut s, noop); // unbound / nothing to dismiss
        assert!(s.dirty, "{noop:?} cleared dirty");
    }
    let mut s = state();
    ch(&mut s, 'p');
    for k in ['l', 'z'] {
        ch(&mut s, k); // no next year, unbound
        assert!(s.dirty);
    }
    let mut s = state();
    ch(&mut s, '?');
    key(&mut s, KeyCode::Left); // unbound in help
    assert!(s.dirty);
}

#[test]
fn login_popup_sends_an_otp_takes_digits_and_closes_on_a_new_session() {
    let mut s = state();
    assert_eq!(ch(&mut s, 'O'), vec![SyncCommand::SendOtp]);
    assert!(matches!(&s.popup, Some(Popup::Otp(o)) if !o.sent));
    assert!(s.is_loading(JobKind::Session));
    sync(&mut s, SyncEvent::OtpSent);
    assert!(matches!(&s.popup, Some(Popup::Otp(o)) if o.sent));
    // Enter with nothing typed asks for the digits instead of sending.
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert!(matches!(&s.popup, Some(Popup::Otp(o)) if o.error.is_some()));
    // Letters are not typed; digits are; q types nothing and does not quit.
    typed(&mut s, "5a7q59");
    assert!(!s.should_quit);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "757");
    assert!(matches!(&s.popup, Some(Popup::Otp(o)) if o.digits == "575757"));
    let cmds = key(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![SyncCommand::VerifyOtp {
            otp: crate::secret::Secret::new("575757")
        }]
    );
    assert!(!format!("{cmds:?}").contains("575757"), "the OTP is never printed");
    // A wrong OTP keeps the popup open with GSTN's message.
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Session,
            message: "AUTH4033 Invalid Session".into(),
        },
    );
    assert!(
        matches!(&s.popup, Some(Popup::Otp(o)) if o.error.as_deref() == Some("AUTH4033 Invalid Session") && !o.verifying)
    );
    // A new session closes it.
    sync(
        &mut s,
        SyncEvent::Session {
            expires_at: Some(now() + TimeDelta::hours(6)),
        },
    );
    assert!(s.popup.is_none());
    assert!(matches!(s.session, SessionState::Active { .. }));
}

#[test]
fn an_expired_session_says_how_to_log_in_here() {
    let mut s = state();
    sync(
        &mut s,
        SyncEvent::Failed {
            job: JobKind::Push,
            message: "POST …/save: AUTH4033 Invalid Session — log in again".into(),
        },
    );
    let e = &s.last_errors[&JobKind::Push].message;
    assert!(e.contains("Press O"), "{e}");
}
