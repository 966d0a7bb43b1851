//! Errors of the SQLite store. Every variant names the database file, and the table and
//! operation where one is involved, so a message on its own tells the user where to look.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

/// What to tell a user whose cache database cannot be used.
pub const RECOVERY_HINT: &str = "the file only holds cached data and login tokens: delete it to start a fresh cache, \
or pass --data-dir (or set GSTDASH_DATA_DIR) to use another directory";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },

    #[error("cannot create the cache database {}: {source}; pass --data-dir (or set GSTDASH_DATA_DIR) to use another directory", path.display())]
    CreateFile { path: PathBuf, source: io::Error },

    #[error("cannot open the cache database {}: {source}; {RECOVERY_HINT}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },

    #[error("SQLite refused WAL journal mode for {} (it stays {mode:?}); {RECOVERY_HINT}", path.display())]
    NoWal { path: PathBuf, mode: String },

    #[error(
        "the cache database {} has schema version {found}, but this gstdash only knows versions up to {supported} \
(it was written by a newer gstdash); upgrade gstdash, or pass --data-dir (or set GSTDASH_DATA_DIR) to use a separate cache",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },

    #[error("cannot upgrade the cache database {} to schema version {version}: {source}; {RECOVERY_HINT}", path.display())]
    Migrate {
        path: PathBuf,
        version: i64,
        source: rusqlite::Error,
    },

    #[error("{op} on table {table} of {} failed: {source}{}", path.display(), damage_hint(source))]
    Sql {
        path: PathBuf,
        table: &'static str,
        op: &'static str,
        source: rusqlite::Error,
    },

    #[error("{op}: profile {profile:?} is not in the cache database {} (save it with upsert_profile first)", path.display())]
    UnknownProfile {
        path: PathBuf,
        profile: String,
        op: &'static str,
    },

    #[error("{op}: unreadable row in table {table} of {}: {detail}; {RECOVERY_HINT}", path.display())]
    Decode {
        path: PathBuf,
        table: &'static str,
        op: &'static str,
        detail: String,
    },

    #[error("{op}: cannot encode a value for table {table} of {}: {detail}", path.display())]
    Encode {
        path: PathBuf,
        table: &'static str,
        op: &'static str,
        detail: String,
    },
}

/// Extra advice when SQLite says the file itself is damaged.
fn damage_hint(e: &rusqlite::Error) -> String {
    if is_damage(e) {
        format!("; {RECOVERY_HINT}")
    } else {
        String::new()
    }
}

pub(crate) fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

pub(crate) fn is_foreign_key_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}
