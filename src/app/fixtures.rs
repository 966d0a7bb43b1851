//! Test data shared by the model and view tests: one profile, fixed clock, realistic counts
//! and a balance.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::msg::Msg;
use super::state::{AppState, ProfileInfo, ThemeName};
use super::update::update;
use crate::api::wire::{CountGroup, SectionName};
use crate::domain::ims::StatusCounts;
use crate::domain::ledger::{CashBalance, CashItcBalance, ItcBalance, ItcBlockedBalance, LedgerWarning, MinorHeads};
use crate::domain::{GoodsType, Money, ReturnPeriod, Section};
use crate::sync::{JobKind, SyncEvent};

/// 10 Nov 2025, 09:30 IST.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 10, 4, 0, 0).unwrap()
}

pub fn period() -> ReturnPeriod {
    ReturnPeriod::new(2025, 10).unwrap()
}

pub fn profile() -> ProfileInfo {
    ProfileInfo {
        name: "Acme Traders Pvt Ltd".into(),
        gstin: "27AAPFU0939F1ZV".into(),
        username: "acme.tax".into(),
        environment_label: "SANDBOX".into(),
    }
}

fn sc(noaction: u64, accept: u64, reject: u64, pending: u64) -> StatusCounts {
    StatusCounts {
        noaction,
        accept,
        reject,
        pending,
    }
}

fn group(rows: &[(Section, StatusCounts)], extra_ttl: u64) -> CountGroup {
    let sections: Vec<_> = rows.iter().map(|(s, c)| (SectionName::Known(*s), *c)).collect();
    let ttl_cnt = sections.iter().map(|(_, c)| c.total()).sum::<u64>() + extra_ttl;
    CountGroup { ttl_cnt, sections }
}

pub fn counts(goods: GoodsType) -> CountGroup {
    use Section::*;
    match goods {
        GoodsType::Others => group(
            &[
                (B2b, sc(112, 1340, 6, 9)),
                (B2ba, sc(1, 4, 0, 0)),
                (B2bDn, sc(2, 5, 0, 1)),
                (B2bDna, sc(0, 0, 0, 0)),
                (B2bCn, sc(7, 12, 2, 3)),
                (B2bCna, sc(0, 1, 0, 0)),
                (Ecom, sc(3, 18, 0, 0)),
                (Ecoma, sc(0, 0, 0, 0)),
            ],
            0,
        ),
        // The API's ttl_cnt disagrees with the sections here: the grid must flag it.
        GoodsType::Isd => group(
            &[
                (Isd, sc(4, 2, 0, 0)),
                (Isda, sc(0, 0, 0, 0)),
                (IsdCn, sc(1, 0, 0, 0)),
                (IsdCna, sc(0, 0, 0, 0)),
            ],
            2,
        ),
        GoodsType::Imports => group(
            &[
                (Impg, sc(10, 25, 0, 2)),
                (Impga, sc(0, 1, 0, 0)),
                (ImpgSez, sc(3, 0, 0, 0)),
                (ImpgSeza, sc(0, 0, 0, 0)),
            ],
            0,
        ),
    }
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

pub fn balance() -> CashItcBalance {
    let z = Money::ZERO;
    CashItcBalance {
        gstin: "27AAPFU0939F1ZV".into(),
        cash_bal: CashBalance {
            igst: MinorHeads::with_total(m("120000"), m("5000"), z, z, z),
            cgst: MinorHeads::with_total(m("45000.50"), m("250"), z, z, z),
            sgst: MinorHeads::with_total(m("45000.50"), m("250"), z, z, z),
            cess: MinorHeads::default(),
            igst_tot_bal: m("125000"),
            cgst_tot_bal: m("45250.50"),
            sgst_tot_bal: m("45250.50"),
            cess_tot_bal: z,
        },
        itc_bal: ItcBalance {
            igst_bal: m("1234567.89"),
            cgst_bal: m("321000"),
            sgst_bal: m("321000"),
            cess_bal: m("15000"),
        },
        itc_blck_bal: Some(ItcBlockedBalance {
            igst_blck_bal: z,
            cgst_blck_bal: m("2500"),
            sgst_blck_bal: m("2500"),
            cess_blck_bal: z,
        }),
    }
}

pub fn warnings() -> Vec<LedgerWarning> {
    vec![LedgerWarning {
        rule: "R4",
        location: "cash SGST: tot vs tx+intr+pen+fee+oth".into(),
        expected: m("45250.50"),
        found: m("45250.00"),
    }]
}

pub fn counts_event(goods: GoodsType, age: TimeDelta, from_cache: bool) -> SyncEvent {
    SyncEvent::CountsLoaded {
        goods,
        group: counts(goods),
        fetched_at: now() - age,
        from_cache,
    }
}

pub fn balance_event(period: ReturnPeriod, age: TimeDelta, from_cache: bool) -> SyncEvent {
    SyncEvent::BalanceLoaded {
        period,
        balance: balance(),
        warnings: warnings(),
        fetched_at: now() - age,
        from_cache,
    }
}

/// A fresh state with the clock set, nothing loaded.
pub fn empty_state(theme: ThemeName) -> AppState {
    let mut s = AppState::new(profile(), period(), theme);
    update(&mut s, Msg::Tick(now()));
    s
}

/// Counts fetched 2 minutes ago, the balance from the cache (3 hours old), a live session.
pub fn loaded_state(theme: ThemeName) -> AppState {
    let mut s = empty_state(theme);
    for g in GoodsType::ALL {
        s.preload(counts_event(g, TimeDelta::minutes(2), false));
    }
    s.preload(balance_event(period(), TimeDelta::hours(3), true));
    s.preload(SyncEvent::Session {
        expires_at: Some(now() + TimeDelta::minutes(312)),
    });
    s.toasts.dismiss_all();
    s
}

/// Everything requested, nothing back yet.
pub fn loading_state() -> AppState {
    let mut s = empty_state(ThemeName::Dark);
    for j in [
        JobKind::Counts(GoodsType::Others),
        JobKind::Counts(GoodsType::Isd),
        JobKind::Counts(GoodsType::Imports),
        JobKind::Balance,
    ] {
        s.preload(SyncEvent::Started { job: j });
    }
    s
}
