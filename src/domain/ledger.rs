//! Ledgers: cash/ITC balance, electronic cash ledger, electronic credit (ITC) ledger and the
//! return-liability ledger, with the arithmetic checks of `api.md` §7.2.
//!
//! Field names are the wire names (serde), every number defaults to zero when absent, and
//! the documented spelling variants are accepted. The checks report warnings with the
//! difference; nothing here ever "fixes" a figure GSTN sent.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::money::Money;
use super::period::{self, ReturnPeriod};

/// Major heads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Head {
    Igst,
    Cgst,
    Sgst,
    Cess,
}
impl Head {
    pub const ALL: [Head; 4] = [Head::Igst, Head::Cgst, Head::Sgst, Head::Cess];
    pub fn label(self) -> &'static str {
        match self {
            Head::Igst => "IGST",
            Head::Cgst => "CGST",
            Head::Sgst => "SGST",
            Head::Cess => "CESS",
        }
    }
}

/// Credit or debit; unknown text kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TrType {
    Cr,
    #[default]
    Dr,
    Other(String),
}
impl TrType {
    pub fn code(&self) -> &str {
        match self {
            TrType::Cr => "Cr",
            TrType::Dr => "Dr",
            TrType::Other(s) => s,
        }
    }
}
impl Serialize for TrType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}
impl<'de> Deserialize<'de> for TrType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "cr" | "credit" => TrType::Cr,
            "dr" | "debit" => TrType::Dr,
            _ => TrType::Other(s),
        })
    }
}

/// Minor heads of one major head: tax, interest, penalty, fee, others (+ total where sent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinorHeads {
    #[serde(default)]
    pub tx: Money,
    #[serde(default)]
    pub intr: Money,
    #[serde(default)]
    pub pen: Money,
    #[serde(default)]
    pub fee: Money,
    #[serde(default)]
    pub oth: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tot: Option<Money>,
}
impl MinorHeads {
    pub fn sum(&self) -> Money {
        self.tx + self.intr + self.pen + self.fee + self.oth
    }
    /// `tot` when sent, else the sum of the minor heads.
    pub fn total(&self) -> Money {
        self.tot.unwrap_or_else(|| self.sum())
    }
    /// Builds with `tot` = sum (used by the simulator).
    pub fn with_total(tx: Money, intr: Money, pen: Money, fee: Money, oth: Money) -> Self {
        let mut m = MinorHeads {
            tx,
            intr,
            pen,
            fee,
            oth,
            tot: None,
        };
        m.tot = Some(m.sum());
        m
    }
}

// ---- Cash / ITC balance (`ledgers/bal/{y}/{m}`) -----------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashItcBalance {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub cash_bal: CashBalance,
    #[serde(default)]
    pub itc_bal: ItcBalance,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub itc_blck_bal: Option<ItcBlockedBalance>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBalance {
    #[serde(default)]
    pub igst: MinorHeads,
    #[serde(default)]
    pub cgst: MinorHeads,
    #[serde(default)]
    pub sgst: MinorHeads,
    #[serde(default)]
    pub cess: MinorHeads,
    #[serde(default)]
    pub igst_tot_bal: Money,
    #[serde(default)]
    pub cgst_tot_bal: Money,
    #[serde(default, alias = "sgst_total_bal")]
    pub sgst_tot_bal: Money,
    #[serde(default)]
    pub cess_tot_bal: Money,
}
impl CashBalance {
    pub fn head(&self, h: Head) -> (&MinorHeads, Money) {
        match h {
            Head::Igst => (&self.igst, self.igst_tot_bal),
            Head::Cgst => (&self.cgst, self.cgst_tot_bal),
            Head::Sgst => (&self.sgst, self.sgst_tot_bal),
            Head::Cess => (&self.cess, self.cess_tot_bal),
        }
    }
    pub fn total(&self) -> Money {
        Head::ALL.iter().map(|h| self.head(*h).1).sum()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcBalance {
    #[serde(default)]
    pub igst_bal: Money,
    #[serde(default)]
    pub cgst_bal: Money,
    #[serde(default)]
    pub sgst_bal: Money,
    #[serde(default)]
    pub cess_bal: Money,
}
impl ItcBalance {
    pub fn head(&self, h: Head) -> Money {
        match h {
            Head::Igst => self.igst_bal,
            Head::Cgst => self.cgst_bal,
            Head::Sgst => self.sgst_bal,
            Head::Cess => self.cess_bal,
        }
    }
    pub fn total(&self) -> Money {
        Head::ALL.iter().map(|h| self.head(*h)).sum()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcBlockedBalance {
    #[serde(default)]
    pub igst_blck_bal: Money,
    #[serde(default)]
    pub cgst_blck_bal: Money,
    #[serde(default)]
    pub sgst_blck_bal: Money,
    #[serde(default)]
    pub cess_blck_bal: Money,
}
impl ItcBlockedBalance {
    pub fn head(&self, h: Head) -> Money {
        match h {
            Head::Igst => self.igst_blck_bal,
            Head::Cgst => self.cgst_blck_bal,
            Head::Sgst => self.sgst_blck_bal,
            Head::Cess => self.cess_blck_bal,
        }
    }
}

// ---- Cash ledger (`ledgers/cash?from&to`) and liability ledger ---------------------------

/// Opening/closing line of the cash and liability ledgers. The schema names the heads
/// `igst…` in properties but `igstbal…` in its required list and examples: both accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadsLine {
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub tot_rng_bal: Money,
    #[serde(default, alias = "igst")]
    pub igstbal: MinorHeads,
    #[serde(default, alias = "cgst")]
    pub cgstbal: MinorHeads,
    #[serde(default, alias = "sgst")]
    pub sgstbal: MinorHeads,
    #[serde(default, alias = "cess")]
    pub cessbal: MinorHeads,
}
impl HeadsLine {
    pub fn head(&self, h: Head) -> &MinorHeads {
        match h {
            Head::Igst => &self.igstbal,
            Head::Cgst => &self.cgstbal,
            Head::Sgst => &self.sgstbal,
            Head::Cess => &self.cessbal,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashLedger {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub fr_dt: String,
    #[serde(default)]
    pub to_dt: String,
    #[serde(default)]
    pub op_bal: HeadsLine,
    #[serde(default)]
    pub cl_bal: HeadsLine,
    #[serde(default)]
    pub tr: Vec<CashTxn>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashTxn {
    #[serde(default)]
    pub dpt_dt: String,
    #[serde(default)]
    pub dpt_time: String,
    #[serde(default)]
    pub rpt_dt: String,
    #[serde(default, alias = "refNo")]
    pub ref_no: String,
    #[serde(default)]
    pub ret_period: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub tr_typ: TrType,
    #[serde(default)]
    pub tot_tr_amt: Money,
    #[serde(default)]
    pub tot_rng_bal: Money,
    #[serde(default)]
    pub igst: MinorHeads,
    #[serde(default)]
    pub cgst: MinorHeads,
    #[serde(default)]
    pub sgst: MinorHeads,
    #[serde(default)]
    pub cess: MinorHeads,
    #[serde(default)]
    pub igstbal: MinorHeads,
    #[serde(default)]
    pub cgstbal: MinorHeads,
    #[serde(default)]
    pub sgstbal: MinorHeads,
    #[serde(default)]
    pub cessbal: MinorHeads,
}

/// Return-liability ledger (`ledgers/tax/{y}/{m}?from&to`): no opening balance; `Dr` adds
/// liability, `Cr` discharges it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiabilityLedger {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub fr_dt: String,
    #[serde(default)]
    pub to_dt: String,
    #[serde(default)]
    pub cl_bal: HeadsLine,
    #[serde(default)]
    pub tr: Vec<LiabilityTxn>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiabilityTxn {
    #[serde(default)]
    pub dt: String,
    #[serde(default, alias = "refNo")]
    pub ref_no: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub tr_typ: TrType,
    #[serde(default)]
    pub dschrg_typ: String,
    #[serde(default)]
    pub tot_tr_amt: Money,
    #[serde(default)]
    pub tot_rng_bal: Money,
    #[serde(default)]
    pub igst: MinorHeads,
    #[serde(default)]
    pub cgst: MinorHeads,
    #[serde(default)]
    pub sgst: MinorHeads,
    #[serde(default)]
    pub cess: MinorHeads,
    #[serde(default)]
    pub igstbal: MinorHeads,
    #[serde(default)]
    pub cgstbal: MinorHeads,
    #[serde(default)]
    pub sgstbal: MinorHeads,
    #[serde(default)]
    pub cessbal: MinorHeads,
}

/// Shared view of a cash-style entry (minor heads per major head).
trait HeadsTxn {
    fn tr_typ(&self) -> &TrType;
    fn movement(&self, h: Head) -> &MinorHeads;
    fn balance(&self, h: Head) -> &MinorHeads;
    fn tot_tr_amt(&self) -> Money;
    fn tot_rng_bal(&self) -> Money;
    fn date(&self) -> &str;
    fn reference(&self) -> &str;
}

macro_rules! heads_txn {
    ($t:ty, $date:ident) => {
        impl HeadsTxn for $t {
            fn tr_typ(&self) -> &TrType {
                &self.tr_typ
            }
            fn movement(&self, h: Head) -> &MinorHeads {
                match h {
                    Head::Igst => &self.igst,
                    Head::Cgst => &self.cgst,
                    Head::Sgst => &self.sgst,
                    Head::Cess => &self.cess,
                }
            }
            fn balance(&self, h: Head) -> &MinorHeads {
                match h {
                    Head::Igst => &self.igstbal,
                    Head::Cgst => &self.cgstbal,
                    Head::Sgst => &self.sgstbal,
                    Head::Cess => &self.cessbal,
                }
            }
            fn tot_tr_amt(&self) -> Money {
                self.tot_tr_amt
            }
            fn tot_rng_bal(&self) -> Money {
                self.tot_rng_bal
            }
            fn date(&self) -> &str {
                &self.$date
            }
            fn reference(&self) -> &str {
                &self.ref_no
            }
        }
    };
}
heads_txn!(CashTxn, rpt_dt);
heads_txn!(LiabilityTxn, dt);

impl CashTxn {
    pub fn movement_of(&self, h: Head) -> &MinorHeads {
        HeadsTxn::movement(self, h)
    }
    pub fn balance_of(&self, h: Head) -> &MinorHeads {
        HeadsTxn::balance(self, h)
    }
}
impl LiabilityTxn {
    pub fn movement_of(&self, h: Head) -> &MinorHeads {
        HeadsTxn::movement(self, h)
    }
    pub fn balance_of(&self, h: Head) -> &MinorHeads {
        HeadsTxn::balance(self, h)
    }
}

// ---- ITC ledger (`ledgers/itc?from&to`) --------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcLedger {
    #[serde(default, rename = "itcLdgDtls")]
    pub details: ItcLedgerDetails,
    #[serde(default, rename = "provCrdBalList", skip_serializing_if = "Option::is_none")]
    pub provisional: Option<ProvisionalList>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcLedgerDetails {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub fr_dt: String,
    #[serde(default)]
    pub to_dt: String,
    #[serde(default)]
    pub op_bal: ItcLine,
    #[serde(default)]
    pub cl_bal: ItcLine,
    #[serde(default)]
    pub tr: Vec<ItcTxn>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcLine {
    #[serde(default)]
    pub desc: String,
    #[serde(default, rename = "igstTaxBal")]
    pub igst: Money,
    #[serde(default, rename = "cgstTaxBal")]
    pub cgst: Money,
    #[serde(default, rename = "sgstTaxBal")]
    pub sgst: Money,
    #[serde(default, rename = "cessTaxBal")]
    pub cess: Money,
    #[serde(default)]
    pub tot_rng_bal: Money,
}
impl ItcLine {
    pub fn head(&self, h: Head) -> Money {
        match h {
            Head::Igst => self.igst,
            Head::Cgst => self.cgst,
            Head::Sgst => self.sgst,
            Head::Cess => self.cess,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItcTxn {
    #[serde(default)]
    pub dt: String,
    #[serde(default, alias = "refNo")]
    pub ref_no: String,
    #[serde(default)]
    pub ret_period: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub tr_typ: TrType,
    #[serde(default, rename = "igstTaxAmt")]
    pub igst_amt: Money,
    #[serde(default, rename = "cgstTaxAmt")]
    pub cgst_amt: Money,
    #[serde(default, rename = "sgstTaxAmt")]
    pub sgst_amt: Money,
    #[serde(default, rename = "cessTaxAmt")]
    pub cess_amt: Money,
    #[serde(default, rename = "igstTaxBal")]
    pub igst_bal: Money,
    #[serde(default, rename = "cgstTaxBal")]
    pub cgst_bal: Money,
    #[serde(default, rename = "sgstTaxBal")]
    pub sgst_bal: Money,
    #[serde(default, rename = "cessTaxBal")]
    pub cess_bal: Money,
    #[serde(default)]
    pub tot_tr_amt: Money,
    #[serde(default)]
    pub tot_rng_bal: Money,
    #[serde(default, rename = "taxOffDesg", skip_serializing_if = "Option::is_none")]
    pub tax_officer_designation: Option<String>,
    #[serde(default, rename = "taxOffNam", skip_serializing_if = "Option::is_none")]
    pub tax_officer_name: Option<String>,
    #[serde(default, rename = "taxOffJursd", skip_serializing_if = "Option::is_none")]
    pub tax_officer_jurisdiction: Option<String>,
    #[serde(default, rename = "taxOffAdmn", skip_serializing_if = "Option::is_none")]
    pub tax_officer_administration: Option<String>,
}
impl ItcTxn {
    pub fn amount(&self, h: Head) -> Money {
        match h {
            Head::Igst => self.igst_amt,
            Head::Cgst => self.cgst_amt,
            Head::Sgst => self.sgst_amt,
            Head::Cess => self.cess_amt,
        }
    }
    pub fn balance(&self, h: Head) -> Money {
        match h {
            Head::Igst => self.igst_bal,
            Head::Cgst => self.cgst_bal,
            Head::Sgst => self.sgst_bal,
            Head::Cess => self.cess_bal,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionalList {
    #[serde(default, rename = "provCrdBal")]
    pub items: Vec<ProvisionalBalance>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionalBalance {
    #[serde(default)]
    pub ret_period: String,
    #[serde(default, rename = "igstProCrBal")]
    pub igst: Money,
    #[serde(default, rename = "cgstProCrBal")]
    pub cgst: Money,
    #[serde(default, rename = "sgstProCrBal")]
    pub sgst: Money,
    #[serde(default, rename = "cessProCrBal")]
    pub cess: Money,
    #[serde(default, rename = "totProCrBal")]
    pub total: Money,
}

// ---- Checks -------------------------------------------------------------------------------

/// One failed arithmetic rule: where, what we expected, what GSTN sent, and the difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerWarning {
    /// `R1`…`R8` of `api.md` §7.2.
    pub rule: &'static str,
    /// e.g. "row 3 (DI2304…) IGST".
    pub location: String,
    pub expected: Money,
    pub found: Money,
}
impl LedgerWarning {
    pub fn difference(&self) -> Money {
        self.found - self.expected
    }
}
impl fmt::Display for LedgerWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: expected {}, GSTN sent {} (difference {})",
            self.rule,
            self.location,
            self.expected,
            self.found,
            self.difference()
        )
    }
}

struct Checker {
    out: Vec<LedgerWarning>,
}
impl Checker {
    fn eq(&mut self, rule: &'static str, location: impl FnOnce() -> String, expected: Money, found: Money) {
        if expected != found {
            self.out.push(LedgerWarning {
                rule,
                location: location(),
                expected,
                found,
            });
        }
    }
    fn date_in(&mut self, row: usize, date: &str, from: &str, to: &str) {
        let (Some(d), Some(f), Some(t)) = (
            parse_ledger_date(date, false),
            parse_ledger_date(from, false),
            parse_ledger_date(to, true),
        ) else {
            return;
        };
        if d < f || d > t {
            self.out.push(LedgerWarning {
                rule: "R8",
                location: format!("row {row}: date {date} outside the range {from} – {to}"),
                expected: Money::ZERO,
                found: Money::ZERO,
            });
        }
    }
}

/// Ledger dates are `DD/MM/YYYY`, but the liability ledger's range comes as `MMYYYY`
/// (`api.md` §6.4). `end` picks the last day of such a month.
pub fn parse_ledger_date(s: &str, end: bool) -> Option<NaiveDate> {
    if let Some(d) = period::parse_date_lenient(s) {
        return Some(d);
    }
    ReturnPeriod::from_wire(s)
        .ok()
        .map(|p| if end { p.last_day() } else { p.first_day() })
}

fn row_label(i: usize, reference: &str) -> String {
    if reference.is_empty() {
        format!("row {}", i + 1)
    } else {
        format!("row {} ({reference})", i + 1)
    }
}

fn check_minor(c: &mut Checker, where_: &str, m: &MinorHeads) {
    if let Some(tot) = m.tot {
        c.eq("R4", || format!("{where_}: tot vs tx+intr+pen+fee+oth"), m.sum(), tot);
    }
}

/// Direction of a movement: +1 adds to the running balance, −1 takes from it.
fn sign(t: &TrType, credit_adds: bool) -> Option<i64> {
    match t {
        TrType::Cr => Some(if credit_adds { 1 } else { -1 }),
        TrType::Dr => Some(if credit_adds { -1 } else { 1 }),
        TrType::Other(_) => None,
    }
}

fn apply(bal: Money, amt: Money, s: i64) -> Money {
    if s > 0 { bal + amt } else { bal - amt }
}

fn check_heads_ledger<T: HeadsTxn>(
    c: &mut Checker,
    op: Option<&HeadsLine>,
    cl: &HeadsLine,
    tr: &[T],
    credit_adds: bool,
    range: (&str, &str),
) {
    for (name, line) in op.iter().map(|l| ("opening", *l)).chain([("closing", cl)]) {
        for h in Head::ALL {
            check_minor(c, &format!("{name} {}", h.label()), line.head(h));
        }
        let sum: Money = Head::ALL.iter().map(|h| line.head(*h).total()).sum();
        c.eq("R2", || format!("{name} total vs sum of heads"), sum, line.tot_rng_bal);
    }
    let mut prev: Option<[Money; 4]> = op.map(|o| Head::ALL.map(|h| o.head(h).total()));
    let mut prev_total: Option<Money> = op.map(|o| o.tot_rng_bal);
    for (i, t) in tr.iter().enumerate() {
        let label = row_label(i, t.reference());
        for h in Head::ALL {
            check_minor(c, &format!("{label} {} movement", h.label()), t.movement(h));
            check_minor(c, &format!("{label} {} balance", h.label()), t.balance(h));
        }
        let moved: Money = Head::ALL.iter().map(|h| t.movement(*h).total()).sum();
        c.eq(
            "R3",
            || format!("{label}: amount vs sum of heads"),
            moved,
            t.tot_tr_amt(),
        );
        let bal: Money = Head::ALL.iter().map(|h| t.balance(*h).total()).sum();
        c.eq(
            "R2",
            || format!("{label}: running total vs sum of heads"),
            bal,
            t.tot_rng_bal(),
        );
        if let (Some(p), Some(s)) = (prev, sign(t.tr_typ(), credit_adds)) {
            for (k, h) in Head::ALL.iter().enumerate() {
                let expected = apply(p[k], t.movement(*h).total(), s);
                c.eq(
                    "R1",
                    || format!("{label} {} running balance", h.label()),
                    expected,
                    t.balance(*h).total(),
                );
            }
        }
        if let (Some(p), Some(s)) = (prev_total, sign(t.tr_typ(), credit_adds)) {
            let expected = apply(p, t.tot_tr_amt(), s);
            c.eq("R1", || format!("{label} running total"), expected, t.tot_rng_bal());
        }
        prev = Some(Head::ALL.map(|h| t.balance(h).total()));
        prev_total = Some(t.tot_rng_bal());
        c.date_in(i + 1, t.date(), range.0, range.1);
    }
    if let Some(last) = tr.last() {
        for h in Head::ALL {
            c.eq(
                "R5",
                || format!("closing {} vs last row", h.label()),
                last.balance(h).total(),
                cl.head(h).total(),
            );
        }
    }
    if let Some(op) = op {
        for h in Head::ALL {
            let mut expected = op.head(h).total();
            for t in tr {
                if let Some(s) = sign(t.tr_typ(), credit_adds) {
                    expected = apply(expected, t.movement(h).total(), s);
                }
            }
            c.eq(
                "R6",
                || format!("closing {} vs opening + credits − debits", h.label()),
                expected,
                cl.head(h).total(),
            );
        }
    }
}

impl CashLedger {
    pub fn check(&self) -> Vec<LedgerWarning> {
        let mut c = Checker { out: vec![] };
        check_heads_ledger(
            &mut c,
            Some(&self.op_bal),
            &self.cl_bal,
            &self.tr,
            true,
            (&self.fr_dt, &self.to_dt),
        );
        c.out
    }
}

impl LiabilityLedger {
    pub fn check(&self) -> Vec<LedgerWarning> {
        let mut c = Checker { out: vec![] };
        check_heads_ledger(&mut c, None, &self.cl_bal, &self.tr, false, (&self.fr_dt, &self.to_dt));
        c.out
    }
}

impl ItcLedger {
    pub fn check(&self) -> Vec<LedgerWarning> {
        let d = &self.details;
        let mut c = Checker { out: vec![] };
        for (name, line) in [("opening", &d.op_bal), ("closing", &d.cl_bal)] {
            let sum: Money = Head::ALL.iter().map(|h| line.head(*h)).sum();
            c.eq("R2", || format!("{name} total vs sum of heads"), sum, line.tot_rng_bal);
        }
        let mut prev = Head::ALL.map(|h| d.op_bal.head(h));
        let mut prev_total = d.op_bal.tot_rng_bal;
        for (i, t) in d.tr.iter().enumerate() {
            let label = row_label(i, &t.ref_no);
            let moved: Money = Head::ALL.iter().map(|h| t.amount(*h)).sum();
            c.eq("R3", || format!("{label}: amount vs sum of heads"), moved, t.tot_tr_amt);
            let bal: Money = Head::ALL.iter().map(|h| t.balance(*h)).sum();
            c.eq(
                "R2",
                || format!("{label}: running total vs sum of heads"),
                bal,
                t.tot_rng_bal,
            );
            if let Some(s) = sign(&t.tr_typ, true) {
                for (k, h) in Head::ALL.iter().enumerate() {
                    let expected = apply(prev[k], t.amount(*h), s);
                    c.eq(
                        "R1",
                        || format!("{label} {} running balance", h.label()),
                        expected,
                        t.balance(*h),
                    );
                }
            }
            if let Some(s) = sign(&t.tr_typ, true) {
                c.eq(
                    "R1",
                    || format!("{label} running total"),
                    apply(prev_total, t.tot_tr_amt, s),
                    t.tot_rng_bal,
                );
            }
            prev = Head::ALL.map(|h| t.balance(h));
            prev_total = t.tot_rng_bal;
            c.date_in(i + 1, &t.dt, &d.fr_dt, &d.to_dt);
        }
        if let Some(last) = d.tr.last() {
            for h in Head::ALL {
                c.eq(
                    "R5",
                    || format!("closing {} vs last row", h.label()),
                    last.balance(h),
                    d.cl_bal.head(h),
                );
            }
        }
        for h in Head::ALL {
            let mut expected = d.op_bal.head(h);
            for t in &d.tr {
                if let Some(s) = sign(&t.tr_typ, true) {
                    expected = apply(expected, t.amount(h), s);
                }
            }
            c.eq(
                "R6",
                || format!("closing {} vs opening + credits − debits", h.label()),
                expected,
                d.cl_bal.head(h),
            );
        }
        c.out
    }
}

impl CashItcBalance {
    /// R7: each head's total cash balance equals the sum of its minor heads.
    pub fn check(&self) -> Vec<LedgerWarning> {
        let mut c = Checker { out: vec![] };
        for h in Head::ALL {
            let (m, tot) = self.cash_bal.head(h);
            c.eq(
                "R7",
                || format!("cash {} total vs minor heads", h.label()),
                m.sum(),
                tot,
            );
        }
        c.out
    }
}

/// Stitches ledgers fetched in windows: the first window's opening, every window's entries in
/// order, the last window's closing (`api.md` §12). Checks run on the stitched result, so a
/// gap between windows shows up as an R1 warning at the seam.
pub fn stitch_cash(parts: Vec<CashLedger>) -> Option<CashLedger> {
    let mut it = parts.into_iter();
    let mut acc = it.next()?;
    for p in it {
        acc.to_dt = p.to_dt;
        acc.cl_bal = p.cl_bal;
        acc.tr.extend(p.tr);
    }
    Some(acc)
}

pub fn stitch_itc(parts: Vec<ItcLedger>) -> Option<ItcLedger> {
    let mut it = parts.into_iter();
    let mut acc = it.next()?;
    for p in it {
        acc.details.to_dt = p.details.to_dt;
        acc.details.cl_bal = p.details.cl_bal;
        acc.details.tr.extend(p.details.tr);
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn m(v: rust_decimal::Decimal) -> Money {
        Money(v)
    }

    fn itc_example() -> ItcLedger {
        // Two entries in the documented shape; consistent by construction.
        serde_json::from_str(
            r#"{"itcLdgDtls":{"gstin":"24AAACQ3770E1ZP","fr_dt":"01/01/2023","to_dt":"01/01/2024",
            "op_bal":{"desc":"Opening Balance","igstTaxBal":0,"cgstTaxBal":0,"sgstTaxBal":0,"cessTaxBal":0,"tot_rng_bal":0},
            "cl_bal":{"desc":"Closing Balance","igstTaxBal":70000,"cgstTaxBal":3789,"sgstTaxBal":3789,"cessTaxBal":0,"tot_rng_bal":77578},
            "tr":[{"dt":"19/01/2023","ref_no":"AB2401230012345","ret_period":"122022","desc":"ITC accrued through - Inputs","tr_typ":"Cr",
                   "igstTaxAmt":75088,"cgstTaxAmt":3789,"sgstTaxAmt":3789,"cessTaxAmt":0,"igstTaxBal":75088,"cgstTaxBal":3789,"sgstTaxBal":3789,"cessTaxBal":0,
                   "tot_tr_amt":82666,"tot_rng_bal":82666},
                  {"dt":"20/01/2023","ref_no":"DI2401230001","ret_period":"122022","desc":"Other than reverse charge","tr_typ":"Dr",
                   "igstTaxAmt":5088,"cgstTaxAmt":0,"sgstTaxAmt":0,"cessTaxAmt":0,"igstTaxBal":70000,"cgstTaxBal":3789,"sgstTaxBal":3789,"cessTaxBal":0,
                   "tot_tr_amt":5088,"tot_rng_bal":77578}]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn consistent_itc_ledger_has_no_warnings() {
        assert_eq!(itc_example().check(), vec![]);
    }

    #[test]
    fn broken_itc_ledger_reports_difference_without_fixing() {
        let mut l = itc_example();
        l.details.cl_bal.igst = m(dec!(70010));
        l.details.cl_bal.tot_rng_bal = m(dec!(77588));
        let w = l.check();
        let r6 = w.iter().find(|w| w.rule == "R6").expect("R6");
        assert_eq!(r6.expected, m(dec!(70000)));
        assert_eq!(r6.found, m(dec!(70010)));
        assert_eq!(r6.difference(), m(dec!(10)));
        assert!(w.iter().any(|w| w.rule == "R5"));
        // The figure is untouched.
        assert_eq!(l.details.cl_bal.igst, m(dec!(70010)));
    }

    #[test]
    fn liability_mock_example_fails_as_documented() {
        // The documented liability ledger mock (api.md §6.4): rows 3-4 are Cr 24 with zero heads.
        let heads = |t: i64, tot: i64| MinorHeads {
            tx: Money::from(t),
            intr: Money::from(t),
            pen: Money::from(t),
            fee: Money::from(t),
            oth: Money::from(t),
            tot: Some(Money::from(tot)),
        };
        let row = |typ: TrType, amt: MinorHeads, bal: MinorHeads, tot_tr: i64, rng: i64| LiabilityTxn {
            dt: "09/03/2017".into(),
            tr_typ: typ,
            tot_tr_amt: Money::from(tot_tr),
            tot_rng_bal: Money::from(rng),
            igst: amt.clone(),
            cgst: amt.clone(),
            sgst: amt.clone(),
            cess: amt,
            igstbal: bal.clone(),
            cgstbal: bal.clone(),
            sgstbal: bal.clone(),
            cessbal: bal,
            ..Default::default()
        };
        let l = LiabilityLedger {
            fr_dt: "092018".into(),
            to_dt: "122018".into(),
            cl_bal: HeadsLine {
                tot_rng_bal: Money::from(24),
                igstbal: heads(1, 6),
                cgstbal: heads(1, 6),
                sgstbal: heads(1, 6),
                cessbal: heads(1, 6),
                ..Default::default()
            },
            tr: vec![
                row(TrType::Dr, heads(2, 12), heads(2, 12), 48, 48),
                row(TrType::Cr, heads(1, 6), heads(1, 6), 24, 24),
                row(TrType::Cr, heads(0, 0), heads(1, 6), 24, 24),
            ],
            ..Default::default()
        };
        let rules: std::collections::BTreeSet<_> = l.check().iter().map(|w| w.rule).collect();
        for r in ["R1", "R3", "R4", "R8"] {
            assert!(rules.contains(r), "{r} missing from {rules:?}");
        }
    }

    #[test]
    fn cash_balance_totals() {
        let b: CashItcBalance = serde_json::from_str(
            r#"{"gstin":"x","cash_bal":{"igst":{"tx":100,"intr":5,"pen":0,"fee":0,"oth":0},"igst_tot_bal":105,
                "cgst":{"tx":1},"cgst_tot_bal":2},"itc_bal":{"igst_bal":10.5}}"#,
        )
        .unwrap();
        let w = b.check();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].location, "cash CGST total vs minor heads");
        assert_eq!(b.itc_bal.total(), m(dec!(10.5)));
        assert!(b.itc_blck_bal.is_none());
    }

    #[test]
    fn cash_ledger_accepts_both_spellings() {
        let l: CashLedger = serde_json::from_str(
            r#"{"fr_dt":"01/04/2024","to_dt":"30/04/2024","op_bal":{"igst":{"tx":10,"tot":10},"tot_rng_bal":10},
                "cl_bal":{"igstbal":{"tx":15,"tot":15},"tot_rng_bal":15},
                "tr":[{"rpt_dt":"02/04/2024","refNo":"CPIN1","tr_typ":"Cr","tot_tr_amt":5,"tot_rng_bal":15,
                        "igst":{"tx":5,"tot":5},"igstbal":{"tx":15,"tot":15}}]}"#,
        )
        .unwrap();
        assert_eq!(l.tr[0].ref_no, "CPIN1");
        assert_eq!(l.op_bal.igstbal.tx, Money::from(10));
        assert_eq!(l.check(), vec![]);
    }

    #[test]
    fn stitching_keeps_first_opening_and_last_closing() {
        let a = itc_example();
        let mut b = itc_example();
        b.details.tr.clear();
        b.details.to_dt = "30/06/2024".into();
        let s = stitch_itc(vec![a.clone(), b]).unwrap();
        assert_eq!(s.details.op_bal, a.details.op_bal);
        assert_eq!(s.details.to_dt, "30/06/2024");
        assert_eq!(s.details.tr.len(), 2);
    }
}
