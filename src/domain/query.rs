//! A small query language for IMS records, shared by the record table's `/` filter and the
//! command line: `gstin:27AAP* txval>10000 status:pending type:cn`.
//!
//! Terms are separated by spaces and must all match. A term is `field:value`, a comparison
//! `field>N` (`>=`, `<`, `<=`, `=`) on an amount or the date, or a bare word matched as a
//! case-insensitive substring of the GSTIN, the document number and the amounts. `*` in a
//! text value is a wildcard; without one, text fields match as substrings.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;

use super::ims::ImsRecord;
use super::money::Money;
use super::period::{self, ReturnPeriod};
use super::{Action, Section};

/// A parsed query: a list of terms, all of which must match.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Query {
    terms: Vec<Term>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    /// Bare word, lower-cased.
    Text(String),
    Gstin(Pattern),
    DocNum(Pattern),
    Status(Action),
    /// A section (`cn`, `b2ba`) or an invoice type (`R`, `SEWP`).
    Type(TypeMatch),
    Form(String),
    Pos(String),
    Period(ReturnPeriod),
    Amount(Amount, Ordering, bool, Money),
    Date(Ordering, bool, NaiveDate),
    Flagged(bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TypeMatch {
    Section(Section),
    InvType(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Amount {
    Taxable,
    Tax,
    Value,
    Igst,
    Cgst,
    Sgst,
    Cess,
}

/// A case-insensitive text pattern: substring, or a `*` glob.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    parts: Vec<String>,
    glob: bool,
}

impl Pattern {
    fn new(s: &str) -> Pattern {
        let l = s.to_lowercase();
        Pattern {
            glob: l.contains('*'),
            parts: l.split('*').map(str::to_string).collect(),
        }
    }
    fn matches(&self, text: &str) -> bool {
        let t = text.trim().to_lowercase();
        if !self.glob {
            return t.contains(&self.parts[0]);
        }
        let n = self.parts.len();
        let (first, last) = (&self.parts[0], &self.parts[n - 1]);
        if !t.starts_with(first.as_str()) || t.len() < first.len() + last.len() || !t.ends_with(last.as_str()) {
            return false;
        }
        let mut rest = &t[first.len()..t.len() - last.len()];
        for p in &self.parts[1..n - 1] {
            match rest.find(p.as_str()) {
                Some(i) => rest = &rest[i + p.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Why a query could not be parsed: the token and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub token: String,
    pub expected: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: expected {}", self.token, self.expected)
    }
}

impl std::error::Error for QueryError {}

const FIELDS: &str = "gstin, doc, status, type, form, pos, period, flag, txval, tax, val, igst, cgst, sgst, cess, date";

/// Whether `s` uses the field syntax (rather than being a plain substring).
pub fn is_query(s: &str) -> bool {
    s.split_whitespace().any(|t| t.contains([':', '<', '>', '=']))
}

/// Parses a query. An empty string matches everything.
pub fn parse(s: &str) -> Result<Query, QueryError> {
    let mut terms = Vec::new();
    for tok in s.split_whitespace() {
        terms.push(parse_term(tok)?);
    }
    Ok(Query { terms })
}

fn err(token: &str, expected: impl Into<String>) -> QueryError {
    QueryError {
        token: token.to_string(),
        expected: expected.into(),
    }
}

fn parse_term(tok: &str) -> Result<Term, QueryError> {
    // Comparison first: `txval>=1000`, `date<01-11-2025`.
    if let Some(pos) = tok.find(['<', '>', '=']) {
        let (field, rest) = tok.split_at(pos);
        let (op, orq, value) = if let Some(v) = rest.strip_prefix(">=") {
            (Ordering::Greater, true, v)
        } else if let Some(v) = rest.strip_prefix("<=") {
            (Ordering::Less, true, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Ordering::Greater, false, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Ordering::Less, false, v)
        } else {
            (Ordering::Equal, true, &rest[1..])
        };
        let f = field.to_ascii_lowercase();
        if f == "date" {
            let d = period::parse_user_date(value)
                .map_err(|_| err(tok, "a date like 05-10-2025 or 2025-10-05 after the comparison"))?;
            return Ok(Term::Date(op, orq, d));
        }
        let amount = amount_field(&f).ok_or_else(|| {
            err(
                tok,
                "an amount field (txval, tax, val, igst, cgst, sgst, cess) or date before the comparison",
            )
        })?;
        let m = Money::parse(value).map_err(|_| err(tok, "an amount like 10000 or 1234.50 after the comparison"))?;
        return Ok(Term::Amount(amount, op, orq, m));
    }
    let Some((field, value)) = tok.split_once(':') else {
        return Ok(Term::Text(tok.to_lowercase()));
    };
    if value.is_empty() {
        return Err(err(tok, format!("a value after {field}:")));
    }
    Ok(match field.to_ascii_lowercase().as_str() {
        "gstin" | "stin" | "supplier" => Term::Gstin(Pattern::new(value)),
        "doc" | "num" | "inum" | "number" => Term::DocNum(Pattern::new(value)),
        "status" | "action" => Term::Status(
            Action::parse(value).map_err(|_| err(tok, "a status: noaction, accepted, rejected or pending"))?,
        ),
        "type" | "section" => match Section::parse(value) {
            Ok(s) => Term::Type(TypeMatch::Section(s)),
            Err(_) => {
                let t = value.to_ascii_uppercase();
                if ["R", "DE", "SEWP", "SEWOP", "CBW"].contains(&t.as_str()) {
                    Term::Type(TypeMatch::InvType(t))
                } else {
                    return Err(err(
                        tok,
                        "a type: b2b, b2ba, cn, cna, dn, dna, ecom, ecoma, or an invoice type R, DE, SEWP, SEWOP, CBW",
                    ));
                }
            }
        },
        "form" | "src" | "srcform" => {
            let f = value.to_ascii_uppercase();
            if !["R1", "R1A", "IFF"].contains(&f.as_str()) {
                return Err(err(tok, "a source form: R1, R1A or IFF"));
            }
            Term::Form(f)
        }
        "pos" => Term::Pos(value.to_string()),
        "period" | "rtnprd" => Term::Period(
            ReturnPeriod::parse_user(value)
                .or_else(|_| ReturnPeriod::from_wire(value))
                .map_err(|_| err(tok, "a return period like 2025-10 or 10-2025"))?,
        ),
        "flag" | "flagged" => Term::Flagged(match value.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "1" => true,
            "n" | "no" | "false" | "0" => false,
            _ => return Err(err(tok, "flag:yes or flag:no")),
        }),
        _ => return Err(err(tok, format!("a field name: {FIELDS}"))),
    })
}

fn amount_field(f: &str) -> Option<Amount> {
    Some(match f {
        "txval" | "taxable" => Amount::Taxable,
        "tax" | "totaltax" => Amount::Tax,
        "val" | "value" => Amount::Value,
        "igst" | "iamt" => Amount::Igst,
        "cgst" | "camt" => Amount::Cgst,
        "sgst" | "samt" => Amount::Sgst,
        "cess" => Amount::Cess,
        _ => return None,
    })
}

fn compare<T: Ord>(v: T, op: Ordering, or_equal: bool, bound: T) -> bool {
    let o = v.cmp(&bound);
    o == op || (or_equal && o == Ordering::Equal)
}

impl Query {
    /// Same as [`parse`], for callers that prefer `Query::parse`.
    pub fn parse(s: &str) -> Result<Query, QueryError> {
        parse(s)
    }

    /// The sections a query can match: those it names with `type:`/`section:`, else all given.
    pub fn sections_within(&self, all: &[Section]) -> Vec<Section> {
        let named: Vec<Section> = self
            .terms
            .iter()
            .filter_map(|t| match t {
                Term::Type(TypeMatch::Section(s)) => Some(*s),
                _ => None,
            })
            .collect();
        all.iter()
            .copied()
            .filter(|s| named.is_empty() || named.contains(s))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `rec` (of `section`) matches every term.
    pub fn matches(&self, section: Section, rec: &ImsRecord) -> bool {
        self.terms.iter().all(|t| term_matches(t, section, rec))
    }

    /// The bare words, lower-cased: for callers that search their own precomputed text
    /// (the record table) instead of formatting every amount per record.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|t| match t {
            Term::Text(w) => Some(w.as_str()),
            _ => None,
        })
    }

    /// Whether `rec` matches every term except the bare words (see [`Query::words`]).
    pub fn matches_fields(&self, section: Section, rec: &ImsRecord) -> bool {
        self.terms
            .iter()
            .all(|t| matches!(t, Term::Text(_)) || term_matches(t, section, rec))
    }
}

fn term_matches(t: &Term, section: Section, r: &ImsRecord) -> bool {
    match t {
        Term::Text(w) => {
            r.stin.to_lowercase().contains(w.as_str())
                || r.doc_number().to_lowercase().contains(w.as_str())
                || [r.txval, r.iamt, r.camt, r.samt, r.cess, r.val, r.total_tax()]
                    .iter()
                    .any(|m| m.inr().contains(w.as_str()) || m.0.to_string().contains(w.as_str()))
        }
        Term::Gstin(p) => p.matches(&r.stin),
        Term::DocNum(p) => p.matches(r.doc_number()),
        Term::Status(a) => r.action == *a,
        Term::Type(TypeMatch::Section(s)) => section == *s,
        Term::Type(TypeMatch::InvType(t)) => r.inv_typ.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(t)),
        Term::Form(f) => r.srcform.trim().eq_ignore_ascii_case(f),
        Term::Pos(p) => r.pos.trim() == p.trim(),
        Term::Period(p) => r.return_period() == Some(*p),
        Term::Flagged(want) => r.flags().is_empty() != *want,
        Term::Date(op, oe, d) => r.doc_date().is_some_and(|x| compare(x, *op, *oe, *d)),
        Term::Amount(a, op, oe, m) => {
            let v = match a {
                Amount::Taxable => r.txval,
                Amount::Tax => r.total_tax(),
                Amount::Value => r.val,
                Amount::Igst => r.iamt,
                Amount::Cgst => r.camt,
                Amount::Sgst => r.samt,
                Amount::Cess => r.cess,
            };
            compare(v, *op, *oe, *m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn rec(stin: &str, num: &str, txval: Money, action: Action) -> ImsRecord {
        ImsRecord {
            stin: stin.into(),
            rtnprd: "102025".into(),
            srcform: "R1".into(),
            inum: Some(num.into()),
            idt: Some("05-10-2025".into()),
            inv_typ: Some("R".into()),
            action,
            txval,
            iamt: Money(txval.0 * dec!(0.18)),
            ..Default::default()
        }
    }

    #[test]
    fn field_terms_combine() {
        let q = parse("gstin:27AAP* txval>10000 status:pending type:b2b").unwrap();
        let yes = rec("27AAPFU0939F1ZV", "INV/1", Money(dec!(12000)), Action::Pending);
        assert!(q.matches(Section::B2b, &yes));
        assert!(!q.matches(Section::B2bCn, &yes), "wrong section");
        let small = rec("27AAPFU0939F1ZV", "INV/1", Money(dec!(10000)), Action::Pending);
        assert!(!q.matches(Section::B2b, &small), "> is strict");
        assert!(parse("txval>=10000").unwrap().matches(Section::B2b, &small));
        let other = rec("29AAPFU0939F1ZV", "INV/1", Money(dec!(12000)), Action::Pending);
        assert!(!q.matches(Section::B2b, &other), "glob anchors at the start");
        let accepted = rec("27AAPFU0939F1ZV", "INV/1", Money(dec!(12000)), Action::Accepted);
        assert!(!q.matches(Section::B2b, &accepted));
    }

    #[test]
    fn bare_words_search_gstin_number_and_amounts() {
        let r = rec("27AAPFU0939F1ZV", "INV/77", Money(dec!(123456.5)), Action::NoAction);
        assert!(parse("aapfu").unwrap().matches(Section::B2b, &r));
        assert!(parse("inv/77").unwrap().matches(Section::B2b, &r));
        assert!(parse("1,23,456.50").unwrap().matches(Section::B2b, &r));
        assert!(!parse("inv/78").unwrap().matches(Section::B2b, &r));
        assert!(parse("").unwrap().matches(Section::B2b, &r));
        let q = parse("inv/77 txval>5").unwrap();
        assert_eq!(q.words().collect::<Vec<_>>(), vec!["inv/77"]);
        assert!(q.matches_fields(Section::B2b, &r));
        assert!(
            !parse("nothing-like-it txval>5000000")
                .unwrap()
                .matches_fields(Section::B2b, &r)
        );
    }

    #[test]
    fn dates_periods_and_globs() {
        let r = rec("27AAPFU0939F1ZV", "INV/2025/0042", Money(dec!(1)), Action::NoAction);
        assert!(
            parse("date>=05-10-2025 date<2025-10-06")
                .unwrap()
                .matches(Section::B2b, &r)
        );
        assert!(!parse("date>05-10-2025").unwrap().matches(Section::B2b, &r));
        assert!(parse("period:2025-10").unwrap().matches(Section::B2b, &r));
        assert!(!parse("period:2025-09").unwrap().matches(Section::B2b, &r));
        assert!(parse("doc:inv*0042").unwrap().matches(Section::B2b, &r));
        assert!(!parse("doc:inv*0043").unwrap().matches(Section::B2b, &r));
        assert!(parse("type:R form:r1").unwrap().matches(Section::B2b, &r));
    }

    #[test]
    fn errors_name_the_token_and_what_was_expected() {
        let e = parse("status:maybe").unwrap_err();
        assert_eq!(e.token, "status:maybe");
        assert!(e.expected.contains("pending"), "{e}");
        let e = parse("txval>lots").unwrap_err();
        assert!(e.expected.contains("amount"), "{e}");
        let e = parse("colour:red").unwrap_err();
        assert!(e.expected.contains("gstin"), "{e}");
        assert!(parse("gstin:").is_err());
        assert!(parse("weight>3").unwrap_err().expected.contains("txval"));
        assert!(is_query("txval>3") && !is_query("27AAP"));
    }
}
