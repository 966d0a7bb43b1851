//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. Never edit a migration that
//! has shipped: append a new one. Each runs in its own transaction together with the
//! `user_version` bump, so a failure leaves the database at the previous version.
//!
//! Timestamps are INTEGER epoch milliseconds (UTC) everywhere.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: profiles, tokens and the IMS / ledger caches.
    r#"
    CREATE TABLE profiles (
        name        TEXT NOT NULL PRIMARY KEY,
        gstin       TEXT NOT NULL,
        username    TEXT NOT NULL,
        base_url    TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE tokens (
        profile                 TEXT NOT NULL PRIMARY KEY REFERENCES profiles(name) ON DELETE CASCADE,
        platform_token          TEXT,
        platform_expiry         INTEGER,
        taxpayer_token          TEXT,
        taxpayer_token_expiry   INTEGER,
        taxpayer_session_expiry INTEGER,
        updated_at              INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE ims_counts (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        goods       TEXT NOT NULL,
        counts      TEXT NOT NULL,
        fetched_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, goods)
    ) STRICT;

    -- One row per (profile, section) fetch, so an empty fetch is still known.
    CREATE TABLE ims_sections (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        section     TEXT NOT NULL,
        records     INTEGER NOT NULL,
        fetched_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, section)
    ) STRICT;

    -- seq is the position in the fetch: it keeps the API's order and keeps duplicates of
    -- (stin, doc_num, doc_date) apart instead of losing them.
    CREATE TABLE ims_records (
        profile     TEXT NOT NULL,
        section     TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        stin        TEXT NOT NULL,
        doc_num     TEXT NOT NULL,
        doc_date    TEXT NOT NULL,
        rtnprd      TEXT NOT NULL,
        action      TEXT NOT NULL,
        record      TEXT NOT NULL,
        fetched_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, section, seq),
        FOREIGN KEY (profile, section) REFERENCES ims_sections(profile, section) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ims_records_by_key ON ims_records(profile, section, stin, doc_num, doc_date);

    CREATE TABLE ledgers (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('bal', 'cash', 'itc', 'tax')),
        key         TEXT NOT NULL,
        data        TEXT NOT NULL,
        fetched_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, kind, key)
    ) STRICT;
    "#,
    // 2: the outbox of user decisions, the sends that carry them, and the audit journal.
    r#"
    -- One row per journal entry: a decision as the user made it. The decision columns are
    -- written once; reference_id and outcome are filled in once each when known. Nothing is
    -- ever deleted (triggers below).
    CREATE TABLE journal (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        local_user  TEXT NOT NULL,
        profile     TEXT NOT NULL,
        record      TEXT NOT NULL,
        old_action  TEXT NOT NULL,
        new_action  TEXT NOT NULL,
        remarks     TEXT,
        reference_id TEXT,
        outcome     TEXT,
        outcome_at  INTEGER
    ) STRICT;
    CREATE INDEX journal_by_profile ON journal(profile, id);
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
    CREATE TRIGGER journal_write_once BEFORE UPDATE ON journal
    WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.local_user IS NOT OLD.local_user
      OR NEW.profile IS NOT OLD.profile OR NEW.record IS NOT OLD.record
      OR NEW.old_action IS NOT OLD.old_action OR NEW.new_action IS NOT OLD.new_action
      OR NEW.remarks IS NOT OLD.remarks
      OR (OLD.reference_id IS NOT NULL AND NEW.reference_id IS NOT OLD.reference_id)
      OR (OLD.outcome IS NOT NULL AND (NEW.outcome IS NOT OLD.outcome OR NEW.outcome_at IS NOT OLD.outcome_at))
    BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;

    -- One save or reset call. reference_id is NULL until the API answered with one; a send
    -- without it may or may not have reached GSTN and is sent again (prev_status makes a
    -- repeat harmless: GSTN refuses it with IMSSAV0010, which the engine reconciles).
    CREATE TABLE outbox_sends (
        id            INTEGER PRIMARY KEY,
        profile       TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('save', 'reset')),
        reference_id  TEXT,
        created_at    INTEGER NOT NULL,
        submitted_at  INTEGER,
        done_at       INTEGER
    ) STRICT;

    -- Decisions not yet applied: staged (waiting), sent (inside a send), or kept after a
    -- conflict or rejection for the user to look at. One per record.
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        section     TEXT NOT NULL,
        stin        TEXT NOT NULL,
        doc_num     TEXT NOT NULL,
        doc_date    TEXT NOT NULL,
        batch       INTEGER NOT NULL,
        decision    TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('staged', 'sent', 'conflict', 'rejected')),
        send_id     INTEGER REFERENCES outbox_sends(id),
        last_outcome TEXT,
        journal_id  INTEGER NOT NULL REFERENCES journal(id),
        staged_at   INTEGER NOT NULL,
        UNIQUE (profile, section, stin, doc_num, doc_date)
    ) STRICT;
    CREATE INDEX outbox_by_send ON outbox(send_id);
    CREATE INDEX outbox_by_journal ON outbox(journal_id);
    "#,
    // 3: what the last pull of each section changed (new, changed, gone documents), so the
    // "changes since the last pull" list survives a restart.
    r#"
    CREATE TABLE pull_changes (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        section     TEXT NOT NULL,
        pulled_at   INTEGER NOT NULL,
        changes     TEXT NOT NULL,
        PRIMARY KEY (profile, section)
    ) STRICT;
    "#,
    // 4: GSTR-1/1A export sections and GSTR-3B details per period, for the export ledger.
    // `filed` = GSTR-3B filed: the data does not change and is never fetched again; other
    // rows are kept only to learn where the taxpayer's returns start.
    r#"
    CREATE TABLE export_returns (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        period      TEXT NOT NULL,
        filed       INTEGER NOT NULL CHECK (filed IN (0, 1)),
        data        TEXT NOT NULL,
        fetched_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, period)
    ) STRICT;
    "#,
    // 5: what the IMS screen learns besides records: whether a period's GSTR-3B is filed
    // (read-only IMS), supplier trade names from GSTR-2B, and the record table's columns.
    r#"
    -- filed: 1 filed, 0 not filed (the last answer; an unanswered check is not stored).
    CREATE TABLE gstr3b_status (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        period      TEXT NOT NULL,
        filed       INTEGER NOT NULL CHECK (filed IN (0, 1)),
        checked_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, period)
    ) STRICT;

    -- Supplier GSTIN -> trade name as GSTR-2B last gave it (any period).
    CREATE TABLE suppliers (
        profile     TEXT NOT NULL REFERENCES profiles(name) ON DELETE CASCADE,
        ctin        TEXT NOT NULL,
        trade_name  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (profile, ctin)
    ) STRICT, WITHOUT ROWID;

    -- The detail pane reads one record's journal.
    CREATE INDEX journal_by_record ON journal(profile, record, id);

    -- The record table's columns as the user arranged them: `columns` lists column keys in
    -- order, a leading '-' marks a hidden one.
    CREATE TABLE ims_columns (
        profile     TEXT NOT NULL PRIMARY KEY REFERENCES profiles(name) ON DELETE CASCADE,
        columns     TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
    ) STRICT;
    "#,
];

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings `conn` from its current version up to `migrations.len()`.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<(), StoreError> {
    let supported = migrations.len() as i64;
    let found = user_version(conn).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if found > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    for (i, sql) in migrations.iter().enumerate().skip(found.max(0) as usize) {
        let version = i as i64 + 1;
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.commit()
        };
        run(conn).map_err(|source| StoreError::Migrate {
            path: path.to_path_buf(),
            version,
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_MIGRATIONS: &[&str] = &[
        "CREATE TABLE t (a INTEGER NOT NULL);",
        "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x';",
        "CREATE TABLE u (c INTEGER);",
    ];

    #[test]
    fn upgrades_from_an_older_version_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, &TEST_MIGRATIONS[..1]).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        conn.execute("INSERT INTO t (a) VALUES (7)", []).unwrap();
        drop(conn);

        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, TEST_MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 3);
        let (a, b): (i64, String) = conn
            .query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((a, b.as_str()), (7, "x"));
        // Running again is a no-op.
        migrate(&mut conn, &path, TEST_MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 3);
    }

    #[test]
    fn a_failing_migration_leaves_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        let broken = [TEST_MIGRATIONS[0], "CREATE TABLE v (x); THIS IS NOT SQL;"];
        let err = migrate(&mut conn, &path, &broken).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("schema version 2"), "{msg}");
        assert!(msg.contains("m.db"), "{msg}");
        assert_eq!(user_version(&conn).unwrap(), 1);
        let v_exists: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'v'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v_exists, 0, "the failed migration's statements were rolled back");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 9).unwrap();
        let err = migrate(&mut conn, &path, TEST_MIGRATIONS).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::TooNew {
                    found: 9,
                    supported: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("newer gstdash"), "{err}");
    }

    #[test]
    fn the_real_schema_applies_to_an_empty_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
    }
}
