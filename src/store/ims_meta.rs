//! What the IMS screen keeps besides records: the GSTR-3B filed state of periods, the
//! supplier directory (GSTIN → trade name, from GSTR-2B) and the record table's columns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, to_ms};
use crate::domain::ReturnPeriod;

const GSTR3B: &str = "gstr3b_status";
const SUPPLIERS: &str = "suppliers";
const COLUMNS: &str = "ims_columns";

impl Store {
    // ---- GSTR-3B filed state ----------------------------------------------------------

    /// Remembers whether GSTR-3B of `period` is filed, as GSTN last said.
    pub fn put_gstr3b_filed(
        &self,
        profile: &str,
        period: ReturnPeriod,
        filed: bool,
        checked_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO gstr3b_status (profile, period, filed, checked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (profile, period) DO UPDATE SET filed = excluded.filed, checked_at = excluded.checked_at",
                params![profile, period.wire(), filed as i64, to_ms(checked_at)],
            )
            .map_err(self.write_err(GSTR3B, "put_gstr3b_filed", profile))?;
        Ok(())
    }

    /// The last known filed state of `period` and when it was learnt.
    pub fn gstr3b_filed(
        &self,
        profile: &str,
        period: ReturnPeriod,
    ) -> Result<Option<(bool, DateTime<Utc>)>, StoreError> {
        const OP: &str = "gstr3b_filed";
        let row: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT filed, checked_at FROM gstr3b_status WHERE profile = ?1 AND period = ?2",
                params![profile, period.wire()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql_err(GSTR3B, OP))?;
        row.map(|(f, ms)| Ok((f != 0, self.time(ms, GSTR3B, OP)?))).transpose()
    }

    // ---- Supplier directory -----------------------------------------------------------

    /// Adds or renames suppliers (GSTIN → trade name); others are kept.
    pub fn put_suppliers(
        &mut self,
        profile: &str,
        names: &[(String, String)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "put_suppliers";
        let path = self.path.clone();
        let err = |source| StoreError::Sql {
            path: path.clone(),
            table: SUPPLIERS,
            op: OP,
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO suppliers (profile, ctin, trade_name, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (profile, ctin) DO UPDATE SET trade_name = excluded.trade_name,
                        updated_at = excluded.updated_at",
                )
                .map_err(err)?;
            for (ctin, name) in names {
                stmt.execute(params![
                    profile,
                    ctin.trim().to_ascii_uppercase(),
                    name.trim(),
                    to_ms(at)
                ])
                .map_err(|e| {
                    if super::error::is_foreign_key_violation(&e) {
                        StoreError::UnknownProfile {
                            path: path.clone(),
                            profile: profile.to_string(),
                            op: OP,
                        }
                    } else {
                        err(e)
                    }
                })?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Every known supplier of a profile: GSTIN → trade name.
    pub fn suppliers(&self, profile: &str) -> Result<HashMap<String, String>, StoreError> {
        let err = self.sql_err(SUPPLIERS, "suppliers");
        let mut stmt = self
            .conn
            .prepare_cached("SELECT ctin, trade_name FROM suppliers WHERE profile = ?1")
            .map_err(&err)?;
        let rows = stmt
            .query_map([profile], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(&err)?;
        rows.collect::<Result<HashMap<_, _>, _>>().map_err(&err)
    }

    // ---- Record-table columns ---------------------------------------------------------

    /// Saves the column arrangement (column keys in order, `-` before a hidden one).
    pub fn put_ims_columns(&self, profile: &str, columns: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO ims_columns (profile, columns, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (profile) DO UPDATE SET columns = excluded.columns, updated_at = excluded.updated_at",
                params![profile, columns, to_ms(at)],
            )
            .map_err(self.write_err(COLUMNS, "put_ims_columns", profile))?;
        Ok(())
    }

    pub fn ims_columns(&self, profile: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT columns FROM ims_columns WHERE profile = ?1", [profile], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sql_err(COLUMNS, "ims_columns"))
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::ReturnPeriod;
    use crate::store::Store;
    use crate::store::tests::{store_with_profile, t};

    #[test]
    fn gstr3b_state_round_trips_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let p = ReturnPeriod::new(2026, 1).unwrap();
        assert_eq!(s.gstr3b_filed("acme", p).unwrap(), None);
        s.put_gstr3b_filed("acme", p, false, t(1)).unwrap();
        s.put_gstr3b_filed("acme", p, true, t(2)).unwrap();
        assert_eq!(s.gstr3b_filed("acme", p).unwrap(), Some((true, t(2))));
        assert_eq!(s.gstr3b_filed("acme", p.next()).unwrap(), None);
        assert!(s.put_gstr3b_filed("nobody", p, true, t(3)).is_err());
    }

    #[test]
    fn suppliers_and_columns_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = store_with_profile(dir.path());
            s.put_suppliers(
                "acme",
                &[
                    ("27aaapl1234c1z5".into(), " Lotus Steel ".into()),
                    ("29AAACB2222D1ZQ".into(), "Bharat Paper".into()),
                ],
                t(1),
            )
            .unwrap();
            s.put_suppliers(
                "acme",
                &[("27AAAPL1234C1Z5".into(), "Lotus Steel Pvt Ltd".into())],
                t(2),
            )
            .unwrap();
            s.put_ims_columns("acme", "gstin,-sno,doc", t(3)).unwrap();
        }
        let s = Store::open_in(dir.path()).unwrap();
        let names = s.suppliers("acme").unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names["27AAAPL1234C1Z5"], "Lotus Steel Pvt Ltd");
        assert_eq!(names["29AAACB2222D1ZQ"], "Bharat Paper");
        assert!(s.suppliers("other").unwrap().is_empty());
        assert_eq!(s.ims_columns("acme").unwrap().as_deref(), Some("gstin,-sno,doc"));
        assert_eq!(s.ims_columns("other").unwrap(), None);
    }
}
