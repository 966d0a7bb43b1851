//! The Invoice Management System model: goods types, sections, actions, records, and the
//! rules of `domain.md` §3 that decide which action a record may take and why not.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::gstin;
use super::money::Money;
use super::period::{self, ReturnPeriod};

/// The three IMS tabs of the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GoodsType {
    /// "All other ITC": B2B, amendments, notes, ECO.
    Others,
    /// "Inward supplies from ISD".
    Isd,
    /// "Import of goods" (bills of entry).
    Imports,
}

impl GoodsType {
    pub const ALL: [GoodsType; 3] = [GoodsType::Others, GoodsType::Isd, GoodsType::Imports];

    /// Value of the `type_of_goods` query parameter.
    pub fn query(self) -> &'static str {
        match self {
            GoodsType::Others => "others",
            GoodsType::Isd => "inward_supplies",
            GoodsType::Imports => "imports",
        }
    }
    /// Key of the group in the count response.
    pub fn group_key(self) -> &'static str {
        match self {
            GoodsType::Others => "all_oth",
            GoodsType::Isd => "inv_supp_isd",
            GoodsType::Imports => "imp_gds",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            GoodsType::Others => "All other ITC",
            GoodsType::Isd => "Inward supplies from ISD",
            GoodsType::Imports => "Import of goods",
        }
    }
    /// Parses what users type: `others`, `isd`, `imports` (and the wire values).
    pub fn parse(s: &str) -> Result<GoodsType, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "others" | "other" | "all" | "all_oth" => Ok(GoodsType::Others),
            "isd" | "inward_supplies" | "inv_supp_isd" => Ok(GoodsType::Isd),
            "imports" | "import" | "impg" | "imp_gds" => Ok(GoodsType::Imports),
            _ => Err(format!("goods type {s:?} not known; expected others, isd or imports")),
        }
    }
    pub fn sections(self) -> &'static [Section] {
        use Section::*;
        match self {
            GoodsType::Others => &[B2b, B2ba, B2bDn, B2bDna, B2bCn, B2bCna, Ecom, Ecoma],
            GoodsType::Isd => &[Isd, Isda, IsdCn, IsdCna],
            GoodsType::Imports => &[Impg, Impga, ImpgSez, ImpgSeza],
        }
    }
}

/// A section of IMS. The eight "others" sections can be listed and acted on through the
/// API; ISD and import sections appear only in counts (`domain.md` rule 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    B2b,
    B2ba,
    B2bDn,
    B2bDna,
    B2bCn,
    B2bCna,
    Ecom,
    Ecoma,
    Isd,
    Isda,
    IsdCn,
    IsdCna,
    Impg,
    Impga,
    ImpgSez,
    ImpgSeza,
}

impl Section {
    pub const ALL: [Section; 16] = [
        Section::B2b,
        Section::B2ba,
        Section::B2bDn,
        Section::B2bDna,
        Section::B2bCn,
        Section::B2bCna,
        Section::Ecom,
        Section::Ecoma,
        Section::Isd,
        Section::Isda,
        Section::IsdCn,
        Section::IsdCna,
        Section::Impg,
        Section::Impga,
        Section::ImpgSez,
        Section::ImpgSeza,
    ];

    /// Key in responses and save bodies (`b2bcn`, …).
    pub fn key(self) -> &'static str {
        match self {
            Section::B2b => "b2b",
            Section::B2ba => "b2ba",
            Section::B2bDn => "b2bdn",
            Section::B2bDna => "b2bdna",
            Section::B2bCn => "b2bcn",
            Section::B2bCna => "b2bcna",
            Section::Ecom => "ecom",
            Section::Ecoma => "ecoma",
            Section::Isd => "isd",
            Section::Isda => "isda",
            Section::IsdCn => "isdcn",
            Section::IsdCna => "isdcna",
            Section::Impg => "impg",
            Section::Impga => "impga",
            Section::ImpgSez => "impgsez",
            Section::ImpgSeza => "impgseza",
        }
    }

    /// Value of the `section` query parameter of Get Invoices (`B2B`, `CN`, …); `None` for
    /// sections the API cannot list.
    pub fn query(self) -> Option<&'static str> {
        Some(match self {
            Section::B2b => "B2B",
            Section::B2ba => "B2BA",
            Section::B2bDn => "DN",
            Section::B2bDna => "DNA",
            Section::B2bCn => "CN",
            Section::B2bCna => "CNA",
            Section::Ecom => "ECOM",
            Section::Ecoma => "ECOMA",
            _ => return None,
        })
    }

    /// Row label of the portal's summary grid.
    pub fn label(self) -> &'static str {
        match self {
            Section::B2b => "B2B invoices",
            Section::B2ba => "B2BA invoices",
            Section::B2bDn => "B2B debit notes",
            Section::B2bDna => "B2B DN amendments",
            Section::B2bCn => "B2B credit notes",
            Section::B2bCna => "B2B CN amendments",
            Section::Ecom => "ECO 9(5) documents",
            Section::Ecoma => "ECO 9(5) amendments",
            Section::Isd => "ISD invoices",
            Section::Isda => "ISD amendments",
            Section::IsdCn => "ISD credit notes",
            Section::IsdCna => "ISD CN amendments",
            Section::Impg => "Imports (BoE)",
            Section::Impga => "Imports amended",
            Section::ImpgSez => "Imports from SEZ",
            Section::ImpgSeza => "Imports SEZ amended",
        }
    }

    /// Short tag: `B2B`, `CN`, `ECOA`.
    pub fn short(self) -> &'static str {
        match self {
            Section::B2b => "B2B",
            Section::B2ba => "B2BA",
            Section::B2bDn => "DN",
            Section::B2bDna => "DNA",
            Section::B2bCn => "CN",
            Section::B2bCna => "CNA",
            Section::Ecom => "ECO",
            Section::Ecoma => "ECOA",
            Section::Isd => "ISD",
            Section::Isda => "ISDA",
            Section::IsdCn => "ISDCN",
            Section::IsdCna => "ISDCNA",
            Section::Impg => "IMPG",
            Section::Impga => "IMPGA",
            Section::ImpgSez => "IMPGSEZ",
            Section::ImpgSeza => "IMPGSEZA",
        }
    }

    pub fn from_key(k: &str) -> Option<Section> {
        Section::ALL.iter().copied().find(|s| s.key() == k)
    }

    /// Parses what users type: `b2b`, `cn`, `B2BCN`, `ecoa`, `dn`.
    pub fn parse(s: &str) -> Result<Section, String> {
        let l = s.trim().to_ascii_lowercase();
        let found = match l.as_str() {
            "cn" => Some(Section::B2bCn),
            "cna" => Some(Section::B2bCna),
            "dn" => Some(Section::B2bDn),
            "dna" => Some(Section::B2bDna),
            "eco" => Some(Section::Ecom),
            "ecoa" => Some(Section::Ecoma),
            other => Section::from_key(other),
        };
        found
            .ok_or_else(|| format!("section {s:?} not known; expected one of b2b, b2ba, cn, cna, dn, dna, ecom, ecoma"))
    }

    pub fn goods(self) -> GoodsType {
        use Section::*;
        match self {
            B2b | B2ba | B2bDn | B2bDna | B2bCn | B2bCna | Ecom | Ecoma => GoodsType::Others,
            Isd | Isda | IsdCn | IsdCna => GoodsType::Isd,
            Impg | Impga | ImpgSez | ImpgSeza => GoodsType::Imports,
        }
    }

    /// Whether Sandbox can list and save this section.
    pub fn api_actionable(self) -> bool {
        self.query().is_some()
    }
    /// Notes carry `nt_num`/`nt_dt` instead of `inum`/`idt`.
    pub fn is_note(self) -> bool {
        matches!(
            self,
            Section::B2bDn | Section::B2bDna | Section::B2bCn | Section::B2bCna
        )
    }
    pub fn is_credit_note(self) -> bool {
        matches!(self, Section::B2bCn | Section::B2bCna)
    }
    pub fn is_amendment(self) -> bool {
        matches!(
            self,
            Section::B2ba
                | Section::B2bDna
                | Section::B2bCna
                | Section::Ecoma
                | Section::Isda
                | Section::IsdCna
                | Section::Impga
                | Section::ImpgSeza
        )
    }
    /// ECO records have no `inv_typ`.
    pub fn has_inv_typ(self) -> bool {
        !matches!(self, Section::Ecom | Section::Ecoma)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.short())
    }
}

/// A recipient's IMS action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    #[default]
    NoAction,
    Accepted,
    Rejected,
    Pending,
    /// A code we do not know; kept and shown, never dropped.
    Other(String),
}

impl Action {
    pub const KNOWN: [Action; 4] = [Action::NoAction, Action::Accepted, Action::Rejected, Action::Pending];

    pub fn code(&self) -> &str {
        match self {
            Action::NoAction => "N",
            Action::Accepted => "A",
            Action::Rejected => "R",
            Action::Pending => "P",
            Action::Other(s) => s,
        }
    }
    pub fn from_code(s: &str) -> Action {
        match s.trim().to_ascii_uppercase().as_str() {
            "N" | "" => Action::NoAction,
            "A" => Action::Accepted,
            "R" => Action::Rejected,
            "P" => Action::Pending,
            _ => Action::Other(s.to_string()),
        }
    }
    /// The `status` query value of Get Invoices.
    pub fn status_query(&self) -> Option<&'static str> {
        Some(match self {
            Action::NoAction => "no_action_taken",
            Action::Accepted => "accepted",
            Action::Rejected => "rejected",
            Action::Pending => "pending",
            Action::Other(_) => return None,
        })
    }
    pub fn label(&self) -> &str {
        match self {
            Action::NoAction => "No action",
            Action::Accepted => "Accepted",
            Action::Rejected => "Rejected",
            Action::Pending => "Pending",
            Action::Other(s) => s,
        }
    }
    /// Parses what users type: `accept(ed)`, `reject(ed)`, `pending`, `no-action`, `A`/`R`/`P`/`N`,
    /// and the query values.
    pub fn parse(s: &str) -> Result<Action, String> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "a" | "accept" | "accepted" => Ok(Action::Accepted),
            "r" | "reject" | "rejected" => Ok(Action::Rejected),
            "p" | "pending" => Ok(Action::Pending),
            "n" | "no_action" | "noaction" | "no_action_taken" | "none" => Ok(Action::NoAction),
            _ => Err(format!(
                "status {s:?} not known; expected accepted, rejected, pending or no-action"
            )),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.label())
    }
}
impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Action::from_code(&String::deserialize(d)?))
    }
}

/// `Y`/`N` flags. Unknown text is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum YesNo {
    Yes,
    #[default]
    No,
    Other(String),
}
impl YesNo {
    pub fn is_yes(&self) -> bool {
        matches!(self, YesNo::Yes)
    }
    pub fn code(&self) -> &str {
        match self {
            YesNo::Yes => "Y",
            YesNo::No => "N",
            YesNo::Other(s) => s,
        }
    }
}
impl Serialize for YesNo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
impl<'de> Deserialize<'de> for YesNo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "Y" | "YES" | "TRUE" => YesNo::Yes,
            "N" | "NO" | "FALSE" => YesNo::No,
            _ => YesNo::Other(s),
        })
    }
}

/// One IMS document as Get Invoices returns it, with every field of `invoices.json` plus the
/// v1.1 fields GSTN may add. Identifying and value fields are kept exactly as received (text
/// and exact decimals) because a save must send them back unchanged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImsRecord {
    /// Supplier GSTIN, as received (may fail our check; see [`ImsRecord::flags`]).
    #[serde(default)]
    pub stin: String,
    /// Supplier's return period (MMYYYY) in which the document was reported.
    #[serde(default)]
    pub rtnprd: String,
    /// R1, R1A or IFF.
    #[serde(default)]
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
    /// R, DE, SEWP, SEWOP, CBW; absent on ECO sections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inv_typ: Option<String>,
    #[serde(default = "no_action")]
    pub action: Action,
    #[serde(default)]
    pub pos: String,
    /// `Y` = Pending is not allowed for this record (`api.md` §3.2, open question 5). Older
    /// GSTN payloads call it `ispendactnallwd` ("pending action not allowed"), same sense.
    #[serde(default, alias = "ispendactnallwd")]
    pub ispendactblocked: YesNo,
    /// `Filed` / `Not Filed`.
    #[serde(default)]
    pub srcfilstatus: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
    #[serde(default)]
    pub val: Money,
    #[serde(default)]
    pub txval: Money,
    #[serde(default)]
    pub iamt: Money,
    #[serde(default)]
    pub camt: Money,
    #[serde(default)]
    pub samt: Money,
    #[serde(default)]
    pub cess: Money,
    #[serde(default, rename = "itcRedReq", skip_serializing_if = "Option::is_none")]
    pub itc_red_req: Option<YesNo>,
    #[serde(default, rename = "declIgst", skip_serializing_if = "Option::is_none")]
    pub decl_igst: Option<Money>,
    #[serde(default, rename = "declCgst", skip_serializing_if = "Option::is_none")]
    pub decl_cgst: Option<Money>,
    #[serde(default, rename = "declSgst", skip_serializing_if = "Option::is_none")]
    pub decl_sgst: Option<Money>,
    #[serde(default, rename = "declCess", skip_serializing_if = "Option::is_none")]
    pub decl_cess: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Portal-only flags (`api.md` §3.2); honoured when present.
    #[serde(default, rename = "isItcRedReqBlocked", skip_serializing_if = "Option::is_none")]
    pub itc_red_req_blocked: Option<YesNo>,
    #[serde(default, rename = "isRemarksBlocked", skip_serializing_if = "Option::is_none")]
    pub remarks_blocked: Option<YesNo>,
}

fn no_action() -> Action {
    Action::NoAction
}

/// Something odd about a record from the API: shown and explained, never a reason to drop it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFlag {
    pub field: &'static str,
    pub message: String,
}

impl ImsRecord {
    pub fn doc_number(&self) -> &str {
        self.inum.as_deref().or(self.nt_num.as_deref()).unwrap_or("")
    }
    pub fn doc_date_raw(&self) -> &str {
        self.idt.as_deref().or(self.nt_dt.as_deref()).unwrap_or("")
    }
    pub fn doc_date(&self) -> Option<NaiveDate> {
        period::parse_date_lenient(self.doc_date_raw())
    }
    pub fn original_number(&self) -> Option<&str> {
        self.oinum.as_deref().or(self.ont_num.as_deref())
    }
    pub fn original_date(&self) -> Option<&str> {
        self.oidt.as_deref().or(self.ont_dt.as_deref())
    }
    pub fn return_period(&self) -> Option<ReturnPeriod> {
        ReturnPeriod::from_wire(&self.rtnprd).ok()
    }
    pub fn total_tax(&self) -> Money {
        self.iamt + self.camt + self.samt + self.cess
    }
    pub fn supplier_filed(&self) -> bool {
        self.srcfilstatus.trim().eq_ignore_ascii_case("filed")
    }
    pub fn pending_blocked(&self) -> bool {
        self.ispendactblocked.is_yes()
    }

    /// Identity of a record inside one section: supplier, document number and date. Stable
    /// across fetches (unlike row positions), so selections and local decisions key on it.
    pub fn key(&self, section: Section) -> RecordKey {
        RecordKey {
            section,
            stin: self.stin.trim().to_ascii_uppercase(),
            doc_num: self.doc_number().trim().to_ascii_uppercase(),
            doc_date: self.doc_date_raw().trim().to_string(),
        }
    }

    /// Checks of ours that failed. The record is still shown.
    pub fn flags(&self) -> Vec<RecordFlag> {
        let mut out = Vec::new();
        if let Err(e) = gstin::check(&self.stin.trim().to_ascii_uppercase()) {
            out.push(RecordFlag {
                field: "stin",
                message: e.to_string(),
            });
        }
        if self.doc_number().is_empty() {
            out.push(RecordFlag {
                field: "inum/nt_num",
                message: "document number missing".into(),
            });
        }
        if period::parse_date(self.doc_date_raw(), period::DATE_DASH).is_err() {
            out.push(RecordFlag {
                field: "idt/nt_dt",
                message: format!("date {:?} is not DD-MM-YYYY", self.doc_date_raw()),
            });
        }
        if let Err(e) = ReturnPeriod::from_wire(&self.rtnprd) {
            out.push(RecordFlag {
                field: "rtnprd",
                message: e.0,
            });
        }
        if let Action::Other(code) = &self.action {
            out.push(RecordFlag {
                field: "action",
                message: format!("unknown action code {code:?}"),
            });
        }
        if let YesNo::Other(v) = &self.ispendactblocked {
            out.push(RecordFlag {
                field: "ispendactblocked",
                message: format!("unknown flag {v:?}, expected Y or N"),
            });
        }
        out
    }
}

/// Identity of a document: section + supplier GSTIN + document number + document date.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordKey {
    pub section: Section,
    pub stin: String,
    pub doc_num: String,
    pub doc_date: String,
}

// Sections serialise as their wire key (`b2bcn`), so keys and stored rows read plainly.
impl Serialize for Section {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}
impl<'de> Deserialize<'de> for Section {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Section::from_key(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown IMS section {s:?}")))
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.section.key(),
            self.stin,
            self.doc_num,
            self.doc_date
        )
    }
}

/// Counts per status for one section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    #[serde(default)]
    pub noaction: u64,
    #[serde(default)]
    pub accept: u64,
    #[serde(default)]
    pub reject: u64,
    #[serde(default)]
    pub pending: u64,
}

impl StatusCounts {
    pub fn total(&self) -> u64 {
        self.noaction + self.accept + self.reject + self.pending
    }
    pub fn get(&self, a: &Action) -> u64 {
        match a {
            Action::NoAction => self.noaction,
            Action::Accepted => self.accept,
            Action::Rejected => self.reject,
            Action::Pending => self.pending,
            Action::Other(_) => 0,
        }
    }
    pub fn bump(&mut self, a: &Action, delta: i64) {
        let slot = match a {
            Action::NoAction => &mut self.noaction,
            Action::Accepted => &mut self.accept,
            Action::Rejected => &mut self.reject,
            Action::Pending => &mut self.pending,
            Action::Other(_) => return,
        };
        *slot = (*slot as i64 + delta).max(0) as u64;
    }
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/// What the rules need besides the record itself.
#[derive(Clone, Copy, Debug)]
pub struct RuleContext {
    pub today: NaiveDate,
    /// GSTR-3B for the record's 2B period is already filed: IMS is read-only for it.
    pub gstr3b_filed: bool,
}

/// Something the user must supply before the action can be queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Accepting a credit note or downward amendment: "does ITC need to be reduced?"
    /// (`itcRedReq` + `decl*`), `domain.md` rules 15-16; without it GSTN answers IMSSAV0054.
    ItcReductionDeclaration,
}

/// Result of asking whether `action` may be applied to a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        needs: Vec<Requirement>,
        remarks_allowed: bool,
    },
    /// Nothing to do: the record already has this action.
    NoChange,
    Denied(Denial),
}

/// Why an action is not allowed, with the rule it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub reason: String,
    /// Where the rule is written down (`domain.md rule 6`): for maintainers and tests. Users
    /// see only the reason, which says the rule in words.
    pub rule: &'static str,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// First IMS 2B period with the "one tax period" pending window for specified records.
fn specified_pending_start() -> ReturnPeriod {
    ReturnPeriod::new(2025, 10).expect("valid")
}

/// Records for which Pending is restricted (`domain.md` rules 11-12). We can tell credit notes
/// and CN amendments from their section; downward amendments are only known to the portal, which
/// marks them with `ispendactblocked`.
pub fn is_specified_record(section: Section) -> bool {
    section.is_credit_note()
}

/// Last day a specified record may be kept pending: the GSTR-3B due date of the tax period
/// after its 2B period (monthly filers), `domain.md` rule 12.
pub fn pending_deadline(period: ReturnPeriod) -> NaiveDate {
    period.next().gstr3b_due_monthly()
}

/// Decides whether `target` may be applied to `rec` (in `section`). Save can set A, R or P;
/// N is reached through Reset ([`check_reset`]).
pub fn check_action(section: Section, rec: &ImsRecord, target: &Action, ctx: &RuleContext) -> Verdict {
    let deny = |reason: String, rule: &'static str| Verdict::Denied(Denial { reason, rule });
    if ctx.gstr3b_filed {
        return deny(
            "GSTR-3B for this period is filed; IMS actions are locked".into(),
            "domain.md rule 6",
        );
    }
    match target {
        Action::NoAction => {
            return deny("use Reset to return a record to No action".into(), "api.md §3.3");
        }
        Action::Other(c) => return deny(format!("{c:?} is not an IMS action"), "api.md §3.3"),
        _ => {}
    }
    if section.goods() == GoodsType::Imports && *target == Action::Rejected {
        return deny(
            "imports (bills of entry) can be accepted or kept pending, not rejected".into(),
            "domain.md rule 14",
        );
    }
    if !section.api_actionable() {
        return deny(
            format!(
                "{} records can be counted but not acted on through the API",
                section.goods().label()
            ),
            "domain.md rule 4",
        );
    }
    if rec.action == *target {
        return Verdict::NoChange;
    }
    if *target == Action::Pending {
        if rec.pending_blocked() {
            return deny(
                "GSTN marks this record as not allowed to stay pending (ispendactblocked = Y)".into(),
                "domain.md rule 13",
            );
        }
        if is_specified_record(section) {
            match rec.return_period() {
                Some(p) if p < specified_pending_start() => {
                    return deny(
                        format!(
                            "credit notes of periods before Oct 2025 cannot be kept pending ({} is earlier)",
                            p
                        ),
                        "domain.md rule 11",
                    );
                }
                Some(p) if ctx.today > pending_deadline(p) => {
                    return deny(
                        format!(
                            "the pending window for this {} ended on {} (GSTR-3B due date of the following period)",
                            section.short(),
                            period::fmt_dash(pending_deadline(p))
                        ),
                        "domain.md rule 12",
                    );
                }
                _ => {}
            }
        }
    }
    let mut needs = Vec::new();
    if *target == Action::Accepted && needs_itc_declaration(section, rec) {
        needs.push(Requirement::ItcReductionDeclaration);
    }
    let remarks_allowed = matches!(target, Action::Rejected | Action::Pending)
        && !rec.remarks_blocked.as_ref().is_some_and(YesNo::is_yes);
    Verdict::Allowed { needs, remarks_allowed }
}

/// Accepting a credit note or CN amendment asks whether ITC must be reduced. For other
/// amendments the portal tells us through `isItcRedReqBlocked = N`.
pub fn needs_itc_declaration(section: Section, rec: &ImsRecord) -> bool {
    if rec.itc_red_req_blocked.as_ref().is_some_and(YesNo::is_yes) {
        return false;
    }
    section.is_credit_note() || (section.is_amendment() && matches!(rec.itc_red_req_blocked, Some(YesNo::No)))
}

/// Whether a record may be reset to No action.
pub fn check_reset(section: Section, rec: &ImsRecord, ctx: &RuleContext) -> Verdict {
    if ctx.gstr3b_filed {
        return Verdict::Denied(Denial {
            reason: "GSTR-3B for this period is filed; IMS actions are locked".into(),
            rule: "domain.md rule 6",
        });
    }
    if !section.api_actionable() {
        return Verdict::Denied(Denial {
            reason: format!("{} records cannot be reset through the API", section.goods().label()),
            rule: "domain.md rule 4",
        });
    }
    if rec.action == Action::NoAction {
        return Verdict::NoChange;
    }
    Verdict::Allowed {
        needs: vec![],
        remarks_allowed: false,
    }
}

/// Declared ITC reduction when accepting a credit note (`itcRedReq` + `decl*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItcReduction {
    /// ITC was availed and is reduced in full: `itcRedReq = Y`, no amounts.
    Full,
    /// ITC was never availed: `itcRedReq = N`.
    None,
    /// Partial: `itcRedReq = Y` with the declared amounts per head.
    Partial {
        igst: Money,
        cgst: Money,
        sgst: Money,
        cess: Money,
    },
}

impl ItcReduction {
    /// Declared amounts may not exceed the document's tax per head.
    pub fn validate(&self, rec: &ImsRecord) -> Result<(), String> {
        if let ItcReduction::Partial { igst, cgst, sgst, cess } = self {
            for (name, decl, max) in [
                ("declIgst", igst, rec.iamt),
                ("declCgst", cgst, rec.camt),
                ("declSgst", sgst, rec.samt),
                ("declCess", cess, rec.cess),
            ] {
                if decl.0.is_sign_negative() {
                    return Err(format!("{name}: must not be negative, found {decl}"));
                }
                if *decl > max {
                    return Err(format!("{name}: {decl} is more than the document's tax of {max}"));
                }
            }
        }
        Ok(())
    }
}

/// How GSTN treats a record left with No action when 2B is generated (`domain.md` §3.2).
pub const DEEMED_ACCEPTANCE: &str = "Records with no action are deemed accepted when GSTR-2B is generated \
(14th of the next month) and their ITC flows into GSTR-3B. Accepted records go to 'ITC available', \
rejected ones to 'ITC rejected', pending ones stay in IMS for a later period.";

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ctx() -> RuleContext {
        RuleContext {
            today: NaiveDate::from_ymd_opt(2025, 11, 10).unwrap(),
            gstr3b_filed: false,
        }
    }

    fn rec(action: Action) -> ImsRecord {
        ImsRecord {
            stin: "27AAPFU0939F1ZV".into(),
            rtnprd: "102025".into(),
            srcform: "R1".into(),
            inum: Some("INV/001".into()),
            idt: Some("05-10-2025".into()),
            inv_typ: Some("R".into()),
            action,
            pos: "27".into(),
            srcfilstatus: "Filed".into(),
            txval: Money(dec!(1000)),
            camt: Money(dec!(90)),
            samt: Money(dec!(90)),
            val: Money(dec!(1180)),
            ..Default::default()
        }
    }

    #[test]
    fn plain_invoice_can_be_accepted_rejected_pending() {
        let r = rec(Action::NoAction);
        for a in [Action::Accepted, Action::Rejected, Action::Pending] {
            assert!(
                matches!(check_action(Section::B2b, &r, &a, &ctx()), Verdict::Allowed { .. }),
                "{a}"
            );
        }
    }

    #[test]
    fn same_action_is_no_change() {
        let r = rec(Action::Accepted);
        assert_eq!(
            check_action(Section::B2b, &r, &Action::Accepted, &ctx()),
            Verdict::NoChange
        );
    }

    #[test]
    fn pending_blocked_flag_denies_pending_only() {
        let mut r = rec(Action::NoAction);
        r.ispendactblocked = YesNo::Yes;
        let v = check_action(Section::B2b, &r, &Action::Pending, &ctx());
        assert!(matches!(&v, Verdict::Denied(d) if d.rule.contains("13")), "{v:?}");
        assert!(matches!(
            check_action(Section::B2b, &r, &Action::Rejected, &ctx()),
            Verdict::Allowed { .. }
        ));
    }

    #[test]
    fn credit_note_accept_needs_declaration() {
        let mut r = rec(Action::NoAction);
        r.inum = None;
        r.nt_num = Some("CN-1".into());
        match check_action(Section::B2bCn, &r, &Action::Accepted, &ctx()) {
            Verdict::Allowed { needs, .. } => assert_eq!(needs, vec![Requirement::ItcReductionDeclaration]),
            v => panic!("{v:?}"),
        }
        // Not for a plain invoice.
        match check_action(Section::B2b, &rec(Action::NoAction), &Action::Accepted, &ctx()) {
            Verdict::Allowed { needs, .. } => assert!(needs.is_empty()),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn old_credit_notes_cannot_be_pending() {
        let mut r = rec(Action::NoAction);
        r.rtnprd = "092025".into();
        let v = check_action(Section::B2bCn, &r, &Action::Pending, &ctx());
        assert!(matches!(&v, Verdict::Denied(d) if d.rule.contains("11")), "{v:?}");
    }

    #[test]
    fn credit_note_pending_window_closes() {
        let r = rec(Action::NoAction); // Oct 2025 → pending until 20-12-2025
        assert_eq!(
            pending_deadline(ReturnPeriod::new(2025, 10).unwrap()).to_string(),
            "2025-12-20"
        );
        let late = RuleContext {
            today: NaiveDate::from_ymd_opt(2025, 12, 21).unwrap(),
            ..ctx()
        };
        let v = check_action(Section::B2bCn, &r, &Action::Pending, &late);
        assert!(
            matches!(&v, Verdict::Denied(d) if d.reason.contains("20-12-2025")),
            "{v:?}"
        );
        let on_time = RuleContext {
            today: NaiveDate::from_ymd_opt(2025, 12, 20).unwrap(),
            ..ctx()
        };
        assert!(matches!(
            check_action(Section::B2bCn, &r, &Action::Pending, &on_time),
            Verdict::Allowed { .. }
        ));
    }

    #[test]
    fn imports_cannot_be_rejected_and_isd_is_read_only() {
        let r = rec(Action::NoAction);
        let v = check_action(Section::Impg, &r, &Action::Rejected, &ctx());
        assert!(matches!(&v, Verdict::Denied(d) if d.rule.contains("14")), "{v:?}");
        let v = check_action(Section::Isd, &r, &Action::Accepted, &ctx());
        assert!(matches!(&v, Verdict::Denied(d) if d.rule.contains("rule 4")), "{v:?}");
    }

    #[test]
    fn filed_period_is_read_only() {
        let c = RuleContext {
            gstr3b_filed: true,
            ..ctx()
        };
        assert!(matches!(
            check_action(Section::B2b, &rec(Action::NoAction), &Action::Accepted, &c),
            Verdict::Denied(_)
        ));
        assert!(matches!(
            check_reset(Section::B2b, &rec(Action::Accepted), &c),
            Verdict::Denied(_)
        ));
    }

    #[test]
    fn no_action_goes_through_reset() {
        let v = check_action(Section::B2b, &rec(Action::Accepted), &Action::NoAction, &ctx());
        assert!(matches!(v, Verdict::Denied(_)));
        assert!(matches!(
            check_reset(Section::B2b, &rec(Action::Accepted), &ctx()),
            Verdict::Allowed { .. }
        ));
        assert_eq!(
            check_reset(Section::B2b, &rec(Action::NoAction), &ctx()),
            Verdict::NoChange
        );
    }

    #[test]
    fn remarks_follow_reject_and_pending_unless_blocked() {
        let mut r = rec(Action::NoAction);
        assert!(matches!(
            check_action(Section::B2b, &r, &Action::Rejected, &ctx()),
            Verdict::Allowed {
                remarks_allowed: true,
                ..
            }
        ));
        assert!(matches!(
            check_action(Section::B2b, &r, &Action::Accepted, &ctx()),
            Verdict::Allowed {
                remarks_allowed: false,
                ..
            }
        ));
        r.remarks_blocked = Some(YesNo::Yes);
        assert!(matches!(
            check_action(Section::B2b, &r, &Action::Rejected, &ctx()),
            Verdict::Allowed {
                remarks_allowed: false,
                ..
            }
        ));
    }

    #[test]
    fn declared_reduction_cannot_exceed_tax() {
        let r = rec(Action::NoAction);
        let ok = ItcReduction::Partial {
            igst: Money::ZERO,
            cgst: Money(dec!(90)),
            sgst: Money(dec!(10)),
            cess: Money::ZERO,
        };
        assert!(ok.validate(&r).is_ok());
        let bad = ItcReduction::Partial {
            igst: Money(dec!(1)),
            cgst: Money::ZERO,
            sgst: Money::ZERO,
            cess: Money::ZERO,
        };
        assert!(bad.validate(&r).unwrap_err().contains("declIgst"));
    }

    #[test]
    fn records_round_trip_exactly_and_flag_oddities() {
        let json = r#"{"stin":"24ABCCU0123M1YZ","rtnprd":"102024","srcform":"R1","inum":"A/1","idt":"31-02-2024",
            "inv_typ":"R","action":"X","pos":"24","ispendactblocked":"N","srcfilstatus":"Not Filed","hash":"ab12",
            "val":1416666.19,"txval":1200000,"iamt":0,"camt":108333.10,"samt":108333.09,"cess":0,"newfield":1}"#;
        let r: ImsRecord = serde_json::from_str(json).unwrap();
        assert_eq!(r.camt.0, dec!(108333.10));
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains("\"val\":1416666.19"), "{back}");
        assert!(back.contains("\"camt\":108333.10"), "{back}");
        let fields: Vec<_> = r.flags().iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["stin", "idt/nt_dt", "action"]);
        assert!(!r.supplier_filed());
    }

    #[test]
    fn sections_parse_and_map() {
        assert_eq!(Section::parse("cn").unwrap(), Section::B2bCn);
        assert_eq!(Section::parse("B2BCN").unwrap().query(), Some("CN"));
        assert!(Section::parse("xyz").unwrap_err().contains("expected"));
        assert_eq!(GoodsType::parse("isd").unwrap().group_key(), "inv_supp_isd");
        assert_eq!(Action::parse("no-action").unwrap(), Action::NoAction);
        assert_eq!(Action::Pending.status_query(), Some("pending"));
    }
}
