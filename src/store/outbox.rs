//! The outbox of user decisions and the audit journal.
//!
//! A decision goes through: staged → sent (inside an `outbox_sends` row) → settled. Settling
//! applies GSTN's answer in one transaction: the outbox row goes (applied) or stays for the
//! user (conflict, rejected), the cached record takes the new action, and the journal entry
//! gets its outcome. Every state change is one transaction, so a crash at any point leaves
//! a state the engine resumes from: sends with a `reference_id` are polled, never re-sent.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError, to_ms};
use crate::domain::{Action, ImsRecord, RecordKey};
use crate::sync::{Decision, Outcome, Target};

const OUTBOX: &str = "outbox";
const SENDS: &str = "outbox_sends";
const JOURNAL: &str = "journal";
const RECORDS: &str = "ims_records";

/// Where a decision is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    Staged,
    Sent,
    Conflict,
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Staged => "staged",
            OutboxState::Sent => "sent",
            OutboxState::Conflict => "conflict",
            OutboxState::Rejected => "rejected",
        }
    }
    fn parse(s: &str) -> Option<OutboxState> {
        [
            OutboxState::Staged,
            OutboxState::Sent,
            OutboxState::Conflict,
            OutboxState::Rejected,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Save (`Target::Set`) or reset (`Target::Reset`): the two API calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SendKind {
    Save,
    Reset,
}

impl SendKind {
    pub fn of(t: &Target) -> SendKind {
        match t {
            Target::Set(_) => SendKind::Save,
            Target::Reset => SendKind::Reset,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Save => "save",
            SendKind::Reset => "reset",
        }
    }
}

/// One decision in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub batch: u64,
    pub decision: Decision,
    pub state: OutboxState,
    pub send_id: Option<i64>,
    pub last_outcome: Option<Outcome>,
    pub journal_id: i64,
}

/// A save/reset call and the decisions it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct SendRow {
    pub id: i64,
    pub kind: SendKind,
    /// `None`: prepared but the API never confirmed receipt; send again.
    pub reference_id: Option<String>,
    pub rows: Vec<OutboxRow>,
}

/// What staging did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageReport {
    pub staged: usize,
    /// Records whose earlier decision is already on its way to GSTN; left alone.
    pub in_flight: Vec<RecordKey>,
}

/// One line of the audit journal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub local_user: String,
    pub profile: String,
    pub record: String,
    pub old_action: String,
    pub new_action: String,
    pub remarks: Option<String>,
    pub reference_id: Option<String>,
    pub outcome: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
}

/// How an outcome reads in the journal.
pub fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Applied => "applied".into(),
        Outcome::Rejected { code, message } => format!("rejected {code}: {message}"),
        Outcome::Conflict { .. } => "conflict: the record changed on the portal (IMSSAV0010)".into(),
    }
}

fn target_code(t: &Target) -> &str {
    match t {
        Target::Set(a) => a.code(),
        Target::Reset => Action::NoAction.code(),
    }
}

impl Store {
    /// Writes decisions to the outbox and the journal in one transaction. A record with a
    /// staged (or conflicting, or rejected) decision gets it replaced, and the replaced entry
    /// is closed in the journal; a record whose decision is in flight is left alone.
    pub fn stage(
        &self,
        profile: &str,
        local_user: &str,
        batch: u64,
        decisions: &[Decision],
        now: DateTime<Utc>,
    ) -> Result<StageReport, StoreError> {
        const OP: &str = "stage";
        let err = self.write_err(OUTBOX, OP, profile);
        let at = to_ms(now);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        let mut report = StageReport::default();
        {
            let mut find = tx
                .prepare_cached(
                    "SELECT id, state, journal_id FROM outbox
                     WHERE profile = ?1 AND section = ?2 AND stin = ?3 AND doc_num = ?4 AND doc_date = ?5",
                )
                .map_err(&err)?;
            let mut close = tx
                .prepare_cached("UPDATE journal SET outcome = ?2, outcome_at = ?3 WHERE id = ?1 AND outcome IS NULL")
                .map_err(&err)?;
            let mut drop_row = tx.prepare_cached("DELETE FROM outbox WHERE id = ?1").map_err(&err)?;
            let mut journal = tx
                .prepare_cached(
                    "INSERT INTO journal (at, local_user, profile, record, old_action, new_action, remarks)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(&err)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO outbox (profile, section, stin, doc_num, doc_date, batch, decision, state, journal_id, staged_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'staged', ?8, ?9)",
                )
                .map_err(&err)?;
            for d in decisions {
                let key = d.key();
                let existing: Option<(i64, String, i64)> = find
                    .query_row(
                        params![profile, key.section.key(), key.stin, key.doc_num, key.doc_date],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()
                    .map_err(&err)?;
                if let Some((id, state, jid)) = existing {
                    if state == OutboxState::Sent.as_str() {
                        report.in_flight.push(key);
                        continue;
                    }
                    close
                        .execute(params![jid, "replaced by a later decision", at])
                        .map_err(&err)?;
                    drop_row.execute([id]).map_err(&err)?;
                }
                let json = serde_json::to_string(d).map_err(|e| self.encode_err(OUTBOX, OP, e.to_string()))?;
                journal
                    .execute(params![
                        at,
                        local_user,
                        profile,
                        key.to_string(),
                        d.record.action.code(),
                        target_code(&d.target),
                        d.remarks
                    ])
                    .map_err(&err)?;
                let jid = tx.last_insert_rowid();
                insert
                    .execute(params![
                        profile,
                        key.section.key(),
                        key.stin,
                        key.doc_num,
                        key.doc_date,
                        batch as i64,
                        json,
                        jid,
                        at
                    ])
                    .map_err(&err)?;
                report.staged += 1;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(report)
    }

    /// Drops the not-yet-sent decisions of `batch` (undo); returns how many.
    pub fn unstage_batch(&self, profile: &str, batch: u64, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.unstage_where(profile, "batch = ?2", &batch.to_string(), now)
    }

    /// Drops the not-yet-sent decisions of these records; returns how many.
    pub fn unstage_keys(&self, profile: &str, keys: &[RecordKey], now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut n = 0;
        for k in keys {
            n += self.unstage_where(
                profile,
                "section || ':' || stin || ':' || doc_num || ':' || doc_date = ?2",
                &k.to_string(),
                now,
            )?;
        }
        Ok(n)
    }

    fn unstage_where(&self, profile: &str, cond: &str, value: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
        const OP: &str = "unstage";
        let err = self.sql_err(OUTBOX, OP);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        let filter = format!("profile = ?1 AND state != 'sent' AND {cond}");
        tx.execute(
            &format!(
                "UPDATE journal SET outcome = 'dropped by the user', outcome_at = ?3
                 WHERE outcome IS NULL AND id IN (SELECT journal_id FROM outbox WHERE {filter})"
            ),
            params![profile, value, to_ms(now)],
        )
        .map_err(&err)?;
        let n = tx
            .execute(&format!("DELETE FROM outbox WHERE {filter}"), params![profile, value])
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(n)
    }

    /// Every decision in the outbox, oldest first.
    pub fn outbox(&self, profile: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.outbox_query(profile, "1 = 1", None)
    }

    fn outbox_query(&self, profile: &str, cond: &str, arg: Option<i64>) -> Result<Vec<OutboxRow>, StoreError> {
        const OP: &str = "outbox";
        let err = self.sql_err(OUTBOX, OP);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, batch, decision, state, send_id, last_outcome, journal_id FROM outbox
                 WHERE profile = ?1 AND {cond} AND (?2 IS NULL OR send_id = ?2) ORDER BY id"
            ))
            .map_err(&err)?;
        let mut rows = stmt.query(params![profile, arg]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let id: i64 = r.get(0).map_err(&err)?;
            let decision: String = r.get(2).map_err(&err)?;
            let state: String = r.get(3).map_err(&err)?;
            let last: Option<String> = r.get(5).map_err(&err)?;
            let bad = |what: &str, e: String| self.decode_err(OUTBOX, OP, format!("outbox row {id}: {what}: {e}"));
            out.push(OutboxRow {
                id,
                batch: r.get::<_, i64>(1).map_err(&err)? as u64,
                decision: serde_json::from_str(&decision).map_err(|e| bad("decision", e.to_string()))?,
                state: OutboxState::parse(&state).ok_or_else(|| bad("state", state.clone()))?,
                send_id: r.get(4).map_err(&err)?,
                last_outcome: last
                    .map(|s| serde_json::from_str(&s))
                    .transpose()
                    .map_err(|e| bad("last_outcome", e.to_string()))?,
                journal_id: r.get(6).map_err(&err)?,
            });
        }
        Ok(out)
    }

    /// Staged decisions waiting for a send, oldest first.
    pub fn staged(&self, profile: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.outbox_query(profile, "state = 'staged'", None)
    }

    /// Puts `ids` (staged rows of one kind) into a new send, in one transaction.
    pub fn prepare_send(
        &self,
        profile: &str,
        kind: SendKind,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        const OP: &str = "prepare_send";
        let err = self.write_err(SENDS, OP, profile);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO outbox_sends (profile, kind, created_at) VALUES (?1, ?2, ?3)",
            params![profile, kind.as_str(), to_ms(now)],
        )
        .map_err(&err)?;
        let send = tx.last_insert_rowid();
        {
            let mut up = tx
                .prepare_cached("UPDATE outbox SET state = 'sent', send_id = ?2 WHERE id = ?1 AND state = 'staged'")
                .map_err(&err)?;
            for id in ids {
                up.execute(params![id, send]).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(send)
    }

    /// Records GSTN's `reference_id` for a send (before any polling). The journal shows it
    /// for the send's decisions while they are in flight ([`Store::journal`]) and keeps it
    /// when the send settles them: a send GSTN refused as a whole (`ER`) is split and its
    /// decisions settled by later calls, whose references are the ones written.
    pub fn record_reference(&self, send: i64, reference_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        const OP: &str = "record_reference";
        self.conn
            .execute(
                "UPDATE outbox_sends SET reference_id = ?2, submitted_at = ?3 WHERE id = ?1 AND reference_id IS NULL",
                params![send, reference_id, to_ms(now)],
            )
            .map_err(self.sql_err(SENDS, OP))?;
        Ok(())
    }

    /// Every send of a profile, oldest first: (id, reference_id, settled or split).
    pub fn send_history(&self, profile: &str) -> Result<Vec<(i64, Option<String>, bool)>, StoreError> {
        const OP: &str = "send_history";
        let err = self.sql_err(SENDS, OP);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, reference_id, done_at IS NOT NULL FROM outbox_sends WHERE profile = ?1 ORDER BY id",
            )
            .map_err(&err)?;
        stmt.query_map([profile], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    /// Sends not yet settled, oldest first, with their decisions.
    pub fn open_sends(&self, profile: &str) -> Result<Vec<SendRow>, StoreError> {
        let mut out = self.open_send_heads(profile)?;
        for s in &mut out {
            s.rows = self.send_rows(profile, s.id)?;
        }
        Ok(out)
    }

    /// The decisions inside a send.
    pub fn send_rows(&self, profile: &str, send: i64) -> Result<Vec<OutboxRow>, StoreError> {
        self.outbox_query(profile, "state = 'sent'", Some(send))
    }

    /// Sends not yet settled, oldest first, without loading their decisions (`rows` empty):
    /// what a status poll needs.
    pub fn open_send_heads(&self, profile: &str) -> Result<Vec<SendRow>, StoreError> {
        const OP: &str = "open_sends";
        let err = self.sql_err(SENDS, OP);
        let heads: Vec<(i64, String, Option<String>)> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT id, kind, reference_id FROM outbox_sends WHERE profile = ?1 AND done_at IS NULL ORDER BY id",
                )
                .map_err(&err)?;
            stmt.query_map([profile], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(&err)?
                .collect::<Result<_, _>>()
                .map_err(&err)?
        };
        Ok(heads
            .into_iter()
            .map(|(id, kind, reference_id)| SendRow {
                id,
                kind: if kind == "reset" {
                    SendKind::Reset
                } else {
                    SendKind::Save
                },
                reference_id,
                rows: Vec::new(),
            })
            .collect())
    }

    /// Applies the outcomes of a send in one transaction and closes it: applied decisions
    /// leave the outbox and their cached record takes the new action; conflicts and
    /// rejections stay, marked, for the user. Each journal entry gets its outcome once.
    pub fn settle(
        &self,
        profile: &str,
        send: i64,
        outcomes: &[(i64, Outcome)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "settle";
        let err = self.sql_err(OUTBOX, OP);
        let at = to_ms(now);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        {
            let mut get = tx
                .prepare_cached(
                    "SELECT decision, journal_id FROM outbox WHERE id = ?1 AND send_id = ?2 AND state = 'sent'",
                )
                .map_err(&err)?;
            // The journal entry takes the reference of the call that settled it.
            let mut close = tx
                .prepare_cached(
                    "UPDATE journal SET outcome = ?2, outcome_at = ?3,
                        reference_id = coalesce(reference_id, (SELECT reference_id FROM outbox_sends WHERE id = ?4))
                     WHERE id = ?1 AND outcome IS NULL",
                )
                .map_err(&err)?;
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE id = ?1").map_err(&err)?;
            let mut keep = tx
                .prepare_cached("UPDATE outbox SET state = ?2, send_id = NULL, last_outcome = ?3 WHERE id = ?1")
                .map_err(&err)?;
            let mut cached = tx
                .prepare_cached(
                    // Without statistics SQLite prefers the primary key's (profile, section)
                    // prefix and scans the section; the key index finds the row directly.
                    "SELECT seq, record FROM ims_records INDEXED BY ims_records_by_key
                     WHERE profile = ?1 AND section = ?2 AND stin = ?3 AND doc_num = ?4 AND doc_date = ?5",
                )
                .map_err(&err)?;
            let mut update_cached = tx
                .prepare_cached(
                    "UPDATE ims_records SET action = ?4, record = ?5 WHERE profile = ?1 AND section = ?2 AND seq = ?3",
                )
                .map_err(&err)?;
            for (id, outcome) in outcomes {
                let row: Option<(String, i64)> = get
                    .query_row(params![id, send], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(&err)?;
                // Already settled (a repeated settle after a crash): nothing to do twice.
                let Some((json, jid)) = row else { continue };
                close
                    .execute(params![jid, outcome_text(outcome), at, send])
                    .map_err(&err)?;
                match outcome {
                    Outcome::Applied => {
                        delete.execute([id]).map_err(&err)?;
                        let d: Decision = serde_json::from_str(&json)
                            .map_err(|e| self.decode_err(OUTBOX, OP, format!("outbox row {id}: {e}")))?;
                        let key = d.key();
                        let hits: Vec<(i64, String)> = cached
                            .query_map(
                                params![profile, key.section.key(), key.stin, key.doc_num, key.doc_date],
                                |r| Ok((r.get(0)?, r.get(1)?)),
                            )
                            .map_err(&err)?
                            .collect::<Result<_, _>>()
                            .map_err(&err)?;
                        for (seq, rec_json) in hits {
                            let Ok(mut rec) = serde_json::from_str::<ImsRecord>(&rec_json) else {
                                continue;
                            };
                            apply_to_record(&mut rec, &d);
                            let rec_json =
                                serde_json::to_string(&rec).map_err(|e| self.encode_err(RECORDS, OP, e.to_string()))?;
                            update_cached
                                .execute(params![profile, key.section.key(), seq, rec.action.code(), rec_json])
                                .map_err(&err)?;
                        }
                    }
                    Outcome::Rejected { .. } | Outcome::Conflict { .. } => {
                        let state = if matches!(outcome, Outcome::Conflict { .. }) {
                            OutboxState::Conflict
                        } else {
                            OutboxState::Rejected
                        };
                        let o =
                            serde_json::to_string(outcome).map_err(|e| self.encode_err(OUTBOX, OP, e.to_string()))?;
                        keep.execute(params![id, state.as_str(), o]).map_err(&err)?;
                    }
                }
            }
        }
        // Any row of this send not named above goes back to staged: nothing is stranded.
        tx.execute(
            "UPDATE outbox SET state = 'staged', send_id = NULL WHERE send_id = ?1 AND state = 'sent'",
            [send],
        )
        .map_err(&err)?;
        tx.execute("UPDATE outbox_sends SET done_at = ?2 WHERE id = ?1", params![send, at])
            .map_err(self.sql_err(SENDS, OP))?;
        tx.commit().map_err(&err)
    }

    /// Splits a send GSTN refused as a whole (`ER`, e.g. one record failing its schema) into
    /// two new, not yet posted sends of half the decisions each, in one transaction; repeated
    /// splitting isolates the record at fault. Returns the new sends.
    pub fn split_send(&self, profile: &str, send: i64, now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        const OP: &str = "split_send";
        let err = self.write_err(SENDS, OP, profile);
        let (kind, ids): (String, Vec<i64>) = {
            let kind = self
                .conn
                .query_row("SELECT kind FROM outbox_sends WHERE id = ?1", [send], |r| r.get(0))
                .map_err(&err)?;
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM outbox WHERE send_id = ?1 AND state = 'sent' ORDER BY id")
                .map_err(&err)?;
            let ids = stmt
                .query_map([send], |r| r.get(0))
                .map_err(&err)?
                .collect::<Result<_, _>>()
                .map_err(&err)?;
            (kind, ids)
        };
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        let mut out = Vec::new();
        for half in ids.chunks(ids.len().div_ceil(2).max(1)) {
            tx.execute(
                "INSERT INTO outbox_sends (profile, kind, created_at) VALUES (?1, ?2, ?3)",
                params![profile, kind, to_ms(now)],
            )
            .map_err(&err)?;
            let new = tx.last_insert_rowid();
            for id in half {
                tx.execute("UPDATE outbox SET send_id = ?2 WHERE id = ?1", params![id, new])
                    .map_err(&err)?;
            }
            out.push(new);
        }
        tx.execute(
            "UPDATE outbox_sends SET done_at = ?2 WHERE id = ?1",
            params![send, to_ms(now)],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(out)
    }

    /// Returns a prepared send's decisions to staged and closes it (the API refused the call
    /// as a whole before taking it, e.g. a request-level rejection we will not repeat).
    pub fn abandon_send(&self, send: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        const OP: &str = "abandon_send";
        let err = self.sql_err(SENDS, OP);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        tx.execute(
            "UPDATE outbox SET state = 'staged', send_id = NULL WHERE send_id = ?1 AND state = 'sent'",
            [send],
        )
        .map_err(&err)?;
        tx.execute(
            "UPDATE outbox_sends SET done_at = ?2 WHERE id = ?1",
            params![send, to_ms(now)],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// The audit journal of a profile (every profile when `None`), oldest first.
    pub fn journal(&self, profile: Option<&str>) -> Result<Vec<JournalEntry>, StoreError> {
        const OP: &str = "journal";
        let err = self.sql_err(JOURNAL, OP);
        let mut stmt = self
            .conn
            .prepare_cached(
                // In flight: the reference of the send carrying the decision now.
                "SELECT id, at, local_user, profile, record, old_action, new_action, remarks,
                        coalesce(reference_id, (SELECT s.reference_id FROM outbox o JOIN outbox_sends s ON s.id = o.send_id
                                                WHERE o.journal_id = journal.id AND o.state = 'sent')),
                        outcome, outcome_at
                 FROM journal WHERE ?1 IS NULL OR profile = ?1 ORDER BY id",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([profile]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let at: i64 = r.get(1).map_err(&err)?;
            let outcome_at: Option<i64> = r.get(10).map_err(&err)?;
            out.push(JournalEntry {
                id: r.get(0).map_err(&err)?,
                at: self.time(at, JOURNAL, OP)?,
                local_user: r.get(2).map_err(&err)?,
                profile: r.get(3).map_err(&err)?,
                record: r.get(4).map_err(&err)?,
                old_action: r.get(5).map_err(&err)?,
                new_action: r.get(6).map_err(&err)?,
                remarks: r.get(7).map_err(&err)?,
                reference_id: r.get(8).map_err(&err)?,
                outcome: r.get(9).map_err(&err)?,
                outcome_at: outcome_at.map(|ms| self.time(ms, JOURNAL, OP)).transpose()?,
            });
        }
        Ok(out)
    }

    /// The journal entries of one record (its key as `RecordKey`'s `Display`), oldest first.
    pub fn journal_of(&self, profile: &str, record: &str) -> Result<Vec<JournalEntry>, StoreError> {
        const OP: &str = "journal_of";
        let err = self.sql_err(JOURNAL, OP);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, at, local_user, profile, record, old_action, new_action, remarks, reference_id, outcome, outcome_at
                 FROM journal WHERE profile = ?1 AND record = ?2 ORDER BY id",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([profile, record]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let at: i64 = r.get(1).map_err(&err)?;
            let outcome_at: Option<i64> = r.get(10).map_err(&err)?;
            out.push(JournalEntry {
                id: r.get(0).map_err(&err)?,
                at: self.time(at, JOURNAL, OP)?,
                local_user: r.get(2).map_err(&err)?,
                profile: r.get(3).map_err(&err)?,
                record: r.get(4).map_err(&err)?,
                old_action: r.get(5).map_err(&err)?,
                new_action: r.get(6).map_err(&err)?,
                remarks: r.get(7).map_err(&err)?,
                reference_id: r.get(8).map_err(&err)?,
                outcome: r.get(9).map_err(&err)?,
                outcome_at: outcome_at.map(|ms| self.time(ms, JOURNAL, OP)).transpose()?,
            });
        }
        Ok(out)
    }

    /// How many decisions are waiting (staged or in flight).
    pub fn queued_count(&self, profile: &str) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM outbox WHERE profile = ?1 AND state IN ('staged', 'sent')",
                [profile],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(self.sql_err(OUTBOX, "queued_count"))
    }
}

/// The record as it is after GSTN applied the decision.
pub fn apply_to_record(rec: &mut ImsRecord, d: &Decision) {
    rec.action = match &d.target {
        Target::Set(a) => a.clone(),
        Target::Reset => Action::NoAction,
    };
    if let Target::Set(_) = d.target {
        rec.remarks = d.remarks.clone().or(rec.remarks.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Section;
    use crate::store::tests::{store_with_profile, t};

    fn decision(i: usize, target: Target) -> Decision {
        let record: ImsRecord = serde_json::from_str(&format!(
            r#"{{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","inum":"INV-{i}","idt":"01-10-2025",
            "inv_typ":"R","action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h",
            "val":118.50,"txval":100,"iamt":0,"camt":9.25,"samt":9.25,"cess":0}}"#
        ))
        .unwrap();
        Decision {
            section: Section::B2b,
            record,
            target,
            remarks: None,
            itc_reduction: None,
        }
    }

    #[test]
    fn stage_replaces_and_undo_drops_with_journal() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let a = decision(1, Target::Set(Action::Accepted));
        let r = decision(1, Target::Set(Action::Rejected));
        assert_eq!(
            s.stage("acme", "u", 1, &[a.clone(), decision(2, Target::Reset)], t(1))
                .unwrap()
                .staged,
            2
        );
        s.stage("acme", "u", 2, std::slice::from_ref(&r), t(2)).unwrap();
        let ob = s.outbox("acme").unwrap();
        assert_eq!(ob.len(), 2);
        assert!(ob.iter().any(|o| o.decision == r && o.batch == 2));
        assert_eq!(s.unstage_batch("acme", 2, t(3)).unwrap(), 1);
        assert_eq!(
            s.unstage_keys("acme", &[decision(2, Target::Reset).key()], t(3))
                .unwrap(),
            1
        );
        assert!(s.outbox("acme").unwrap().is_empty());
        let j = s.journal(Some("acme")).unwrap();
        assert_eq!(j.len(), 3);
        assert_eq!(j[0].outcome.as_deref(), Some("replaced by a later decision"));
        assert_eq!(j[2].new_action, "R");
        assert!(j.iter().all(|e| e.outcome.is_some()));
    }

    #[test]
    fn send_settle_and_in_flight_rows_are_not_restaged() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let ds: Vec<_> = (0..3).map(|i| decision(i, Target::Set(Action::Accepted))).collect();
        s.replace_section(
            "acme",
            Section::B2b,
            &ds.iter().map(|d| d.record.clone()).collect::<Vec<_>>(),
            t(0),
        )
        .unwrap();
        s.stage("acme", "u", 1, &ds, t(1)).unwrap();
        let ids: Vec<i64> = s.staged("acme").unwrap().iter().map(|r| r.id).collect();
        let send = s.prepare_send("acme", SendKind::Save, &ids, t(2)).unwrap();
        assert_eq!(s.stage("acme", "u", 2, &ds[..1], t(2)).unwrap().in_flight.len(), 1);
        assert_eq!(
            s.unstage_batch("acme", 1, t(2)).unwrap(),
            0,
            "in-flight decisions cannot be undone"
        );
        s.record_reference(send, "ref1", t(3)).unwrap();
        let open = s.open_sends("acme").unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].reference_id.as_deref(), Some("ref1"));
        assert_eq!(open[0].rows.len(), 3);
        let rejected = Outcome::Rejected {
            code: "IMSSAV0052".into(),
            message: "m".into(),
        };
        s.settle(
            "acme",
            send,
            &[(ids[0], Outcome::Applied), (ids[1], rejected.clone())],
            t(4),
        )
        .unwrap();
        // Settling again changes nothing.
        s.settle("acme", send, &[(ids[0], Outcome::Applied)], t(5)).unwrap();
        assert!(s.open_sends("acme").unwrap().is_empty());
        let ob = s.outbox("acme").unwrap();
        assert_eq!(ob.len(), 2);
        assert_eq!(ob[0].state, OutboxState::Rejected);
        assert_eq!(ob[0].last_outcome, Some(rejected));
        assert_eq!(ob[1].state, OutboxState::Staged, "unnamed rows go back to staged");
        let cached = s.load_section("acme", Section::B2b).unwrap();
        assert_eq!(cached[0].action, Action::Accepted);
        assert_eq!(cached[1].action, Action::NoAction);
        let j = s.journal(None).unwrap();
        assert_eq!(j[0].outcome.as_deref(), Some("applied"));
        assert_eq!(j[0].reference_id.as_deref(), Some("ref1"));
    }

    #[test]
    fn a_split_send_journals_the_reference_of_the_call_that_settled_each_decision() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let ds: Vec<_> = (0..4).map(|i| decision(i, Target::Set(Action::Rejected))).collect();
        s.stage("acme", "u", 1, &ds, t(1)).unwrap();
        let ids: Vec<i64> = s.staged("acme").unwrap().iter().map(|r| r.id).collect();
        let first = s.prepare_send("acme", SendKind::Save, &ids, t(2)).unwrap();
        s.record_reference(first, "ref-all", t(2)).unwrap();
        let j = s.journal(None).unwrap();
        assert!(
            j.iter().all(|e| e.reference_id.as_deref() == Some("ref-all")),
            "in flight: the current call"
        );
        // GSTN refused the call as a whole: two halves, each posted and settled on its own.
        let halves = s.split_send("acme", first, t(3)).unwrap();
        s.record_reference(halves[0], "ref-a", t(3)).unwrap();
        s.record_reference(halves[1], "ref-b", t(3)).unwrap();
        s.settle(
            "acme",
            halves[0],
            &[(ids[0], Outcome::Applied), (ids[1], Outcome::Applied)],
            t(4),
        )
        .unwrap();
        let rejected = Outcome::Rejected {
            code: "IMSSAV005".into(),
            message: "m".into(),
        };
        s.settle(
            "acme",
            halves[1],
            &[(ids[2], Outcome::Applied), (ids[3], rejected)],
            t(4),
        )
        .unwrap();
        let j = s.journal(None).unwrap();
        let refs: Vec<&str> = j.iter().map(|e| e.reference_id.as_deref().unwrap()).collect();
        assert_eq!(refs, ["ref-a", "ref-a", "ref-b", "ref-b"]);
        let history = s.send_history("acme").unwrap();
        assert_eq!(history.len(), 3);
        assert!(history.iter().all(|(_, _, done)| *done));
    }

    #[test]
    fn the_journal_cannot_be_rewritten_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        s.stage("acme", "u", 1, &[decision(1, Target::Set(Action::Accepted))], t(1))
            .unwrap();
        assert!(s.conn.execute("DELETE FROM journal", []).is_err());
        assert!(s.conn.execute("UPDATE journal SET new_action = 'R'", []).is_err());
        s.conn.execute("UPDATE journal SET outcome = 'applied'", []).unwrap();
        assert!(s.conn.execute("UPDATE journal SET outcome = 'rejected'", []).is_err());
    }
}
