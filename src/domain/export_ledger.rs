//! The export ledger (IGST refund on exports), derived from GSTR-1/1A and GSTR-3B because no
//! API serves it (`api.md` §8–9, `domain.md` §3.8).
//!
//! Per return period `p`:
//! - **credit** (R3B) = GSTR-3B Table 3.1(b) `sup_details.osup_zero.iamt` / `.csamt`;
//! - **debit** (R1, R1A) = Table 6A exports with payment (`exp`, `exp_typ WPAY`), plus
//!   Table 6B SEZ supplies with payment (`b2b`, `inv_typ SEWP`), plus Table 9A amendments
//!   (`expa` WPAY, `b2ba` SEWP) as *amended − original*, plus or minus export / SEZ notes:
//!   CDNUR `typ EXPWP`, CDNR `inv_typ SEWP` and their amendments (credit and refund notes
//!   `C`/`R` reduce the debit, debit notes `D` increase it; an amended note counts as
//!   *amended − original*).
//!
//! The balance per head (IGST, cess) is cumulated over every period given, in order, GSTR-1
//! before GSTR-3B within a period (GSTR-1 is filed first). While it is negative GSTN transmits
//! nothing to ICEGATE; the shortfall has to be paid through 3.1(b) of a later GSTR-3B.
//!
//! Nothing here is an official GSTN figure: callers must say so on screen ([`DERIVED_LABEL`]).
//! Data is never dropped: an amendment whose original is not among the periods given counts at
//! its full amended value and produces a warning that says so.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::period::ReturnPeriod;

/// The label every screen and report showing these figures carries.
pub const DERIVED_LABEL: &str = "computed from GSTR-1 and GSTR-3B; not an official GSTN figure";

// ---- Wire documents (GSTR-1 / GSTR-1A sections, GSTR-3B details) -------------------------------

/// `rt, txval, iamt, csamt` (EXP/EXPA items are flat; other sections wrap them in `itm_det`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemAmounts {
    #[serde(default)]
    pub rt: Money,
    #[serde(default)]
    pub txval: Money,
    #[serde(default)]
    pub iamt: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camt: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samt: Option<Money>,
    #[serde(default)]
    pub csamt: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberedItem {
    #[serde(default)]
    pub num: u32,
    #[serde(default)]
    pub itm_det: ItemAmounts,
}

/// An EXP / EXPA invoice. `oinum`/`oidt` only in EXPA.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpInvoice {
    pub inum: String,
    pub idt: String,
    #[serde(default)]
    pub val: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbnum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbdt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbpcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default)]
    pub itms: Vec<ItemAmounts>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpGroup {
    /// `WPAY` (with payment of IGST) or `WOPAY` (under LUT / bond).
    pub exp_typ: String,
    #[serde(default)]
    pub inv: Vec<ExpInvoice>,
}

/// A B2B / B2BA invoice (only the fields the export ledger needs; others are ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct B2bInvoice {
    pub inum: String,
    pub idt: String,
    #[serde(default)]
    pub val: Money,
    #[serde(default)]
    pub pos: String,
    /// `R`, `DE`, `SEWP`, `SEWOP`, `CBW`.
    #[serde(default)]
    pub inv_typ: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default)]
    pub itms: Vec<NumberedItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct B2bParty {
    pub ctin: String,
    #[serde(default)]
    pub inv: Vec<B2bInvoice>,
}

/// A CDNR / CDNRA / CDNUR / CDNURA note. `typ` only for unregistered notes, `inv_typ` only
/// for registered ones, `ont_num`/`ont_dt` only in amendments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub nt_num: String,
    pub nt_dt: String,
    /// `C` credit, `R` refund voucher, `D` debit.
    pub ntty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inv_typ: Option<String>,
    #[serde(default)]
    pub val: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idt: Option<String>,
    #[serde(default)]
    pub itms: Vec<NumberedItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteParty {
    pub ctin: String,
    #[serde(default)]
    pub nt: Vec<Note>,
}

/// The GSTR-1 (or GSTR-1A) sections of one period that feed the export ledger. Each field is
/// the `data.data` payload of its section endpoint (`{"exp": [...]}` and so on); an empty
/// section (`RET11416`) is simply empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gstr1Sections {
    #[serde(default)]
    pub exp: Vec<ExpGroup>,
    #[serde(default)]
    pub expa: Vec<ExpGroup>,
    #[serde(default)]
    pub b2b: Vec<B2bParty>,
    #[serde(default)]
    pub b2ba: Vec<B2bParty>,
    #[serde(default)]
    pub cdnr: Vec<NoteParty>,
    #[serde(default)]
    pub cdnra: Vec<NoteParty>,
    #[serde(default)]
    pub cdnur: Vec<Note>,
    #[serde(default)]
    pub cdnura: Vec<Note>,
}

/// The sections the export ledger reads, by their path segment and payload key.
pub const GSTR1_SECTIONS: [&str; 8] = ["exp", "expa", "b2b", "b2ba", "cdnr", "cdnra", "cdnur", "cdnura"];

impl Gstr1Sections {
    /// Merges a section payload (`{"<section>": [...]}`) into `self`.
    pub fn absorb(&mut self, payload: Gstr1Sections) {
        self.exp.extend(payload.exp);
        self.expa.extend(payload.expa);
        self.b2b.extend(payload.b2b);
        self.b2ba.extend(payload.b2ba);
        self.cdnr.extend(payload.cdnr);
        self.cdnra.extend(payload.cdnra);
        self.cdnur.extend(payload.cdnur);
        self.cdnura.extend(payload.cdnura);
    }

    pub fn is_empty(&self) -> bool {
        *self == Gstr1Sections::default()
    }
}

/// The sections of [`GSTR1_SECTIONS`] that a GSTR-1 (or GSTR-1A) summary lists with records,
/// in [`GSTR1_SECTIONS`] order: the only ones worth a call.
///
/// `summary` is the summary's `data.data` (`…/gstrs/gstr-1/{year}/{month}`; api.md §8.1 gives
/// no schema, GSTN's summary is `{ ret_period, summ_typ, sec_sum: [{ sec_nm, ttl_rec, ttl_val,
/// ttl_igst, ttl_cess, … }] }`). Other sections (`B2CS`, `HSN`, `DOC_ISSUE`, …) are ignored; a
/// section of ours the summary leaves out has no records. A section of ours whose `ttl_rec` is
/// missing or not a count is kept (fetched), and so is one whose count is 0 but whose totals
/// are not: the summary may only save calls, never hide a document. `Err` names what was not
/// understood (no `sec_sum` list, an entry without `sec_nm`); the caller then fetches every
/// section.
pub fn sections_with_records(summary: &serde_json::Value) -> Result<Vec<&'static str>, String> {
    use serde_json::Value;
    let Some(entries) = summary.get("sec_sum") else {
        return Err("no sec_sum in the summary".into());
    };
    let Some(entries) = entries.as_array() else {
        return Err(format!("sec_sum is not a list: {}", json_kind(entries)));
    };
    let count = |v: Option<&Value>| -> Option<u64> {
        match v? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let zero_amount = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => Money::parse(&n.to_string()).is_ok_and(|m| m.is_zero()),
        Some(Value::String(s)) => Money::parse(s).is_ok_and(|m| m.is_zero()),
        Some(_) => false,
    };
    let mut wanted = [false; GSTR1_SECTIONS.len()];
    for (i, e) in entries.iter().enumerate() {
        let Some(name) = e.get("sec_nm").and_then(Value::as_str) else {
            return Err(format!("sec_sum entry {} has no sec_nm", i + 1));
        };
        let name = name.trim().to_ascii_lowercase();
        let Some(k) = GSTR1_SECTIONS.iter().position(|s| *s == name) else {
            continue;
        };
        let empty = count(e.get("ttl_rec")) == Some(0)
            && ["ttl_val", "ttl_tax", "ttl_igst", "ttl_cess"]
                .iter()
                .all(|f| zero_amount(e.get(*f)));
        wanted[k] |= !empty;
    }
    Ok(GSTR1_SECTIONS
        .iter()
        .zip(wanted)
        .filter_map(|(s, w)| w.then_some(*s))
        .collect())
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupAmounts {
    #[serde(default)]
    pub txval: Money,
    #[serde(default)]
    pub iamt: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camt: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samt: Option<Money>,
    #[serde(default)]
    pub csamt: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupDetails {
    /// Table 3.1(a).
    #[serde(default)]
    pub osup_det: SupAmounts,
    /// Table 3.1(b), zero-rated supplies: the export ledger's credit.
    #[serde(default)]
    pub osup_zero: SupAmounts,
}

/// The part of GSTR-3B details (`getGstr3bDetails`) the export ledger needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gstr3bDetails {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub ret_period: String,
    #[serde(default)]
    pub sup_details: SupDetails,
}

// ---- The ledger -----------------------------------------------------------------------------

/// An IGST and a cess amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Heads {
    pub igst: Money,
    pub cess: Money,
}

impl Heads {
    pub fn new(igst: Money, cess: Money) -> Heads {
        Heads { igst, cess }
    }
    fn of(i: &ItemAmounts) -> Heads {
        Heads::new(i.iamt, i.csamt)
    }
    pub fn is_zero(&self) -> bool {
        self.igst.is_zero() && self.cess.is_zero()
    }
    pub fn is_negative(&self) -> bool {
        self.igst < Money::ZERO || self.cess < Money::ZERO
    }
}

impl std::ops::Add for Heads {
    type Output = Heads;
    fn add(self, o: Heads) -> Heads {
        Heads::new(self.igst + o.igst, self.cess + o.cess)
    }
}
impl std::ops::Sub for Heads {
    type Output = Heads;
    fn sub(self, o: Heads) -> Heads {
        Heads::new(self.igst - o.igst, self.cess - o.cess)
    }
}
impl std::ops::Neg for Heads {
    type Output = Heads;
    fn neg(self) -> Heads {
        Heads::new(-self.igst, -self.cess)
    }
}
impl std::ops::AddAssign for Heads {
    fn add_assign(&mut self, o: Heads) {
        *self = *self + o;
    }
}

/// Which return a ledger row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ReturnType {
    /// The opening row of a financial year: the balance carried from the years before.
    BroughtForward,
    R1,
    R1A,
    R3B,
}

impl fmt::Display for ReturnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            ReturnType::BroughtForward => "B/F",
            ReturnType::R1 => "R1",
            ReturnType::R1A => "R1A",
            ReturnType::R3B => "R3B",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DrCr {
    Credit,
    Debit,
}

impl fmt::Display for DrCr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            DrCr::Credit => "Credit",
            DrCr::Debit => "Debit",
        })
    }
}

/// One ledger row as on the portal, with the running balance after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub period: ReturnPeriod,
    pub ret_type: ReturnType,
    pub dr_cr: DrCr,
    /// Always as the portal shows it: a positive debit is a debit. A period whose notes exceed
    /// its invoices has a negative debit, shown as such.
    pub amount: Heads,
    pub balance: Heads,
}

/// The transaction breakup of one period (the "DOWNLOAD TRANSACTION AS CSV" columns). Notes
/// carry their sign: credit notes negative, debit notes positive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Breakup {
    pub period: Option<ReturnPeriod>,
    pub tbl6a: Heads,
    pub tbl9a: Heads,
    pub sez: Heads,
    pub cdnur: Heads,
    pub cdnura: Heads,
    /// CDNR and CDNRA (SEZ notes) together.
    pub cdnr: Heads,
    pub tbl3_1b: Heads,
    /// Whether GSTR-1 / GSTR-3B of the period were available.
    pub gstr1_filed: bool,
    pub gstr3b_filed: bool,
}

impl Breakup {
    /// Everything GSTR-1/1A adds to the debit side.
    pub fn debit(&self) -> Heads {
        self.tbl6a + self.tbl9a + self.sez + self.cdnur + self.cdnura + self.cdnr
    }
}

/// The returns of one period as fetched. `None` = not filed / not available.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodReturns {
    pub period: ReturnPeriod,
    pub gstr1: Option<Gstr1Sections>,
    pub gstr1a: Option<Gstr1Sections>,
    pub gstr3b: Option<Gstr3bDetails>,
}

impl PeriodReturns {
    /// GSTR-3B is filed (so GSTR-1 is too): what GSTN serves for the period will not change.
    pub fn is_filed(&self) -> bool {
        self.gstr3b.is_some()
    }
    /// Nothing filed at all: neither GSTR-3B nor any GSTR-1/1A document.
    pub fn is_blank(&self) -> bool {
        self.gstr3b.is_none() && self.gstr1.is_none() && self.gstr1a.is_none()
    }
}

/// A stretch of periods with a negative balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NegativeSpell {
    /// First period whose closing balance is negative: transmission to ICEGATE stops here.
    pub from: ReturnPeriod,
    /// The period whose 3.1(b) made the balance good again; `None` while still negative.
    pub cleared_in: Option<ReturnPeriod>,
    /// Most negative closing balance of the spell, per head.
    pub worst: Heads,
}

/// What the user has to do when the balance is negative now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    /// Positive amounts to pay through 3.1(b).
    pub pay: Heads,
    pub blocked_from: ReturnPeriod,
    /// The period after the last filed GSTR-3B: its 3.1(b) can make it good.
    pub pay_in: ReturnPeriod,
}

impl Shortfall {
    pub fn message(&self) -> String {
        format!(
            "Export ledger short by IGST ₹{} and cess ₹{}: invoices from {} onwards are not transmitted to \
             ICEGATE. Pay the shortfall through Table 3.1(b) of the GSTR-3B for {} (or any later one).",
            self.pay.igst, self.pay.cess, self.blocked_from, self.pay_in
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExportLedger {
    pub rows: Vec<LedgerRow>,
    pub breakup: Vec<Breakup>,
    /// Net balance after every period given (credit − debit), per head.
    pub balance: Heads,
    pub spells: Vec<NegativeSpell>,
    pub shortfall: Option<Shortfall>,
    /// Amendments without their original, unknown note types… (data kept, explained here).
    pub warnings: Vec<String>,
}

impl ExportLedger {
    /// The balance carried into `fy`: the closing balance of the last row before its April
    /// (zero when nothing was filed before).
    pub fn opening_balance(&self, fy: super::period::FinancialYear) -> Heads {
        let start = fy.periods()[0];
        self.rows
            .iter()
            .rfind(|r| r.period < start)
            .map(|r| r.balance)
            .unwrap_or_default()
    }

    /// The rows of `fy` as the portal lists them, opened by a "balance brought forward" row
    /// when anything was filed before the year (so the year's rows start from the true carried
    /// balance).
    pub fn year_rows(&self, fy: super::period::FinancialYear) -> Vec<LedgerRow> {
        let start = fy.periods()[0];
        let mut out = Vec::new();
        if self.rows.iter().any(|r| r.period < start) {
            // Shown like any other row: a negative balance is a (positive) debit.
            let b = self.opening_balance(fy);
            let (dr_cr, amount) = if b.is_negative() {
                (DrCr::Debit, -b)
            } else {
                (DrCr::Credit, b)
            };
            out.push(LedgerRow {
                period: start,
                ret_type: ReturnType::BroughtForward,
                dr_cr,
                amount,
                balance: b,
            });
        }
        out.extend(self.rows.iter().filter(|r| fy.contains(r.period)).cloned());
        out
    }

    /// The balance at the end of `fy` (or of the last period given, if earlier).
    pub fn closing_balance(&self, fy: super::period::FinancialYear) -> Heads {
        let end = *fy.periods().last().expect("twelve periods");
        self.rows
            .iter()
            .rfind(|r| r.period <= end)
            .map(|r| r.balance)
            .unwrap_or_default()
    }
}

fn sum_items(items: &[ItemAmounts]) -> Heads {
    items.iter().fold(Heads::default(), |a, i| a + Heads::of(i))
}

fn sum_numbered(items: &[NumberedItem]) -> Heads {
    items.iter().fold(Heads::default(), |a, i| a + Heads::of(&i.itm_det))
}

fn note_sign(n: &Note, warnings: &mut Vec<String>, period: ReturnPeriod) -> Heads {
    let v = sum_numbered(&n.itms);
    match n.ntty.trim().to_ascii_uppercase().as_str() {
        "C" | "R" => -v,
        "D" => v,
        other => {
            warnings.push(format!(
                "{period}: note {} has note type {other:?} (expected C, R or D); counted as a debit note",
                n.nt_num
            ));
            v
        }
    }
}

fn key(num: &str, date: &str) -> (String, String) {
    (num.trim().to_ascii_uppercase(), date.trim().to_string())
}

/// What has been reported so far for each document, so an amendment can count as
/// *amended − original* (and a second amendment as *new − previous amendment*).
#[derive(Default)]
struct Seen {
    exp: HashMap<(String, String), Heads>,
    sez: HashMap<(String, String), Heads>,
    cdnur: HashMap<(String, String), Heads>,
    cdnr: HashMap<(String, String), Heads>,
}

/// Amended value minus what was last reported under the original number and date; records
/// the new value under the document's (possibly new) number.
fn amend(
    seen: &mut HashMap<(String, String), Heads>,
    orig: (String, String),
    new: (String, String),
    amended: Heads,
    what: &str,
    period: ReturnPeriod,
    warnings: &mut Vec<String>,
) -> Heads {
    let before = match seen.remove(&orig) {
        Some(h) => h,
        None => {
            warnings.push(format!(
                "{period}: amended {what} {} (original {} of {}) has no original in the periods fetched; \
                 counted at its full amended value (IGST ₹{}, cess ₹{})",
                new.0, orig.0, orig.1, amended.igst, amended.cess
            ));
            Heads::default()
        }
    };
    seen.insert(new, amended);
    amended - before
}

fn is_wpay(t: &str) -> bool {
    t.trim().eq_ignore_ascii_case("WPAY")
}
fn is_sewp(t: &str) -> bool {
    t.trim().eq_ignore_ascii_case("SEWP")
}

/// The GSTR-1 or GSTR-1A part of one period's breakup.
fn breakup_of(s: &Gstr1Sections, period: ReturnPeriod, seen: &mut Seen, warnings: &mut Vec<String>) -> Breakup {
    let mut b = Breakup::default();
    for g in s.exp.iter().filter(|g| is_wpay(&g.exp_typ)) {
        for inv in &g.inv {
            let h = sum_items(&inv.itms);
            b.tbl6a += h;
            seen.exp.insert(key(&inv.inum, &inv.idt), h);
        }
    }
    for g in &s.expa {
        for inv in &g.inv {
            // A WOPAY amendment still replaces a WPAY original (its own IGST is zero).
            let amended = if is_wpay(&g.exp_typ) {
                sum_items(&inv.itms)
            } else {
                Heads::default()
            };
            let orig = key(
                inv.oinum.as_deref().unwrap_or(&inv.inum),
                inv.oidt.as_deref().unwrap_or(&inv.idt),
            );
            if !is_wpay(&g.exp_typ) && !seen.exp.contains_key(&orig) {
                continue; // LUT export amended, still under LUT: nothing to do with the ledger.
            }
            b.tbl9a += amend(
                &mut seen.exp,
                orig,
                key(&inv.inum, &inv.idt),
                amended,
                "export invoice",
                period,
                warnings,
            );
        }
    }
    for p in &s.b2b {
        for inv in p.inv.iter().filter(|i| is_sewp(&i.inv_typ)) {
            let h = sum_numbered(&inv.itms);
            b.sez += h;
            seen.sez.insert(key(&inv.inum, &inv.idt), h);
        }
    }
    for p in &s.b2ba {
        for inv in &p.inv {
            let orig = key(
                inv.oinum.as_deref().unwrap_or(&inv.inum),
                inv.oidt.as_deref().unwrap_or(&inv.idt),
            );
            if !is_sewp(&inv.inv_typ) && !seen.sez.contains_key(&orig) {
                continue;
            }
            let amended = if is_sewp(&inv.inv_typ) {
                sum_numbered(&inv.itms)
            } else {
                Heads::default()
            };
            // Table 9A holds amendments of 6A and 6B alike.
            b.tbl9a += amend(
                &mut seen.sez,
                orig,
                key(&inv.inum, &inv.idt),
                amended,
                "SEZ invoice",
                period,
                warnings,
            );
        }
    }
    let exp_note = |n: &Note| n.typ.as_deref().is_some_and(|t| t.trim().eq_ignore_ascii_case("EXPWP"));
    for n in s.cdnur.iter().filter(|n| exp_note(n)) {
        let h = note_sign(n, warnings, period);
        b.cdnur += h;
        seen.cdnur.insert(key(&n.nt_num, &n.nt_dt), h);
    }
    for n in &s.cdnura {
        let orig = key(
            n.ont_num.as_deref().unwrap_or(&n.nt_num),
            n.ont_dt.as_deref().unwrap_or(&n.nt_dt),
        );
        if !exp_note(n) && !seen.cdnur.contains_key(&orig) {
            continue;
        }
        let amended = if exp_note(n) {
            note_sign(n, warnings, period)
        } else {
            Heads::default()
        };
        b.cdnura += amend(
            &mut seen.cdnur,
            orig,
            key(&n.nt_num, &n.nt_dt),
            amended,
            "export note",
            period,
            warnings,
        );
    }
    let sez_note = |n: &Note| n.inv_typ.as_deref().is_some_and(is_sewp);
    for p in &s.cdnr {
        for n in p.nt.iter().filter(|n| sez_note(n)) {
            let h = note_sign(n, warnings, period);
            b.cdnr += h;
            seen.cdnr.insert(key(&n.nt_num, &n.nt_dt), h);
        }
    }
    for p in &s.cdnra {
        for n in &p.nt {
            let orig = key(
                n.ont_num.as_deref().unwrap_or(&n.nt_num),
                n.ont_dt.as_deref().unwrap_or(&n.nt_dt),
            );
            if !sez_note(n) && !seen.cdnr.contains_key(&orig) {
                continue;
            }
            let amended = if sez_note(n) {
                note_sign(n, warnings, period)
            } else {
                Heads::default()
            };
            b.cdnr += amend(
                &mut seen.cdnr,
                orig,
                key(&n.nt_num, &n.nt_dt),
                amended,
                "SEZ note",
                period,
                warnings,
            );
        }
    }
    b
}

fn add_breakup(a: &mut Breakup, b: &Breakup) {
    a.tbl6a += b.tbl6a;
    a.tbl9a += b.tbl9a;
    a.sez += b.sez;
    a.cdnur += b.cdnur;
    a.cdnura += b.cdnura;
    a.cdnr += b.cdnr;
}

/// Computes the ledger over `periods` (sorted here; give every period from the first one that
/// matters, since the balance is cumulative).
pub fn compute(periods: &[PeriodReturns]) -> ExportLedger {
    let mut ps: Vec<&PeriodReturns> = periods.iter().collect();
    ps.sort_by_key(|p| p.period);
    let mut out = ExportLedger::default();
    let mut seen = Seen::default();
    let mut bal = Heads::default();
    let mut open_spell: Option<NegativeSpell> = None;
    for p in ps {
        let mut b = Breakup {
            period: Some(p.period),
            gstr1_filed: p.gstr1.is_some(),
            gstr3b_filed: p.gstr3b.is_some(),
            ..Breakup::default()
        };
        for (ret_type, sections) in [(ReturnType::R1, &p.gstr1), (ReturnType::R1A, &p.gstr1a)] {
            let Some(s) = sections else { continue };
            let part = breakup_of(s, p.period, &mut seen, &mut out.warnings);
            let debit = part.debit();
            add_breakup(&mut b, &part);
            // An R1 row for every filed GSTR-1 (even a zero one: the portal lists it); R1A only
            // when it touches exports.
            if ret_type == ReturnType::R1 || !debit.is_zero() {
                bal = bal - debit;
                out.rows.push(LedgerRow {
                    period: p.period,
                    ret_type,
                    dr_cr: DrCr::Debit,
                    amount: debit,
                    balance: bal,
                });
            }
        }
        if let Some(r3b) = &p.gstr3b {
            let z = &r3b.sup_details.osup_zero;
            let credit = Heads::new(z.iamt, z.csamt);
            b.tbl3_1b = credit;
            bal += credit;
            out.rows.push(LedgerRow {
                period: p.period,
                ret_type: ReturnType::R3B,
                dr_cr: DrCr::Credit,
                amount: credit,
                balance: bal,
            });
        }
        out.breakup.push(b);
        match (&mut open_spell, bal.is_negative()) {
            (None, true) => {
                open_spell = Some(NegativeSpell {
                    from: p.period,
                    cleared_in: None,
                    worst: bal,
                })
            }
            (Some(s), true) => {
                s.worst = Heads::new(s.worst.igst.min(bal.igst), s.worst.cess.min(bal.cess));
            }
            (Some(_), false) => {
                let mut s = open_spell.take().expect("open spell");
                s.cleared_in = Some(p.period);
                out.spells.push(s);
            }
            (None, false) => {}
        }
    }
    if let Some(s) = open_spell {
        // The next GSTR-3B to be filed can make it good.
        let last = periods.iter().filter(|p| p.gstr3b.is_some()).map(|p| p.period).max();
        let pay_in = last.map(|p| p.next()).unwrap_or(s.from);
        out.shortfall = Some(Shortfall {
            pay: Heads::new((-bal.igst).max(Money::ZERO), (-bal.cess).max(Money::ZERO)),
            blocked_from: s.from,
            pay_in,
        });
        out.spells.push(s);
    }
    out.balance = bal;
    out
}

#[cfg(test)]
mod tests {

    /// A GSTR-1 summary as GSTN serves it (counts as numbers or strings, other sections, a
    /// counterparty breakup) selects only our sections that have records.
    #[test]
    fn summary_selects_only_sections_with_records() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{
              "gstin": "27AAKCA4821K1ZI", "ret_period": "112024", "summ_typ": "L", "chksum": "ab12",
              "sec_sum": [
                {"sec_nm": "B2B", "chksum": "c1", "ttl_rec": 3, "ttl_val": 118000.0, "ttl_tax": 100000.0,
                 "ttl_igst": 18000.0, "ttl_cgst": 0, "ttl_sgst": 0, "ttl_cess": 0,
                 "cpty_sum": [{"ctin": "27AAACS1234R1Z5", "ttl_rec": 3, "ttl_val": 118000.0}]},
                {"sec_nm": "B2CS", "ttl_rec": 12, "ttl_val": 5000.5},
                {"sec_nm": "EXP", "ttl_rec": "4", "ttl_val": "250000.00", "ttl_igst": "45000.00"},
                {"sec_nm": "EXPA", "ttl_rec": 0, "ttl_val": 0, "ttl_igst": 0, "ttl_cess": 0},
                {"sec_nm": "cdnur", "ttl_rec": 1},
                {"sec_nm": "CDNR", "ttl_rec": 0, "ttl_val": 0},
                {"sec_nm": "HSN", "ttl_rec": 7},
                {"sec_nm": "DOC_ISSUE", "ttl_doc_issued": 40, "ttl_doc_cancelled": 1, "net_doc_issued": 39}
              ]
            }"#,
        )
        .unwrap();
        assert_eq!(sections_with_records(&v).unwrap(), vec!["exp", "b2b", "cdnur"]);
    }

    /// Missing or odd fields never hide a section: no `ttl_rec`, a count that is not a number,
    /// a zero count with a non-zero total all mean "fetch it".
    #[test]
    fn summary_with_missing_or_odd_fields_keeps_the_section() {
        let v = serde_json::json!({ "sec_sum": [
            { "sec_nm": "EXP" },
            { "sec_nm": "B2BA", "ttl_rec": "many" },
            { "sec_nm": "CDNRA", "ttl_rec": 0, "ttl_igst": "12.50" },
            { "sec_nm": "CDNURA", "ttl_rec": null },
            { "sec_nm": "EXPA", "ttl_rec": 0, "ttl_igst": "0.00" },
            { "sec_nm": "NEW_SECTION_2030", "ttl_rec": 5 },
        ]});
        assert_eq!(
            sections_with_records(&v).unwrap(),
            vec!["exp", "b2ba", "cdnra", "cdnura"]
        );
        // An empty list: nothing to fetch.
        let none = serde_json::json!({ "ret_period": "042024", "sec_sum": [] });
        assert_eq!(sections_with_records(&none).unwrap(), Vec::<&str>::new());
    }

    /// A summary whose shape is not understood is an error (the caller fetches every section).
    #[test]
    fn summary_not_understood_is_an_error_naming_why() {
        let no_list = serde_json::json!({ "ret_period": "042024" });
        assert_eq!(
            sections_with_records(&no_list).unwrap_err(),
            "no sec_sum in the summary"
        );
        let not_list = serde_json::json!({ "sec_sum": { "EXP": 3 } });
        assert_eq!(
            sections_with_records(&not_list).unwrap_err(),
            "sec_sum is not a list: an object"
        );
        let nameless = serde_json::json!({ "sec_sum": [{ "sec_nm": "EXP", "ttl_rec": 1 }, { "ttl_rec": 2 }] });
        assert_eq!(
            sections_with_records(&nameless).unwrap_err(),
            "sec_sum entry 2 has no sec_nm"
        );
        assert!(sections_with_records(&serde_json::json!([])).is_err());
    }
    use super::*;
    use crate::domain::FinancialYear;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }
    fn p(s: &str) -> ReturnPeriod {
        ReturnPeriod::parse_user(s).unwrap()
    }
    fn item(txval: &str, iamt: &str, csamt: &str) -> ItemAmounts {
        ItemAmounts {
            rt: m("18"),
            txval: m(txval),
            iamt: m(iamt),
            csamt: m(csamt),
            ..Default::default()
        }
    }
    fn exp(typ: &str, inum: &str, idt: &str, iamt: &str, csamt: &str) -> ExpGroup {
        ExpGroup {
            exp_typ: typ.into(),
            inv: vec![ExpInvoice {
                inum: inum.into(),
                idt: idt.into(),
                itms: vec![item("0", iamt, csamt)],
                ..Default::default()
            }],
        }
    }
    fn r3b(iamt: &str, csamt: &str) -> Option<Gstr3bDetails> {
        let mut d = Gstr3bDetails::default();
        d.sup_details.osup_zero.iamt = m(iamt);
        d.sup_details.osup_zero.csamt = m(csamt);
        Some(d)
    }
    fn note(num: &str, ntty: &str, typ: &str, iamt: &str) -> Note {
        Note {
            nt_num: num.into(),
            nt_dt: "10-06-2024".into(),
            ntty: ntty.into(),
            typ: Some(typ.into()),
            itms: vec![NumberedItem {
                num: 1,
                itm_det: item("0", iamt, "0"),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn balanced_periods_stay_at_zero_and_lut_exports_do_not_count() {
        let r1 = Gstr1Sections {
            exp: vec![
                exp("WPAY", "E1", "05-04-2024", "18000", "500"),
                exp("WOPAY", "L1", "06-04-2024", "0", "0"),
            ],
            ..Default::default()
        };
        let l = compute(&[PeriodReturns {
            period: p("2024-04"),
            gstr1: Some(r1),
            gstr1a: None,
            gstr3b: r3b("18000", "500"),
        }]);
        assert_eq!(l.rows.len(), 2);
        assert_eq!(l.rows[0].ret_type, ReturnType::R1);
        assert_eq!(l.rows[0].amount, Heads::new(m("18000"), m("500")));
        assert_eq!(l.rows[0].balance, Heads::new(m("-18000"), m("-500")));
        assert_eq!(l.rows[1].dr_cr, DrCr::Credit);
        assert_eq!(l.balance, Heads::default());
        assert!(l.shortfall.is_none() && l.spells.is_empty() && l.warnings.is_empty());
    }

    /// April: 6A 50,000 + SEZ 9,000, 3.1(b) only 41,000 → −18,000 from April.
    /// May: 9A raises April's E1 from 50,000 to 54,000 (+4,000), CDNUR credit note −2,000,
    /// 3.1(b) 2,000 → −18,000 − 4,000 + 2,000 + 2,000 = −18,000: still blocked, pay in June.
    #[test]
    fn negative_balance_with_amendment_and_credit_note() {
        let april = Gstr1Sections {
            exp: vec![exp("WPAY", "E1", "05-04-2024", "50000", "0")],
            b2b: vec![B2bParty {
                ctin: "27AAKCA4821K1Z5".into(),
                inv: vec![B2bInvoice {
                    inum: "S1".into(),
                    idt: "09-04-2024".into(),
                    inv_typ: "SEWP".into(),
                    itms: vec![NumberedItem {
                        num: 1,
                        itm_det: item("50000", "9000", "0"),
                    }],
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        let mut amended = exp("WPAY", "E1", "05-04-2024", "54000", "0");
        amended.inv[0].oinum = Some("E1".into());
        amended.inv[0].oidt = Some("05-04-2024".into());
        let may = Gstr1Sections {
            expa: vec![amended],
            cdnur: vec![note("CN1", "C", "EXPWP", "2000"), note("CN2", "C", "B2CL", "700")],
            ..Default::default()
        };
        let l = compute(&[
            PeriodReturns {
                period: p("2024-05"),
                gstr1: Some(may),
                gstr1a: None,
                gstr3b: r3b("2000", "0"),
            },
            PeriodReturns {
                period: p("2024-04"),
                gstr1: Some(april),
                gstr1a: None,
                gstr3b: r3b("41000", "0"),
            },
        ]);
        let april = &l.breakup[0];
        assert_eq!(april.tbl6a.igst, m("50000"));
        assert_eq!(april.sez.igst, m("9000"));
        let may = &l.breakup[1];
        assert_eq!(may.tbl9a.igst, m("4000"));
        assert_eq!(may.cdnur.igst, m("-2000"), "B2CL note ignored, export note negative");
        assert_eq!(may.debit().igst, m("2000"));
        assert_eq!(l.rows[1].balance.igst, m("-18000"));
        assert_eq!(l.rows[2].amount.igst, m("2000"));
        assert_eq!(l.balance.igst, m("-18000"));
        let s = l.shortfall.as_ref().unwrap();
        assert_eq!(s.pay, Heads::new(m("18000"), m("0")));
        assert_eq!(s.blocked_from, p("2024-04"));
        assert_eq!(s.pay_in, p("2024-06"));
        assert!(s.message().contains("IGST ₹18,000.00"), "{}", s.message());
        assert_eq!(l.spells.len(), 1);
        assert_eq!(l.spells[0].cleared_in, None);
    }

    /// A spell that a later 3.1(b) clears; a debit note and an amended (reduced) credit note;
    /// cess short on its own.
    #[test]
    fn spell_cleared_later_notes_and_cess_alone() {
        let jun = Gstr1Sections {
            exp: vec![exp("WPAY", "E7", "03-06-2024", "10000", "1200")],
            cdnur: vec![note("CN9", "C", "EXPWP", "1000")],
            ..Default::default()
        };
        let mut cna = note("CN9A", "C", "EXPWP", "400");
        cna.ont_num = Some("CN9".into());
        cna.ont_dt = Some("10-06-2024".into());
        let jul = Gstr1Sections {
            cdnura: vec![cna],
            cdnr: vec![NoteParty {
                ctin: "27AAKCA4821K1Z5".into(),
                nt: vec![Note {
                    inv_typ: Some("SEWP".into()),
                    typ: None,
                    ..note("DN1", "D", "", "300")
                }],
            }],
            ..Default::default()
        };
        let l = compute(&[
            PeriodReturns {
                period: p("2024-06"),
                gstr1: Some(jun),
                gstr1a: None,
                // IGST 9,000 = 10,000 − 1,000 exactly; cess 1,000 of 1,200 → cess −200.
                gstr3b: r3b("9000", "1000"),
            },
            PeriodReturns {
                period: p("2024-07"),
                gstr1: Some(jul),
                gstr1a: None,
                // CDNURA: −400 − (−1,000) = +600; CDNR debit note +300 → debit 900.
                gstr3b: r3b("900", "200"),
            },
        ]);
        assert_eq!(l.breakup[1].cdnura.igst, m("600"));
        assert_eq!(l.breakup[1].cdnr.igst, m("300"));
        assert_eq!(l.rows[2].amount.igst, m("900"));
        assert_eq!(l.balance, Heads::default());
        assert!(l.shortfall.is_none());
        assert_eq!(
            l.spells,
            vec![NegativeSpell {
                from: p("2024-06"),
                cleared_in: Some(p("2024-07")),
                worst: Heads::new(m("0"), m("-200")),
            }]
        );
    }

    /// FY 2023-24 ends ₹15,000 short; FY 2024-25 opens with that balance brought forward,
    /// amends a February 2024 export (+2,500) and clears the spell in May 2024.
    /// Feb 24: −50,000 (cess −1,000) + 40,000 (cess +1,000) = −10,000 / 0.
    /// Mar 24: 6A 20,000 − credit note 3,000 = debit 17,000; + 12,000 → −15,000.
    /// Apr 24: 6A 30,000 (cess 500) + 9A 2,500 = 32,500 → −47,500; + 40,000 (cess 500) → −7,500 / 0.
    /// May 24: 10,000 → −17,500; + 17,500 → 0.
    #[test]
    fn balance_carries_across_the_year_boundary_while_negative() {
        let r1 = |s: Gstr1Sections| Some(s);
        let mut cn = note("CN1", "C", "EXPWP", "3000");
        cn.nt_dt = "20-03-2024".into();
        let mut e1a = exp("WPAY", "E1", "05-02-2024", "52500", "1000");
        e1a.inv[0].oinum = Some("E1".into());
        e1a.inv[0].oidt = Some("05-02-2024".into());
        let periods = vec![
            PeriodReturns {
                period: p("2024-02"),
                gstr1: r1(Gstr1Sections {
                    exp: vec![exp("WPAY", "E1", "05-02-2024", "50000", "1000")],
                    ..Default::default()
                }),
                gstr1a: None,
                gstr3b: r3b("40000", "1000"),
            },
            PeriodReturns {
                period: p("2024-03"),
                gstr1: r1(Gstr1Sections {
                    exp: vec![exp("WPAY", "E2", "02-03-2024", "20000", "0")],
                    cdnur: vec![cn],
                    ..Default::default()
                }),
                gstr1a: None,
                gstr3b: r3b("12000", "0"),
            },
            PeriodReturns {
                period: p("2024-04"),
                gstr1: r1(Gstr1Sections {
                    exp: vec![exp("WPAY", "E3", "04-04-2024", "30000", "500")],
                    expa: vec![e1a],
                    ..Default::default()
                }),
                gstr1a: None,
                gstr3b: r3b("40000", "500"),
            },
            PeriodReturns {
                period: p("2024-05"),
                gstr1: r1(Gstr1Sections {
                    exp: vec![exp("WPAY", "E4", "09-05-2024", "10000", "0")],
                    ..Default::default()
                }),
                gstr1a: None,
                gstr3b: r3b("17500", "0"),
            },
        ];
        let l = compute(&periods);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let fy23 = FinancialYear::new(2023);
        let fy24 = FinancialYear::new(2024);
        assert_eq!(l.closing_balance(fy23), Heads::new(m("-15000"), m("0")));
        assert_eq!(l.opening_balance(fy24), Heads::new(m("-15000"), m("0")));
        assert_eq!(l.opening_balance(fy23), Heads::default());
        // FY 2023-24 has no brought-forward row: nothing was filed before it.
        let y23 = l.year_rows(fy23);
        assert_eq!(y23.len(), 4);
        assert_eq!(y23[0].ret_type, ReturnType::R1);
        let y24 = l.year_rows(fy24);
        let got: Vec<(ReturnType, DrCr, Money, Money)> = y24
            .iter()
            .map(|r| (r.ret_type, r.dr_cr, r.amount.igst, r.balance.igst))
            .collect();
        assert_eq!(
            got,
            vec![
                (ReturnType::BroughtForward, DrCr::Debit, m("15000"), m("-15000")),
                (ReturnType::R1, DrCr::Debit, m("32500"), m("-47500")),
                (ReturnType::R3B, DrCr::Credit, m("40000"), m("-7500")),
                (ReturnType::R1, DrCr::Debit, m("10000"), m("-17500")),
                (ReturnType::R3B, DrCr::Credit, m("17500"), m("0")),
            ]
        );
        assert_eq!(y24[0].period, p("2024-04"));
        assert_eq!(
            y24[2].balance.cess,
            m("0"),
            "cess 1,000 + 500 debited, 1,000 + 500 paid"
        );
        assert_eq!(l.breakup[1].cdnur.igst, m("-3000"));
        assert_eq!(l.breakup[2].tbl9a, Heads::new(m("2500"), m("0")));
        assert_eq!(l.closing_balance(fy24), Heads::default());
        assert_eq!(
            l.spells,
            vec![NegativeSpell {
                from: p("2024-02"),
                cleared_in: Some(p("2024-05")),
                worst: Heads::new(m("-15000"), m("0")),
            }]
        );
        assert!(l.shortfall.is_none());
    }

    #[test]
    fn amendment_without_original_is_kept_and_explained() {
        let mut a = exp("WPAY", "E5", "01-09-2024", "700", "0");
        a.inv[0].oinum = Some("E4".into());
        a.inv[0].oidt = Some("01-03-2024".into());
        let l = compute(&[PeriodReturns {
            period: p("2024-09"),
            gstr1: Some(Gstr1Sections {
                expa: vec![a],
                ..Default::default()
            }),
            gstr1a: None,
            gstr3b: None,
        }]);
        assert_eq!(l.breakup[0].tbl9a.igst, m("700"));
        assert!(!l.breakup[0].gstr3b_filed);
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].contains("E4"), "{}", l.warnings[0]);
        let s = l.shortfall.as_ref().unwrap();
        assert_eq!(s.pay.igst, m("700"));
        assert_eq!(s.pay_in, p("2024-09"), "no GSTR-3B filed yet: this period's can pay");
    }

    #[test]
    fn sections_parse_from_gstn_json() {
        let s: Gstr1Sections = serde_json::from_str(
            r#"{"exp":[{"exp_typ":"WPAY","inv":[{"inum":"81542","idt":"12-02-2024","val":995048.36,
            "sbpcode":"ASB991","sbnum":"7896542","sbdt":"04-10-2019","itms":[{"txval":10000,"rt":5,"iamt":833.33,"csamt":100}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(sum_items(&s.exp[0].inv[0].itms), Heads::new(m("833.33"), m("100")));
        assert_eq!(s.exp[0].inv[0].sbpcode.as_deref(), Some("ASB991"));
    }
}
