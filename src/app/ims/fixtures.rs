//! IMS records for tests: realistic GSTINs, numbers and amounts, generated deterministically.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::domain::ims::{ImsRecord, YesNo};
use crate::domain::{Action, Money, Section};
use crate::sync::SyncEvent;

/// Valid GSTINs of a few suppliers (check digits correct).
pub const SUPPLIERS: [&str; 3] = ["27AAPFU0939F1ZV", "29AABCT1332L1ZA", "07AAACR5055K1Z9"];

/// Record `i` of a section: amounts vary, every 7th is pending-blocked, every 5th unfiled.
pub fn record(section: Section, i: usize, action: Action) -> ImsRecord {
    let txval = Decimal::from(1_000 + (i as i64 * 7_919) % 250_000) + Decimal::new((i as i64 * 37) % 100, 2);
    let igst = txval * Decimal::new(18, 2);
    let (num, dt) = (format!("INV/25-26/{:05}", i + 1), format!("{:02}-10-2025", 1 + i % 28));
    let note = section.is_note();
    ImsRecord {
        stin: SUPPLIERS[i % SUPPLIERS.len()].into(),
        rtnprd: "102025".into(),
        srcform: if i % 4 == 3 { "IFF".into() } else { "R1".into() },
        inum: (!note).then(|| num.clone()),
        idt: (!note).then(|| dt.clone()),
        nt_num: note.then(|| num.replace("INV", "CN")),
        nt_dt: note.then_some(dt),
        inv_typ: section.has_inv_typ().then(|| "R".into()),
        action,
        pos: "27".into(),
        ispendactblocked: if i % 7 == 6 { YesNo::Yes } else { YesNo::No },
        srcfilstatus: if i % 5 == 4 { "Not Filed".into() } else { "Filed".into() },
        val: Money(txval + igst.round_dp(2)),
        txval: Money(txval),
        iamt: Money(igst.round_dp(2)),
        ..Default::default()
    }
}

/// `n` records with actions cycling N, A, R, P (every 4th), otherwise No action.
pub fn records(section: Section, n: usize) -> Vec<ImsRecord> {
    (0..n)
        .map(|i| {
            let a = match i % 8 {
                1 => Action::Accepted,
                3 => Action::Rejected,
                5 => Action::Pending,
                _ => Action::NoAction,
            };
            record(section, i, a)
        })
        .collect()
}

pub fn loaded(section: Section, recs: Vec<ImsRecord>, from_cache: bool) -> SyncEvent {
    SyncEvent::RecordsLoaded {
        section,
        records: Arc::new(recs),
        fetched_at: crate::app::fixtures::now() - chrono::TimeDelta::minutes(1),
        from_cache,
    }
}
