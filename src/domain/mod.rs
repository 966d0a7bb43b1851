//! Pure GST types and rules. No I/O: no network, no disk, no clock (callers pass `today`).

pub mod export_ledger;
pub mod gstin;
pub mod icegate;
pub mod ims;
pub mod ledger;
pub mod money;
pub mod outward;
pub mod period;
pub mod query;

pub use gstin::{Gstin, GstinKind};
pub use ims::{Action, GoodsType, ImsRecord, RecordKey, Section};
pub use money::Money;
pub use period::{FinancialYear, ReturnPeriod};
