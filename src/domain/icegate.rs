//! Tracking of export invoice data shared with ICEGATE (IGST refund on exports), derived
//! locally because no API serves it (`api.md` §9, `domain.md` §3.8 rules 33–37).
//!
//! For each Table 6A invoice with payment of IGST (GSTR-1 / GSTR-1A `exp`, `WPAY`) of the
//! periods asked for, GSTN transmits the invoice to ICEGATE only when:
//! - GSTR-1 and GSTR-3B of the period are filed;
//! - the invoice carries the shipping bill number and date and a 6-character port code;
//! - the export ledger is not negative (see [`super::export_ledger`]).
//!
//! These reasons are computed here. What ICEGATE itself answered (SB000–SB006) is not
//! computable: it comes from a CSV the user downloads from the portal ([`parse_verdicts`]).

use std::collections::HashMap;

use serde::Serialize;

use super::export_ledger::{DERIVED_LABEL, ExpInvoice, ExportLedger, Heads, PeriodReturns};
use super::period::ReturnPeriod;

/// ICEGATE response codes (`domain.md` §3.8 rule 37).
pub const SB_CODES: [(&str, &str); 7] = [
    ("SB000", "Validated by ICEGATE"),
    ("SB001", "Invalid shipping bill details"),
    ("SB002", "EGM not filed"),
    ("SB003", "GSTIN mismatch between the invoice and the shipping bill"),
    ("SB004", "Invoice data already received"),
    ("SB005", "Invalid invoice number"),
    ("SB006", "Gateway EGM not available"),
];

pub fn sb_meaning(code: &str) -> Option<&'static str> {
    SB_CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, m)| *m)
}

/// Why an invoice was not transmitted (computed locally).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Hold {
    ReturnsNotFiled { gstr1: bool, gstr3b: bool },
    ShippingBillMissing,
    PortCodeMissing { found: Option<String> },
    LedgerShort { from: ReturnPeriod, short: Heads },
}

impl Hold {
    pub fn text(&self) -> String {
        match self {
            Hold::ReturnsNotFiled { gstr1, gstr3b } => {
                let mut v = vec![];
                if !gstr1 {
                    v.push("GSTR-1");
                }
                if !gstr3b {
                    v.push("GSTR-3B");
                }
                format!("{} not filed", v.join(" and "))
            }
            Hold::ShippingBillMissing => "shipping bill number or date missing".into(),
            Hold::PortCodeMissing { found: None } => "port code missing".into(),
            Hold::PortCodeMissing { found: Some(p) } => format!("port code {p:?} is not 6 characters"),
            Hold::LedgerShort { from, short } => format!(
                "export ledger negative since {from} (short IGST ₹{}, CESS ₹{})",
                short.igst, short.cess
            ),
        }
    }
}

/// Where an invoice stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    NotTransmitted(Vec<Hold>),
    /// Passed GSTN's checks. `held_until`: it waited for a later 3.1(b) that cleared a
    /// negative ledger. `verdict`: ICEGATE's code, when imported.
    Transmitted {
        held_until: Option<ReturnPeriod>,
        verdict: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceStatus {
    pub period: ReturnPeriod,
    pub inum: String,
    pub idt: String,
    pub sbnum: Option<String>,
    pub sbdt: Option<String>,
    pub sbpcode: Option<String>,
    pub tax: Heads,
    pub status: Status,
}

impl InvoiceStatus {
    /// Not transmitted, or rejected by ICEGATE (any code but SB000).
    pub fn failed(&self) -> bool {
        match &self.status {
            Status::NotTransmitted(_) => true,
            Status::Transmitted { verdict, .. } => verdict.as_deref().is_some_and(|v| !v.eq_ignore_ascii_case("SB000")),
        }
    }

    /// The reason(s) in words, with SB codes explained.
    pub fn reason(&self) -> String {
        match &self.status {
            Status::NotTransmitted(h) => h.iter().map(Hold::text).collect::<Vec<_>>().join("; "),
            Status::Transmitted { held_until, verdict } => {
                let mut s = match verdict {
                    Some(v) => format!("{v}: {}", sb_meaning(v).unwrap_or("code not known to gstdash")),
                    None => "transmitted; no ICEGATE response imported".into(),
                };
                if let Some(p) = held_until {
                    s.push_str(&format!(" (held until 3.1(b) of {p} cleared the ledger)"));
                }
                s
            }
        }
    }
}

/// The lines of the portal's counts table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CountKind {
    Processed,
    Transmitted,
    NotTransmitted,
    ReturnsNotFiled,
    ShippingBillMissing,
    PortCodeMissing,
    LedgerShort,
    Rejected,
}

impl CountKind {
    pub const ALL: [CountKind; 8] = [
        CountKind::Processed,
        CountKind::Transmitted,
        CountKind::NotTransmitted,
        CountKind::ReturnsNotFiled,
        CountKind::ShippingBillMissing,
        CountKind::PortCodeMissing,
        CountKind::LedgerShort,
        CountKind::Rejected,
    ];

    /// As the counts table shows it (reasons indented under "Not transmitted").
    pub fn label(self) -> &'static str {
        match self {
            CountKind::Processed => "Invoices processed from 6A",
            CountKind::Transmitted => "Transmitted to ICEGATE",
            CountKind::NotTransmitted => "Not transmitted",
            CountKind::ReturnsNotFiled => "  returns not filed",
            CountKind::ShippingBillMissing => "  shipping bill missing",
            CountKind::PortCodeMissing => "  port code missing",
            CountKind::LedgerShort => "  export ledger short",
            CountKind::Rejected => "Rejected by ICEGATE",
        }
    }

    /// Whether `i` counts under this line.
    pub fn covers(self, i: &InvoiceStatus) -> bool {
        let held = |f: &dyn Fn(&Hold) -> bool| matches!(&i.status, Status::NotTransmitted(h) if h.iter().any(f));
        match self {
            CountKind::Processed => true,
            CountKind::Transmitted => matches!(i.status, Status::Transmitted { .. }),
            CountKind::NotTransmitted => matches!(i.status, Status::NotTransmitted(_)),
            CountKind::ReturnsNotFiled => held(&|h| matches!(h, Hold::ReturnsNotFiled { .. })),
            CountKind::ShippingBillMissing => held(&|h| *h == Hold::ShippingBillMissing),
            CountKind::PortCodeMissing => held(&|h| matches!(h, Hold::PortCodeMissing { .. })),
            CountKind::LedgerShort => held(&|h| matches!(h, Hold::LedgerShort { .. })),
            CountKind::Rejected => {
                matches!(&i.status, Status::Transmitted { verdict: Some(v), .. } if !v.eq_ignore_ascii_case("SB000"))
            }
        }
    }
}

/// One line of the counts table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountLine {
    #[serde(skip)]
    pub kind: CountKind,
    pub label: String,
    pub count: usize,
    pub tax: Heads,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tracking {
    pub periods: Vec<ReturnPeriod>,
    pub invoices: Vec<InvoiceStatus>,
    pub label: &'static str,
    /// Verdicts imported that match no 6A invoice of these periods (kept, shown).
    pub unmatched_verdicts: Vec<Verdict>,
}

impl Tracking {
    /// The portal's counts: processed from 6A, transmitted, not transmitted (by reason),
    /// rejected by ICEGATE. An invoice held for several reasons counts under each reason but
    /// once in "Not transmitted".
    pub fn counts(&self) -> Vec<CountLine> {
        CountKind::ALL
            .into_iter()
            .map(|kind| {
                let hits: Vec<_> = self.of(kind).collect();
                CountLine {
                    kind,
                    label: kind.label().into(),
                    count: hits.len(),
                    tax: hits.iter().fold(Heads::default(), |a, i| a + i.tax),
                }
            })
            .collect()
    }

    /// The invoices counted under `kind` (the drill-down of a counts line).
    pub fn of(&self, kind: CountKind) -> impl Iterator<Item = &InvoiceStatus> {
        self.invoices.iter().filter(move |i| kind.covers(i))
    }

    pub fn failed(&self) -> impl Iterator<Item = &InvoiceStatus> {
        self.invoices.iter().filter(|i| i.failed())
    }
}

/// ICEGATE's answer for one invoice, as imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub inum: String,
    pub idt: String,
    pub code: String,
}

/// Reads verdicts from a CSV with a header naming the invoice number, invoice date and
/// response code columns (matched by words: "invoice no"/"inum", "invoice date"/"idt",
/// "code"/"response"). Errors name the line, the column and what was expected.
pub fn parse_verdicts(csv_text: &str) -> Result<Vec<Verdict>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = rdr.headers().map_err(|e| format!("line 1 (header): {e}"))?.clone();
    let find = |words: &[&str]| {
        headers.iter().position(|h| {
            let h = h.to_ascii_lowercase();
            words.iter().any(|w| h.contains(w))
        })
    };
    let inum = find(&["invoice no", "invoice number", "inum"])
        .ok_or("line 1 (header): expected an invoice number column (\"Invoice No\")")?;
    let idt =
        find(&["invoice date", "idt"]).ok_or("line 1 (header): expected an invoice date column (\"Invoice Date\")")?;
    let code =
        find(&["code", "response"]).ok_or("line 1 (header): expected a response code column (\"Response Code\")")?;
    let name = |i: usize| headers.get(i).unwrap_or("").to_string();
    let mut out = vec![];
    for rec in rdr.records() {
        // The csv crate does not count blank lines; the byte offset gives the line as an
        // editor shows it.
        let line_at = |byte: u64| {
            let bytes = csv_text.as_bytes();
            let mut end = (byte as usize).min(bytes.len());
            // A record's position is where reading began, before any blank lines it skipped.
            while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
                end += 1;
            }
            bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
        };
        let rec = rec.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", line_at(p.byte())),
            None => e.to_string(),
        })?;
        let line = rec.position().map(|p| line_at(p.byte())).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let mut v = Verdict {
            inum: get(inum),
            idt: get(idt),
            code: get(code).to_ascii_uppercase(),
        };
        if v.inum.is_empty() {
            return Err(format!("line {line}, column {:?}: invoice number is empty", name(inum)));
        }
        // Matched against GSTR-1's DD-MM-YYYY; the portal's files also use DD/MM/YYYY.
        match super::period::parse_date_lenient(&v.idt) {
            Some(d) => v.idt = super::period::fmt_dash(d),
            None => {
                return Err(format!(
                    "line {line}, column {:?}: {:?} is not a date; expected DD-MM-YYYY",
                    name(idt),
                    v.idt
                ));
            }
        }
        let digits = v.code.strip_prefix("SB").unwrap_or("");
        if digits.len() != 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "line {line}, column {:?}: response code {:?}: expected SB000–SB006",
                name(code),
                v.code
            ));
        }
        out.push(v);
    }
    Ok(out)
}

fn port_ok(p: &Option<String>) -> Result<(), Hold> {
    match p.as_deref().map(str::trim) {
        None | Some("") => Err(Hold::PortCodeMissing { found: None }),
        Some(s) if s.chars().count() == 6 && s.chars().all(|c| c.is_ascii_alphanumeric()) => Ok(()),
        Some(s) => Err(Hold::PortCodeMissing {
            found: Some(s.to_string()),
        }),
    }
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// Statuses of the 6A invoices of `periods` (taken from `returns`), judged against `ledger`
/// (computed over the same or more periods) and the imported `verdicts`.
pub fn track(
    returns: &[PeriodReturns],
    periods: &[ReturnPeriod],
    ledger: &ExportLedger,
    verdicts: &[Verdict],
) -> Tracking {
    let key = |n: &str, d: &str| (n.trim().to_ascii_uppercase(), d.trim().to_string());
    let mut by_inv: HashMap<(String, String), &Verdict> = verdicts.iter().map(|v| (key(&v.inum, &v.idt), v)).collect();
    let mut out = Tracking {
        periods: periods.to_vec(),
        label: DERIVED_LABEL,
        ..Default::default()
    };
    for pr in returns.iter().filter(|r| periods.contains(&r.period)) {
        let invs: Vec<&ExpInvoice> = [&pr.gstr1, &pr.gstr1a]
            .into_iter()
            .flatten()
            .flat_map(|s| s.exp.iter().filter(|g| g.exp_typ.trim().eq_ignore_ascii_case("WPAY")))
            .flat_map(|g| g.inv.iter())
            .collect();
        for inv in invs {
            let mut holds = vec![];
            if pr.gstr1.is_none() || pr.gstr3b.is_none() {
                holds.push(Hold::ReturnsNotFiled {
                    gstr1: pr.gstr1.is_some(),
                    gstr3b: pr.gstr3b.is_some(),
                });
            }
            if !present(&inv.sbnum) || !present(&inv.sbdt) {
                holds.push(Hold::ShippingBillMissing);
            }
            if let Err(h) = port_ok(&inv.sbpcode) {
                holds.push(h);
            }
            let mut held_until = None;
            if let Some(s) = ledger
                .spells
                .iter()
                .find(|s| s.from <= pr.period && s.cleared_in.is_none_or(|c| c > pr.period))
            {
                match s.cleared_in {
                    None => holds.push(Hold::LedgerShort {
                        from: s.from,
                        short: ledger.shortfall.as_ref().map(|x| x.pay).unwrap_or_default(),
                    }),
                    Some(c) => held_until = Some(c),
                }
            }
            let tax = inv
                .itms
                .iter()
                .fold(Heads::default(), |a, i| a + Heads::new(i.iamt, i.csamt));
            let verdict = by_inv.remove(&key(&inv.inum, &inv.idt)).map(|v| v.code.clone());
            let status = if holds.is_empty() {
                Status::Transmitted { held_until, verdict }
            } else {
                Status::NotTransmitted(holds)
            };
            out.invoices.push(InvoiceStatus {
                period: pr.period,
                inum: inv.inum.clone(),
                idt: inv.idt.clone(),
                sbnum: inv.sbnum.clone(),
                sbdt: inv.sbdt.clone(),
                sbpcode: inv.sbpcode.clone(),
                tax,
                status,
            });
        }
    }
    let mut rest: Vec<Verdict> = by_inv.into_values().cloned().collect();
    rest.sort_by(|a, b| (&a.inum, &a.idt).cmp(&(&b.inum, &b.idt)));
    out.unmatched_verdicts = rest;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use crate::domain::export_ledger::{ExpGroup, Gstr1Sections, Gstr3bDetails, ItemAmounts, compute};

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }
    fn p(s: &str) -> ReturnPeriod {
        ReturnPeriod::parse_user(s).unwrap()
    }
    fn inv(n: &str, sb: bool, port: Option<&str>, iamt: &str) -> ExpInvoice {
        ExpInvoice {
            inum: n.into(),
            idt: "05-05-2024".into(),
            sbnum: sb.then(|| "1234567".into()),
            sbdt: sb.then(|| "07-05-2024".into()),
            sbpcode: port.map(Into::into),
            itms: vec![ItemAmounts {
                iamt: m(iamt),
                ..Default::default()
            }],
            ..Default::default()
        }
    }
    fn period(per: &str, invs: Vec<ExpInvoice>, paid: Option<&str>) -> PeriodReturns {
        PeriodReturns {
            period: p(per),
            gstr1: Some(Gstr1Sections {
                exp: vec![ExpGroup {
                    exp_typ: "WPAY".into(),
                    inv: invs,
                }],
                ..Default::default()
            }),
            gstr1a: None,
            gstr3b: paid.map(|x| {
                let mut d = Gstr3bDetails::default();
                d.sup_details.osup_zero.iamt = m(x);
                d
            }),
        }
    }

    /// May 2024: four invoices of ₹1,000 IGST each; one lacks the shipping bill, one has a
    /// five-character port code; 3.1(b) pays all ₹4,000. ICEGATE validated A1 and rejected A4
    /// with SB005. June: ₹2,000 exported, ₹1,500 paid → negative from June; July's ₹300
    /// (GSTR-3B not filed) makes the current shortfall ₹800.
    #[test]
    fn counts_reasons_and_verdicts() {
        let returns = vec![
            period(
                "2024-05",
                vec![
                    inv("A1", true, Some("INNSA1"), "1000"),
                    inv("A2", false, Some("INNSA1"), "1000"),
                    inv("A3", true, Some("INNSA"), "1000"),
                    inv("A4", true, Some("INMAA1"), "1000"),
                ],
                Some("4000"),
            ),
            period("2024-06", vec![inv("B1", true, Some("INNSA1"), "2000")], Some("1500")),
            period("2024-07", vec![inv("C1", true, Some("INNSA1"), "300")], None),
        ];
        let ledger = compute(&returns);
        let verdicts = parse_verdicts(
            "Invoice No,Invoice Date,Response Code\nA1,05-05-2024,SB000\nA4,05-05-2024,sb005\nZ9,01-01-2024,SB002\n",
        )
        .unwrap();
        let may = track(&returns, &[p("2024-05")], &ledger, &verdicts);
        let c = may.counts();
        let get = |l: &str| c.iter().find(|x| x.label.trim() == l).unwrap().clone();
        assert_eq!(get("Invoices processed from 6A").count, 4);
        assert_eq!(get("Invoices processed from 6A").tax.igst, m("4000"));
        assert_eq!(get("Transmitted to ICEGATE").count, 2);
        assert_eq!(get("Not transmitted").count, 2);
        assert_eq!(get("shipping bill missing").count, 1);
        assert_eq!(get("port code missing").count, 1);
        assert_eq!(get("Rejected by ICEGATE").count, 1);
        let failed: Vec<_> = may.failed().map(|i| (i.inum.clone(), i.reason())).collect();
        assert_eq!(failed.len(), 3);
        assert!(failed[1].1.contains("\"INNSA\" is not 6 characters"), "{failed:?}");
        assert_eq!(failed[2].1, "SB005: Invalid invoice number");
        assert_eq!(may.unmatched_verdicts.len(), 1, "Z9 is kept and shown");

        let jun = track(&returns, &[p("2024-06")], &ledger, &[]);
        let b1 = &jun.invoices[0];
        assert_eq!(
            b1.status,
            Status::NotTransmitted(vec![Hold::LedgerShort {
                from: p("2024-06"),
                short: Heads::new(m("800"), m("0")),
            }])
        );
        let jul = track(&returns, &[p("2024-07")], &ledger, &[]);
        assert!(
            jul.invoices[0].reason().contains("GSTR-3B not filed"),
            "{}",
            jul.invoices[0].reason()
        );
    }

    #[test]
    fn a_cleared_spell_transmits_late_and_says_so() {
        let returns = vec![
            period("2024-05", vec![inv("A1", true, Some("INNSA1"), "1000")], Some("800")),
            period("2024-06", vec![], Some("200")),
        ];
        let ledger = compute(&returns);
        let t = track(&returns, &[p("2024-05")], &ledger, &[]);
        assert_eq!(
            t.invoices[0].status,
            Status::Transmitted {
                held_until: Some(p("2024-06")),
                verdict: None
            }
        );
        assert!(t.invoices[0].reason().contains("held until 3.1(b) of Jun 2024"));
    }

    #[test]
    fn verdict_csv_errors_name_the_line() {
        assert!(
            parse_verdicts("a,b\n1,2\n")
                .unwrap_err()
                .contains("invoice number column")
        );
        let e = parse_verdicts("Invoice No,Invoice Date,Response Code\nA1,05-05-2024,OK\n").unwrap_err();
        assert_eq!(
            e,
            "line 2, column \"Response Code\": response code \"OK\": expected SB000–SB006"
        );
        let e = parse_verdicts("Invoice No,Invoice Date,Response Code\nA1,05-05-2024,SB000\n\nA2,2024/05/05,SB001\n")
            .unwrap_err();
        assert_eq!(
            e,
            "line 4, column \"Invoice Date\": \"2024/05/05\" is not a date; expected DD-MM-YYYY"
        );
        let e = parse_verdicts("Invoice No,Invoice Date,Response Code\n,05-05-2024,SB000\n").unwrap_err();
        assert!(e.starts_with("line 2, column \"Invoice No\""), "{e}");
    }
}
