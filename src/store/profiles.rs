//! Profiles and their login tokens.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, to_ms};
use crate::secret::Secret;

/// A profile as the store remembers it: who the cached data and tokens belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProfile {
    pub name: String,
    pub gstin: String,
    pub username: String,
    pub base_url: String,
    pub updated_at: DateTime<Utc>,
}

/// What [`Store::upsert_profile`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileUpsert {
    Created,
    /// Same GSTIN, username and base URL: only `updated_at` moved.
    Unchanged,
    /// GSTIN, username or base URL changed: the profile's tokens and caches belonged to the
    /// old identity and were deleted.
    IdentityChanged,
}

/// Platform token from `/authenticate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPlatformToken {
    pub token: Secret,
    pub expires_at: DateTime<Utc>,
}

/// Taxpayer token from OTP verify or session refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTaxpayerSession {
    pub token: Secret,
    /// End of the current (6-hour) token.
    pub token_expiry: DateTime<Utc>,
    /// End of the whole session (portal API-access duration).
    pub session_expiry: DateTime<Utc>,
}

/// Tokens of one profile. `Debug` shows `[redacted]` for the token values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTokens {
    pub platform: Option<StoredPlatformToken>,
    pub taxpayer: Option<StoredTaxpayerSession>,
    pub updated_at: DateTime<Utc>,
}

const PROFILES: &str = "profiles";
const TOKENS: &str = "tokens";

impl Store {
    /// Inserts or updates a profile. When its GSTIN, username or base URL changes, its tokens
    /// and cached data are deleted in the same transaction (they belong to the old identity).
    pub fn upsert_profile(&self, p: &StoredProfile) -> Result<ProfileUpsert, StoreError> {
        const OP: &str = "upsert_profile";
        let err = self.sql_err(PROFILES, OP);
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        let old: Option<(String, String, String)> = tx
            .query_row(
                "SELECT gstin, username, base_url FROM profiles WHERE name = ?1",
                [&p.name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(&err)?;
        let outcome = match old {
            None => ProfileUpsert::Created,
            Some((g, u, b)) if g == p.gstin && u == p.username && b == p.base_url => ProfileUpsert::Unchanged,
            Some(_) => ProfileUpsert::IdentityChanged,
        };
        if outcome == ProfileUpsert::IdentityChanged {
            for table in ["tokens", "ims_counts", "ims_sections", "ledgers"] {
                tx.execute(&format!("DELETE FROM {table} WHERE profile = ?1"), [&p.name])
                    .map_err(&err)?;
            }
        }
        tx.execute(
            "INSERT INTO profiles (name, gstin, username, base_url, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET gstin = excluded.gstin, username = excluded.username,
                 base_url = excluded.base_url, updated_at = excluded.updated_at",
            params![p.name, p.gstin, p.username, p.base_url, to_ms(p.updated_at)],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(outcome)
    }

    pub fn get_profile(&self, name: &str) -> Result<Option<StoredProfile>, StoreError> {
        const OP: &str = "get_profile";
        let row = self
            .conn
            .query_row(
                "SELECT name, gstin, username, base_url, updated_at FROM profiles WHERE name = ?1",
                [name],
                profile_row,
            )
            .optional()
            .map_err(self.sql_err(PROFILES, OP))?;
        row.map(|r| self.profile_from(r, OP)).transpose()
    }

    /// All profiles, by name.
    pub fn list_profiles(&self) -> Result<Vec<StoredProfile>, StoreError> {
        const OP: &str = "list_profiles";
        let err = self.sql_err(PROFILES, OP);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, gstin, username, base_url, updated_at FROM profiles ORDER BY name")
            .map_err(&err)?;
        let rows = stmt.query_map([], profile_row).map_err(&err)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(self.profile_from(r.map_err(&err)?, OP)?);
        }
        Ok(out)
    }

    fn profile_from(&self, r: ProfileRow, op: &'static str) -> Result<StoredProfile, StoreError> {
        let (name, gstin, username, base_url, ms) = r;
        let updated_at = self.time(ms, PROFILES, op)?;
        Ok(StoredProfile {
            name,
            gstin,
            username,
            base_url,
            updated_at,
        })
    }

    /// Saves the platform token, keeping any taxpayer session.
    pub fn save_platform_token(
        &self,
        profile: &str,
        token: &Secret,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO tokens (profile, platform_token, platform_expiry, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (profile) DO UPDATE SET platform_token = excluded.platform_token,
                     platform_expiry = excluded.platform_expiry, updated_at = excluded.updated_at",
                params![profile, token.expose(), to_ms(expires_at), to_ms(now)],
            )
            .map_err(self.write_err(TOKENS, "save_platform_token", profile))?;
        Ok(())
    }

    /// Saves the taxpayer token (after OTP verify or a session refresh), keeping the platform
    /// token.
    pub fn save_taxpayer_session(
        &self,
        profile: &str,
        token: &Secret,
        token_expiry: DateTime<Utc>,
        session_expiry: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO tokens (profile, taxpayer_token, taxpayer_token_expiry, taxpayer_session_expiry, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (profile) DO UPDATE SET taxpayer_token = excluded.taxpayer_token,
                     taxpayer_token_expiry = excluded.taxpayer_token_expiry,
                     taxpayer_session_expiry = excluded.taxpayer_session_expiry, updated_at = excluded.updated_at",
                params![profile, token.expose(), to_ms(token_expiry), to_ms(session_expiry), to_ms(now)],
            )
            .map_err(self.write_err(TOKENS, "save_taxpayer_session", profile))?;
        Ok(())
    }

    /// The profile's tokens; `None` when it has none at all.
    pub fn load_tokens(&self, profile: &str) -> Result<Option<StoredTokens>, StoreError> {
        const OP: &str = "load_tokens";
        type Row = (
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT platform_token, platform_expiry, taxpayer_token, taxpayer_token_expiry,
                        taxpayer_session_expiry, updated_at
                 FROM tokens WHERE profile = ?1",
                [profile],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()
            .map_err(self.sql_err(TOKENS, OP))?;
        let Some((ptok, pexp, ttok, texp, sexp, updated)) = row else {
            return Ok(None);
        };
        let platform = match (ptok, pexp) {
            (Some(t), Some(e)) => Some(StoredPlatformToken {
                token: Secret::new(t),
                expires_at: self.time(e, TOKENS, OP)?,
            }),
            _ => None,
        };
        let taxpayer = match (ttok, texp, sexp) {
            (Some(t), Some(te), Some(se)) => Some(StoredTaxpayerSession {
                token: Secret::new(t),
                token_expiry: self.time(te, TOKENS, OP)?,
                session_expiry: self.time(se, TOKENS, OP)?,
            }),
            _ => None,
        };
        if platform.is_none() && taxpayer.is_none() {
            return Ok(None);
        }
        Ok(Some(StoredTokens {
            platform,
            taxpayer,
            updated_at: self.time(updated, TOKENS, OP)?,
        }))
    }

    /// Forgets both tokens of the profile.
    pub fn clear_tokens(&self, profile: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM tokens WHERE profile = ?1", [profile])
            .map_err(self.sql_err(TOKENS, "clear_tokens"))?;
        Ok(())
    }

    /// Forgets the taxpayer session only (after logout or when GSTN says it is invalid),
    /// keeping the platform token.
    pub fn clear_taxpayer_session(&self, profile: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE tokens SET taxpayer_token = NULL, taxpayer_token_expiry = NULL,
                     taxpayer_session_expiry = NULL WHERE profile = ?1",
                [profile],
            )
            .map_err(self.sql_err(TOKENS, "clear_taxpayer_session"))?;
        Ok(())
    }
}

type ProfileRow = (String, String, String, String, i64);

fn profile_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProfileRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{store_with_profile, t};

    #[test]
    fn profiles_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let p = s.get_profile("acme").unwrap().unwrap();
        assert_eq!(p.gstin, "27AAPFU0939F1ZV");
        assert_eq!(p.updated_at, t(0));
        assert_eq!(s.get_profile("nope").unwrap(), None);

        let beta = StoredProfile {
            name: "beta".into(),
            updated_at: t(5),
            ..p.clone()
        };
        assert_eq!(s.upsert_profile(&beta).unwrap(), ProfileUpsert::Created);
        let again = StoredProfile {
            updated_at: t(9),
            ..p.clone()
        };
        assert_eq!(s.upsert_profile(&again).unwrap(), ProfileUpsert::Unchanged);
        let names: Vec<_> = s
            .list_profiles()
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.updated_at))
            .collect();
        assert_eq!(names, vec![("acme".to_string(), t(9)), ("beta".to_string(), t(5))]);
    }

    #[test]
    fn tokens_round_trip_and_stay_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        assert_eq!(s.load_tokens("acme").unwrap(), None);

        s.save_platform_token("acme", &Secret::new("plat_tok_123"), t(86_400), t(1))
            .unwrap();
        let tk = s.load_tokens("acme").unwrap().unwrap();
        assert_eq!(tk.platform.as_ref().unwrap().token.expose(), "plat_tok_123");
        assert_eq!(tk.platform.as_ref().unwrap().expires_at, t(86_400));
        assert!(tk.taxpayer.is_none());

        s.save_taxpayer_session("acme", &Secret::new("tp_tok_456"), t(21_600), t(2_592_000), t(2))
            .unwrap();
        let tk = s.load_tokens("acme").unwrap().unwrap();
        assert_eq!(
            tk.platform.as_ref().unwrap().token.expose(),
            "plat_tok_123",
            "platform token kept"
        );
        let tp = tk.taxpayer.as_ref().unwrap();
        assert_eq!(
            (tp.token.expose(), tp.token_expiry, tp.session_expiry),
            ("tp_tok_456", t(21_600), t(2_592_000))
        );
        assert_eq!(tk.updated_at, t(2));
        let dbg = format!("{tk:?}");
        assert!(!dbg.contains("plat_tok_123") && !dbg.contains("tp_tok_456"), "{dbg}");

        // A refresh replaces the taxpayer token; the platform token stays.
        s.save_platform_token("acme", &Secret::new("plat_tok_789"), t(90_000), t(3))
            .unwrap();
        let tk = s.load_tokens("acme").unwrap().unwrap();
        assert_eq!(tk.platform.unwrap().token.expose(), "plat_tok_789");
        assert_eq!(tk.taxpayer.unwrap().token.expose(), "tp_tok_456");

        s.clear_taxpayer_session("acme").unwrap();
        let tk = s.load_tokens("acme").unwrap().unwrap();
        assert!(tk.taxpayer.is_none() && tk.platform.is_some());

        s.clear_tokens("acme").unwrap();
        assert_eq!(s.load_tokens("acme").unwrap(), None);
    }

    #[test]
    fn tokens_need_a_saved_profile() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let err = s
            .save_platform_token("ghost", &Secret::new("x_secret_x"), t(1), t(0))
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::UnknownProfile { .. }), "{err:?}");
        assert!(
            msg.contains("ghost") && msg.contains("save_platform_token") && !msg.contains("x_secret_x"),
            "{msg}"
        );
    }

    #[test]
    fn a_new_identity_drops_old_tokens_and_caches() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        s.save_platform_token("acme", &Secret::new("tok"), t(1), t(0)).unwrap();
        s.put_ledger(
            "acme",
            crate::store::LedgerKind::Balance,
            "042024",
            &serde_json::json!({"a": 1}),
            t(0),
        )
        .unwrap();
        let mut p = s.get_profile("acme").unwrap().unwrap();
        p.gstin = "24AAACQ3770E1ZP".into();
        assert_eq!(s.upsert_profile(&p).unwrap(), ProfileUpsert::IdentityChanged);
        assert_eq!(s.load_tokens("acme").unwrap(), None);
        let l: Option<(serde_json::Value, _)> = s
            .get_ledger("acme", crate::store::LedgerKind::Balance, "042024")
            .unwrap();
        assert!(l.is_none());
        assert_eq!(s.get_profile("acme").unwrap().unwrap().gstin, "24AAACQ3770E1ZP");
    }
}
