//! GSTIN: the 15-character GST identification number.
//!
//! Validation follows `domain.md` §3.9: the registration-type patterns GSTN publishes and the
//! Luhn-mod-36 check character. Errors say which position is wrong and what was expected, so a
//! user fixing a config file or a query knows exactly where to look. Data *from* the API is never
//! refused for failing these checks: callers use [`check`] to flag it instead.

use std::fmt;

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// What kind of registration a GSTIN belongs to, read from its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GstinKind {
    /// Regular taxpayer (also SEZ units, casual taxpayers, ISDs).
    Normal,
    /// Government department ID.
    GovtDepartment,
    /// Non-resident taxable person.
    NonResident,
    /// Online information and database access or retrieval service provider.
    Oidar,
    /// UN body, embassy or other notified person (UIN).
    UnBody,
    /// Tax deductor at source.
    TdsDeductor,
    /// E-commerce operator collecting tax at source.
    TcsCollector,
}

impl GstinKind {
    pub fn label(self) -> &'static str {
        match self {
            GstinKind::Normal => "Normal taxpayer",
            GstinKind::GovtDepartment => "Government department",
            GstinKind::NonResident => "Non-resident taxable person",
            GstinKind::Oidar => "OIDAR service provider",
            GstinKind::UnBody => "UN body / embassy (UIN)",
            GstinKind::TdsDeductor => "TDS deductor",
            GstinKind::TcsCollector => "E-commerce operator (TCS)",
        }
    }
}

/// Why a string is not a valid GSTIN. `position` is 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GstinError {
    pub input: String,
    pub position: Option<usize>,
    pub reason: String,
}

impl fmt::Display for GstinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "GSTIN {:?}: position {p}: {}", self.input, self.reason),
            None => write!(f, "GSTIN {:?}: {}", self.input, self.reason),
        }
    }
}
impl std::error::Error for GstinError {}

/// A GSTIN that passed the format and check-digit tests; stored upper-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Gstin(String);

impl Gstin {
    /// Parses and validates; trims blanks and upper-cases first.
    pub fn parse(s: &str) -> Result<Gstin, GstinError> {
        let up = s.trim().to_ascii_uppercase();
        check(&up)?;
        Ok(Gstin(up))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> GstinKind {
        check(&self.0).expect("validated at construction")
    }

    /// The two-digit state code.
    pub fn state_code(&self) -> &str {
        &self.0[..2]
    }

    /// The PAN embedded in a normal, TDS or TCS GSTIN.
    pub fn pan(&self) -> Option<&str> {
        match self.kind() {
            GstinKind::Normal | GstinKind::TcsCollector => Some(&self.0[2..12]),
            _ => None,
        }
    }
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for Gstin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Gstin::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Gstin {
    type Err = GstinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gstin::parse(s)
    }
}

fn err(input: &str, position: Option<usize>, reason: impl Into<String>) -> GstinError {
    GstinError {
        input: input.to_string(),
        position,
        reason: reason.into(),
    }
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 14 characters (already upper-case).
pub fn check_char(first14: &str) -> Result<char, GstinError> {
    let bytes = first14.as_bytes();
    if bytes.len() != 14 {
        return Err(err(
            first14,
            None,
            format!("need 14 characters to compute a check character, got {}", bytes.len()),
        ));
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let v = value_of(b).ok_or_else(|| {
            err(
                first14,
                Some(i + 1),
                format!("{:?} is not a digit or capital letter", b as char),
            )
        })?;
        let factor = if i % 2 == 0 { 1 } else { 2 };
        let p = v * factor;
        sum += p / 36 + p % 36;
    }
    let check = (36 - sum % 36) % 36;
    Ok(ALPHABET[check as usize] as char)
}

/// Character classes used by the patterns, position by position.
#[derive(Clone, Copy)]
enum Class {
    Digit,
    Letter,
    DigitOrLetter,
    /// 1-9 or A-Z (entity number).
    NonZero,
    Exact(u8),
    OneOf(&'static [u8]),
}

impl Class {
    fn accepts(self, c: u8) -> bool {
        match self {
            Class::Digit => c.is_ascii_digit(),
            Class::Letter => c.is_ascii_uppercase(),
            Class::DigitOrLetter => c.is_ascii_digit() || c.is_ascii_uppercase(),
            Class::NonZero => (b'1'..=b'9').contains(&c) || c.is_ascii_uppercase(),
            Class::Exact(e) => c == e,
            Class::OneOf(set) => set.contains(&c),
        }
    }
    fn describe(self) -> String {
        match self {
            Class::Digit => "a digit".into(),
            Class::Letter => "a letter".into(),
            Class::DigitOrLetter => "a digit or letter".into(),
            Class::NonZero => "1-9 or a letter (entity number)".into(),
            Class::Exact(e) => format!("{:?}", e as char),
            Class::OneOf(set) => {
                let s: Vec<String> = set.iter().map(|c| (*c as char).to_string()).collect();
                format!("one of {}", s.join(""))
            }
        }
    }
}

use Class::*;

const POS14_NORMAL: &[u8] = b"Z123456789ABDEFGHIJ";

fn pattern(kind: GstinKind) -> [Class; 14] {
    // Position 15 (check character) is tested separately.
    match kind {
        GstinKind::Normal => [
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            NonZero,
            OneOf(POS14_NORMAL),
        ],
        GstinKind::GovtDepartment => [
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            Digit,
            Exact(b'Z'),
        ],
        GstinKind::NonResident => [
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Digit,
            Exact(b'N'),
            Exact(b'R'),
        ],
        GstinKind::Oidar => [
            Exact(b'9'),
            Exact(b'9'),
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Digit,
            Exact(b'O'),
            Exact(b'S'),
        ],
        GstinKind::UnBody => [
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Digit,
            OneOf(b"UO"),
            Exact(b'N'),
        ],
        GstinKind::TdsDeductor => [
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Letter,
            DigitOrLetter,
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            NonZero,
            Exact(b'D'),
        ],
        GstinKind::TcsCollector => [
            Digit,
            Digit,
            Letter,
            Letter,
            Letter,
            Letter,
            Letter,
            Digit,
            Digit,
            Digit,
            Digit,
            Letter,
            NonZero,
            Exact(b'C'),
        ],
    }
}

const KINDS: [GstinKind; 7] = [
    GstinKind::Normal,
    GstinKind::TcsCollector,
    GstinKind::TdsDeductor,
    GstinKind::GovtDepartment,
    GstinKind::NonResident,
    GstinKind::Oidar,
    GstinKind::UnBody,
];

/// Validates an upper-case GSTIN and returns its kind, or the first thing wrong with it.
///
/// When no registration pattern fits, the error names the first position where the
/// *normal taxpayer* pattern (the one users almost always mean) fails.
pub fn check(s: &str) -> Result<GstinKind, GstinError> {
    let bytes = s.as_bytes();
    if !s.is_ascii() {
        return Err(err(
            s,
            None,
            "contains non-ASCII characters; expected digits and capital letters",
        ));
    }
    if bytes.len() != 15 {
        return Err(err(s, None, format!("must be 15 characters, found {}", bytes.len())));
    }
    if let Some(i) = bytes.iter().position(|b| b.is_ascii_lowercase()) {
        return Err(err(s, Some(i + 1), "lower-case letter; GSTINs are upper-case"));
    }
    if let Some(i) = bytes.iter().position(|b| !b.is_ascii_alphanumeric()) {
        return Err(err(
            s,
            Some(i + 1),
            format!("{:?} is not a digit or letter", bytes[i] as char),
        ));
    }
    let kind = KINDS
        .iter()
        .copied()
        .find(|&k| pattern(k).iter().zip(bytes).all(|(class, &c)| class.accepts(c)));
    let kind = match kind {
        Some(k) => k,
        None => {
            let pat = pattern(GstinKind::Normal);
            let (i, class) = pat
                .iter()
                .enumerate()
                .find(|(i, class)| !class.accepts(bytes[*i]))
                .map(|(i, c)| (i, *c))
                .expect("some position fails when no pattern fits");
            let what = match i {
                0 | 1 => " (state code)",
                2..=11 => " (PAN)",
                12 => " (entity number)",
                _ => "",
            };
            return Err(err(
                s,
                Some(i + 1),
                format!("expected {}{what}, found {:?}", class.describe(), bytes[i] as char),
            ));
        }
    };
    if matches!(
        kind,
        GstinKind::Normal | GstinKind::TcsCollector | GstinKind::TdsDeductor | GstinKind::GovtDepartment
    ) && state_name(&s[..2]).is_none()
    {
        return Err(err(s, Some(1), format!("{:?} is not a GST state code", &s[..2])));
    }
    let expected = check_char(&s[..14])?;
    let found = bytes[14] as char;
    if expected != found {
        return Err(err(
            s,
            Some(15),
            format!(
                "check character should be {expected:?}, found {found:?} (a typo in the first 14 characters, or in the last)"
            ),
        ));
    }
    Ok(kind)
}

/// State and union-territory names by GST state code (`domain.md` §3.9 rule 42).
pub fn state_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Jammu and Kashmir",
        "02" => "Himachal Pradesh",
        "03" => "Punjab",
        "04" => "Chandigarh",
        "05" => "Uttarakhand",
        "06" => "Haryana",
        "07" => "Delhi",
        "08" => "Rajasthan",
        "09" => "Uttar Pradesh",
        "10" => "Bihar",
        "11" => "Sikkim",
        "12" => "Arunachal Pradesh",
        "13" => "Nagaland",
        "14" => "Manipur",
        "15" => "Mizoram",
        "16" => "Tripura",
        "17" => "Meghalaya",
        "18" => "Assam",
        "19" => "West Bengal",
        "20" => "Jharkhand",
        "21" => "Odisha",
        "22" => "Chhattisgarh",
        "23" => "Madhya Pradesh",
        "24" => "Gujarat",
        "25" => "Daman and Diu (legacy)",
        "26" => "Dadra and Nagar Haveli and Daman and Diu",
        "27" => "Maharashtra",
        "28" => "Andhra Pradesh (legacy)",
        "29" => "Karnataka",
        "30" => "Goa",
        "31" => "Lakshadweep",
        "32" => "Kerala",
        "33" => "Tamil Nadu",
        "34" => "Puducherry",
        "35" => "Andaman and Nicobar Islands",
        "36" => "Telangana",
        "37" => "Andhra Pradesh",
        "38" => "Ladakh",
        "97" => "Other Territory",
        "96" => "Other Countries",
        _ => return None,
    })
}

/// Builds a valid normal-taxpayer GSTIN from state code, PAN and entity number, adding the
/// check character. Used by the simulator to generate data that passes every check.
pub fn build_normal(state: &str, pan: &str, entity: char) -> Result<Gstin, GstinError> {
    let first14 = format!("{state}{pan}{entity}Z");
    let c = check_char(&first14)?;
    Gstin::parse(&format!("{first14}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_gstins_pass() {
        for g in [
            "27AAPFU0939F1ZV",
            "07AABFL2260Q2Z2",
            "33AABCB2290H1Z1",
            "27AVDPP7241C1ZP",
            "24SHUBH3221U1Z1",
            "24AAACQ3770E1ZP",
        ] {
            assert_eq!(Gstin::parse(g).unwrap().kind(), GstinKind::Normal, "{g}");
        }
    }

    #[test]
    fn worked_example_check_char() {
        assert_eq!(check_char("27AAPFU0939F1Z").unwrap(), 'V');
    }

    #[test]
    fn lower_case_input_is_normalised() {
        let g = Gstin::parse(" 27aapfu0939f1zv ").unwrap();
        assert_eq!(g.as_str(), "27AAPFU0939F1ZV");
        assert_eq!(g.state_code(), "27");
        assert_eq!(g.pan(), Some("AAPFU0939F"));
    }

    #[test]
    fn wrong_check_digit_names_position_15() {
        let e = Gstin::parse("27AAPFU0939F1ZW").unwrap_err();
        assert_eq!(e.position, Some(15));
        assert!(e.reason.contains("'V'"), "{e}");
    }

    #[test]
    fn sandbox_doc_examples_fail() {
        // api.md §12: these documented examples are not valid fixtures.
        assert!(Gstin::parse("29AAACQ3770E000").is_err());
        assert!(Gstin::parse("24MAYAS0100J1JD").is_err());
        assert!(Gstin::parse("05ABNTY3290P8ZB").is_err());
        let e = Gstin::parse("24ABCCU0123M1YZ").unwrap_err();
        assert!(e.position.is_some());
    }

    #[test]
    fn length_and_characters() {
        assert!(
            Gstin::parse("27AAPFU0939F1Z")
                .unwrap_err()
                .reason
                .contains("15 characters")
        );
        let e = Gstin::parse("27AAPFU0939F1Z-").unwrap_err();
        assert_eq!(e.position, Some(15));
        let e = check("27aapfu0939f1zv").unwrap_err();
        assert_eq!(e.position, Some(3));
    }

    #[test]
    fn pattern_errors_point_at_the_field() {
        let e = Gstin::parse("2XAAPFU0939F1ZV").unwrap_err();
        assert_eq!(e.position, Some(2));
        assert!(e.reason.contains("state code"), "{e}");
        let e = Gstin::parse("27AAPFU093XF1ZV").unwrap_err();
        assert_eq!(e.position, Some(11));
        assert!(e.reason.contains("PAN"), "{e}");
        let e = Gstin::parse("27AAPFU0939F0ZV").unwrap_err();
        assert_eq!(e.position, Some(13));
        let e = Gstin::parse("99AAPFU0939F1ZV").unwrap_err();
        assert!(e.reason.contains("state code"), "{e}");
    }

    #[test]
    fn kinds_are_detected() {
        let mk = |first14: &str| format!("{first14}{}", check_char(first14).unwrap());
        assert_eq!(check(&mk("27AAPFU0939F1C")).unwrap(), GstinKind::TcsCollector);
        assert_eq!(check(&mk("27AAPF10939F1D")).unwrap(), GstinKind::TdsDeductor);
        assert_eq!(check(&mk("0717USA00001NR")).unwrap(), GstinKind::NonResident);
        assert_eq!(check(&mk("9917USA00001OS")).unwrap(), GstinKind::Oidar);
        assert_eq!(check(&mk("0717UNO00001UN")).unwrap(), GstinKind::UnBody);
        assert_eq!(check(&mk("07DELH01234D1Z")).unwrap(), GstinKind::GovtDepartment);
    }

    #[test]
    fn build_normal_makes_valid_gstins() {
        let g = build_normal("29", "AABCS1429B", '1').unwrap();
        assert_eq!(g.kind(), GstinKind::Normal);
        assert_eq!(&g.as_str()[..14], "29AABCS1429B1Z");
    }
}
