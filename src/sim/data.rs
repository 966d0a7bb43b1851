//! Deterministic demo data: the three demo taxpayers, their suppliers, their IMS records and
//! their ISD / import counts. Same seed ⇒ same data, byte for byte.
//!
//! Records are stored compactly ([`Rec`]: amounts in paise, text in one arena per taxpayer,
//! enums as bytes; about 130 bytes a record with its text) and turned into the crate's [`ImsRecord`] only
//! when a response is written, so 200,000 records cost a few tens of MB and generate in well
//! under a second (release).
//!
//! **Deliberate oddities** (so the app's "flag, never drop" path has something to flag):
//! - about 0.5% of suppliers (every supplier whose index is 77 modulo 200, i.e. 2 of 300) have
//!   a GSTIN whose check character is wrong; all their records carry that `stin`;
//! - a handful of records (3 + 1 per 5,000) have a document date that is not a valid
//!   `DD-MM-YYYY` date (`30-02-2025`, `15/03/2025`, `2025-03-15`).
//!
//! Everything else is valid: GSTINs pass the check digit, dates are real `DD-MM-YYYY` dates
//! inside the record's return period, document numbers match `[A-Za-z0-9/-]{1,16}` and are
//! unique per supplier, and amounts follow the GST arithmetic (intra-state CGST = SGST,
//! inter-state IGST, `val = txval + taxes + cess`).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::rng::{Rng, fnv, mix};
use crate::api::wire::{CountGroup, SectionName};
use crate::domain::gstin::build_normal;
use crate::domain::ims::{Action, GoodsType, ImsRecord, RecordKey, Section, StatusCounts, YesNo, pending_deadline};
use crate::domain::money::Money;
use crate::domain::period::{self, FinancialYear, ReturnPeriod};

/// A demo taxpayer's fixed identity.
pub(crate) struct Profile {
    pub username: &'static str,
    pub trade_name: &'static str,
    pub state: &'static str,
    pub pan: &'static str,
}

/// The three demo taxpayers: a Maharashtra company, a Tamil Nadu LLP, an Uttar Pradesh company.
/// PANs follow the PAN layout (4th letter = holder type, 5th = initial of the name).
pub(crate) const PROFILES: [Profile; 3] = [
    Profile {
        username: "acme.traders",
        trade_name: "Acme Traders Pvt Ltd",
        state: "27",
        pan: "AAKCA4821K",
    },
    Profile {
        username: "sundaram.textiles",
        trade_name: "Sundaram Textiles LLP",
        state: "33",
        pan: "ACPFS7134M",
    },
    Profile {
        username: "ganga.agro",
        trade_name: "Ganga Agro Foods Pvt Ltd",
        state: "09",
        pan: "AAHCG5530P",
    },
];

pub(crate) const SUPPLIERS_PER_TAXPAYER: usize = 300;

/// IMS starts with the Oct-2024 period (`domain.md` rule 5).
pub(crate) fn ims_start() -> ReturnPeriod {
    ReturnPeriod::new(2024, 10).expect("valid")
}

/// Money from paise: whole rupees go out as JSON integers, the rest with two decimals, the
/// way GSTN mixes `21150` and `1416666.19`.
pub(crate) fn money(paise: i64) -> Money {
    if paise % 100 == 0 {
        Money(Decimal::from(paise / 100))
    } else {
        Money(Decimal::new(paise, 2))
    }
}

/// Paise of an amount with at most two decimals; `None` for finer amounts.
pub(crate) fn paise(m: Money) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    let scaled = m.0 * Decimal::from(100);
    if scaled.fract().is_zero() {
        scaled.to_i64()
    } else {
        None
    }
}

// ---- Suppliers ---------------------------------------------------------------------------

/// How a supplier numbers its documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Series {
    /// `INV/25-26/00042`, `CN/25-26/00007`
    Slash,
    /// `SB2526-0042`, `SBC2526-0007` (initials of the trade name)
    Compact,
    /// `001234`, `C000012`
    Plain,
    /// `SI-2510-0042`, `CN-2510-0007` (per month)
    Monthly,
}

#[derive(Clone, Debug)]
pub(crate) struct Supplier {
    pub gstin: String,
    pub trade_name: String,
    pub state: u8,
    /// The GSTIN fails the check digit on purpose.
    pub bad_gstin: bool,
    pub series: Series,
    initials: String,
}

const NAME_FIRST: [&str; 40] = [
    "Shree Balaji",
    "Om Sai",
    "Laxmi",
    "Ganesh",
    "Mahalaxmi",
    "Krishna",
    "Vardhman",
    "Jai Ambe",
    "Sri Venkateswara",
    "Annapurna",
    "Bharat",
    "Hindustan",
    "Kaveri",
    "Narmada",
    "Sahyadri",
    "Trident",
    "Apex",
    "Pioneer",
    "Sunrise",
    "Galaxy",
    "Royal",
    "National",
    "Modern",
    "Universal",
    "Prime",
    "Metro",
    "Siddhi Vinayak",
    "Patel",
    "Agarwal",
    "Mehta",
    "Reddy",
    "Iyer",
    "Kumar",
    "Shah",
    "Gupta",
    "Jain",
    "Desai",
    "Nair",
    "Ludhiana",
    "Kohinoor",
];
const NAME_SECOND: [&str; 20] = [
    "Traders",
    "Enterprises",
    "Industries",
    "Steel Works",
    "Packaging Pvt Ltd",
    "Polymers LLP",
    "Textiles",
    "Agencies",
    "Chemicals Ltd",
    "Logistics",
    "Electricals",
    "Hardware Stores",
    "Pharma Distributors",
    "Auto Components Pvt Ltd",
    "Paper Mills",
    "Food Products",
    "Plastics",
    "Engineering Works",
    "Fabrics",
    "Trading Co",
];
/// States suppliers come from besides the taxpayer's own (weighted towards the big ones).
const OTHER_STATES: [u8; 16] = [27, 29, 24, 33, 7, 9, 6, 36, 19, 8, 23, 32, 3, 10, 21, 27];

/// Index modulo 200 of the suppliers whose GSTIN is deliberately wrong (≈0.5%).
const BAD_GSTIN_RESIDUE: usize = 77;

pub(crate) fn gen_suppliers(seed: u64, taxpayer: usize, own_state: u8, count: usize) -> Vec<Supplier> {
    let mut rng = Rng::stream(seed, "suppliers", taxpayer as u64);
    // A shuffled walk through the 800 name combinations keeps names unique.
    let combos = NAME_FIRST.len() * NAME_SECOND.len();
    let step = [7usize, 11, 13, 17, 19, 23, 29, 31][rng.below(8) as usize];
    let start = rng.below(combos as u64) as usize;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let c = (start + i * step) % combos;
        let first = NAME_FIRST[c % NAME_FIRST.len()];
        let second = NAME_SECOND[c / NAME_FIRST.len()];
        let mut trade_name = format!("{first} {second}");
        if i >= combos {
            trade_name.push_str(&format!(" ({})", i / combos + 1));
        }
        let state = if rng.chance(0.55) {
            own_state
        } else {
            *rng.pick(&OTHER_STATES)
        };
        let holder = if second.ends_with("Ltd") {
            'C'
        } else if second.ends_with("LLP") {
            'F'
        } else {
            *rng.pick(&['F', 'P', 'F', 'H'])
        };
        let initial = first.chars().next().unwrap_or('A');
        let entity = if rng.chance(0.9) { '1' } else { '2' };
        let gstin = loop {
            let pan = format!(
                "{}{}{}{holder}{initial}{:04}{}",
                rng.letter(),
                rng.letter(),
                rng.letter(),
                rng.range(1, 9999),
                rng.letter()
            );
            let g = build_normal(&format!("{state:02}"), &pan, entity)
                .expect("generated GSTIN is valid")
                .as_str()
                .to_string();
            if seen.insert(g.clone()) {
                break g;
            }
        };
        let bad_gstin = i % 200 == BAD_GSTIN_RESIDUE;
        let gstin = if bad_gstin { corrupt_check_char(&gstin) } else { gstin };
        let initials: String = trade_name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .filter(|c| c.is_ascii_uppercase())
            .take(2)
            .collect();
        let initials = if initials.len() == 2 {
            initials
        } else {
            format!("{initials}X")
        };
        let series = [Series::Slash, Series::Compact, Series::Plain, Series::Monthly][rng.weighted(&[4, 2, 1, 2])];
        out.push(Supplier {
            gstin,
            trade_name,
            state,
            bad_gstin,
            series,
            initials,
        });
    }
    out
}

/// Replaces the check character with a different valid character.
fn corrupt_check_char(g: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let last = g.as_bytes()[14];
    let pos = ALPHABET.iter().position(|c| *c == last).unwrap_or(0);
    let wrong = ALPHABET[(pos + 7) % ALPHABET.len()] as char;
    format!("{}{wrong}", &g[..14])
}

// ---- Compact records ---------------------------------------------------------------------

/// A slice of a taxpayer's text arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    off: u32,
    len: u16,
}

const SRCFORMS: [&str; 3] = ["R1", "R1A", "IFF"];
const INV_TYPS: [&str; 5] = ["R", "DE", "SEWP", "SEWOP", "CBW"];
const NO_INV_TYP: u8 = u8::MAX;
const ACTIONS: [Action; 4] = [Action::NoAction, Action::Accepted, Action::Rejected, Action::Pending];

pub(crate) fn action_code(a: &Action) -> Option<u8> {
    ACTIONS.iter().position(|x| x == a).map(|p| p as u8)
}

/// The optional declarations and remarks a save can set.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Extra {
    pub remarks: Option<String>,
    pub itc_red_req: Option<YesNo>,
    pub decl: [Option<Money>; 4],
}

/// One IMS record, compactly.
#[derive(Clone, Debug)]
pub(crate) struct Rec {
    pub txval: i64,
    pub iamt: i64,
    pub camt: i64,
    pub samt: i64,
    pub cess: i64,
    doc_num: Span,
    doc_date: Span,
    orig_num: Span,
    orig_date: Span,
    pub extra: Option<Box<Extra>>,
    /// Bumped by a supplier edit; changes the hash.
    pub version: u32,
    /// Successful saves/resets applied to this record.
    pub save_count: u32,
    pub supplier: u16,
    /// `year * 12 + month - 1` of `rtnprd`.
    month: u16,
    pub section: Section,
    action: u8,
    srcform: u8,
    inv_typ: u8,
    pos: u8,
    rate: u8,
    pub pend_blocked: bool,
    pub filed: bool,
}

impl Rec {
    pub fn action(&self) -> Action {
        ACTIONS[self.action as usize].clone()
    }
    pub fn period(&self) -> ReturnPeriod {
        ReturnPeriod::new(self.month as i32 / 12, self.month as u32 % 12 + 1).expect("valid period")
    }
    pub fn val(&self) -> i64 {
        self.txval + self.iamt + self.camt + self.samt + self.cess
    }
    /// Tax rate in percent.
    pub fn rate(&self) -> u8 {
        self.rate
    }
    fn set_taxes(&mut self, intra: bool, no_tax: bool, cess_rate: i64) {
        let t = self.txval;
        let r = self.rate as i64;
        (self.iamt, self.camt, self.samt) = if no_tax {
            (0, 0, 0)
        } else if intra {
            let half = (t * r + 100) / 200;
            (0, half, half)
        } else {
            ((t * r + 50) / 100, 0, 0)
        };
        self.cess = if no_tax { 0 } else { (t * cess_rate + 50) / 100 };
    }
}

/// All IMS data of one taxpayer.
pub(crate) struct ImsBook {
    pub suppliers: Vec<Supplier>,
    arena: String,
    pub recs: Vec<Rec>,
    index: HashMap<u64, u32>,
    seed: u64,
    pub isd: Vec<(Section, StatusCounts)>,
    pub imports: Vec<(Section, StatusCounts)>,
}

impl ImsBook {
    fn text(&self, s: Span) -> &str {
        &self.arena[s.off as usize..s.off as usize + s.len as usize]
    }
    fn opt_text(&self, s: Span) -> Option<String> {
        (s.len > 0).then(|| self.text(s).to_string())
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// The record as Get Invoices returns it.
    pub fn record(&self, i: usize) -> ImsRecord {
        let r = &self.recs[i];
        let note = r.section.is_note();
        let (num, date) = (self.opt_text(r.doc_num), self.opt_text(r.doc_date));
        let (onum, odate) = (self.opt_text(r.orig_num), self.opt_text(r.orig_date));
        let extra = r.extra.as_deref();
        ImsRecord {
            stin: self.suppliers[r.supplier as usize].gstin.clone(),
            rtnprd: r.period().wire(),
            srcform: SRCFORMS[r.srcform as usize].to_string(),
            inum: if note { None } else { num.clone() },
            idt: if note { None } else { date.clone() },
            nt_num: if note { num } else { None },
            nt_dt: if note { date } else { None },
            oinum: if note { None } else { onum.clone() },
            oidt: if note { None } else { odate.clone() },
            ont_num: if note { onum } else { None },
            ont_dt: if note { odate } else { None },
            inv_typ: (r.inv_typ != NO_INV_TYP).then(|| INV_TYPS[r.inv_typ as usize].to_string()),
            action: r.action(),
            pos: format!("{:02}", r.pos),
            ispendactblocked: if r.pend_blocked { YesNo::Yes } else { YesNo::No },
            srcfilstatus: if r.filed { "Filed" } else { "Not Filed" }.to_string(),
            hash: self.hash(i),
            val: money(r.val()),
            txval: money(r.txval),
            iamt: money(r.iamt),
            camt: money(r.camt),
            samt: money(r.samt),
            cess: money(r.cess),
            itc_red_req: extra.and_then(|e| e.itc_red_req.clone()),
            decl_igst: extra.and_then(|e| e.decl[0]),
            decl_cgst: extra.and_then(|e| e.decl[1]),
            decl_sgst: extra.and_then(|e| e.decl[2]),
            decl_cess: extra.and_then(|e| e.decl[3]),
            remarks: extra.and_then(|e| e.remarks.clone()),
            itc_red_req_blocked: None,
            remarks_blocked: None,
        }
    }

    /// 64 alphanumeric characters that change whenever the supplier edits the record.
    fn hash(&self, i: usize) -> String {
        let r = &self.recs[i];
        let base = self.seed ^ mix(i as u64) ^ ((r.version as u64) << 40);
        (0..4).map(|k| format!("{:016x}", mix(base.wrapping_add(k)))).collect()
    }

    pub fn key(&self, i: usize) -> RecordKey {
        let r = &self.recs[i];
        RecordKey {
            section: r.section,
            stin: self.suppliers[r.supplier as usize].gstin.clone(),
            doc_num: self.text(r.doc_num).to_ascii_uppercase(),
            doc_date: self.text(r.doc_date).to_string(),
        }
    }

    pub fn find(&self, key: &RecordKey) -> Option<usize> {
        let k = key_hash(key.section, &key.stin, &key.doc_num, &key.doc_date);
        let i = *self.index.get(&k)? as usize;
        // Guard against a (practically impossible) 64-bit hash collision.
        (self.key(i) == normalise_key(key)).then_some(i)
    }

    /// Counts per section and action, straight from the records (ISD/imports: generated).
    pub fn counts(&self, goods: GoodsType) -> CountGroup {
        let sections: Vec<(SectionName, StatusCounts)> = match goods {
            GoodsType::Others => {
                let mut per: HashMap<Section, StatusCounts> = HashMap::new();
                for r in &self.recs {
                    per.entry(r.section).or_default().bump(&ACTIONS[r.action as usize], 1);
                }
                goods
                    .sections()
                    .iter()
                    .map(|s| (SectionName::Known(*s), per.get(s).copied().unwrap_or_default()))
                    .collect()
            }
            GoodsType::Isd => self.isd.iter().map(|(s, c)| (SectionName::Known(*s), *c)).collect(),
            GoodsType::Imports => self.imports.iter().map(|(s, c)| (SectionName::Known(*s), *c)).collect(),
        };
        let ttl_cnt = sections.iter().map(|(_, c)| c.total()).sum();
        CountGroup { ttl_cnt, sections }
    }

    /// Indices of the records of `section` (and `action`, if given), in list order.
    pub fn select(&self, section: Section, action: Option<&Action>) -> Vec<usize> {
        let code = action.and_then(action_code);
        if action.is_some() && code.is_none() {
            return vec![];
        }
        (0..self.recs.len())
            .filter(|i| {
                let r = &self.recs[*i];
                r.section == section && code.is_none_or(|c| r.action == c)
            })
            .collect()
    }

    /// Applies an action (from save or reset) and counts it.
    pub fn apply(&mut self, i: usize, action: &Action, extra: Option<Extra>) {
        let r = &mut self.recs[i];
        r.action = action_code(action).expect("known action");
        r.extra = extra.filter(|e| *e != Extra::default()).map(Box::new);
        r.save_count += 1;
    }

    /// A supplier edit: the taxable value goes up by ₹10 (taxes follow), the hash changes and
    /// the recipient's action is reset to No action (`domain.md` rule 8).
    pub fn supplier_edit(&mut self, i: usize) {
        let intra = {
            let r = &self.recs[i];
            r.camt > 0 || r.samt > 0
        };
        let r = &mut self.recs[i];
        let no_tax = r.iamt == 0 && r.camt == 0 && r.samt == 0;
        let cess_rate = if r.cess > 0 { 12 } else { 0 };
        r.txval += 1000;
        r.set_taxes(intra, no_tax, cess_rate);
        r.version += 1;
        r.action = 0;
        r.extra = None;
    }
}

fn normalise_key(k: &RecordKey) -> RecordKey {
    RecordKey {
        section: k.section,
        stin: k.stin.trim().to_ascii_uppercase(),
        doc_num: k.doc_num.trim().to_ascii_uppercase(),
        doc_date: k.doc_date.trim().to_string(),
    }
}

fn key_hash(section: Section, stin: &str, doc_num: &str, doc_date: &str) -> u64 {
    let stin = stin.trim().to_ascii_uppercase();
    let num = doc_num.trim().to_ascii_uppercase();
    fnv(&[
        section.key().as_bytes(),
        stin.as_bytes(),
        num.as_bytes(),
        doc_date.trim().as_bytes(),
    ])
}

// ---- Generation ----------------------------------------------------------------------------

/// Share of each "others" section, in `GoodsType::Others.sections()` order:
/// B2B, B2BA, DN, DNA, CN, CNA, ECOM, ECOMA.
const SECTION_WEIGHTS: [u32; 8] = [700, 50, 40, 10, 100, 20, 60, 20];
/// N, A, R, P.
const ACTION_WEIGHTS: [u32; 4] = [58, 25, 8, 9];
const RATES: [u8; 4] = [5, 12, 18, 28];
const RATE_WEIGHTS: [u32; 4] = [20, 15, 50, 15];
const REMARKS: [&str; 6] = [
    "Rate mismatch with PO",
    "Goods not received",
    "Quantity short received",
    "Awaiting delivery confirmation",
    "Duplicate invoice",
    "Price difference",
];

/// Before sorting and numbering.
struct Draft {
    rec: Rec,
    day: u8,
    orig: Option<NaiveDate>,
}

pub(crate) fn generate_book(seed: u64, taxpayer: usize, state: u8, n: usize, today: NaiveDate) -> ImsBook {
    let suppliers = gen_suppliers(seed, taxpayer, state, SUPPLIERS_PER_TAXPAYER);
    let mut rng = Rng::stream(seed, "ims", taxpayer as u64);
    let book_seed = rng.next_u64();

    // Periods: the 12 ending with today's, never before Oct-2024; recent ones busier, the
    // current one only as far as the month has run.
    let current = ReturnPeriod::of_date(today);
    let periods: Vec<ReturnPeriod> = (0..12)
        .rev()
        .map(|k| current.plus_months(-k))
        .filter(|p| *p >= ims_start())
        .collect();
    let period_weights: Vec<u32> = periods
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let w = 60 + 5 * k as u32;
            if *p == current {
                (w * today.day() / p.last_day().day()).max(1)
            } else {
                w
            }
        })
        .collect();
    let n = if periods.is_empty() { 0 } else { n };

    // Some suppliers are far busier than others (Zipf-like).
    let mut cumulative = Vec::with_capacity(suppliers.len());
    let mut acc = 0u64;
    for rank in 0..suppliers.len() {
        acc += 1_000_000 / (rank as u64 + 8);
        cumulative.push(acc);
    }

    let mut drafts: Vec<Draft> = Vec::with_capacity(n);
    for _ in 0..n {
        let section = GoodsType::Others.sections()[rng.weighted(&SECTION_WEIGHTS)];
        let draw = rng.below(acc);
        let supplier = cumulative.partition_point(|c| *c <= draw).min(suppliers.len() - 1);
        let pi = rng.weighted(&period_weights);
        let period = periods[pi];
        let last = if period == current {
            today.day()
        } else {
            period.last_day().day()
        };
        let day = rng.range(1, last as i64) as u8;

        let inv_typ = if section.has_inv_typ() {
            rng.weighted(&[920, 20, 30, 20, 10]) as u8
        } else {
            NO_INV_TYP
        };
        let sup_state = suppliers[supplier].state;
        let pos = match rng.below(100) {
            0..88 => state,
            88..96 => sup_state,
            _ => *rng.pick(&OTHER_STATES),
        };
        let sez = matches!(inv_typ, 2..=4);
        let intra = sup_state == pos && !sez;
        let rate = RATES[rng.weighted(&RATE_WEIGHTS)];
        // Taxable value: log-uniform ₹500 .. ₹25 lakh (notes smaller); 40% whole rupees.
        let (lo, hi) = if section.is_note() {
            (200f64, 300_000f64)
        } else {
            (500f64, 2_500_000f64)
        };
        let rupees = (lo.ln() + rng.unit() * (hi.ln() - lo.ln())).exp();
        let mut txval = (rupees * 100.0) as i64;
        if rng.chance(0.4) {
            txval = (txval / 100).max(1) * 100;
        }
        let cess_rate = if rate == 28 && rng.chance(0.3) { 12 } else { 0 };
        let srcform = rng.weighted(&[85, 7, 8]) as u8;
        let filed = if period == current {
            rng.chance(0.3)
        } else {
            rng.chance(0.95)
        };

        // Pending is blocked for most credit notes whose pending window never opened (periods
        // before Oct-2025) or has closed, and for a few downward amendments.
        let cn_window_shut = section.is_credit_note()
            && (period < ReturnPeriod::new(2025, 10).expect("valid") || today > pending_deadline(period));
        let pend_blocked = if cn_window_shut {
            rng.chance(0.9)
        } else if section.is_amendment() {
            rng.chance(0.15)
        } else {
            rng.chance(0.02)
        };
        let mut action = rng.weighted(&ACTION_WEIGHTS) as u8;
        if action == 3 && (pend_blocked || cn_window_shut) {
            action = 0;
        }
        let extra = match action {
            1 if section.is_credit_note() => Some(Box::new(Extra {
                itc_red_req: Some(if rng.chance(0.7) { YesNo::Yes } else { YesNo::No }),
                ..Extra::default()
            })),
            2 | 3 if rng.chance(0.5) => Some(Box::new(Extra {
                remarks: Some(rng.pick(&REMARKS).to_string()),
                ..Extra::default()
            })),
            _ => None,
        };
        let orig = section.is_amendment().then(|| {
            let back = rng.range(1, 6) as i32;
            let op = period.plus_months(-back);
            NaiveDate::from_ymd_opt(op.year(), op.month(), rng.range(1, op.last_day().day() as i64) as u32)
                .expect("valid date")
        });
        let mut rec = Rec {
            txval,
            iamt: 0,
            camt: 0,
            samt: 0,
            cess: 0,
            doc_num: Span::default(),
            doc_date: Span::default(),
            orig_num: Span::default(),
            orig_date: Span::default(),
            extra,
            version: 0,
            save_count: 0,
            supplier: supplier as u16,
            month: (period.year() * 12 + period.month() as i32 - 1) as u16,
            section,
            action,
            srcform,
            inv_typ,
            pos,
            rate,
            pend_blocked,
            filed,
        };
        rec.set_taxes(intra, inv_typ == 3, cess_rate);
        drafts.push(Draft { rec, day, orig });
    }

    // Oldest first, so each supplier's numbers rise with the dates.
    drafts.sort_by_key(|d| (d.rec.month, d.day, d.rec.supplier));

    let mut arena = String::with_capacity(n * 40);
    let push = |arena: &mut String, s: &str| {
        let span = Span {
            off: arena.len() as u32,
            len: s.len() as u16,
        };
        arena.push_str(s);
        span
    };
    let mut counters: HashMap<u64, u32> = HashMap::new();
    let mut odd_dates = std::collections::HashSet::new();
    while odd_dates.len() < (3 + n / 5000).min(n) {
        odd_dates.insert(rng.below(n as u64) as usize);
    }
    let mut recs = Vec::with_capacity(n);
    let mut index = HashMap::with_capacity(n);
    for (i, d) in drafts.into_iter().enumerate() {
        let mut rec = d.rec;
        let p = rec.period();
        let date = NaiveDate::from_ymd_opt(p.year(), p.month(), d.day as u32).expect("valid date");
        let sup = &suppliers[rec.supplier as usize];
        let kind = doc_kind(rec.section);
        let bucket = match sup.series {
            Series::Slash | Series::Compact => FinancialYear::of_date(date).start_year() as u64,
            Series::Plain => 0,
            Series::Monthly => (date.year() * 100 + date.month() as i32) as u64,
        };
        let counter = counters
            .entry(mix(rec.supplier as u64) ^ mix(kind as u64 + 7) ^ mix(bucket + 1_000))
            .or_insert(0);
        *counter += 1;
        let num = doc_number(sup, kind, date, *counter);
        let date_text = if odd_dates.contains(&i) {
            match i % 3 {
                0 => format!("30-02-{}", date.year()),
                1 => date.format("%d/%m/%Y").to_string(),
                _ => date.format("%Y-%m-%d").to_string(),
            }
        } else {
            period::fmt_dash(date)
        };
        rec.doc_num = push(&mut arena, &num);
        rec.doc_date = push(&mut arena, &date_text);
        if let Some(od) = d.orig {
            let onum = doc_number(sup, kind, od, rng.range(1, 900) as u32);
            rec.orig_num = push(&mut arena, &onum);
            rec.orig_date = push(&mut arena, &period::fmt_dash(od));
        }
        let k = key_hash(rec.section, &sup.gstin, &num, &date_text);
        let clash = index.insert(k, i as u32);
        debug_assert!(clash.is_none(), "duplicate record key {num} of {}", sup.gstin);
        recs.push(rec);
    }

    let (isd, imports) = gen_other_counts(&mut rng, n);
    ImsBook {
        suppliers,
        arena,
        recs,
        index,
        seed: book_seed,
        isd,
        imports,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DocKind {
    Invoice = 0,
    Credit = 1,
    Debit = 2,
}

fn doc_kind(s: Section) -> DocKind {
    if s.is_credit_note() {
        DocKind::Credit
    } else if s.is_note() {
        DocKind::Debit
    } else {
        DocKind::Invoice
    }
}

/// A document number in the supplier's style; at most 16 characters of `[A-Za-z0-9/-]`.
fn doc_number(sup: &Supplier, kind: DocKind, date: NaiveDate, seq: u32) -> String {
    let fy = FinancialYear::of_date(date).start_year();
    let (a, b) = (fy % 100, (fy + 1) % 100);
    let s = match sup.series {
        Series::Slash => {
            let p = ["INV", "CN", "DN"][kind as usize];
            format!("{p}/{a:02}-{b:02}/{:05}", seq % 100_000)
        }
        Series::Compact => {
            let p = format!("{}{}", sup.initials, ["", "C", "D"][kind as usize]);
            format!("{p}{a:02}{b:02}-{:04}", seq % 10_000)
        }
        Series::Plain => format!("{}{:06}", ["", "C", "D"][kind as usize], seq % 1_000_000),
        Series::Monthly => {
            let p = ["SI", "CN", "DN"][kind as usize];
            format!("{p}-{:02}{:02}-{:04}", date.year() % 100, date.month(), seq % 10_000)
        }
    };
    debug_assert!(s.len() <= 16, "{s}");
    s
}

/// ISD and import counts (these sections cannot be listed through the API, so only numbers).
/// Imports are never rejected (`domain.md` rule 14).
type SectionCounts = Vec<(Section, StatusCounts)>;

fn gen_other_counts(rng: &mut Rng, n: usize) -> (SectionCounts, SectionCounts) {
    let base = (n as u64 / 40).max(4);
    let mut one = |scale: u64, rejectable: bool| {
        let total = rng.below(scale + 1);
        let accept = total * rng.range(10, 40) as u64 / 100;
        let pending = total * rng.range(0, 10) as u64 / 100;
        let reject = if rejectable {
            total * rng.range(0, 6) as u64 / 100
        } else {
            0
        };
        StatusCounts {
            noaction: total - accept - pending - reject,
            accept,
            reject,
            pending,
        }
    };
    let isd = vec![
        (Section::Isd, one(base, true)),
        (Section::Isda, one(base / 10, true)),
        (Section::IsdCn, one(base / 8, true)),
        (Section::IsdCna, one(base / 40, true)),
    ];
    let imports = vec![
        (Section::Impg, one(base / 2, false)),
        (Section::Impga, one(base / 20, false)),
        (Section::ImpgSez, one(base / 6, false)),
        (Section::ImpgSeza, one(base / 40, false)),
    ];
    (isd, imports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gstin;
    use std::collections::HashSet;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()
    }

    fn book(n: usize) -> ImsBook {
        generate_book(42, 0, 27, n, today())
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = book(500);
        let b = book(500);
        let ra: Vec<ImsRecord> = (0..a.len()).map(|i| a.record(i)).collect();
        let rb: Vec<ImsRecord> = (0..b.len()).map(|i| b.record(i)).collect();
        assert_eq!(ra, rb);
        assert_eq!(serde_json::to_string(&ra).unwrap(), serde_json::to_string(&rb).unwrap());
        let c = generate_book(43, 0, 27, 500, today());
        assert_ne!(ra, (0..c.len()).map(|i| c.record(i)).collect::<Vec<_>>());
    }

    #[test]
    fn suppliers_valid_except_the_deliberate_few() {
        let s = gen_suppliers(42, 0, 27, SUPPLIERS_PER_TAXPAYER);
        assert_eq!(s.len(), 300);
        let bad: Vec<_> = s.iter().filter(|s| gstin::check(&s.gstin).is_err()).collect();
        assert_eq!(bad.len(), 2);
        assert!(bad.iter().all(|s| s.bad_gstin));
        for b in &bad {
            assert_eq!(gstin::check(&b.gstin).unwrap_err().position, Some(15), "{}", b.gstin);
        }
        let names: HashSet<_> = s.iter().map(|s| &s.trade_name).collect();
        assert_eq!(names.len(), 300);
        let gstins: HashSet<_> = s.iter().map(|s| &s.gstin).collect();
        assert_eq!(gstins.len(), 300);
    }

    #[test]
    fn records_follow_the_rules() {
        let b = book(3000);
        let mut keys = HashSet::new();
        let mut odd_dates = 0;
        let mut sections = HashSet::new();
        let mut actions = HashSet::new();
        let current = ReturnPeriod::of_date(today());
        for i in 0..b.len() {
            let r = b.record(i);
            let sec = b.recs[i].section;
            sections.insert(sec);
            actions.insert(r.action.clone());
            assert!(keys.insert(r.key(sec)), "duplicate key {:?}", r.key(sec));
            assert_eq!(b.find(&r.key(sec)), Some(i));
            let p = r.return_period().unwrap();
            assert!(p >= ims_start() && p <= current && p > current.plus_months(-12), "{p}");
            let num = r.doc_number();
            assert!(
                !num.is_empty()
                    && num.len() <= 16
                    && num.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'-'),
                "{num}"
            );
            match period::parse_date(r.doc_date_raw(), period::DATE_DASH) {
                Ok(d) => assert_eq!(ReturnPeriod::of_date(d), p, "{}", r.doc_date_raw()),
                Err(_) => odd_dates += 1,
            }
            assert_eq!(sec.is_note(), r.nt_num.is_some());
            assert_eq!(sec.is_note(), r.inum.is_none());
            assert_eq!(sec.has_inv_typ(), r.inv_typ.is_some());
            assert_eq!(r.oinum.is_some(), matches!(sec, Section::B2ba | Section::Ecoma));
            assert_eq!(r.ont_num.is_some(), matches!(sec, Section::B2bDna | Section::B2bCna));
            assert_eq!(r.val, r.txval + r.iamt + r.camt + r.samt + r.cess);
            assert_eq!(r.camt, r.samt);
            assert!(r.iamt.is_zero() || r.camt.is_zero());
            let sup_state = &r.stin[..2];
            if !r.camt.is_zero() {
                assert_eq!(sup_state, r.pos, "intra-state needs supplier state = pos");
            }
            if !r.iamt.is_zero() {
                assert!(sup_state != r.pos || matches!(r.inv_typ.as_deref(), Some("SEWP" | "CBW")));
            }
            assert!(r.hash.len() == 64 && r.hash.bytes().all(|c| c.is_ascii_alphanumeric()));
            if r.action == Action::Pending {
                assert!(!r.pending_blocked());
            }
            let flags: Vec<_> = r.flags().iter().map(|f| f.field).collect();
            assert!(flags.iter().all(|f| *f == "stin" || *f == "idt/nt_dt"), "{flags:?}");
        }
        assert_eq!(sections.len(), 8);
        assert_eq!(actions.len(), 4);
        assert_eq!(odd_dates, 3);
        // Credit notes of early periods are mostly pending-blocked.
        let early_cn: Vec<_> = (0..b.len())
            .filter(|i| {
                b.recs[*i].section == Section::B2bCn && b.recs[*i].period() < ReturnPeriod::new(2025, 10).unwrap()
            })
            .collect();
        let blocked = early_cn.iter().filter(|i| b.recs[**i].pend_blocked).count();
        assert!(blocked * 10 >= early_cn.len() * 8, "{blocked}/{}", early_cn.len());
    }

    #[test]
    fn counts_match_records() {
        let b = book(1000);
        let g = b.counts(GoodsType::Others);
        assert_eq!(g.ttl_cnt as usize, b.len());
        for s in GoodsType::Others.sections() {
            for a in Action::KNOWN {
                assert_eq!(g.get(*s).get(&a) as usize, b.select(*s, Some(&a)).len(), "{s} {a}");
            }
        }
        let imp = b.counts(GoodsType::Imports);
        assert!(imp.sections.iter().all(|(_, c)| c.reject == 0));
        assert_eq!(imp.ttl_cnt, imp.sections.iter().map(|(_, c)| c.total()).sum::<u64>());
        assert_eq!(b.counts(GoodsType::Isd).sections.len(), 4);
    }

    #[test]
    fn supplier_edit_changes_hash_value_and_action() {
        let mut b = book(200);
        let i = (0..b.len()).find(|i| b.recs[*i].action() == Action::Accepted).unwrap();
        let before = b.record(i);
        b.supplier_edit(i);
        let after = b.record(i);
        assert_ne!(before.hash, after.hash);
        assert_ne!(before.txval, after.txval);
        assert_eq!(after.action, Action::NoAction);
        assert_eq!(
            after.val,
            after.txval + after.iamt + after.camt + after.samt + after.cess
        );
        assert_eq!(before.key(b.recs[i].section), after.key(b.recs[i].section));
    }

    #[test]
    fn money_from_paise() {
        assert_eq!(serde_json::to_string(&money(2115000)).unwrap(), "21150");
        assert_eq!(serde_json::to_string(&money(141666619)).unwrap(), "1416666.19");
        assert_eq!(serde_json::to_string(&money(150)).unwrap(), "1.50");
        assert_eq!(paise(money(141666619)), Some(141666619));
        assert_eq!(paise(Money::parse("12.5").unwrap()), Some(1250));
        assert_eq!(paise(Money::parse("12.505").unwrap()), None);
    }

    #[test]
    fn nothing_before_ims_start() {
        let b = generate_book(1, 0, 27, 100, NaiveDate::from_ymd_opt(2024, 9, 30).unwrap());
        assert_eq!(b.len(), 0);
        let b = generate_book(1, 0, 27, 100, NaiveDate::from_ymd_opt(2024, 10, 2).unwrap());
        assert!((0..b.len()).all(|i| b.recs[i].period() == ims_start()));
    }

    #[test]
    fn two_hundred_thousand_records() {
        let t = std::time::Instant::now();
        let b = book(200_000);
        assert_eq!(b.len(), 200_000);
        let per_record = std::mem::size_of::<Rec>() + b.arena.len() / b.len();
        assert!(per_record < 160, "{per_record} bytes per record");
        eprintln!("200k records in {:?}, {per_record} B/record", t.elapsed());
    }
}
