//! Money: exact decimal amounts, tolerant on the wire, Indian digit grouping on screen.
//!
//! GSTN sends amounts as JSON integers, JSON decimals and sometimes strings (`21150`,
//! `1416666.19`, `"0.00"`). `Money` keeps the exact value it was given (never through `f64`)
//! and writes it back as a JSON number with the same digits, because GSTN matches saved
//! records on their values.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount in rupees. Wraps `rust_decimal::Decimal`; never a float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn new(d: Decimal) -> Self {
        Money(d)
    }

    /// Parses "1234.50", "-3", "1e3", "₹ 1,23,456.00". Errors name what was expected.
    pub fn parse(s: &str) -> Result<Money, String> {
        let cleaned: String = s
            .trim()
            .trim_start_matches('₹')
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '_'))
            .collect();
        if cleaned.is_empty() {
            return Err("expected an amount, found nothing".into());
        }
        Decimal::from_str(&cleaned)
            .or_else(|_| Decimal::from_scientific(&cleaned))
            .map(Money)
            .map_err(|_| format!("expected an amount like 1234.56, found {s:?}"))
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn abs(&self) -> Money {
        Money(self.0.abs())
    }

    /// Indian grouping with two decimals: `12,34,567.89`, `-1,000.00`.
    pub fn inr(&self) -> String {
        format_inr(self.0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.inr())
    }
}

impl From<Decimal> for Money {
    fn from(d: Decimal) -> Self {
        Money(d)
    }
}
impl From<i64> for Money {
    fn from(v: i64) -> Self {
        Money(Decimal::from(v))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 -= o.0;
    }
}
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}
impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + *b)
    }
}

/// Formats a decimal with Indian digit grouping (last three digits, then pairs) and
/// exactly two decimals, rounding half away from zero only for display.
pub fn format_inr(d: Decimal) -> String {
    let rounded = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let s = format!("{:.2}", rounded.abs());
    let (int_part, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let grouped = group_indian(int_part);
    format!("{}{}.{}", if negative { "-" } else { "" }, grouped, frac)
}

/// A whole count with Indian grouping: `1,23,456`.
pub fn format_count(n: u64) -> String {
    group_indian(&n.to_string())
}

/// Groups a string of digits the Indian way: last three, then pairs (`12,34,567`).
pub fn group_indian(digits: &str) -> String {
    if digits.len() <= 3 {
        return digits.to_string();
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = head;
    while rest.len() > 2 {
        let (a, b) = rest.split_at(rest.len() - 2);
        parts.push(b);
        rest = a;
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.reverse();
    format!("{},{}", parts.join(","), last3)
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written as a JSON number carrying exactly our digits (serde_json's
        // arbitrary_precision), so `1416666.19` goes out as `1416666.19`.
        rust_decimal::serde::arbitrary_precision::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl<'de> Visitor<'de> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount (a JSON number or a numeric string)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        Ok(Money(Decimal::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        Ok(Money(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        // Only reached without arbitrary_precision; go through the shortest text form
        // so 0.1 stays 0.1 rather than 0.1000000000000000055511151231.
        Money::parse(&v.to_string()).map_err(E::custom)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        Money::parse(v).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Money, E> {
        // `null` where an amount belongs: GSTN omits or nulls zero balances.
        Ok(Money::ZERO)
    }
    fn visit_none<E: de::Error>(self) -> Result<Money, E> {
        Ok(Money::ZERO)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Money, A::Error> {
        // serde_json with arbitrary_precision hands numbers over as a one-entry map.
        let key: Option<String> = map.next_key()?;
        match key.as_deref() {
            Some("$serde_json::private::Number") => {
                let text: String = map.next_value()?;
                Money::parse(&text).map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn indian_grouping() {
        assert_eq!(format_inr(dec!(1234567.89)), "12,34,567.89");
        assert_eq!(format_inr(dec!(0)), "0.00");
        assert_eq!(format_inr(dec!(999)), "999.00");
        assert_eq!(format_inr(dec!(1000)), "1,000.00");
        assert_eq!(format_inr(dec!(100000)), "1,00,000.00");
        assert_eq!(format_inr(dec!(123456789012.5)), "1,23,45,67,89,012.50");
        assert_eq!(format_inr(dec!(-32140.8)), "-32,140.80");
        assert_eq!(format_inr(dec!(0.005)), "0.01");
        assert_eq!(format_inr(dec!(-0.001)), "0.00");
    }

    #[test]
    fn exact_json_round_trip() {
        let m: Money = serde_json::from_str("1416666.19").unwrap();
        assert_eq!(m.0, dec!(1416666.19));
        assert_eq!(serde_json::to_string(&m).unwrap(), "1416666.19");
        let m: Money = serde_json::from_str("21150").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "21150");
        let m: Money = serde_json::from_str("\"12.50\"").unwrap();
        assert_eq!(m.0, dec!(12.50));
        let m: Money = serde_json::from_str("null").unwrap();
        assert!(m.is_zero());
    }

    #[test]
    fn decimal_sum_has_no_float_error() {
        let a: Money = serde_json::from_str("0.1").unwrap();
        let b: Money = serde_json::from_str("0.2").unwrap();
        assert_eq!((a + b).inr(), "0.30");
        assert_eq!((a + b).0, dec!(0.3));
    }

    #[test]
    fn rejects_non_numbers_with_a_clear_message() {
        let e = serde_json::from_str::<Money>("\"abc\"").unwrap_err().to_string();
        assert!(e.contains("expected an amount"), "{e}");
        let e = serde_json::from_str::<Money>("true").unwrap_err().to_string();
        assert!(e.contains("an amount"), "{e}");
    }

    #[test]
    fn parse_user_input() {
        assert_eq!(Money::parse("₹ 1,23,456.00").unwrap().0, dec!(123456.00));
        assert!(Money::parse("").is_err());
    }
}
