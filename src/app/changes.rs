//! "Changes since the last pull" (`W`): the documents each section's last pull found new,
//! changed (field: old → new) or gone, as the engine computed and stored them. Enter jumps to
//! the document in the record table when its section is loaded.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::ims::RecordTable;
use super::keymap::{Action, Context};
use super::state::{AppState, Popup};
use super::toast::ToastLevel;
use crate::domain::Section;
use crate::sync::SyncCommand;
use crate::sync::changes::{ChangeKind, RecordChange, SectionChanges};

/// The last change list of every section pulled (from the engine, or the store at start-up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangesState {
    pub sections: BTreeMap<Section, Arc<SectionChanges>>,
}

impl ChangesState {
    /// Every change, section by section, as the popup lists them.
    pub fn rows(&self) -> Vec<(Section, &RecordChange)> {
        self.sections
            .values()
            .flat_map(|s| s.changes.iter().map(move |c| (s.section, c)))
            .collect()
    }

    pub fn total(&self, kind: ChangeKind) -> usize {
        self.sections.values().map(|s| s.count(kind)).sum()
    }
}

/// The popup's cursor; the view records the first visible row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangesPopup {
    pub selected: usize,
    pub offset: Cell<usize>,
}

/// A pull's change list arrived. A fresh one with changes is summarised in a toast.
pub fn on_loaded(state: &mut AppState, changes: Arc<SectionChanges>, from_cache: bool) {
    let newer = state
        .changes
        .sections
        .get(&changes.section)
        .is_none_or(|c| c.pulled_at <= changes.pulled_at);
    if !newer {
        return;
    }
    if !from_cache && !changes.changes.is_empty() {
        let key = state
            .keymap
            .key_for(Context::Dashboard, Action::OpenChanges)
            .map(|k| format!(" Press {k} for the list."))
            .unwrap_or_default();
        state.toasts.push(
            ToastLevel::Info,
            "Changes since the last pull",
            format!("{}.{key}", changes.summary()),
            state.now,
        );
    }
    state.changes.sections.insert(changes.section, changes);
    if let Some(Popup::Changes(p)) = state.popup.as_mut() {
        let n = state.changes.rows().len();
        p.selected = p.selected.min(n.saturating_sub(1));
    }
    state.dirty = true;
}

pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::Changes(ChangesPopup::default()));
    state.dirty = true;
    vec![]
}

/// Rows a page moves (the popup's list height at the current size).
fn page(state: &AppState) -> usize {
    state.size.1.saturating_sub(12).max(1) as usize
}

pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let n = state.changes.rows().len();
    let page = page(state);
    let Some(Popup::Changes(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let last = n.saturating_sub(1);
    match action {
        Action::Close => state.popup = None,
        Action::Up => p.selected = p.selected.saturating_sub(1),
        Action::Down => p.selected = (p.selected + 1).min(last),
        Action::PageUp => p.selected = p.selected.saturating_sub(page),
        Action::PageDown => p.selected = (p.selected + page).min(last),
        Action::Top => p.selected = 0,
        Action::Bottom => p.selected = last,
        Action::Confirm => return jump(state),
        _ => return vec![],
    }
    state.dirty = true;
    vec![]
}

/// Opens the record table of the selected document's section (all statuses, no filter) with
/// the cursor on it. Only from the loaded copy: a jump never starts a pull, which would
/// replace the very list being read.
fn jump(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(Popup::Changes(p)) = state.popup.as_ref() else {
        return vec![];
    };
    let rows = state.changes.rows();
    let Some((section, change)) = rows.get(p.selected).map(|(s, c)| (*s, (*c).clone())) else {
        return vec![];
    };
    state.dirty = true;
    if change.kind == ChangeKind::Gone {
        state.toasts.push(
            ToastLevel::Info,
            "Not in the records any more",
            format!(
                "{} {} from {} is no longer listed by GSTN.",
                section.key().to_ascii_uppercase(),
                change.key.doc_num,
                change.key.stin
            ),
            state.now,
        );
        return vec![];
    }
    let Some(loaded) = state.ims.loaded.get(&section) else {
        state.toasts.push(
            ToastLevel::Info,
            "Records not loaded",
            format!(
                "{} is not loaded in this session; open it from the summary grid first.",
                section.label()
            ),
            state.now,
        );
        return vec![];
    };
    let mut table = RecordTable::new(section, None);
    table.set_records(loaded.value.clone(), loaded.fetched_at, loaded.from_cache);
    table.rebuild(Some(change.key.clone()));
    if table.current_key() != Some(&change.key) {
        state.toasts.push(
            ToastLevel::Info,
            "Not in the loaded copy",
            format!(
                "{} {} is not in the records on screen; refresh the section.",
                section.key().to_ascii_uppercase(),
                change.key.doc_num
            ),
            state.now,
        );
        return vec![];
    }
    state.goods = section.goods();
    state.popup = None;
    state.ims.table = Some(table);
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::state::{ProfileInfo, ThemeName};
    use crate::app::update::update;
    use crate::domain::{ImsRecord, ReturnPeriod};
    use crate::sync::SyncEvent;
    use crate::sync::changes::FieldChange;
    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn rec(i: usize) -> ImsRecord {
        serde_json::from_str(&format!(
            r#"{{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","inum":"INV-{i}","idt":"01-10-2025",
            "inv_typ":"R","action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h{i}",
            "val":118.50,"txval":100,"iamt":0,"camt":9.25,"samt":9.25,"cess":0}}"#
        ))
        .unwrap()
    }

    pub(crate) fn sample() -> SectionChanges {
        let at = Utc.with_ymd_and_hms(2025, 11, 12, 6, 0, 0).unwrap();
        let key = |i: usize| rec(i).key(Section::B2b);
        SectionChanges {
            section: Section::B2b,
            pulled_at: at,
            previous_at: at - chrono::Duration::hours(3),
            records: 40,
            changes: vec![
                RecordChange {
                    key: key(7),
                    kind: ChangeKind::New,
                    fields: vec![],
                },
                RecordChange {
                    key: key(3),
                    kind: ChangeKind::Changed,
                    fields: vec![FieldChange {
                        field: "taxable value".into(),
                        old: "100.00".into(),
                        new: "1,100.00".into(),
                    }],
                },
                RecordChange {
                    key: key(9),
                    kind: ChangeKind::Gone,
                    fields: vec![],
                },
            ],
        }
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }
    fn code(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    #[test]
    fn a_fresh_list_toasts_and_w_opens_it_and_enter_jumps_to_the_record() {
        let mut s = AppState::new(
            ProfileInfo::default(),
            ReturnPeriod::new(2025, 10).unwrap(),
            ThemeName::Mono,
        );
        let changes = Arc::new(sample());
        update(
            &mut s,
            Msg::Sync(SyncEvent::PullChanges {
                changes: changes.clone(),
                from_cache: true,
            }),
        );
        assert!(s.toasts.items().is_empty(), "the list read at start-up is not news");
        update(
            &mut s,
            Msg::Sync(SyncEvent::PullChanges {
                changes,
                from_cache: false,
            }),
        );
        let t = &s.toasts.items()[0];
        assert!(t.message.contains("B2B: 1 new, 1 changed, 1 gone"), "{t:?}");
        update(&mut s, key('W'));
        assert!(matches!(s.popup, Some(Popup::Changes(_))));
        // Not loaded: says so and stays.
        update(&mut s, code(KeyCode::Enter));
        assert!(matches!(s.popup, Some(Popup::Changes(_))));
        assert!(s.ims.table.is_none());

        let recs: Vec<ImsRecord> = (0..8).map(rec).collect();
        update(
            &mut s,
            Msg::Sync(SyncEvent::RecordsLoaded {
                section: Section::B2b,
                records: Arc::new(recs),
                fetched_at: Utc::now(),
                from_cache: false,
            }),
        );
        update(&mut s, key('j'));
        update(&mut s, code(KeyCode::Enter));
        assert!(s.popup.is_none());
        let t = s.ims.table.as_ref().expect("record table open");
        assert_eq!(t.current_key().map(|k| k.doc_num.as_str()), Some("INV-3"));

        // From the record table, W opens it again; Esc closes it.
        update(&mut s, key('W'));
        assert!(matches!(s.popup, Some(Popup::Changes(_))));
        update(&mut s, code(KeyCode::Esc));
        assert!(s.popup.is_none());
        assert!(s.ims.table.is_some());
    }
}
