//! What changed in a section between two pulls: new documents, documents whose fields changed
//! (a supplier's edit, an action taken on the portal), and documents that are gone. Computed
//! by the engine when a pull is merged into the store, kept in SQLite so a restart still shows
//! the last pull's changes, and announced with [`super::SyncEvent::PullChanges`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::money::format_count;
use crate::domain::{ImsRecord, RecordKey, Section};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    New,
    Changed,
    Gone,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Changed => "changed",
            ChangeKind::Gone => "gone",
        }
    }
}

/// One field that differs: its name as the record table shows it, old and new value as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One document that is new, changed or gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChange {
    pub key: RecordKey,
    pub kind: ChangeKind,
    /// For `Changed`: what differs (empty if only GSTN's hash moved).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

impl RecordChange {
    /// `taxable value 1,000.00 → 2,000.00; action Accepted → No action`.
    pub fn describe(&self) -> String {
        match self.kind {
            ChangeKind::New => "new document".into(),
            ChangeKind::Gone => "no longer listed".into(),
            ChangeKind::Changed if self.fields.is_empty() => "new version from the supplier".into(),
            ChangeKind::Changed => self
                .fields
                .iter()
                .map(|f| format!("{} {} → {}", f.field, f.old, f.new))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The changes one pull of a section found against the cached copy before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionChanges {
    pub section: Section,
    pub pulled_at: DateTime<Utc>,
    /// When the copy compared against was fetched.
    pub previous_at: DateTime<Utc>,
    /// Records in the new pull.
    pub records: usize,
    /// New first, then changed, then gone; by supplier and document within each.
    pub changes: Vec<RecordChange>,
}

impl SectionChanges {
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }

    /// `B2B: 12 new, 3 changed, 1 gone`, or `B2B: no changes`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [ChangeKind::New, ChangeKind::Changed, ChangeKind::Gone]
            .into_iter()
            .map(|k| (k, self.count(k)))
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{} {}", format_count(n as u64), k.label()))
            .collect();
        let name = self.section.key().to_ascii_uppercase();
        if parts.is_empty() {
            format!("{name}: no changes")
        } else {
            format!("{name}: {}", parts.join(", "))
        }
    }
}

/// Compares the cached copy of a section (only the records the caller found to differ need be
/// in `before`) with a fresh pull. `before_keys` are every cached key, so gone documents are
/// found without decoding their records.
pub fn diff(
    section: Section,
    before_keys: &HashSet<RecordKey>,
    before: &HashMap<RecordKey, ImsRecord>,
    after: &[ImsRecord],
) -> Vec<RecordChange> {
    let mut out = Vec::new();
    let mut seen = HashSet::with_capacity(after.len());
    for r in after {
        let key = r.key(section);
        if !seen.insert(key.clone()) {
            continue;
        }
        if !before_keys.contains(&key) {
            out.push(RecordChange {
                key,
                kind: ChangeKind::New,
                fields: Vec::new(),
            });
        } else if let Some(old) = before.get(&key) {
            out.push(RecordChange {
                fields: field_changes(old, r),
                key,
                kind: ChangeKind::Changed,
            });
        }
    }
    let mut gone: Vec<&RecordKey> = before_keys.iter().filter(|k| !seen.contains(*k)).collect();
    gone.sort();
    out.extend(gone.into_iter().map(|k| RecordChange {
        key: k.clone(),
        kind: ChangeKind::Gone,
        fields: Vec::new(),
    }));
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.key.cmp(&b.key)));
    out
}

/// The fields a user reads, in the record table's words.
pub fn field_changes(old: &ImsRecord, new: &ImsRecord) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &str, a: String, b: String| {
        if a != b {
            out.push(FieldChange {
                field: field.into(),
                old: a,
                new: b,
            });
        }
    };
    push("action", old.action.label().into(), new.action.label().into());
    push("taxable value", old.txval.inr(), new.txval.inr());
    push("IGST", old.iamt.inr(), new.iamt.inr());
    push("CGST", old.camt.inr(), new.camt.inr());
    push("SGST", old.samt.inr(), new.samt.inr());
    push("cess", old.cess.inr(), new.cess.inr());
    push("document value", old.val.inr(), new.val.inr());
    push("place of supply", old.pos.clone(), new.pos.clone());
    push("supplier period", old.rtnprd.clone(), new.rtnprd.clone());
    push("supplier filing", old.srcfilstatus.clone(), new.srcfilstatus.clone());
    push("source form", old.srcform.clone(), new.srcform.clone());
    push(
        "invoice type",
        old.inv_typ.clone().unwrap_or_default(),
        new.inv_typ.clone().unwrap_or_default(),
    );
    push(
        "remarks",
        old.remarks.clone().unwrap_or_default(),
        new.remarks.clone().unwrap_or_default(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, Money};
    use rust_decimal_macros::dec;

    fn rec(i: usize) -> ImsRecord {
        serde_json::from_str(&format!(
            r#"{{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","inum":"INV-{i}","idt":"01-10-2025",
            "inv_typ":"R","action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h{i}",
            "val":118.50,"txval":100,"iamt":0,"camt":9.25,"samt":9.25,"cess":0}}"#
        ))
        .unwrap()
    }

    #[test]
    fn new_changed_and_gone_with_the_fields_that_differ() {
        let s = Section::B2b;
        let old: Vec<ImsRecord> = (0..4).map(rec).collect();
        let mut new: Vec<ImsRecord> = vec![rec(0), rec(1), rec(2), rec(9)];
        new[1].txval = Money(dec!(1100));
        new[1].hash = "h1b".into();
        new[2].action = Action::Accepted;
        let before_keys: HashSet<RecordKey> = old.iter().map(|r| r.key(s)).collect();
        // The caller passes only the records whose action or hash differ.
        let before: HashMap<RecordKey, ImsRecord> = old[1..3].iter().map(|r| (r.key(s), r.clone())).collect();
        let d = diff(s, &before_keys, &before, &new);
        let kinds: Vec<(ChangeKind, &str)> = d.iter().map(|c| (c.kind, c.key.doc_num.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (ChangeKind::New, "INV-9"),
                (ChangeKind::Changed, "INV-1"),
                (ChangeKind::Changed, "INV-2"),
                (ChangeKind::Gone, "INV-3"),
            ]
        );
        assert_eq!(d[1].describe(), "taxable value 100.00 → 1,100.00");
        assert_eq!(d[2].describe(), "action No action → Accepted");
        let sc = SectionChanges {
            section: s,
            pulled_at: Utc::now(),
            previous_at: Utc::now(),
            records: 4,
            changes: d,
        };
        assert_eq!(sc.summary(), "B2B: 1 new, 2 changed, 1 gone");
        let json = serde_json::to_string(&sc).unwrap();
        assert_eq!(serde_json::from_str::<SectionChanges>(&json).unwrap(), sc);
    }
}
