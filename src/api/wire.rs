//! Wire types of the Sandbox GST API (`api.md`), shared by the client and the simulator so
//! the two cannot drift apart.
//!
//! Envelope (`api.md` §1.3): `{code, data, timestamp, transaction_id}`; platform failures put
//! `message` instead of `data`; GSTN results sit in `data = {status_cd, data | error}`; the
//! auth endpoints put their fields directly in `data`. Reading is tolerant (unknown fields
//! ignored, numbers or strings where GSTN is inconsistent); writing is exact.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::domain::ims::{ImsRecord, StatusCounts};
use crate::domain::{Action, GoodsType, Section};

/// Paths, relative to the base URL.
pub mod path {
    pub const AUTHENTICATE: &str = "/authenticate";
    pub const OTP: &str = "/gst/compliance/tax-payer/otp";
    pub const OTP_VERIFY: &str = "/gst/compliance/tax-payer/otp/verify";
    pub const SESSION_REFRESH: &str = "/gst/compliance/tax-payer/session/refresh";
    pub const LOGOUT: &str = "/gst/compliance/tax-payer/logout";
    pub const IMS_COUNT: &str = "/gst/compliance/tax-payer/invoices/count";
    pub const IMS_INVOICES: &str = "/gst/compliance/tax-payer/invoices";
    pub const IMS_SAVE: &str = "/gst/compliance/tax-payer/invoices/status/save";
    pub const IMS_RESET: &str = "/gst/compliance/tax-payer/invoices/status/reset";
    pub const IMS_STATUS: &str = "/gst/compliance/tax-payer/invoices/status";
    pub const LEDGER_BAL: &str = "/gst/compliance/tax-payer/ledgers/bal"; // /{year}/{month}
    pub const LEDGER_CASH: &str = "/gst/compliance/tax-payer/ledgers/cash";
    pub const LEDGER_ITC: &str = "/gst/compliance/tax-payer/ledgers/itc";
    pub const LEDGER_TAX: &str = "/gst/compliance/tax-payer/ledgers/tax"; // /{year}/{month}
    pub const GSTR2B_REGEN_STATUS: &str = "/gst/compliance/tax-payer/gstrs/gstr-2b/regenerate";
    /// `/gst/compliance/tax-payer/gstrs/gstr-2b/{year}/{month}/regenerate`
    pub fn gstr2b_regenerate(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-2b/{year}/{month}/regenerate")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-1/{section}/{year}/{month}` (`api.md` §8.1).
    pub fn gstr1_section(section: &str, year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-1/{section}/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-1/{year}/{month}`: the GSTR-1 summary (table-wise,
    /// `api.md` §8.1).
    pub fn gstr1_summary(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-1/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-1a/{year}/{month}`: the GSTR-1A summary (by the
    /// same pattern, [INF]).
    pub fn gstr1a_summary(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-1a/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-1a/{section}/{year}/{month}`.
    pub fn gstr1a_section(section: &str, year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-1a/{section}/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/invoices/{year}/{month}/sales` (supplier view, `api.md` §4.1).
    pub fn sales(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/invoices/{year}/{month}/sales")
    }
    /// `/gst/compliance/tax-payer/invoices/added-back-liabilities/{year}/{month}` (§4.2).
    pub fn added_back(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/invoices/added-back-liabilities/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-2b/{year}/{month}` (GSTR-2B document, `api.md` §5.1).
    pub fn gstr2b(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-2b/{year}/{month}")
    }
    /// `/gst/compliance/tax-payer/gstrs/gstr-3b/{year}/{month}` (`getGstr3bDetails`).
    pub fn gstr3b(year: &str, month: &str) -> String {
        format!("/gst/compliance/tax-payer/gstrs/gstr-3b/{year}/{month}")
    }
}

/// Header names (`api.md` §1.2).
pub mod header {
    pub const API_KEY: &str = "x-api-key";
    pub const API_SECRET: &str = "x-api-secret";
    pub const AUTHORIZATION: &str = "authorization";
    pub const API_VERSION: &str = "x-api-version";
    pub const SOURCE: &str = "x-source";
    pub const ACCEPT_CACHE: &str = "x-accept-cache";
    pub const RATE_LIMIT: &str = "x-ratelimit-limit";
    pub const RATE_REMAINING: &str = "x-ratelimit-remaining";
    pub const RATE_RESET: &str = "x-ratelimit-reset";
    pub const RETRY_AFTER: &str = "retry-after";
}

/// The version we send in `x-api-version`.
pub const API_VERSION: &str = "1.0";

/// Epoch milliseconds, sent as a number or as a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EpochMillis(pub i64);

impl<'de> Deserialize<'de> for EpochMillis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let n = match &v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Null => Some(0),
            _ => None,
        };
        n.map(EpochMillis).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected epoch milliseconds (number or digit string), found {v}"
            ))
        })
    }
}

/// The outer envelope, read loosely: `code` may be a number or a string.
#[derive(Clone, Debug, Deserialize)]
pub struct RawEnvelope {
    #[serde(default, deserialize_with = "loose_u16")]
    pub code: Option<u16>,
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub timestamp: Option<EpochMillis>,
    #[serde(default)]
    pub transaction_id: Option<String>,
}

/// A successful GSTN answer read in one pass straight into `T` (`data.data`), without first
/// building a `Value` tree of the whole body: a 100k-record section is ~40 MB of JSON and the
/// tree costs several times that in allocations. Same fields and types as [`RawEnvelope`], so
/// it reads exactly the bodies that one reads; anything unusual (an error, a missing payload,
/// a payload `T` rejects) is left to the general path, which says precisely what is wrong.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct GstnEnvelope<T> {
    #[serde(default, deserialize_with = "loose_u16")]
    pub code: Option<u16>,
    #[serde(default)]
    pub data: Option<GstnData<T>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub timestamp: Option<EpochMillis>,
    #[serde(default)]
    pub transaction_id: Option<String>,
}

/// `data = {status_cd, data}` of a [`GstnEnvelope`]; `error` is ignored (see the general path).
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct GstnData<T> {
    #[serde(default)]
    pub status_cd: Option<Value>,
    #[serde(default = "none")]
    pub data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

fn loose_u16<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match v {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// GSTN's business error inside a 200.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GstnError {
    #[serde(default, alias = "errorCode", alias = "error_code")]
    pub error_cd: String,
    #[serde(default)]
    pub message: String,
}

// ---- Envelope builders (used by the simulator; kept here so both sides agree) ----------

pub fn envelope_ok(payload: Value, transaction_id: &str, now_ms: i64) -> Value {
    json!({"code": 200, "data": {"status_cd": "1", "data": payload}, "timestamp": now_ms, "transaction_id": transaction_id})
}
/// Auth endpoints: fields directly in `data`.
pub fn envelope_auth(data: Value, transaction_id: &str, now_ms: i64) -> Value {
    json!({"code": 200, "data": data, "timestamp": now_ms, "transaction_id": transaction_id})
}
pub fn envelope_gstn_error(error_cd: &str, message: &str, transaction_id: &str, now_ms: i64) -> Value {
    json!({"code": 200, "timestamp": now_ms, "data": {"status_cd": "0", "error": {"error_cd": error_cd, "message": message}}, "transaction_id": transaction_id})
}
pub fn envelope_platform_error(code: u16, message: &str, transaction_id: &str, now_ms: i64) -> Value {
    json!({"code": code, "message": message, "timestamp": now_ms, "transaction_id": transaction_id})
}

// ---- Auth ------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlatformToken {
    pub access_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpRequest {
    pub username: String,
    pub gstin: String,
}

/// Returned by OTP verify and session refresh.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaxpayerSession {
    pub access_token: String,
    #[serde(default)]
    pub session_expiry: EpochMillis,
    #[serde(default)]
    pub token_expiry: EpochMillis,
    #[serde(default)]
    pub status_cd: Option<String>,
}

// ---- IMS counts -------------------------------------------------------------------------

/// One goods-type group of the count response: `{ttl_cnt, <section>: {accept,noaction,pending,reject}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CountGroup {
    pub ttl_cnt: u64,
    /// Known sections in portal order; unknown keys kept by name.
    pub sections: Vec<(SectionName, StatusCounts)>,
}

/// A section key as it came: known ones parsed, unknown ones kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum SectionName {
    Known(Section),
    Unknown(String),
}

impl SectionName {
    pub fn from_key(k: &str) -> SectionName {
        Section::from_key(k)
            .map(SectionName::Known)
            .unwrap_or_else(|| SectionName::Unknown(k.to_string()))
    }
    pub fn key(&self) -> &str {
        match self {
            SectionName::Known(s) => s.key(),
            SectionName::Unknown(k) => k,
        }
    }
}

impl CountGroup {
    pub fn get(&self, s: Section) -> StatusCounts {
        self.sections
            .iter()
            .find(|(n, _)| *n == SectionName::Known(s))
            .map(|(_, c)| *c)
            .unwrap_or_default()
    }
    pub fn to_value(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (name, c) in &self.sections {
            m.insert(
                name.key().to_string(),
                serde_json::to_value(c).expect("counts serialise"),
            );
        }
        m.insert("ttl_cnt".into(), json!(self.ttl_cnt));
        Value::Object(m)
    }
}

impl<'de> Deserialize<'de> for CountGroup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = serde_json::Map::<String, Value>::deserialize(d)?;
        let mut g = CountGroup::default();
        for (k, v) in m {
            if k == "ttl_cnt" {
                g.ttl_cnt = loose_count(&v)
                    .ok_or_else(|| serde::de::Error::custom(format!("ttl_cnt: expected a count, found {v}")))?;
                continue;
            }
            if !v.is_object() {
                continue; // tolerate scalar extras
            }
            let c: StatusCounts =
                serde_json::from_value(v).map_err(|e| serde::de::Error::custom(format!("{k}: {e}")))?;
            g.sections.push((SectionName::from_key(&k), c));
        }
        g.sections.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(g)
    }
}

fn loose_count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The count response `data.data`: exactly one group keyed `all_oth` / `inv_supp_isd` / `imp_gds`.
pub type CountResponse = BTreeMap<String, CountGroup>;

/// Picks the group of `goods` from a count response; falls back to the only group present.
pub fn count_group(resp: &CountResponse, goods: GoodsType) -> Option<&CountGroup> {
    resp.get(goods.group_key())
        .or_else(|| if resp.len() == 1 { resp.values().next() } else { None })
}

// ---- IMS invoices -------------------------------------------------------------------------

/// `data.data` of Get Invoices: section key → records. Unknown section keys are kept.
pub type InvoicesResponse = BTreeMap<String, Vec<ImsRecord>>;

/// One record in a save or reset body: the identifying and value fields copied from Get
/// Invoices, `prev_status`, and (save only) the new `action` plus optional declarations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveItem {
    pub stin: String,
    pub rtnprd: String,
    pub srcform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nt_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nt_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inv_typ: Option<String>,
    pub pos: String,
    pub val: crate::domain::Money,
    pub txval: crate::domain::Money,
    pub iamt: crate::domain::Money,
    pub camt: crate::domain::Money,
    pub samt: crate::domain::Money,
    pub cess: crate::domain::Money,
    /// New action (A/R/P); absent in reset bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    pub prev_status: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    #[serde(default, rename = "itcRedReq", skip_serializing_if = "Option::is_none")]
    pub itc_red_req: Option<String>,
    #[serde(default, rename = "declIgst", skip_serializing_if = "Option::is_none")]
    pub decl_igst: Option<crate::domain::Money>,
    #[serde(default, rename = "declCgst", skip_serializing_if = "Option::is_none")]
    pub decl_cgst: Option<crate::domain::Money>,
    #[serde(default, rename = "declSgst", skip_serializing_if = "Option::is_none")]
    pub decl_sgst: Option<crate::domain::Money>,
    #[serde(default, rename = "declCess", skip_serializing_if = "Option::is_none")]
    pub decl_cess: Option<crate::domain::Money>,
}

impl SaveItem {
    /// Copies the identifying and value fields of a fetched record; `prev_status` is the
    /// record's action as last read (a mismatch fails with IMSSAV0010).
    pub fn from_record(r: &ImsRecord, action: Option<Action>) -> SaveItem {
        SaveItem {
            stin: r.stin.clone(),
            rtnprd: r.rtnprd.clone(),
            srcform: r.srcform.clone(),
            inum: r.inum.clone(),
            idt: r.idt.clone(),
            nt_num: r.nt_num.clone(),
            nt_dt: r.nt_dt.clone(),
            oinum: r.oinum.clone(),
            oidt: r.oidt.clone(),
            ont_num: r.ont_num.clone(),
            ont_dt: r.ont_dt.clone(),
            inv_typ: r.inv_typ.clone(),
            pos: r.pos.clone(),
            val: r.val,
            txval: r.txval,
            iamt: r.iamt,
            camt: r.camt,
            samt: r.samt,
            cess: r.cess,
            action,
            prev_status: r.action.clone(),
            remarks: None,
            itc_red_req: None,
            decl_igst: None,
            decl_cgst: None,
            decl_sgst: None,
            decl_cess: None,
        }
    }
    pub fn doc_number(&self) -> &str {
        self.inum.as_deref().or(self.nt_num.as_deref()).unwrap_or("")
    }
    pub fn doc_date(&self) -> &str {
        self.idt.as_deref().or(self.nt_dt.as_deref()).unwrap_or("")
    }
}

/// Body of save (`reqtyp = "SAVE"`) and reset (`reqtyp = "RESET"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveRequest {
    pub rtin: String,
    pub reqtyp: String,
    pub invdata: BTreeMap<String, Vec<SaveItem>>,
}

/// `data.data` of save, reset and 2B regenerate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReferenceId {
    pub reference_id: String,
}

/// `data.data` of Check Invoice Status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveStatus {
    /// `P` processed, `PE` processed with errors, `ER` error; anything else: still running.
    pub status_cd: String,
    #[serde(default, rename = "transTypCd", skip_serializing_if = "Option::is_none")]
    pub trans_typ_cd: Option<String>,
    #[serde(default, deserialize_with = "loose_string", skip_serializing_if = "Option::is_none")]
    pub proc_cnt: Option<String>,
    #[serde(default, deserialize_with = "loose_string", skip_serializing_if = "Option::is_none")]
    pub err_cnt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_cd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
    /// Per section key (any key accepted; the docs use `dn` too).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub error_report: BTreeMap<String, Vec<ErrorReportEntry>>,
}

impl SaveStatus {
    pub fn is_final(&self) -> bool {
        matches!(self.status_cd.as_str(), "P" | "PE" | "ER")
    }
}

fn loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReportEntry {
    #[serde(default)]
    pub stin: String,
    #[serde(default)]
    pub error_cd: String,
    #[serde(default)]
    pub error_msg: String,
    #[serde(default)]
    pub inv: Vec<ErrorReportDoc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReportDoc {
    #[serde(default, alias = "nt_num")]
    pub inum: String,
    #[serde(default)]
    pub rtnprd: String,
}

/// `data.data` of the GSTR-2B regeneration status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegenStatus {
    pub status_cd: String,
    #[serde(default)]
    pub err_cd: String,
    #[serde(default)]
    pub err_msg: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_group_reads_documented_example() {
        let v = json!({"all_oth": {"b2b": {"accept": 1, "noaction": 11, "pending": 0, "reject": 0},
            "b2bcn": {"accept": 0, "noaction": 0, "pending": 0, "reject": 0}, "zzz": {"accept": 2}, "ttl_cnt": 12}});
        let r: CountResponse = serde_json::from_value(v).unwrap();
        let g = count_group(&r, GoodsType::Others).unwrap();
        assert_eq!(g.ttl_cnt, 12);
        assert_eq!(g.get(Section::B2b).noaction, 11);
        assert!(
            g.sections
                .iter()
                .any(|(n, c)| *n == SectionName::Unknown("zzz".into()) && c.accept == 2)
        );
        let back: CountGroup = serde_json::from_value(g.to_value()).unwrap();
        assert_eq!(&back, g);
    }

    #[test]
    fn epoch_millis_number_or_string() {
        let e: EpochMillis = serde_json::from_value(json!("1685540073000")).unwrap();
        assert_eq!(e.0, 1685540073000);
        let e: EpochMillis = serde_json::from_value(json!(1712947711000i64)).unwrap();
        assert_eq!(e.0, 1712947711000);
        assert!(serde_json::from_value::<EpochMillis>(json!(true)).is_err());
    }

    #[test]
    fn save_item_omits_hash_and_keeps_values() {
        let r: ImsRecord = serde_json::from_str(
            r#"{"stin":"27AAPFU0939F1ZV","rtnprd":"102024","srcform":"R1",
            "inum":"A1","idt":"01-10-2024","inv_typ":"R","action":"N","pos":"27","ispendactblocked":"N",
            "srcfilstatus":"Filed","hash":"abc","val":118.00,"txval":100,"iamt":0,"camt":9,"samt":9,"cess":0}"#,
        )
        .unwrap();
        let item = SaveItem::from_record(&r, Some(Action::Rejected));
        let s = serde_json::to_string(&item).unwrap();
        assert!(!s.contains("hash"));
        assert!(s.contains("\"val\":118.00"), "{s}");
        assert!(
            s.contains("\"action\":\"R\"") && s.contains("\"prev_status\":\"N\""),
            "{s}"
        );
    }

    #[test]
    fn status_tolerates_numbers_and_unknown_keys() {
        let s: SaveStatus = serde_json::from_value(json!({"status_cd":"PE","proc_cnt":10,"err_cnt":"2",
            "error_report":{"dn":[{"stin":"x","error_cd":"IMSSAV0010","error_msg":"m","inv":[{"inum":"1","rtnprd":"102024"}]}]}})).unwrap();
        assert_eq!(s.proc_cnt.as_deref(), Some("10"));
        assert!(s.is_final());
        assert_eq!(s.error_report["dn"][0].error_cd, "IMSSAV0010");
    }
}

// ---- GSTR-2B document (`api.md` §5.1) ---------------------------------------------------

/// What Sandbox's `data.data` holds for a GSTR-2B read: GSTN's `{chksum, data}`, so the 2B
/// fields are at `data.data.data`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bEnvelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chksum: Option<String>,
    #[serde(default)]
    pub data: Gstr2bDoc,
}

/// The GSTR-2B fields gstdash reads (the summaries are not read).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bDoc {
    #[serde(default)]
    pub gstin: String,
    /// `MMYYYY`.
    #[serde(default)]
    pub rtnprd: String,
    #[serde(default)]
    pub version: String,
    /// `DD-MM-YYYY`.
    #[serde(default)]
    pub gendt: String,
    /// Number of data files when the document is paginated (fetch `file_number=1..=fc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fc: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docdata: Option<Gstr2bDocData>,
}

/// Documents by section, grouped by supplier.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bDocData {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub b2b: Vec<Gstr2bSupplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub b2ba: Vec<Gstr2bSupplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnr: Vec<Gstr2bSupplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnra: Vec<Gstr2bSupplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecom: Vec<Gstr2bSupplier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecoma: Vec<Gstr2bSupplier>,
}

impl Gstr2bDocData {
    /// Every supplier group of every section.
    pub fn groups(&self) -> impl Iterator<Item = &Gstr2bSupplier> {
        [&self.b2b, &self.b2ba, &self.cdnr, &self.cdnra, &self.ecom, &self.ecoma]
            .into_iter()
            .flatten()
    }

    /// Appends another file's documents (pagination).
    pub fn extend(&mut self, other: Gstr2bDocData) {
        self.b2b.extend(other.b2b);
        self.b2ba.extend(other.b2ba);
        self.cdnr.extend(other.cdnr);
        self.cdnra.extend(other.cdnra);
        self.ecom.extend(other.ecom);
        self.ecoma.extend(other.ecoma);
    }

    pub fn documents(&self) -> usize {
        self.groups().map(|g| g.inv.len() + g.nt.len()).sum()
    }
}

/// One supplier's documents in a 2B section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bSupplier {
    #[serde(default)]
    pub ctin: String,
    /// Trade name of the supplier.
    #[serde(default)]
    pub trdnm: String,
    /// Date the supplier filed, `DD-MM-YYYY`.
    #[serde(default)]
    pub supfildt: String,
    /// Supplier's return period, `MMYYYY`.
    #[serde(default)]
    pub supprd: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inv: Vec<Gstr2bInvoice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nt: Vec<Gstr2bNote>,
}

/// An invoice in 2B (`b2b`, `b2ba`, `ecom`…).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bInvoice {
    pub inum: String,
    /// `DD-MM-YYYY`.
    pub dt: String,
    pub val: crate::domain::Money,
    pub pos: String,
    /// Reverse charge, `Y`/`N`.
    pub rev: String,
    /// ITC available, `Y`/`N`/`T`.
    pub itcavl: String,
    #[serde(default)]
    pub rsn: String,
    /// `R`, `DE`, `SEWP`, `SEWOP`, `CBW`.
    pub typ: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default)]
    pub items: Vec<Gstr2bItem>,
}

/// A credit or debit note in 2B (`cdnr`, `cdnra`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bNote {
    pub ntnum: String,
    /// `C` or `D`.
    pub typ: String,
    pub suptyp: String,
    pub dt: String,
    pub val: crate::domain::Money,
    pub pos: String,
    pub rev: String,
    pub itcavl: String,
    #[serde(default)]
    pub rsn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onttyp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ontnum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ontdt: Option<String>,
    #[serde(default)]
    pub items: Vec<Gstr2bItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gstr2bItem {
    pub num: u32,
    pub rt: crate::domain::Money,
    pub txval: crate::domain::Money,
    #[serde(default)]
    pub igst: crate::domain::Money,
    #[serde(default)]
    pub cgst: crate::domain::Money,
    #[serde(default)]
    pub sgst: crate::domain::Money,
    #[serde(default)]
    pub cess: crate::domain::Money,
}
