//! The SQLite store: profiles, login tokens, and caches of IMS counts, IMS records and
//! ledgers, in one file (`<data dir>/gstdash.db`).
//!
//! - The file is created with mode 0600 before SQLite writes anything (it holds tokens), in a
//!   directory created with mode 0700; SQLite gives its `-wal`/`-shm` files the same mode.
//! - WAL journal, `busy_timeout`, foreign keys on. Everything hangs off a profile row: save
//!   the profile with [`Store::upsert_profile`] before its tokens or caches.
//! - Schema changes go through [`migrate`] (`PRAGMA user_version`); a file from a newer
//!   gstdash is refused rather than guessed at.
//! - Timestamps are stored as INTEGER epoch milliseconds (UTC) in every table.
//! - Nothing here logs or prints token values: they come back as [`Secret`](crate::secret::Secret).
//!
//! Methods take `&self`; a `Store` is one connection (Send, not Sync): give each thread its
//! own `Store::open` of the same file, or wrap it in a mutex.

mod cache;
mod changes;
mod error;
mod export_returns;
mod ims_meta;
mod migrate;
mod outbox;
mod profiles;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use cache::LedgerKind;
pub use error::{RECOVERY_HINT, StoreError};
pub use export_returns::CachedReturns;
pub use outbox::{JournalEntry, OutboxRow, OutboxState, SendKind, SendRow, StageReport, apply_to_record, outcome_text};
pub use profiles::{ProfileUpsert, StoredPlatformToken, StoredProfile, StoredTaxpayerSession, StoredTokens};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "gstdash.db";

/// How long a statement waits for another process holding the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `data_dir/gstdash.db`.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open(&data_dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        create_private_file(&path).map_err(|source| StoreError::CreateFile {
            path: path.clone(),
            source,
        })?;

        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // The first statement that reads the file: a damaged or foreign file fails here.
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal { path, mode });
        }
        conn.pragma_update(None, "foreign_keys", true).map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        migrate::migrate(&mut conn, &path, migrate::MIGRATIONS)?;
        Ok(Store { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        migrate::latest()
    }

    fn sql_err(&self, table: &'static str, op: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sql {
            path: self.path.clone(),
            table,
            op,
            source,
        }
    }

    /// Like [`Store::sql_err`], but a foreign-key failure means the profile row is missing.
    fn write_err<'a>(
        &'a self,
        table: &'static str,
        op: &'static str,
        profile: &'a str,
    ) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
        move |source| {
            if error::is_foreign_key_violation(&source) {
                StoreError::UnknownProfile {
                    path: self.path.clone(),
                    profile: profile.to_string(),
                    op,
                }
            } else {
                StoreError::Sql {
                    path: self.path.clone(),
                    table,
                    op,
                    source,
                }
            }
        }
    }

    fn decode_err(&self, table: &'static str, op: &'static str, detail: impl Into<String>) -> StoreError {
        StoreError::Decode {
            path: self.path.clone(),
            table,
            op,
            detail: detail.into(),
        }
    }

    fn encode_err(&self, table: &'static str, op: &'static str, detail: impl Into<String>) -> StoreError {
        StoreError::Encode {
            path: self.path.clone(),
            table,
            op,
            detail: detail.into(),
        }
    }

    fn time(&self, ms: i64, table: &'static str, op: &'static str) -> Result<DateTime<Utc>, StoreError> {
        from_ms(ms).ok_or_else(|| self.decode_err(table, op, format!("timestamp {ms} ms is out of range")))
    }
}

fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Creates the file with mode 0600 if missing (never truncating), and tightens the mode of an
/// existing one.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    let perms = file.metadata()?.permissions();
    if perms.mode() & 0o777 != 0o600 {
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map(drop)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_760_000_000 + secs, 0).unwrap()
    }

    pub(crate) fn store_with_profile(dir: &Path) -> Store {
        let s = Store::open_in(dir).unwrap();
        s.upsert_profile(&StoredProfile {
            name: "acme".into(),
            gstin: "27AAPFU0939F1ZV".into(),
            username: "acme.traders".into(),
            base_url: "https://api.sandbox.co.in".into(),
            updated_at: t(0),
        })
        .unwrap();
        s
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_dirs_and_file_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a").join("b");
        let s = store_with_profile(&data);
        assert_eq!(s.path(), data.join(DB_FILE));
        let journal: String = s.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(journal, "wal");
        let fk: i64 = s.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        #[cfg(unix)]
        {
            assert_eq!(mode(&data.join(DB_FILE)), 0o600);
            assert_eq!(
                mode(&data.join(format!("{DB_FILE}-wal"))),
                0o600,
                "WAL file follows the db's mode"
            );
            assert_eq!(mode(&data), 0o700);
            assert_eq!(mode(&dir.path().join("a")), 0o700);
        }
    }

    #[cfg(unix)]
    #[test]
    fn tightens_an_existing_world_readable_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        fs::write(&path, b"").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        Store::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn store_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Store>();
    }

    #[test]
    fn reopening_keeps_data_and_version() {
        let dir = tempfile::tempdir().unwrap();
        drop(store_with_profile(dir.path()));
        let s = Store::open_in(dir.path()).unwrap();
        assert_eq!(s.list_profiles().unwrap().len(), 1);
        assert_eq!(migrate::user_version(&s.conn).unwrap(), Store::schema_version());
    }

    #[test]
    fn a_database_at_an_older_version_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        // An empty database (version 0) and one at every version this build knows.
        for n in 0..=migrate::MIGRATIONS.len() {
            let p = dir.path().join(format!("v{n}.db"));
            let mut c = Connection::open(&p).unwrap();
            migrate::migrate(&mut c, &p, &migrate::MIGRATIONS[..n]).unwrap();
            drop(c);
            let s = Store::open(&p).unwrap();
            assert_eq!(
                migrate::user_version(&s.conn).unwrap(),
                Store::schema_version(),
                "from v{n}"
            );
            assert!(s.list_profiles().unwrap().is_empty());
        }
    }

    #[test]
    fn a_database_from_a_newer_gstdash_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(Store::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", Store::schema_version() + 1)
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
        assert!(
            msg.contains("newer gstdash") && msg.contains(DB_FILE) && msg.contains("--data-dir"),
            "{msg}"
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        fs::write(
            &path,
            b"this is not an sqlite database, just some text that is long enough......".repeat(64),
        )
        .unwrap();
        let err = Store::open(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("--data-dir") && msg.contains("delete"), "{msg}");
    }

    #[test]
    fn a_directory_in_place_of_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(DB_FILE)).unwrap();
        let err = Store::open_in(dir.path()).unwrap_err();
        assert!(err.to_string().contains(DB_FILE), "{err}");
    }
}
