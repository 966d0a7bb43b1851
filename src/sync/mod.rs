//! The sync layer: one engine task owns all network work. The UI sends it [`SyncCommand`]s and
//! receives [`SyncEvent`]s; it never awaits the network (gitui's asyncgit split).

use chrono::{DateTime, Utc};

use crate::api::wire::CountGroup;
use crate::domain::ledger::{CashItcBalance, LedgerWarning};
use crate::domain::{GoodsType, ReturnPeriod};

/// What the UI asks the engine to do. Jobs of one kind are single-flight, latest wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncCommand {
    /// Fetch IMS counts for one goods type.
    RefreshCounts { goods: GoodsType },
    /// Fetch the cash/ITC balance for a period.
    RefreshBalance { period: ReturnPeriod },
    /// Counts for every goods type plus the balance for `period`.
    RefreshAll { period: ReturnPeriod },
    /// Stop the engine (app quitting).
    Shutdown,
}

/// Which job an event belongs to (for spinners and stale-result dropping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    Counts(GoodsType),
    Balance,
    Session,
}

/// What the engine reports back. Each result carries when it was fetched, so the UI can show
/// how old the data is; results read from the local cache say so.
// A balance is a few hundred bytes and events are rare (a handful per user action), so the
// size difference between variants costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum SyncEvent {
    /// A job started (spinner on).
    Started { job: JobKind },
    CountsLoaded {
        goods: GoodsType,
        group: CountGroup,
        fetched_at: DateTime<Utc>,
        from_cache: bool,
    },
    BalanceLoaded {
        period: ReturnPeriod,
        balance: CashItcBalance,
        warnings: Vec<LedgerWarning>,
        fetched_at: DateTime<Utc>,
        from_cache: bool,
    },
    /// A job failed; `message` says what happened and what to do. Never contains secrets.
    Failed { job: JobKind, message: String },
    /// Taxpayer session state changed (`expires_at` = token expiry), or `None` = logged out.
    Session { expires_at: Option<DateTime<Utc>> },
}

pub mod engine;
