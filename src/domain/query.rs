//! A small filter language for IMS records, shared by `gstdash ims act --query` and the
//! review screen: whitespace-separated terms, all of which must hold.
//!
//! - `section:b2b`, `status:no-action`: repeated keys widen (`section:b2b section:cn` is
//!   either section);
//! - `gstin:27AAP*`, `doc:INV/24*`: text with `*` wildcards, case-insensitive;
//! - `period:102024` (or `2024-10`): the record's return period;
//! - `txval>10000`, `val<=500.50`, `tax>=1000`, `txval=100`: amount comparisons;
//! - any other word: found in the supplier GSTIN or the document number.
//!
//! Pure: no I/O. Errors name the term and what was expected.

use std::fmt;

use super::{Action, ImsRecord, Money, ReturnPeriod, Section};

/// A parsed query. The empty query matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// Any of these sections (empty: all).
    pub sections: Vec<Section>,
    /// Any of these statuses (empty: all).
    pub statuses: Vec<Action>,
    /// All of these.
    pub terms: Vec<Term>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Gstin(Glob),
    Doc(Glob),
    Period(ReturnPeriod),
    Amount { field: AmountField, op: Cmp, value: Money },
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountField {
    /// Taxable value.
    Txval,
    /// Document value.
    Val,
    /// IGST + CGST + SGST + cess.
    Tax,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

/// Case-insensitive text with `*` matching any run of characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        Glob(pattern.trim().to_ascii_uppercase())
    }

    pub fn matches(&self, text: &str) -> bool {
        let text = text.trim().to_ascii_uppercase();
        let parts: Vec<&str> = self.0.split('*').collect();
        if parts.len() == 1 {
            return text == self.0;
        }
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
            return false;
        }
        let mut rest = &text[first.len()..text.len() - last.len()];
        for mid in &parts[1..parts.len() - 1] {
            match rest.find(mid) {
                Some(i) => rest = &rest[i + mid.len()..],
                None => return false,
            }
        }
        true
    }
}

/// A term that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub term: String,
    pub expected: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query term {:?}: {}", self.term, self.expected)
    }
}

impl std::error::Error for QueryError {}

const KEYS: &str = "section, status, gstin, doc, period, or an amount test like txval>10000";

impl Query {
    pub fn parse(s: &str) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for word in s.split_whitespace() {
            let err = |expected: String| QueryError {
                term: word.to_string(),
                expected,
            };
            if let Some((field, op, value)) = split_comparison(word) {
                let field = match field.to_ascii_lowercase().as_str() {
                    "txval" | "taxable" => AmountField::Txval,
                    "val" | "value" => AmountField::Val,
                    "tax" => AmountField::Tax,
                    other => return Err(err(format!("cannot compare {other:?}; expected txval, val or tax"))),
                };
                let value = Money::parse(value).map_err(|e| err(format!("expected an amount like 10000.50 ({e})")))?;
                q.terms.push(Term::Amount { field, op, value });
                continue;
            }
            let Some((key, value)) = word.split_once(':') else {
                q.terms.push(Term::Text(word.to_ascii_uppercase()));
                continue;
            };
            if value.is_empty() {
                return Err(err(format!("{key}: needs a value")));
            }
            match key.to_ascii_lowercase().as_str() {
                "section" | "sec" => q.sections.push(Section::parse(value).map_err(err)?),
                "status" | "action" => q.statuses.push(Action::parse(value).map_err(err)?),
                "gstin" | "stin" | "supplier" => q.terms.push(Term::Gstin(Glob::new(value))),
                "doc" | "inum" | "number" => q.terms.push(Term::Doc(Glob::new(value))),
                "period" | "rtnprd" => {
                    let p = ReturnPeriod::from_wire(value)
                        .or_else(|_| ReturnPeriod::parse_user(value))
                        .map_err(|e| err(format!("expected a return period like 102024 or 2024-10 ({})", e.0)))?;
                    q.terms.push(Term::Period(p));
                }
                other => return Err(err(format!("unknown filter {other:?}; expected {KEYS}"))),
            }
        }
        Ok(q)
    }

    /// The sections the query can match (all given ones when it names none).
    pub fn sections_within(&self, all: &[Section]) -> Vec<Section> {
        all.iter()
            .copied()
            .filter(|s| self.sections.is_empty() || self.sections.contains(s))
            .collect()
    }

    pub fn matches(&self, section: Section, r: &ImsRecord) -> bool {
        if !self.sections.is_empty() && !self.sections.contains(&section) {
            return false;
        }
        if !self.statuses.is_empty() && !self.statuses.contains(&r.action) {
            return false;
        }
        self.terms.iter().all(|t| match t {
            Term::Gstin(g) => g.matches(&r.stin),
            Term::Doc(g) => g.matches(r.doc_number()),
            Term::Period(p) => r.return_period() == Some(*p),
            Term::Amount { field, op, value } => {
                let v = match field {
                    AmountField::Txval => r.txval,
                    AmountField::Val => r.val,
                    AmountField::Tax => r.total_tax(),
                };
                match op {
                    Cmp::Lt => v < *value,
                    Cmp::Le => v <= *value,
                    Cmp::Eq => v == *value,
                    Cmp::Ge => v >= *value,
                    Cmp::Gt => v > *value,
                }
            }
            Term::Text(t) => r.stin.to_ascii_uppercase().contains(t) || r.doc_number().to_ascii_uppercase().contains(t),
        })
    }
}

/// `txval>=100` → ("txval", Ge, "100"); `None` when the word has no comparison.
fn split_comparison(word: &str) -> Option<(&str, Cmp, &str)> {
    if word.contains(':') {
        return None;
    }
    let i = word.find(['<', '>', '='])?;
    let (field, rest) = word.split_at(i);
    let (op, value) = if let Some(v) = rest.strip_prefix(">=") {
        (Cmp::Ge, v)
    } else if let Some(v) = rest.strip_prefix("<=") {
        (Cmp::Le, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Cmp::Gt, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Cmp::Lt, v)
    } else {
        (Cmp::Eq, rest.trim_start_matches('='))
    };
    Some((field, op, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(stin: &str, inum: &str, action: Action, txval: &str) -> ImsRecord {
        let mut r: ImsRecord = serde_json::from_str(
            r#"{"stin":"x","rtnprd":"102024","srcform":"R1","inum":"x","idt":"01-10-2024","inv_typ":"R",
            "action":"N","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h",
            "val":1180,"txval":1000,"iamt":0,"camt":90,"samt":90,"cess":0}"#,
        )
        .unwrap();
        r.stin = stin.into();
        r.inum = Some(inum.into());
        r.action = action;
        r.txval = Money::parse(txval).unwrap();
        r
    }

    #[test]
    fn the_example_from_the_issue() {
        let q = Query::parse("section:b2b status:no-action gstin:27AAP* txval>10000").unwrap();
        assert_eq!(q.sections, vec![Section::B2b]);
        assert_eq!(q.statuses, vec![Action::NoAction]);
        let hit = rec("27AAPFU0939F1ZV", "INV-1", Action::NoAction, "10000.01");
        assert!(q.matches(Section::B2b, &hit));
        assert!(!q.matches(Section::B2bCn, &hit), "other section");
        assert!(!q.matches(
            Section::B2b,
            &rec("27AAPFU0939F1ZV", "INV-1", Action::NoAction, "10000")
        ));
        assert!(!q.matches(
            Section::B2b,
            &rec("29AAPFU0939F1ZV", "INV-1", Action::NoAction, "20000")
        ));
        assert!(!q.matches(
            Section::B2b,
            &rec("27AAPFU0939F1ZV", "INV-1", Action::Accepted, "20000")
        ));
    }

    #[test]
    fn repeated_keys_widen_and_words_search() {
        let q = Query::parse("section:b2b section:cn inv/24").unwrap();
        let r = rec("27AAPFU0939F1ZV", "inv/24/007", Action::NoAction, "1");
        assert!(q.matches(Section::B2b, &r) && q.matches(Section::B2bCn, &r));
        assert!(!q.matches(Section::Ecom, &r));
        assert!(!Query::parse("zzz").unwrap().matches(Section::B2b, &r));
        assert!(Query::parse("").unwrap().matches(Section::Ecom, &r));
        assert_eq!(q.sections_within(&[Section::B2b, Section::B2ba]), vec![Section::B2b]);
    }

    #[test]
    fn amounts_periods_and_globs() {
        let r = rec("27AAPFU0939F1ZV", "A-1", Action::Pending, "500.50");
        for (q, want) in [
            ("txval<=500.50", true),
            ("txval<500.50", false),
            ("txval=500.5", true),
            ("tax>=180", true),
            ("val>1180", false),
            ("period:102024", true),
            ("period:2024-11", false),
            ("doc:a-*", true),
            ("gstin:*F1ZV", true),
            ("gstin:27*FU*ZV", true),
            ("gstin:27*XX*", false),
            ("status:pending", true),
        ] {
            assert_eq!(Query::parse(q).unwrap().matches(Section::B2b, &r), want, "{q}");
        }
    }

    #[test]
    fn errors_name_the_term_and_what_was_expected() {
        let e = Query::parse("section:b2b colour:red").unwrap_err();
        assert_eq!(e.term, "colour:red");
        assert!(e.to_string().contains("expected section, status"), "{e}");
        let e = Query::parse("txval>lots").unwrap_err();
        assert!(
            e.to_string().contains("txval>lots") && e.to_string().contains("amount"),
            "{e}"
        );
        assert!(
            Query::parse("status:maybe")
                .unwrap_err()
                .to_string()
                .contains("no-action")
        );
        assert!(
            Query::parse("section:")
                .unwrap_err()
                .to_string()
                .contains("needs a value")
        );
        assert!(
            Query::parse("qty>3")
                .unwrap_err()
                .to_string()
                .contains("txval, val or tax")
        );
        assert!(Query::parse("period:13-2024").is_err());
    }
}
