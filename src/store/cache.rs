//! Caches of API data: IMS counts, IMS records per section, ledgers.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Store, StoreError, to_ms};
use crate::api::wire::CountGroup;
use crate::domain::{GoodsType, ImsRecord, Section};

const COUNTS: &str = "ims_counts";
const SECTIONS: &str = "ims_sections";
const RECORDS: &str = "ims_records";
const LEDGERS: &str = "ledgers";

/// Which ledger a cached ledger entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerKind {
    /// Cash/ITC balance for a month (key `MMYYYY`).
    Balance,
    /// Electronic cash ledger for a date range (key `DD/MM/YYYY-DD/MM/YYYY`).
    Cash,
    /// Electronic credit ledger for a date range.
    Itc,
    /// Return liability ledger (key per month or range).
    Tax,
}

impl LedgerKind {
    pub const ALL: [LedgerKind; 4] = [LedgerKind::Balance, LedgerKind::Cash, LedgerKind::Itc, LedgerKind::Tax];

    /// Stored value, also the last path segment of the API: `bal`, `cash`, `itc`, `tax`.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Balance => "bal",
            LedgerKind::Cash => "cash",
            LedgerKind::Itc => "itc",
            LedgerKind::Tax => "tax",
        }
    }
    pub fn parse(s: &str) -> Option<LedgerKind> {
        LedgerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for LedgerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Store {
    // ---- IMS counts ------------------------------------------------------------------

    pub fn put_counts(
        &self,
        profile: &str,
        goods: GoodsType,
        counts: &CountGroup,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // `to_value` is the wire shape, which `CountGroup`'s Deserialize reads back.
        let json = counts.to_value().to_string();
        self.conn
            .execute(
                "INSERT INTO ims_counts (profile, goods, counts, fetched_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (profile, goods) DO UPDATE SET counts = excluded.counts, fetched_at = excluded.fetched_at",
                params![profile, goods.query(), json, to_ms(fetched_at)],
            )
            .map_err(self.write_err(COUNTS, "put_counts", profile))?;
        Ok(())
    }

    pub fn get_counts(
        &self,
        profile: &str,
        goods: GoodsType,
    ) -> Result<Option<(CountGroup, DateTime<Utc>)>, StoreError> {
        const OP: &str = "get_counts";
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT counts, fetched_at FROM ims_counts WHERE profile = ?1 AND goods = ?2",
                params![profile, goods.query()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql_err(COUNTS, OP))?;
        let Some((json, ms)) = row else {
            return Ok(None);
        };
        let group = serde_json::from_str(&json).map_err(|e| self.decode_err(COUNTS, OP, e.to_string()))?;
        Ok(Some((group, self.time(ms, COUNTS, OP)?)))
    }

    // ---- IMS records -----------------------------------------------------------------

    /// Replaces everything cached for `(profile, section)` with `records`, in one transaction.
    /// Every record is kept, in the given order: ones that fail our checks (bad GSTIN, odd
    /// date) and duplicates of the same key alike.
    pub fn replace_section(
        &self,
        profile: &str,
        section: Section,
        records: &[ImsRecord],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "replace_section";
        let at = to_ms(fetched_at);
        let tx = self.conn.unchecked_transaction().map_err(self.sql_err(RECORDS, OP))?;
        tx.execute(
            "INSERT INTO ims_sections (profile, section, records, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (profile, section) DO UPDATE SET records = excluded.records, fetched_at = excluded.fetched_at",
            params![profile, section.key(), records.len() as i64, at],
        )
        .map_err(self.write_err(SECTIONS, OP, profile))?;
        tx.execute(
            "DELETE FROM ims_records WHERE profile = ?1 AND section = ?2",
            params![profile, section.key()],
        )
        .map_err(self.sql_err(RECORDS, OP))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO ims_records
                        (profile, section, seq, stin, doc_num, doc_date, rtnprd, action, record, fetched_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(self.sql_err(RECORDS, OP))?;
            let mut json = Vec::with_capacity(1024);
            for (seq, rec) in records.iter().enumerate() {
                json.clear();
                serde_json::to_writer(&mut json, rec)
                    .map_err(|e| self.encode_err(RECORDS, OP, format!("record {}: {e}", seq + 1)))?;
                let json = std::str::from_utf8(&json).expect("serde_json writes UTF-8");
                let key = rec.key(section);
                stmt.execute(params![
                    profile,
                    section.key(),
                    seq as i64,
                    key.stin,
                    key.doc_num,
                    key.doc_date,
                    rec.rtnprd.trim(),
                    rec.action.code(),
                    json,
                    at
                ])
                .map_err(self.sql_err(RECORDS, OP))?;
            }
        }
        tx.commit().map_err(self.sql_err(RECORDS, OP))
    }

    /// The cached records of `(profile, section)` in the order they were fetched; empty when
    /// nothing is cached (see [`Store::section_fetched_at`] to tell "empty" from "never").
    pub fn load_section(&self, profile: &str, section: Section) -> Result<Vec<ImsRecord>, StoreError> {
        const OP: &str = "load_section";
        let err = self.sql_err(RECORDS, OP);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, record FROM ims_records WHERE profile = ?1 AND section = ?2 ORDER BY seq")
            .map_err(&err)?;
        let mut rows = stmt.query(params![profile, section.key()]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(&err)? {
            let seq: i64 = row.get(0).map_err(&err)?;
            let json = row
                .get_ref(1)
                .map_err(&err)?
                .as_str()
                .map_err(|e| self.decode_err(RECORDS, OP, e.to_string()))?;
            let rec = serde_json::from_str(json).map_err(|e| {
                self.decode_err(
                    RECORDS,
                    OP,
                    format!("{} record at position {}: {e}", section.key(), seq + 1),
                )
            })?;
            out.push(rec);
        }
        Ok(out)
    }

    /// Key → (action code, hash) of every cached record of a section: what a pull compares
    /// against to say what changed, without decoding whole records.
    pub fn section_index(
        &self,
        profile: &str,
        section: Section,
    ) -> Result<std::collections::HashMap<crate::domain::RecordKey, (String, String)>, StoreError> {
        const OP: &str = "section_index";
        let err = self.sql_err(RECORDS, OP);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT stin, doc_num, doc_date, action, coalesce(json_extract(record, '$.hash'), '')
                 FROM ims_records WHERE profile = ?1 AND section = ?2",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![profile, section.key()], |r| {
                Ok((
                    crate::domain::RecordKey {
                        section,
                        stin: r.get(0)?,
                        doc_num: r.get(1)?,
                        doc_date: r.get(2)?,
                    },
                    (r.get(3)?, r.get(4)?),
                ))
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// When `(profile, section)` was last replaced; `None` if never.
    pub fn section_fetched_at(&self, profile: &str, section: Section) -> Result<Option<DateTime<Utc>>, StoreError> {
        const OP: &str = "section_fetched_at";
        let ms: Option<i64> = self
            .conn
            .query_row(
                "SELECT fetched_at FROM ims_sections WHERE profile = ?1 AND section = ?2",
                params![profile, section.key()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err(SECTIONS, OP))?;
        ms.map(|ms| self.time(ms, SECTIONS, OP)).transpose()
    }

    // ---- Ledgers ---------------------------------------------------------------------

    /// Caches a ledger response under `(profile, kind, key)`, e.g. key `042024` for a month or
    /// `01/04/2024-30/06/2024` for a range.
    pub fn put_ledger<T: Serialize>(
        &self,
        profile: &str,
        kind: LedgerKind,
        key: &str,
        value: &T,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "put_ledger";
        let json = serde_json::to_string(value).map_err(|e| self.encode_err(LEDGERS, OP, e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO ledgers (profile, kind, key, data, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (profile, kind, key) DO UPDATE SET data = excluded.data, fetched_at = excluded.fetched_at",
                params![profile, kind.as_str(), key, json, to_ms(fetched_at)],
            )
            .map_err(self.write_err(LEDGERS, OP, profile))?;
        Ok(())
    }

    pub fn get_ledger<T: DeserializeOwned>(
        &self,
        profile: &str,
        kind: LedgerKind,
        key: &str,
    ) -> Result<Option<(T, DateTime<Utc>)>, StoreError> {
        const OP: &str = "get_ledger";
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT data, fetched_at FROM ledgers WHERE profile = ?1 AND kind = ?2 AND key = ?3",
                params![profile, kind.as_str(), key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql_err(LEDGERS, OP))?;
        let Some((json, ms)) = row else {
            return Ok(None);
        };
        let value = serde_json::from_str(&json)
            .map_err(|e| self.decode_err(LEDGERS, OP, format!("{kind} ledger {key:?}: {e}")))?;
        Ok(Some((value, self.time(ms, LEDGERS, OP)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Action;
    use crate::domain::ledger::CashItcBalance;
    use crate::store::tests::{store_with_profile, t};

    fn rec(i: usize) -> ImsRecord {
        // Text, not `json!`: the amounts must keep their exact digits (`1180.50`).
        serde_json::from_str(&format!(
            r#"{{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","inum":"inv/{i:06}","idt":"05-10-2025",
            "inv_typ":"R","action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h{i}",
            "val":1180.50,"txval":1000.5,"iamt":0,"camt":90.00,"samt":90,"cess":0}}"#
        ))
        .unwrap()
    }

    #[test]
    fn counts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        assert!(s.get_counts("acme", GoodsType::Others).unwrap().is_none());
        let g: CountGroup = serde_json::from_value(serde_json::json!({
            "ttl_cnt": 12,
            "b2b": {"accept": 1, "noaction": 5, "pending": 2, "reject": 1},
            "b2bcn": {"accept": 0, "noaction": 3, "pending": 0, "reject": 0},
            "future_sec": {"accept": 0, "noaction": 0, "pending": 0, "reject": 0}
        }))
        .unwrap();
        s.put_counts("acme", GoodsType::Others, &g, t(10)).unwrap();
        let (back, at) = s.get_counts("acme", GoodsType::Others).unwrap().unwrap();
        assert_eq!(back, g);
        assert_eq!(at, t(10));
        assert!(s.get_counts("acme", GoodsType::Isd).unwrap().is_none());
        // Overwrite.
        s.put_counts("acme", GoodsType::Others, &CountGroup::default(), t(11))
            .unwrap();
        assert_eq!(
            s.get_counts("acme", GoodsType::Others).unwrap().unwrap(),
            (CountGroup::default(), t(11))
        );
    }

    #[test]
    fn caches_need_a_saved_profile() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let e = s
            .put_counts("ghost", GoodsType::Others, &CountGroup::default(), t(0))
            .unwrap_err();
        assert!(matches!(e, StoreError::UnknownProfile { .. }), "{e:?}");
        let e = s.replace_section("ghost", Section::B2b, &[rec(1)], t(0)).unwrap_err();
        assert!(matches!(e, StoreError::UnknownProfile { .. }), "{e:?}");
        let e = s.put_ledger("ghost", LedgerKind::Cash, "k", &1, t(0)).unwrap_err();
        assert!(
            e.to_string().contains("ghost") && e.to_string().contains("put_ledger"),
            "{e}"
        );
    }

    #[test]
    fn records_round_trip_exactly_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        assert_eq!(s.section_fetched_at("acme", Section::B2b).unwrap(), None);
        let recs: Vec<_> = (0..50).rev().map(rec).collect();
        s.replace_section("acme", Section::B2b, &recs, t(100)).unwrap();
        assert_eq!(s.load_section("acme", Section::B2b).unwrap(), recs);
        assert_eq!(s.section_fetched_at("acme", Section::B2b).unwrap(), Some(t(100)));
        // Exact amounts survive (GSTN matches on them when saving).
        let json = serde_json::to_string(&s.load_section("acme", Section::B2b).unwrap()[0]).unwrap();
        assert!(
            json.contains("\"val\":1180.50") && json.contains("\"camt\":90.00"),
            "{json}"
        );
        // Other sections and profiles are separate.
        assert!(s.load_section("acme", Section::B2bCn).unwrap().is_empty());
        assert!(s.load_section("other", Section::B2b).unwrap().is_empty());
    }

    #[test]
    fn replace_section_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        s.replace_section("acme", Section::B2b, &(0..10).map(rec).collect::<Vec<_>>(), t(1))
            .unwrap();
        s.replace_section("acme", Section::B2bCn, &[rec(99)], t(1)).unwrap();
        let newer = vec![rec(7), rec(20)];
        s.replace_section("acme", Section::B2b, &newer, t(2)).unwrap();
        assert_eq!(s.load_section("acme", Section::B2b).unwrap(), newer);
        let rows: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM ims_records WHERE profile = 'acme' AND section = 'b2b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 2, "old rows are gone");
        assert_eq!(s.section_fetched_at("acme", Section::B2b).unwrap(), Some(t(2)));
        assert_eq!(
            s.load_section("acme", Section::B2bCn).unwrap(),
            vec![rec(99)],
            "other section untouched"
        );
        // An empty fetch empties the section but is remembered as fetched.
        s.replace_section("acme", Section::B2b, &[], t(3)).unwrap();
        assert!(s.load_section("acme", Section::B2b).unwrap().is_empty());
        assert_eq!(s.section_fetched_at("acme", Section::B2b).unwrap(), Some(t(3)));
    }

    #[test]
    fn odd_records_and_duplicates_survive_with_normalised_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let mut bad = rec(1);
        bad.stin = " 24abccu0123m1yz ".into(); // fails the check digit, lower case, blanks
        bad.inum = Some("a/1".into());
        bad.idt = Some("31-02-2024".into());
        bad.action = Action::Other("X".into());
        let mut note = rec(2);
        note.inum = None;
        note.idt = None;
        note.nt_num = Some("cn-9".into());
        note.nt_dt = Some("2024/10/01".into());
        let dup = rec(3);
        let mut dup2 = rec(3);
        dup2.hash = "different".into();
        let recs = vec![bad.clone(), dup.clone(), note.clone(), dup2.clone()];
        assert!(!bad.flags().is_empty());
        s.replace_section("acme", Section::B2bCn, &recs, t(0)).unwrap();
        assert_eq!(s.load_section("acme", Section::B2bCn).unwrap(), recs);

        let mut stmt = s
            .conn
            .prepare("SELECT stin, doc_num, doc_date, action FROM ims_records WHERE section = 'b2bcn' ORDER BY seq")
            .unwrap();
        let cols: Vec<(String, String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            cols[0],
            ("24ABCCU0123M1YZ".into(), "A/1".into(), "31-02-2024".into(), "X".into())
        );
        assert_eq!(cols[1].1, "INV/000003");
        assert_eq!(
            cols[2],
            ("27AAPFU0939F1ZV".into(), "CN-9".into(), "2024/10/01".into(), "N".into())
        );
        assert_eq!(cols[1], cols[3], "duplicate keys are both kept");
    }

    #[test]
    fn ten_thousand_records() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let recs: Vec<_> = (0..10_000).map(rec).collect();
        s.replace_section("acme", Section::B2b, &recs, t(0)).unwrap();
        let back = s.load_section("acme", Section::B2b).unwrap();
        assert_eq!(back.len(), 10_000);
        assert_eq!(back[9_999], recs[9_999]);
        s.replace_section("acme", Section::B2b, &recs[..10], t(1)).unwrap();
        assert_eq!(s.load_section("acme", Section::B2b).unwrap().len(), 10);
    }

    /// Volume check: `cargo test --release --lib store::cache::tests::hundred_thousand -- --ignored`.
    #[test]
    #[ignore = "volume check; run in release"]
    fn hundred_thousand_records_in_release() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let recs: Vec<_> = (0..100_000).map(rec).collect();
        let start = std::time::Instant::now();
        s.replace_section("acme", Section::B2b, &recs, t(0)).unwrap();
        let write = start.elapsed();
        let start = std::time::Instant::now();
        let back = s.load_section("acme", Section::B2b).unwrap();
        let read = start.elapsed();
        eprintln!("100k records: write {write:?}, read {read:?}");
        assert_eq!(back.len(), 100_000);
        assert!(write.as_secs_f64() < 2.0, "write took {write:?}");
    }

    #[test]
    fn ledgers_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let bal: CashItcBalance = serde_json::from_str(
            r#"{"gstin": "27AAPFU0939F1ZV", "itc_bal": {"igst_bal": 100.50, "cgst_bal": 0, "sgst_bal": 0, "cess_bal": 0}}"#,
        )
        .unwrap();
        assert_eq!(bal.itc_bal.igst_bal.to_string(), "100.50");
        s.put_ledger("acme", LedgerKind::Balance, "042024", &bal, t(5)).unwrap();
        let (back, at): (CashItcBalance, _) = s.get_ledger("acme", LedgerKind::Balance, "042024").unwrap().unwrap();
        assert_eq!((back, at), (bal, t(5)));
        let none: Option<(CashItcBalance, _)> = s.get_ledger("acme", LedgerKind::Cash, "042024").unwrap();
        assert!(none.is_none());

        let range = "01/04/2024-30/06/2024";
        s.put_ledger(
            "acme",
            LedgerKind::Cash,
            range,
            &serde_json::json!({"tr": [1, 2]}),
            t(6),
        )
        .unwrap();
        s.put_ledger("acme", LedgerKind::Cash, range, &serde_json::json!({"tr": [3]}), t(7))
            .unwrap();
        let (v, at): (serde_json::Value, _) = s.get_ledger("acme", LedgerKind::Cash, range).unwrap().unwrap();
        assert_eq!((v, at), (serde_json::json!({"tr": [3]}), t(7)));

        // A row that no longer decodes as the asked type is an error naming the table.
        let e = s.get_ledger::<Vec<u8>>("acme", LedgerKind::Cash, range).unwrap_err();
        assert!(
            e.to_string().contains("ledgers") && e.to_string().contains("gstdash.db"),
            "{e}"
        );
        assert_eq!(LedgerKind::parse("itc"), Some(LedgerKind::Itc));
    }
}
