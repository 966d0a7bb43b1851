//! Themes. Dark (default) and light use only the 16 ANSI colours, so they follow the user's
//! terminal palette and work on basic terminals. Mono uses modifiers only (reverse, bold,
//! underline) with `Color::Reset`: chosen automatically under `NO_COLOR`, where crossterm 0.29
//! would otherwise cancel reverse video on coloured cells (`tui.md` §e.3).

use ratatui::style::{Color, Modifier, Style};

use crate::app::ThemeName;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub name: ThemeName,
    /// Top bar (app, profile, GSTIN).
    pub bar: Style,
    pub app_name: Style,
    pub env_badge: Style,
    /// Plain text.
    pub text: Style,
    /// Secondary text: labels, zero counts, separators.
    pub dim: Style,
    /// Panel titles.
    pub title: Style,
    /// Panel rules (the line a title sits on).
    pub rule: Style,
    pub tab: Style,
    pub tab_selected: Style,
    pub table_header: Style,
    pub total: Style,
    /// Counts that need attention (no action yet: deemed accepted at 2B).
    pub attention: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    /// The selected row of a list (help, period picker).
    pub selection: Style,
    pub popup_border: Style,
    pub key: Style,
    pub status: Style,
    pub period_badge: Style,
    pub spinner: Style,
    pub toast_info: Style,
    pub toast_warn: Style,
    pub toast_error: Style,
}

const fn fg(c: Color) -> Style {
    Style::new().fg(c)
}
const fn mods(m: Modifier) -> Style {
    Style::new().fg(Color::Reset).bg(Color::Reset).add_modifier(m)
}
const BOLD: Modifier = Modifier::BOLD;

pub static DARK: Theme = Theme {
    name: ThemeName::Dark,
    bar: Style::new().fg(Color::White).bg(Color::Blue),
    app_name: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    env_badge: Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(BOLD),
    text: Style::new(),
    dim: fg(Color::DarkGray),
    title: fg(Color::Cyan).add_modifier(BOLD),
    rule: fg(Color::DarkGray),
    tab: fg(Color::Gray),
    tab_selected: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(BOLD),
    table_header: fg(Color::Gray).add_modifier(BOLD),
    total: Style::new().add_modifier(BOLD),
    attention: fg(Color::Yellow),
    ok: fg(Color::Green),
    warn: fg(Color::Yellow).add_modifier(BOLD),
    error: fg(Color::LightRed).add_modifier(BOLD),
    selection: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(BOLD),
    popup_border: fg(Color::Cyan),
    key: fg(Color::Yellow).add_modifier(BOLD),
    status: fg(Color::Gray),
    period_badge: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(BOLD),
    spinner: fg(Color::Cyan).add_modifier(BOLD),
    toast_info: fg(Color::Cyan),
    toast_warn: fg(Color::Yellow),
    toast_error: fg(Color::LightRed),
};

pub static LIGHT: Theme = Theme {
    name: ThemeName::Light,
    bar: Style::new().fg(Color::White).bg(Color::Blue),
    app_name: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    env_badge: Style::new().fg(Color::White).bg(Color::Magenta).add_modifier(BOLD),
    text: Style::new(),
    dim: fg(Color::DarkGray),
    title: fg(Color::Blue).add_modifier(BOLD),
    rule: fg(Color::DarkGray),
    tab: fg(Color::Black),
    tab_selected: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    table_header: fg(Color::Black).add_modifier(BOLD),
    total: Style::new().add_modifier(BOLD),
    attention: fg(Color::Magenta),
    ok: fg(Color::Green),
    warn: fg(Color::Magenta).add_modifier(BOLD),
    error: fg(Color::Red).add_modifier(BOLD),
    selection: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    popup_border: fg(Color::Blue),
    key: fg(Color::Blue).add_modifier(BOLD),
    status: fg(Color::Black),
    period_badge: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    spinner: fg(Color::Blue).add_modifier(BOLD),
    toast_info: fg(Color::Blue),
    toast_warn: fg(Color::Magenta),
    toast_error: fg(Color::Red),
};

pub static MONO: Theme = Theme {
    name: ThemeName::Mono,
    bar: mods(Modifier::REVERSED),
    app_name: mods(Modifier::REVERSED.union(BOLD)),
    env_badge: mods(Modifier::REVERSED.union(BOLD)),
    text: mods(Modifier::empty()),
    dim: mods(Modifier::empty()),
    title: mods(BOLD),
    rule: mods(Modifier::empty()),
    tab: mods(Modifier::empty()),
    tab_selected: mods(Modifier::REVERSED.union(BOLD)),
    table_header: mods(BOLD.union(Modifier::UNDERLINED)),
    total: mods(BOLD),
    attention: mods(BOLD),
    ok: mods(Modifier::empty()),
    warn: mods(BOLD.union(Modifier::UNDERLINED)),
    error: mods(BOLD.union(Modifier::REVERSED)),
    selection: mods(Modifier::REVERSED.union(BOLD)),
    popup_border: mods(BOLD),
    key: mods(BOLD),
    status: mods(Modifier::empty()),
    period_badge: mods(Modifier::REVERSED.union(BOLD)),
    spinner: mods(BOLD),
    toast_info: mods(Modifier::empty()),
    toast_warn: mods(BOLD),
    toast_error: mods(BOLD),
};

impl Theme {
    pub fn of(name: ThemeName) -> &'static Theme {
        match name {
            ThemeName::Dark => &DARK,
            ThemeName::Light => &LIGHT,
            ThemeName::Mono => &MONO,
        }
    }

    /// Every style, for checks.
    pub fn styles(&self) -> [Style; 24] {
        [
            self.bar,
            self.app_name,
            self.env_badge,
            self.text,
            self.dim,
            self.title,
            self.rule,
            self.tab,
            self.tab_selected,
            self.table_header,
            self.total,
            self.attention,
            self.ok,
            self.warn,
            self.error,
            self.selection,
            self.popup_border,
            self.key,
            self.status,
            self.period_badge,
            self.spinner,
            self.toast_info,
            self.toast_warn,
            self.toast_error,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ansi16(c: Option<Color>) -> bool {
        matches!(
            c,
            None | Some(
                Color::Reset
                    | Color::Black
                    | Color::Red
                    | Color::Green
                    | Color::Yellow
                    | Color::Blue
                    | Color::Magenta
                    | Color::Cyan
                    | Color::Gray
                    | Color::DarkGray
                    | Color::LightRed
                    | Color::LightGreen
                    | Color::LightYellow
                    | Color::LightBlue
                    | Color::LightMagenta
                    | Color::LightCyan
                    | Color::White
            )
        )
    }

    #[test]
    fn colour_themes_use_only_the_16_ansi_colours() {
        for t in [&DARK, &LIGHT] {
            for s in t.styles() {
                assert!(ansi16(s.fg) && ansi16(s.bg), "{:?}: {s:?}", t.name);
            }
        }
    }

    #[test]
    fn mono_has_no_colour_and_a_visible_selection() {
        for s in MONO.styles() {
            assert!(
                matches!(s.fg, None | Some(Color::Reset)) && matches!(s.bg, None | Some(Color::Reset)),
                "{s:?}"
            );
        }
        assert!(MONO.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(MONO.tab_selected.add_modifier.contains(Modifier::REVERSED));
    }
}
