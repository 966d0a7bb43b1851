//! The change list of each section's last pull (`sync::changes`), one JSON document per
//! section: it is written and read whole, never queried by field.

use std::collections::HashMap;

use rusqlite::params;

use super::{Store, StoreError, to_ms};
use crate::domain::{ImsRecord, RecordKey, Section};
use crate::sync::changes::SectionChanges;

const CHANGES: &str = "pull_changes";
const RECORDS: &str = "ims_records";

impl Store {
    /// Replaces the change list of `changes.section`.
    pub fn put_pull_changes(&self, profile: &str, changes: &SectionChanges) -> Result<(), StoreError> {
        const OP: &str = "put_pull_changes";
        let json = serde_json::to_string(changes).map_err(|e| self.encode_err(CHANGES, OP, e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO pull_changes (profile, section, pulled_at, changes) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (profile, section) DO UPDATE SET pulled_at = excluded.pulled_at, changes = excluded.changes",
                params![profile, changes.section.key(), to_ms(changes.pulled_at), json],
            )
            .map_err(self.write_err(CHANGES, OP, profile))?;
        Ok(())
    }

    /// The change list of every section's last pull, by section.
    pub fn pull_changes(&self, profile: &str) -> Result<Vec<SectionChanges>, StoreError> {
        const OP: &str = "pull_changes";
        let err = self.sql_err(CHANGES, OP);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT section, changes FROM pull_changes WHERE profile = ?1 ORDER BY section")
            .map_err(&err)?;
        let rows: Vec<(String, String)> = stmt
            .query_map([profile], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        let mut out = Vec::with_capacity(rows.len());
        for (section, json) in rows {
            let c: SectionChanges = serde_json::from_str(&json)
                .map_err(|e| self.decode_err(CHANGES, OP, format!("changes of {section}: {e}")))?;
            out.push(c);
        }
        out.sort_by_key(|c| c.section);
        Ok(out)
    }

    /// The cached records of these keys (a pull decodes only the ones that differ).
    pub fn records_by_keys(
        &self,
        profile: &str,
        section: Section,
        keys: &[RecordKey],
    ) -> Result<HashMap<RecordKey, ImsRecord>, StoreError> {
        const OP: &str = "records_by_keys";
        let err = self.sql_err(RECORDS, OP);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT record FROM ims_records INDEXED BY ims_records_by_key
                 WHERE profile = ?1 AND section = ?2 AND stin = ?3 AND doc_num = ?4 AND doc_date = ?5",
            )
            .map_err(&err)?;
        let mut out = HashMap::with_capacity(keys.len());
        for k in keys {
            let json: Option<String> = stmt
                .query_map(params![profile, section.key(), k.stin, k.doc_num, k.doc_date], |r| {
                    r.get(0)
                })
                .map_err(&err)?
                .next()
                .transpose()
                .map_err(&err)?;
            if let Some(json) = json {
                let rec = serde_json::from_str(&json).map_err(|e| self.decode_err(RECORDS, OP, format!("{k}: {e}")))?;
                out.insert(k.clone(), rec);
            }
        }
        Ok(out)
    }
}
