//! Help popup state and the rows it lists, generated from the keymap.

use super::keymap::{Action, Context, Keymap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpState {
    /// What the user typed; every word must match.
    pub filter: String,
    /// Index into [`rows`].
    pub selected: usize,
    /// The screen help was opened from: its actions (and global ones) can be run.
    pub origin: Context,
}

impl HelpState {
    pub fn new(origin: Context, keymap: &Keymap) -> HelpState {
        let mut h = HelpState {
            filter: String::new(),
            selected: 0,
            origin,
        };
        h.select_first_runnable(keymap);
        h
    }

    pub fn select_first_runnable(&mut self, keymap: &Keymap) {
        self.selected = rows(keymap, self).iter().position(|r| r.runnable).unwrap_or(0);
    }

    /// Moves the selection by `delta`, clamped to the rows.
    pub fn move_by(&mut self, delta: isize, keymap: &Keymap) {
        let n = rows(keymap, self).len();
        if n == 0 {
            self.selected = 0;
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(n - 1);
    }

    pub fn selected_row(&self, keymap: &Keymap) -> Option<HelpRow> {
        rows(keymap, self).into_iter().nth(self.selected)
    }
}

/// One line of help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpRow {
    pub context: Context,
    pub keys: String,
    pub desc: &'static str,
    pub action: Action,
    /// Enter can run it from here (the origin screen's and global actions).
    pub runnable: bool,
}

/// Contexts in help order: the origin first, then global, then the rest.
pub fn context_order(origin: Context) -> Vec<Context> {
    let mut v = vec![origin];
    v.extend(Context::ALL.into_iter().filter(|c| *c != origin));
    v
}

/// All bindings matching the filter, grouped by context.
pub fn rows(keymap: &Keymap, help: &HelpState) -> Vec<HelpRow> {
    let words: Vec<String> = help.filter.split_whitespace().map(str::to_lowercase).collect();
    let mut out = Vec::new();
    for ctx in context_order(help.origin) {
        for b in keymap
            .bindings()
            .iter()
            .filter(|b| b.context == ctx && !b.keys.is_empty())
        {
            let keys = b.keys_label();
            let hay = format!("{} {} {} {}", b.desc, keys, ctx.label(), b.action.name()).to_lowercase();
            if words.iter().all(|w| hay.contains(w.as_str())) {
                out.push(HelpRow {
                    context: ctx,
                    keys,
                    desc: b.desc,
                    action: b.action,
                    runnable: ctx == help.origin || ctx == Context::Global,
                });
            }
        }
    }
    out
}
