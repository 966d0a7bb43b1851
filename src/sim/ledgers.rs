//! Ledger history of a demo taxpayer: filed GSTR-3B periods from April 2023 (at least 24) generated as one consistent
//! event sequence, and the four ledger views (balance, cash, ITC, return liability) cut from
//! it for any date range.
//!
//! For each return period `p` (the 24 periods ending two months before today, matching the
//! simulator's rule that those GSTR-3Bs are filed), in the month after `p`:
//! 1. a cash deposit (challan: CPIN reference, CIN in the narration) a few days before filing,
//!    sized to cover what the set-off will need from cash (so cash never goes negative);
//! 2. on the filing day: ITC accrual (`Cr`, `AB…`) in the credit ledger and the liability
//!    accrual (`Dr`, with interest and late fee when filed after the 20th) in the liability
//!    ledger;
//! 3. set-off from ITC in the GST order (IGST credit first against IGST, CGST, SGST; CGST
//!    credit against CGST then IGST; SGST credit against SGST then IGST; cess against cess):
//!    `Dr DI…` in the credit ledger and the matching `Cr` (`dschrg_typ "credit"`) in the
//!    liability ledger;
//! 4. the rest (tax, interest, fee) from cash: `Dr DC…` in the cash ledger and `Cr`
//!    (`dschrg_typ "cash"`) in the liability ledger, which ends every filing at zero.
//!
//! Amounts are kept in paise; every view computes running balances by replaying the events,
//! so the crate's `.check()` finds nothing to report on any range.

use chrono::{Datelike, Duration, NaiveDate};

use super::data::money;
use super::rng::Rng;
use crate::domain::ledger::{
    CashBalance, CashItcBalance, CashLedger, CashTxn, HeadsLine, ItcBalance, ItcBlockedBalance, ItcLedger,
    ItcLedgerDetails, ItcLine, ItcTxn, LiabilityLedger, LiabilityTxn, MinorHeads, ProvisionalList, TrType,
};
use crate::domain::money::Money;
use crate::domain::period::{self, ReturnPeriod};

/// `[IGST, CGST, SGST, CESS][tx, intr, pen, fee, oth]`, in paise.
type Heads = [[i64; 5]; 4];
const TX: usize = 0;
const INTR: usize = 1;
const FEE: usize = 3;

struct CashEntry {
    date: NaiveDate,
    time: String,
    ref_no: String,
    ret_period: String,
    desc: String,
    cr: bool,
    amt: Heads,
}

struct ItcEntry {
    date: NaiveDate,
    ref_no: String,
    ret_period: String,
    desc: String,
    cr: bool,
    amt: [i64; 4],
}

struct LiabEntry {
    date: NaiveDate,
    ref_no: String,
    desc: String,
    /// `Cr` discharges liability.
    cr: bool,
    dschrg_typ: &'static str,
    amt: Heads,
}

/// The ledger events of one taxpayer, oldest first.
pub(crate) struct LedgerBook {
    gstin: String,
    cash: Vec<CashEntry>,
    itc: Vec<ItcEntry>,
    liab: Vec<LiabEntry>,
    blocked: [i64; 4],
}

/// The last period whose GSTR-3B is filed: two months before today's. The simulator's single
/// rule for "filed" (ledgers, GSTR-2B regeneration).
/// First period of every demo ledger (unless today is so late that 24 periods reach back less).
fn history_start() -> ReturnPeriod {
    ReturnPeriod::new(2023, 4).expect("valid period")
}

pub(crate) fn last_filed(today: NaiveDate) -> ReturnPeriod {
    ReturnPeriod::of_date(today).plus_months(-2)
}

/// Monthly outward tax of each demo taxpayer, in rupees.
const SCALE: [i64; 3] = [800_000, 300_000, 150_000];

fn rupees(p: i64) -> i64 {
    p * 100
}

fn round_up_100_rupees(paise: i64) -> i64 {
    let step = 10_000;
    (paise + step - 1) / step * step
}

pub(crate) fn generate_ledgers(seed: u64, taxpayer: usize, gstin: &str, state: &str, today: NaiveDate) -> LedgerBook {
    let mut rng = Rng::stream(seed, "ledgers", taxpayer as u64);
    let base = SCALE[taxpayer % SCALE.len()];
    let mut book = LedgerBook {
        gstin: gstin.to_string(),
        cash: vec![],
        itc: vec![],
        liab: vec![],
        blocked: [0; 4],
    };
    let mut cash: Heads = [[0; 5]; 4];
    let mut itc = [0i64; 4];
    let mut seq = 0u32;
    let next_ref = |prefix: &str, date: NaiveDate, seq: &mut u32| {
        *seq += 1;
        format!(
            "{prefix}{state}{:02}{:02}{:07}",
            date.month(),
            date.year() % 100,
            10_000 + *seq * 37 % 9_990_000
        )
    };

    let last = last_filed(today);
    // At least 24 filed periods, and never starting later than April 2023, so the periods
    // people try first (FY 2024-25, e.g. `balance --period 2024-04`) always have history.
    let first = last.plus_months(-23).min(history_start());
    let months = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32;
    for k in (0..=months).rev() {
        let p = last.plus_months(-k);
        let f = p.next();
        let filing_day = match rng.below(100) {
            0..60 => 20,
            60..85 => rng.range(17, 19) as u32,
            _ => rng.range(21, 28) as u32,
        };
        let fd = NaiveDate::from_ymd_opt(f.year(), f.month(), filing_day).expect("valid date");
        let late_days = filing_day.saturating_sub(20) as i64;

        // Liability of the period (whole rupees, as in GSTR-3B).
        let total = base * rng.range(80, 125) / 100;
        let igst = total * rng.range(30, 60) / 100;
        let cgst = (total - igst) / 2;
        let cess = if taxpayer == 0 && rng.chance(0.5) {
            total * rng.range(1, 3) / 100
        } else {
            0
        };
        let tax = [rupees(igst), rupees(cgst), rupees(cgst), rupees(cess)];
        // ITC of the period, with paise.
        let accrued: [i64; 4] =
            std::array::from_fn(|h| tax[h] * rng.range(60, 125) / 100 + if tax[h] > 0 { rng.range(0, 99) } else { 0 });

        // Set-off from ITC (after the accrual).
        let mut credit: [i64; 4] = std::array::from_fn(|h| itc[h] + accrued[h]);
        let mut left = tax;
        let mut used = [0i64; 4];
        let mut discharged = [0i64; 4];
        for (from, against) in [
            (0usize, [0usize, 1, 2].as_slice()),
            (1, &[1, 0]),
            (2, &[2, 0]),
            (3, &[3]),
        ] {
            for &h in against {
                let x = credit[from].min(left[h]);
                credit[from] -= x;
                left[h] -= x;
                used[from] += x;
                discharged[h] += x;
            }
        }
        // Cash part: the tax left, interest at 18% a year on it, ₹25 a day late fee per CGST/SGST.
        let mut need: Heads = [[0; 5]; 4];
        for h in 0..4 {
            need[h][TX] = left[h];
            if late_days > 0 {
                need[h][INTR] = (left[h] * 18 * late_days / 36_500 + 50) / 100 * 100;
            }
        }
        if late_days > 0 {
            need[1][FEE] = rupees(25 * late_days);
            need[2][FEE] = rupees(25 * late_days);
        }

        // 1. Deposit a few days before filing.
        let mut deposit: Heads = [[0; 5]; 4];
        for h in 0..4 {
            for m in 0..5 {
                let short = need[h][m] - cash[h][m];
                if short > 0 {
                    deposit[h][m] = round_up_100_rupees(short);
                }
            }
        }
        if rng.chance(0.35) {
            deposit[0][TX] += rupees(rng.range(10, 500) * 100);
        }
        if deposit.iter().flatten().any(|v| *v > 0) {
            let dd = (fd - Duration::days(rng.range(1, 6))).max(f.first_day());
            let cpin = format!(
                "{:02}{:02}{state}{:08}",
                dd.year() % 100,
                dd.month(),
                rng.below(100_000_000)
            );
            book.cash.push(CashEntry {
                date: dd,
                time: format!(
                    "{:02}:{:02}:{:02}",
                    rng.range(9, 18),
                    rng.range(0, 59),
                    rng.range(0, 59)
                ),
                ref_no: cpin.clone(),
                ret_period: String::new(),
                desc: format!(
                    "Cash deposited through challan (CIN: {}{cpin})",
                    rng.pick(&["SBIN", "HDFC", "ICIC", "UTIB", "PUNB"])
                ),
                cr: true,
                amt: deposit,
            });
            add(&mut cash, &deposit, 1);
        }

        // 2. Accruals on the filing day.
        let time = format!(
            "{:02}:{:02}:{:02}",
            rng.range(10, 22),
            rng.range(0, 59),
            rng.range(0, 59)
        );
        if accrued.iter().any(|v| *v > 0) {
            book.itc.push(ItcEntry {
                date: fd,
                ref_no: next_ref("AB", fd, &mut seq),
                ret_period: p.wire(),
                desc: "ITC accrued through - Inputs".into(),
                cr: true,
                amt: accrued,
            });
            for h in 0..4 {
                itc[h] += accrued[h];
            }
        }
        let mut accrual: Heads = need;
        for h in 0..4 {
            accrual[h][TX] = tax[h];
        }
        book.liab.push(LiabEntry {
            date: fd,
            ref_no: next_ref("LI", fd, &mut seq),
            desc: "Other than reverse charge".into(),
            cr: false,
            dschrg_typ: "",
            amt: accrual,
        });

        // 3. Set-off from ITC.
        if used.iter().any(|v| *v > 0) {
            let r = next_ref("DI", fd, &mut seq);
            book.itc.push(ItcEntry {
                date: fd,
                ref_no: r.clone(),
                ret_period: p.wire(),
                desc: "Other than reverse charge".into(),
                cr: false,
                amt: used,
            });
            for h in 0..4 {
                itc[h] -= used[h];
            }
            let mut d: Heads = [[0; 5]; 4];
            for h in 0..4 {
                d[h][TX] = discharged[h];
            }
            book.liab.push(LiabEntry {
                date: fd,
                ref_no: r,
                desc: "Other than reverse charge".into(),
                cr: true,
                dschrg_typ: "credit",
                amt: d,
            });
        }

        // 4. The rest from cash.
        if need.iter().flatten().any(|v| *v > 0) {
            let r = next_ref("DC", fd, &mut seq);
            book.cash.push(CashEntry {
                date: fd,
                time,
                ref_no: r.clone(),
                ret_period: p.wire(),
                desc: "Debit entry for payment of liability in GSTR-3B".into(),
                cr: false,
                amt: need,
            });
            add(&mut cash, &need, -1);
            book.liab.push(LiabEntry {
                date: fd,
                ref_no: r,
                desc: "Other than reverse charge".into(),
                cr: true,
                dschrg_typ: "cash",
                amt: need,
            });
        }
        debug_assert!(cash.iter().flatten().all(|v| *v >= 0) && itc.iter().all(|v| *v >= 0));
    }

    // The 3B of last month is still open: sometimes its tax is already deposited.
    if today.day() > 12 && rng.chance(0.5) {
        let dd = NaiveDate::from_ymd_opt(today.year(), today.month(), rng.range(6, 12) as u32).expect("valid date");
        let mut deposit: Heads = [[0; 5]; 4];
        deposit[0][TX] = rupees(base * rng.range(5, 20) / 100);
        deposit[1][TX] = rupees(base * rng.range(2, 8) / 100);
        deposit[2][TX] = deposit[1][TX];
        let cpin = format!(
            "{:02}{:02}{state}{:08}",
            dd.year() % 100,
            dd.month(),
            rng.below(100_000_000)
        );
        book.cash.push(CashEntry {
            date: dd,
            time: format!(
                "{:02}:{:02}:{:02}",
                rng.range(9, 18),
                rng.range(0, 59),
                rng.range(0, 59)
            ),
            ref_no: cpin.clone(),
            ret_period: String::new(),
            desc: format!("Cash deposited through challan (CIN: HDFC{cpin})"),
            cr: true,
            amt: deposit,
        });
    }
    // One taxpayer has part of its credit blocked under Rule 86A.
    if taxpayer == 1 {
        book.blocked = [rupees(45_000), rupees(6_250), rupees(6_250), 0];
    }
    book
}

fn add(bal: &mut Heads, amt: &Heads, sign: i64) {
    for h in 0..4 {
        for m in 0..5 {
            bal[h][m] += sign * amt[h][m];
        }
    }
}

fn add_itc(bal: &mut [i64; 4], e: &ItcEntry) {
    for (b, a) in bal.iter_mut().zip(e.amt) {
        *b += if e.cr { a } else { -a };
    }
}

fn minor(m: &[i64; 5]) -> MinorHeads {
    MinorHeads::with_total(money(m[0]), money(m[1]), money(m[2]), money(m[3]), money(m[4]))
}

fn total(h: &Heads) -> Money {
    money(h.iter().flatten().sum())
}

fn heads_line(desc: &str, h: &Heads) -> HeadsLine {
    HeadsLine {
        desc: desc.into(),
        tot_rng_bal: total(h),
        igstbal: minor(&h[0]),
        cgstbal: minor(&h[1]),
        sgstbal: minor(&h[2]),
        cessbal: minor(&h[3]),
    }
}

fn tr_typ(cr: bool) -> TrType {
    if cr { TrType::Cr } else { TrType::Dr }
}

fn itc_line(desc: &str, b: &[i64; 4]) -> ItcLine {
    ItcLine {
        desc: desc.into(),
        igst: money(b[0]),
        cgst: money(b[1]),
        sgst: money(b[2]),
        cess: money(b[3]),
        tot_rng_bal: money(b.iter().sum()),
    }
}

impl LedgerBook {
    /// Cash ledger for `[from, to]`: opening = balance before `from`.
    pub fn cash_ledger(&self, from: NaiveDate, to: NaiveDate) -> CashLedger {
        let mut bal: Heads = [[0; 5]; 4];
        let mut op: Option<Heads> = None;
        let mut tr = Vec::new();
        for e in self.cash.iter().take_while(|e| e.date <= to) {
            if e.date >= from && op.is_none() {
                op = Some(bal);
            }
            add(&mut bal, &e.amt, if e.cr { 1 } else { -1 });
            if e.date >= from {
                let d = period::fmt_slash(e.date);
                tr.push(CashTxn {
                    dpt_dt: d.clone(),
                    dpt_time: e.time.clone(),
                    rpt_dt: d,
                    ref_no: e.ref_no.clone(),
                    ret_period: e.ret_period.clone(),
                    desc: e.desc.clone(),
                    tr_typ: tr_typ(e.cr),
                    tot_tr_amt: total(&e.amt),
                    tot_rng_bal: total(&bal),
                    igst: minor(&e.amt[0]),
                    cgst: minor(&e.amt[1]),
                    sgst: minor(&e.amt[2]),
                    cess: minor(&e.amt[3]),
                    igstbal: minor(&bal[0]),
                    cgstbal: minor(&bal[1]),
                    sgstbal: minor(&bal[2]),
                    cessbal: minor(&bal[3]),
                });
            }
        }
        CashLedger {
            gstin: self.gstin.clone(),
            fr_dt: period::fmt_slash(from),
            to_dt: period::fmt_slash(to),
            op_bal: heads_line("Opening Balance", &op.unwrap_or(bal)),
            cl_bal: heads_line("Closing Balance", &bal),
            tr,
        }
    }

    /// Electronic credit ledger for `[from, to]`.
    pub fn itc_ledger(&self, from: NaiveDate, to: NaiveDate) -> ItcLedger {
        let mut bal = [0i64; 4];
        let mut op: Option<[i64; 4]> = None;
        let mut tr = Vec::new();
        for e in self.itc.iter().take_while(|e| e.date <= to) {
            if e.date >= from && op.is_none() {
                op = Some(bal);
            }
            add_itc(&mut bal, e);
            if e.date >= from {
                tr.push(ItcTxn {
                    dt: period::fmt_slash(e.date),
                    ref_no: e.ref_no.clone(),
                    ret_period: e.ret_period.clone(),
                    desc: e.desc.clone(),
                    tr_typ: tr_typ(e.cr),
                    igst_amt: money(e.amt[0]),
                    cgst_amt: money(e.amt[1]),
                    sgst_amt: money(e.amt[2]),
                    cess_amt: money(e.amt[3]),
                    igst_bal: money(bal[0]),
                    cgst_bal: money(bal[1]),
                    sgst_bal: money(bal[2]),
                    cess_bal: money(bal[3]),
                    tot_tr_amt: money(e.amt.iter().sum()),
                    tot_rng_bal: money(bal.iter().sum()),
                    ..ItcTxn::default()
                });
            }
        }
        ItcLedger {
            details: ItcLedgerDetails {
                gstin: self.gstin.clone(),
                fr_dt: period::fmt_slash(from),
                to_dt: period::fmt_slash(to),
                op_bal: itc_line("Opening Balance", &op.unwrap_or(bal)),
                cl_bal: itc_line("Closing Balance", &bal),
                tr,
            },
            provisional: Some(ProvisionalList { items: vec![] }),
        }
    }

    /// Return-liability ledger for `[from, to]`; `fr_dt`/`to_dt` as `MMYYYY` like the
    /// documented example; no opening balance; `cl_bal` = liability outstanding at `to`.
    pub fn liability_ledger(&self, from: NaiveDate, to: NaiveDate) -> LiabilityLedger {
        let mut bal: Heads = [[0; 5]; 4];
        let mut tr = Vec::new();
        for e in self.liab.iter().take_while(|e| e.date <= to) {
            add(&mut bal, &e.amt, if e.cr { -1 } else { 1 });
            if e.date >= from {
                tr.push(LiabilityTxn {
                    dt: period::fmt_slash(e.date),
                    ref_no: e.ref_no.clone(),
                    desc: e.desc.clone(),
                    tr_typ: tr_typ(e.cr),
                    dschrg_typ: e.dschrg_typ.to_string(),
                    tot_tr_amt: total(&e.amt),
                    tot_rng_bal: total(&bal),
                    igst: minor(&e.amt[0]),
                    cgst: minor(&e.amt[1]),
                    sgst: minor(&e.amt[2]),
                    cess: minor(&e.amt[3]),
                    igstbal: minor(&bal[0]),
                    cgstbal: minor(&bal[1]),
                    sgstbal: minor(&bal[2]),
                    cessbal: minor(&bal[3]),
                });
            }
        }
        LiabilityLedger {
            gstin: self.gstin.clone(),
            fr_dt: ReturnPeriod::of_date(from).wire(),
            to_dt: ReturnPeriod::of_date(to).wire(),
            cl_bal: heads_line("Closing Balance", &bal),
            tr,
        }
    }

    /// Cash and ITC balances at the end of `at` (inclusive).
    pub fn balance(&self, at: NaiveDate) -> CashItcBalance {
        let mut cash: Heads = [[0; 5]; 4];
        for e in self.cash.iter().take_while(|e| e.date <= at) {
            add(&mut cash, &e.amt, if e.cr { 1 } else { -1 });
        }
        let mut itc = [0i64; 4];
        for e in self.itc.iter().take_while(|e| e.date <= at) {
            add_itc(&mut itc, e);
        }
        let plain = |m: &[i64; 5]| MinorHeads { tot: None, ..minor(m) };
        let tot = |m: &[i64; 5]| money(m.iter().sum());
        CashItcBalance {
            gstin: self.gstin.clone(),
            cash_bal: CashBalance {
                igst: plain(&cash[0]),
                cgst: plain(&cash[1]),
                sgst: plain(&cash[2]),
                cess: plain(&cash[3]),
                igst_tot_bal: tot(&cash[0]),
                cgst_tot_bal: tot(&cash[1]),
                sgst_tot_bal: tot(&cash[2]),
                cess_tot_bal: tot(&cash[3]),
            },
            itc_bal: ItcBalance {
                igst_bal: money(itc[0]),
                cgst_bal: money(itc[1]),
                sgst_bal: money(itc[2]),
                cess_bal: money(itc[3]),
            },
            itc_blck_bal: Some(ItcBlockedBalance {
                igst_blck_bal: money(self.blocked[0]),
                cgst_blck_bal: money(self.blocked[1]),
                sgst_blck_bal: money(self.blocked[2]),
                cess_blck_bal: money(self.blocked[3]),
            }),
        }
    }

    /// The first and last dates with any ledger event.
    #[cfg(test)]
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = [
            self.cash.first().map(|e| e.date),
            self.itc.first().map(|e| e.date),
            self.liab.first().map(|e| e.date),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let last = [
            self.cash.last().map(|e| e.date),
            self.itc.last().map(|e| e.date),
            self.liab.last().map(|e| e.date),
        ]
        .into_iter()
        .flatten()
        .max()?;
        Some((first, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()
    }

    fn books() -> Vec<LedgerBook> {
        (0..3)
            .map(|t| generate_ledgers(42, t, "27AAKCA4821K1ZX", "27", today()))
            .collect()
    }

    /// Many ranges: whole history, ranges starting before it, mid-history starts, single
    /// days, one-month and six-month windows, empty windows.
    fn ranges(b: &LedgerBook) -> Vec<(NaiveDate, NaiveDate)> {
        let (first, last) = b.span().unwrap();
        let mut out = vec![
            (first - Duration::days(400), today()),
            (first, last),
            (first, first),
            (last, today()),
        ];
        let mut d = first - Duration::days(40);
        while d <= today() {
            for len in [0, 9, 31, 92, 183, 400] {
                out.push((d, (d + Duration::days(len)).min(today())));
            }
            d += Duration::days(23);
        }
        out
    }

    #[test]
    fn every_view_passes_the_crate_checks_on_every_range() {
        for b in books() {
            // ITC covers most months, so cash moves less often than the other two.
            assert!(
                b.cash.len() >= 8 && b.itc.len() >= 24 && b.liab.len() >= 48,
                "{} {} {}",
                b.cash.len(),
                b.itc.len(),
                b.liab.len()
            );
            for (from, to) in ranges(&b) {
                let c = b.cash_ledger(from, to);
                assert_eq!(c.check(), vec![], "cash {from}..{to}");
                let i = b.itc_ledger(from, to);
                assert_eq!(i.check(), vec![], "itc {from}..{to}");
                let l = b.liability_ledger(from, to);
                assert_eq!(l.check(), vec![], "liability {from}..{to}");
                assert_eq!(b.balance(to).check(), vec![], "balance {to}");
            }
        }
    }

    #[test]
    fn windows_stitch_seamlessly() {
        let b = &books()[0];
        let (first, _) = b.span().unwrap();
        let windows = period::split_range(first, today(), 6);
        assert!(windows.len() >= 4);
        let cash =
            crate::domain::ledger::stitch_cash(windows.iter().map(|(f, t)| b.cash_ledger(*f, *t)).collect()).unwrap();
        assert_eq!(cash.check(), vec![]);
        assert_eq!(cash.tr.len(), b.cash_ledger(first, today()).tr.len());
        let itc =
            crate::domain::ledger::stitch_itc(windows.iter().map(|(f, t)| b.itc_ledger(*f, *t)).collect()).unwrap();
        assert_eq!(itc.check(), vec![]);
    }

    #[test]
    fn balances_never_negative_and_match_ledgers() {
        for b in books() {
            let (first, _) = b.span().unwrap();
            let cash = b.cash_ledger(first, today());
            for t in &cash.tr {
                for h in [&t.igstbal, &t.cgstbal, &t.sgstbal, &t.cessbal] {
                    assert!(
                        !h.tx.0.is_sign_negative() && !h.intr.0.is_sign_negative() && !h.fee.0.is_sign_negative(),
                        "{}",
                        t.ref_no
                    );
                }
            }
            let itc = b.itc_ledger(first, today());
            for t in &itc.details.tr {
                assert!(
                    [t.igst_bal, t.cgst_bal, t.sgst_bal, t.cess_bal]
                        .iter()
                        .all(|m| !m.0.is_sign_negative()),
                    "{}",
                    t.ref_no
                );
            }
            let bal = b.balance(today());
            assert_eq!(bal.cash_bal.total(), cash.cl_bal.tot_rng_bal);
            assert_eq!(bal.itc_bal.total(), itc.details.cl_bal.tot_rng_bal);
            assert!(bal.itc_blck_bal.is_some());
            // Every filing discharges the whole liability.
            let liab = b.liability_ledger(first, today());
            assert!(liab.cl_bal.tot_rng_bal.is_zero());
            assert!(liab.tr.iter().any(|t| t.dschrg_typ == "credit") && liab.tr.iter().any(|t| t.dschrg_typ == "cash"));
            assert!(
                itc.details.tr.iter().any(|t| t.ref_no.starts_with("AB"))
                    && itc.details.tr.iter().any(|t| t.ref_no.starts_with("DI"))
            );
        }
    }

    #[test]
    fn history_runs_from_april_2023_to_the_last_filed_period() {
        let b = &books()[0];
        let accruals: Vec<_> = b.itc.iter().filter(|e| e.cr).map(|e| e.ret_period.clone()).collect();
        // April 2023 … January 2026.
        assert_eq!(accruals.len(), 34);
        assert_eq!(accruals.first().unwrap(), "042023");
        assert_eq!(accruals.last().unwrap(), "012026");
        assert_eq!(last_filed(today()), ReturnPeriod::new(2026, 1).unwrap());
        // Some late filings carry interest and fee.
        let all: Vec<_> = books().into_iter().flat_map(|b| b.liab).collect();
        assert!(all.iter().any(|e| !e.cr && e.amt[1][FEE] > 0));
    }

    #[test]
    fn deterministic() {
        let a = generate_ledgers(7, 0, "g", "27", today());
        let b = generate_ledgers(7, 0, "g", "27", today());
        let (f, t) = a.span().unwrap();
        assert_eq!(a.cash_ledger(f, t), b.cash_ledger(f, t));
        assert_eq!(a.itc_ledger(f, t), b.itc_ledger(f, t));
    }
}
