//! Snapshot tests of whole screens (ratatui `TestBackend` + insta), with a pinned clock.

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::{assert_debug_snapshot, assert_snapshot};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::render;
use crate::app::fixtures::{self, loaded_state, loading_state};
use crate::app::help::{HelpState, rows};
use crate::app::{AppState, Context, Msg, ThemeName, update};
use crate::sync::{JobKind, SyncEvent};

fn draw(state: &AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(f, state)).unwrap();
    t
}

fn press(state: &mut AppState, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn keys(state: &mut AppState, s: &str) {
    for c in s.chars() {
        press(state, KeyCode::Char(c));
    }
}

fn text(t: &Terminal<TestBackend>) -> String {
    t.backend().to_string()
}

#[test]
fn dashboard_80x24() {
    assert_snapshot!(draw(&loaded_state(ThemeName::Dark), 80, 24).backend());
}

#[test]
fn dashboard_160x48() {
    assert_snapshot!(draw(&loaded_state(ThemeName::Dark), 160, 48).backend());
}

#[test]
fn dashboard_120x40_stacks_with_extra_panels() {
    assert_snapshot!(draw(&loaded_state(ThemeName::Dark), 120, 40).backend());
}

#[test]
fn loading_80x24() {
    assert_snapshot!(draw(&loading_state(), 80, 24).backend());
}

#[test]
fn error_toast_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    update(&mut s, Msg::Sync(SyncEvent::Started { job: JobKind::Balance }));
    update(
        &mut s,
        Msg::Sync(SyncEvent::Failed {
            job: JobKind::Balance,
            message: "GSTN session expired (AUTH4033). Sign in again with a fresh OTP, then press r to refresh.".into(),
        }),
    );
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_popup_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "?");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn help_popup_filtered_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "?period");
    press(&mut s, KeyCode::Down);
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn period_picker_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "pkk");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn isd_tab_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "2");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn imports_tab_with_failed_refresh_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "3");
    update(
        &mut s,
        Msg::Sync(SyncEvent::Failed {
            job: JobKind::Counts(crate::domain::GoodsType::Imports),
            message: "Rate limit reached; retrying in 30 s.".into(),
        }),
    );
    s.toasts.dismiss_all();
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn info_popup_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "i");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn login_popup_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "O");
    let _ = crate::app::update::update(&mut s, crate::app::msg::Msg::Sync(crate::sync::SyncEvent::OtpSent));
    keys(&mut s, "5757");
    let shown = draw(&s, 80, 24).backend().to_string();
    assert!(!shown.contains("5757"), "the OTP is masked");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn warnings_popup_80x24() {
    let mut s = loaded_state(ThemeName::Dark);
    keys(&mut s, "w");
    assert_snapshot!(draw(&s, 80, 24).backend());
}

#[test]
fn too_small_terminal_says_so() {
    let t = draw(&loaded_state(ThemeName::Dark), 50, 10);
    assert!(text(&t).contains("needs at least"));
}

/// Mono: the buffer's styles are captured, so the snapshot shows the selected tab and the
/// picker's cursor row as REVERSED with no colour anywhere.
#[test]
fn mono_period_picker_buffer() {
    let mut s = loaded_state(ThemeName::Mono);
    keys(&mut s, "p");
    let t = draw(&s, 80, 24);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "colour in mono at {:?}",
            cell.symbol()
        );
    }
    assert_debug_snapshot!(buf);
}

#[test]
fn mono_dashboard_has_no_colour() {
    for w in [80, 160] {
        let t = draw(&loaded_state(ThemeName::Mono), w, 48);
        assert!(
            t.backend()
                .buffer()
                .content()
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
    }
}

#[test]
fn light_theme_renders() {
    let t = draw(&loaded_state(ThemeName::Light), 80, 24);
    assert!(text(&t).contains("IMS summary"));
}

#[test]
fn every_binding_appears_in_help() {
    let s = loaded_state(ThemeName::Dark);
    let help = HelpState::new(Context::Dashboard, &s.keymap);
    let listed = rows(&s.keymap, &help);
    for b in s.keymap.bindings() {
        assert!(
            listed
                .iter()
                .any(|r| r.action == b.action && r.context == b.context && r.desc == b.desc),
            "{b:?} missing from help"
        );
    }
    // And on screen: scroll through the popup at 80×24 and collect what was drawn.
    let mut s = s;
    keys(&mut s, "?");
    press(&mut s, KeyCode::Home);
    let mut seen = String::new();
    for _ in 0..listed.len() {
        seen.push_str(&text(&draw(&s, 80, 24)));
        press(&mut s, KeyCode::Down);
    }
    for b in s.keymap.bindings() {
        assert!(seen.contains(b.desc), "{:?} not drawn", b.desc);
    }
}

#[test]
fn hint_bar_fits_80_columns_on_every_screen() {
    let mut s = loaded_state(ThemeName::Dark);
    let bottom_line = |s: &AppState| {
        let t = draw(s, 80, 24);
        let buf = t.backend().buffer().clone();
        (0..80).map(|x| buf[(x, 23)].symbol().to_string()).collect::<String>()
    };
    let dash = bottom_line(&s);
    assert!(dash.contains("q quit") && dash.contains("? help"), "{dash}");
    for open in ["?", "p", "i", "w"] {
        keys(&mut s, open);
        let line = bottom_line(&s);
        assert!(line.contains("close"), "{open}: {line}");
        press(&mut s, KeyCode::Esc);
    }
}

#[test]
fn ages_follow_the_clock() {
    let mut s = loaded_state(ThemeName::Dark);
    assert!(text(&draw(&s, 80, 24)).contains("fetched 2 min ago"));
    update(&mut s, Msg::Tick(fixtures::now() + TimeDelta::minutes(10)));
    let screen = text(&draw(&s, 80, 24));
    assert!(screen.contains("fetched 12 min ago"));
    assert!(screen.contains("cached · 3 h old"));
}
