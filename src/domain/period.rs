//! Return periods, financial years and the wire date formats of `api.md` §1.7.
//!
//! Wire formats: return period `MMYYYY` (`042024`); path `{year}`/`{month}` (`2024`, `04`);
//! IMS and 2B document dates `DD-MM-YYYY`; ledger dates `DD/MM/YYYY`. Users may type
//! `2024-04`, `04-2024`, `042024` or `Apr 2024`.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A GST return period: one calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReturnPeriod {
    year: i32,
    month: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodError(pub String);

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for PeriodError {}

impl ReturnPeriod {
    pub fn new(year: i32, month: u32) -> Result<Self, PeriodError> {
        if !(1..=12).contains(&month) {
            return Err(PeriodError(format!("month must be 01-12, found {month:02}")));
        }
        if !(1900..=2099).contains(&year) {
            return Err(PeriodError(format!("year must be 1900-2099, found {year}")));
        }
        Ok(ReturnPeriod { year, month })
    }

    /// Parses the wire form `MMYYYY` strictly.
    pub fn from_wire(s: &str) -> Result<Self, PeriodError> {
        let s = s.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodError(format!(
                "return period must be MMYYYY (e.g. 042024), found {s:?}"
            )));
        }
        ReturnPeriod::new(s[2..].parse().unwrap(), s[..2].parse().unwrap())
    }

    /// Parses what a user types: `2024-04`, `2024/04`, `04-2024`, `042024`, `Apr 2024`, `apr-2024`.
    pub fn parse_user(s: &str) -> Result<Self, PeriodError> {
        let t = s.trim();
        let bad = || {
            PeriodError(format!(
                "period {t:?} not understood; expected YYYY-MM (2024-04), MMYYYY (042024) or Mon YYYY (Apr 2024)"
            ))
        };
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            return ReturnPeriod::from_wire(t);
        }
        let parts: Vec<&str> = t.split(['-', '/', ' ']).filter(|p| !p.is_empty()).collect();
        if parts.len() != 2 {
            return Err(bad());
        }
        let (a, b) = (parts[0], parts[1]);
        let month_of = |m: &str| -> Option<u32> {
            if let Ok(n) = m.parse::<u32>() {
                return (m.len() <= 2).then_some(n);
            }
            MONTHS
                .iter()
                .position(|name| m.len() >= 3 && name.eq_ignore_ascii_case(&m[..3]))
                .map(|i| i as u32 + 1)
        };
        let year_of = |y: &str| -> Option<i32> { (y.len() == 4).then(|| y.parse().ok()).flatten() };
        if let (Some(y), Some(m)) = (year_of(a), month_of(b)) {
            return ReturnPeriod::new(y, m);
        }
        if let (Some(m), Some(y)) = (month_of(a), year_of(b)) {
            return ReturnPeriod::new(y, m);
        }
        Err(bad())
    }

    pub fn of_date(d: NaiveDate) -> Self {
        ReturnPeriod {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u32 {
        self.month
    }

    /// `MMYYYY`, as sent in bodies and query strings.
    pub fn wire(&self) -> String {
        format!("{:02}{:04}", self.month, self.year)
    }
    /// `YYYY` for URL paths.
    pub fn path_year(&self) -> String {
        format!("{:04}", self.year)
    }
    /// `MM` for URL paths.
    pub fn path_month(&self) -> String {
        format!("{:02}", self.month)
    }
    /// `2024-04`: the form users type and files are named with.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid period")
    }
    pub fn last_day(&self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid date")
    }
    pub fn next(&self) -> Self {
        self.plus_months(1)
    }
    pub fn prev(&self) -> Self {
        self.plus_months(-1)
    }
    pub fn plus_months(&self, n: i32) -> Self {
        let idx = self.year * 12 + (self.month as i32 - 1) + n;
        ReturnPeriod {
            year: idx.div_euclid(12),
            month: (idx.rem_euclid(12) + 1) as u32,
        }
    }
    pub fn financial_year(&self) -> FinancialYear {
        FinancialYear::of_period(*self)
    }

    /// Due date of the monthly GSTR-3B for this period: the 20th of the next month
    /// (`domain.md` rule 26; extensions by notification are not modelled).
    pub fn gstr3b_due_monthly(&self) -> NaiveDate {
        let n = self.next();
        NaiveDate::from_ymd_opt(n.year, n.month, 20).expect("valid date")
    }
}

impl fmt::Display for ReturnPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{} {}", MONTHS[self.month as usize - 1], self.year))
    }
}

impl Serialize for ReturnPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.wire())
    }
}
impl<'de> Deserialize<'de> for ReturnPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ReturnPeriod::from_wire(&s).map_err(serde::de::Error::custom)
    }
}

/// An Indian financial year, April to March, written `2024-25`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FinancialYear {
    start_year: i32,
}

impl FinancialYear {
    pub fn new(start_year: i32) -> Self {
        FinancialYear { start_year }
    }
    pub fn of_period(p: ReturnPeriod) -> Self {
        FinancialYear {
            start_year: if p.month >= 4 { p.year } else { p.year - 1 },
        }
    }
    pub fn of_date(d: NaiveDate) -> Self {
        Self::of_period(ReturnPeriod::of_date(d))
    }
    /// Parses `2024-25`, `2024-2025` or `2024`.
    pub fn parse(s: &str) -> Result<Self, PeriodError> {
        let t = s.trim();
        let bad = || {
            PeriodError(format!(
                "financial year {t:?} not understood; expected YYYY-YY, e.g. 2024-25"
            ))
        };
        let (a, b) = match t.split_once(['-', '/']) {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        if a.len() != 4 {
            return Err(bad());
        }
        let start: i32 = a.parse().map_err(|_| bad())?;
        if let Some(b) = b {
            let end: i32 = match b.len() {
                2 => (start / 100) * 100 + b.parse::<i32>().map_err(|_| bad())?,
                4 => b.parse().map_err(|_| bad())?,
                _ => return Err(bad()),
            };
            let end = if end < start { end + 100 } else { end };
            if end != start + 1 {
                return Err(PeriodError(format!(
                    "financial year {t:?}: the second year must follow the first (e.g. {}-{:02})",
                    start,
                    (start + 1) % 100
                )));
            }
        }
        Ok(FinancialYear { start_year: start })
    }
    pub fn start_year(&self) -> i32 {
        self.start_year
    }
    /// April .. March.
    pub fn periods(&self) -> Vec<ReturnPeriod> {
        (0..12)
            .map(|i| {
                ReturnPeriod {
                    year: self.start_year,
                    month: 4,
                }
                .plus_months(i)
            })
            .collect()
    }
    pub fn contains(&self, p: ReturnPeriod) -> bool {
        Self::of_period(p) == *self
    }
}

impl fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{}-{:02}", self.start_year, (self.start_year + 1) % 100))
    }
}

/// `DD-MM-YYYY`: IMS document dates, GSTR-1 dates, 2B dates.
pub const DATE_DASH: &str = "%d-%m-%Y";
/// `DD/MM/YYYY`: ledger query parameters and ledger entry dates.
pub const DATE_SLASH: &str = "%d/%m/%Y";

pub fn fmt_dash(d: NaiveDate) -> String {
    d.format(DATE_DASH).to_string()
}
pub fn fmt_slash(d: NaiveDate) -> String {
    d.format(DATE_SLASH).to_string()
}

/// Parses a date in the format the field is documented to use.
pub fn parse_date(s: &str, format: &str) -> Result<NaiveDate, PeriodError> {
    NaiveDate::parse_from_str(s.trim(), format).map_err(|_| {
        let shown = format.replace("%d", "DD").replace("%m", "MM").replace("%Y", "YYYY");
        PeriodError(format!("date must be {shown}, found {s:?}"))
    })
}

/// Tolerant reading of a date from the API: the documented format first, then the other
/// formats GSTN is known to use (`api.md` §12). `None` when nothing fits; callers show the
/// raw text and flag it rather than dropping the record.
pub fn parse_date_lenient(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    for f in [DATE_DASH, DATE_SLASH, "%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    None
}

/// Parses a user-typed date: `2024-04-01`, `01-04-2024` or `01/04/2024`.
pub fn parse_user_date(s: &str) -> Result<NaiveDate, PeriodError> {
    parse_date_lenient(s).ok_or_else(|| {
        PeriodError(format!(
            "date {s:?} not understood; expected YYYY-MM-DD (2024-04-01) or DD/MM/YYYY"
        ))
    })
}

/// Splits `[from, to]` into windows of at most `months` calendar months, for ledgers the
/// portal limits to six months per query.
pub fn split_range(from: NaiveDate, to: NaiveDate, months: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .and_then(|d| d.pred_opt())
            .unwrap_or(to)
            .min(to);
        out.push((start, end));
        match end.succ_opt() {
            Some(n) => start = n,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_and_user_forms() {
        let p = ReturnPeriod::from_wire("042024").unwrap();
        assert_eq!(p.wire(), "042024");
        assert_eq!(p.path_year(), "2024");
        assert_eq!(p.path_month(), "04");
        assert_eq!(p.to_string(), "Apr 2024");
        for s in ["2024-04", "2024/4", "04-2024", "042024", "Apr 2024", "april-2024"] {
            assert_eq!(ReturnPeriod::parse_user(s).unwrap(), p, "{s}");
        }
    }

    #[test]
    fn bad_periods_explain() {
        assert!(ReturnPeriod::from_wire("132024").unwrap_err().0.contains("month"));
        assert!(ReturnPeriod::from_wire("2024-04").unwrap_err().0.contains("MMYYYY"));
        assert!(ReturnPeriod::parse_user("24-4").unwrap_err().0.contains("YYYY-MM"));
        assert!(ReturnPeriod::parse_user("2024-13").is_err());
    }

    #[test]
    fn arithmetic() {
        let p = ReturnPeriod::new(2024, 12).unwrap();
        assert_eq!(p.next(), ReturnPeriod::new(2025, 1).unwrap());
        assert_eq!(p.plus_months(-12), ReturnPeriod::new(2023, 12).unwrap());
        assert_eq!(ReturnPeriod::new(2024, 2).unwrap().last_day().to_string(), "2024-02-29");
        assert_eq!(
            ReturnPeriod::new(2025, 10).unwrap().gstr3b_due_monthly().to_string(),
            "2025-11-20"
        );
    }

    #[test]
    fn financial_years() {
        let fy = FinancialYear::parse("2024-25").unwrap();
        assert_eq!(fy.to_string(), "2024-25");
        assert_eq!(FinancialYear::parse("2099-2100").unwrap().start_year(), 2099);
        assert!(FinancialYear::parse("2024-26").is_err());
        assert_eq!(fy.periods().first().unwrap().wire(), "042024");
        assert_eq!(fy.periods().last().unwrap().wire(), "032025");
        assert_eq!(ReturnPeriod::new(2025, 3).unwrap().financial_year(), fy);
        assert_eq!(
            ReturnPeriod::new(2025, 4).unwrap().financial_year().to_string(),
            "2025-26"
        );
    }

    #[test]
    fn dates() {
        let d = parse_date("29-02-2024", DATE_DASH).unwrap();
        assert_eq!(fmt_slash(d), "29/02/2024");
        assert!(
            parse_date("30-02-2024", DATE_DASH)
                .unwrap_err()
                .0
                .contains("DD-MM-YYYY")
        );
        assert_eq!(parse_date_lenient("01/04/2024"), NaiveDate::from_ymd_opt(2024, 4, 1));
        assert_eq!(parse_date_lenient("garbage"), None);
    }

    #[test]
    fn ranges_split_into_six_month_windows() {
        let f = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let t = NaiveDate::from_ymd_opt(2025, 2, 10).unwrap();
        let w = split_range(f, t, 6);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0], (f, NaiveDate::from_ymd_opt(2024, 7, 14).unwrap()));
        assert_eq!(w[1].0, NaiveDate::from_ymd_opt(2024, 7, 15).unwrap());
        assert_eq!(w[2].1, t);
    }
}
