//! The export ledger's cache: each period's GSTR-1/1A export sections and GSTR-3B details as
//! fetched. A period whose GSTR-3B is filed never changes, so it is read from here instead of
//! costing its calls again; the engine decides what to re-fetch (`sync::reports`). Each row
//! also says how the period was gathered (`fetched_via`: through the GSTR-1/1A summaries or
//! every section), kept inside the JSON so older rows and readers are unaffected.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, to_ms};
use crate::domain::ReturnPeriod;
use crate::domain::export_ledger::PeriodReturns;

const TABLE: &str = "export_returns";

/// One cached period and when it was fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedReturns {
    pub returns: PeriodReturns,
    pub fetched_at: DateTime<Utc>,
    /// How it was gathered (`None` for rows written before this was recorded).
    pub fetched_via: Option<String>,
}

/// The stored JSON: the period's returns plus how they were gathered.
#[derive(serde::Serialize, serde::Deserialize)]
struct Row {
    #[serde(flatten)]
    returns: PeriodReturns,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fetched_via: Option<String>,
}

impl Store {
    /// Stores (or replaces) one period's returns.
    pub fn put_export_returns(
        &self,
        profile: &str,
        returns: &PeriodReturns,
        fetched_via: Option<&str>,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "put_export_returns";
        let row = Row {
            returns: returns.clone(),
            fetched_via: fetched_via.map(str::to_owned),
        };
        let json = serde_json::to_string(&row).map_err(|e| self.encode_err(TABLE, OP, e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO export_returns (profile, period, filed, data, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (profile, period) DO UPDATE SET filed = excluded.filed, data = excluded.data,
                 fetched_at = excluded.fetched_at",
                params![
                    profile,
                    returns.period.wire(),
                    returns.is_filed() as i64,
                    json,
                    to_ms(fetched_at)
                ],
            )
            .map_err(self.write_err(TABLE, OP, profile))?;
        Ok(())
    }

    /// Every cached period of `profile`, by period.
    pub fn load_export_returns(&self, profile: &str) -> Result<BTreeMap<ReturnPeriod, CachedReturns>, StoreError> {
        const OP: &str = "load_export_returns";
        let mut stmt = self
            .conn
            .prepare("SELECT period, data, fetched_at FROM export_returns WHERE profile = ?1")
            .map_err(self.sql_err(TABLE, OP))?;
        let rows: Vec<(String, String, i64)> = stmt
            .query_map(params![profile], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.sql_err(TABLE, OP))?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err(TABLE, OP))?;
        let mut out = BTreeMap::new();
        for (period, json, ms) in rows {
            let Row { returns, fetched_via } =
                serde_json::from_str(&json).map_err(|e| self.decode_err(TABLE, OP, format!("period {period}: {e}")))?;
            let fetched_at = self.time(ms, TABLE, OP)?;
            out.insert(
                returns.period,
                CachedReturns {
                    returns,
                    fetched_at,
                    fetched_via,
                },
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use crate::domain::export_ledger::{ExpGroup, ExpInvoice, Gstr1Sections, Gstr3bDetails, ItemAmounts};
    use crate::store::tests::{store_with_profile, t};

    fn filed(p: ReturnPeriod, iamt: &str) -> PeriodReturns {
        let mut r3b = Gstr3bDetails::default();
        r3b.sup_details.osup_zero.iamt = Money::parse(iamt).unwrap();
        PeriodReturns {
            period: p,
            gstr1: Some(Gstr1Sections {
                exp: vec![ExpGroup {
                    exp_typ: "WPAY".into(),
                    inv: vec![ExpInvoice {
                        inum: "EXP/24/001".into(),
                        idt: "05-04-2024".into(),
                        sbnum: Some("7896542".into()),
                        itms: vec![ItemAmounts {
                            iamt: Money::parse("1180.50").unwrap(),
                            csamt: Money::parse("0.10").unwrap(),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                }],
                ..Default::default()
            }),
            gstr1a: None,
            gstr3b: Some(r3b),
        }
    }

    #[test]
    fn periods_round_trip_exactly_and_a_refetch_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let apr = ReturnPeriod::new(2024, 4).unwrap();
        let may = ReturnPeriod::new(2024, 5).unwrap();
        let a = filed(apr, "1180.50");
        let unfiled = PeriodReturns {
            period: may,
            gstr1: None,
            gstr1a: None,
            gstr3b: None,
        };
        s.put_export_returns("acme", &a, Some("GSTR-1 summary: exp; GSTR-1A summary: none"), t(1))
            .unwrap();
        s.put_export_returns("acme", &unfiled, None, t(2)).unwrap();
        let got = s.load_export_returns("acme").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[&apr].returns, a, "amounts keep their exact digits");
        assert_eq!(got[&apr].fetched_at, t(1));
        assert_eq!(
            got[&apr].fetched_via.as_deref(),
            Some("GSTR-1 summary: exp; GSTR-1A summary: none")
        );
        assert_eq!(got[&may].fetched_via, None);
        assert!(got[&apr].returns.is_filed() && !got[&may].returns.is_filed());

        let now_filed = filed(may, "10");
        s.put_export_returns("acme", &now_filed, Some("GSTR-1 every section (summary: x)"), t(3))
            .unwrap();
        let got = s.load_export_returns("acme").unwrap();
        assert_eq!(got[&may].returns, now_filed);
        assert_eq!(got[&may].fetched_at, t(3));
        assert!(s.load_export_returns("other").unwrap().is_empty());
    }

    /// Rows cached before `fetched_via` was recorded (plain `PeriodReturns` JSON) still load.
    #[test]
    fn rows_without_fetched_via_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_profile(dir.path());
        let apr = ReturnPeriod::new(2024, 4).unwrap();
        let a = filed(apr, "1180.50");
        s.conn
            .execute(
                "INSERT INTO export_returns (profile, period, filed, data, fetched_at) VALUES ('acme', ?1, 1, ?2, 0)",
                params![apr.wire(), serde_json::to_string(&a).unwrap()],
            )
            .unwrap();
        let got = s.load_export_returns("acme").unwrap();
        assert_eq!(got[&apr].returns, a);
        assert_eq!(got[&apr].fetched_via, None);
    }
}
