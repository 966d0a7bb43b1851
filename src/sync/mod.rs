//! The sync layer: one engine task owns all network work. The UI sends it [`SyncCommand`]s and
//! receives [`SyncEvent`]s; it never awaits the network (gitui's asyncgit split).

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::api::wire::CountGroup;
use crate::domain::export_ledger::{ExportLedger, PeriodReturns};
use crate::domain::ims::{ImsRecord, ItcReduction, RecordKey};
use crate::domain::ledger::{CashItcBalance, CashLedger, ItcLedger, LedgerWarning, LiabilityLedger};
use crate::domain::{Action, FinancialYear, GoodsType, ReturnPeriod, Section};

/// What a decision asks GSTN to do with a record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// Save with this action (Accepted, Rejected or Pending).
    Set(Action),
    /// Reset to No action.
    Reset,
}

/// A user's decision on one IMS record. Staged locally (written to the outbox on disk) before
/// anything is sent; sent exactly once by the engine.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub section: Section,
    /// The record as last read; its `action` is the `prev_status` sent with the save.
    pub record: ImsRecord,
    pub target: Target,
    pub remarks: Option<String>,
    /// Required when accepting a credit note (`itcRedReq` + `decl*`).
    pub itc_reduction: Option<ItcReduction>,
}

impl Decision {
    pub fn key(&self) -> RecordKey {
        self.record.key(self.section)
    }
}

/// How GSTN answered one decision.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// Saved: the record now has the target action.
    Applied,
    /// Refused for this record, with GSTN's code and message (e.g. IMSSAV0054).
    Rejected { code: String, message: String },
    /// IMSSAV0010: the record changed since it was read (prev_status mismatch or a supplier
    /// edit). `current` is the record as refetched, when found; the decision stays staged
    /// until the user re-confirms or drops it.
    Conflict { current: Option<Box<ImsRecord>> },
}

/// What the UI asks the engine to do. Jobs of one kind are single-flight, latest wins.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncCommand {
    /// Fetch IMS counts for one goods type.
    RefreshCounts { goods: GoodsType },
    /// Fetch the cash/ITC balance for a period.
    RefreshBalance { period: ReturnPeriod },
    /// Counts for every goods type plus the balance for `period`.
    RefreshAll { period: ReturnPeriod },
    /// Fetch every record of one section (all statuses); the cached copy is sent first.
    PullRecords { section: Section },
    /// Write decisions to the outbox on disk (no network). `batch` is chosen by the UI and
    /// names the group for undo. Staging a record that already has a staged decision
    /// replaces it.
    Stage { batch: u64, decisions: Vec<Decision> },
    /// Undo: drop the staged, not yet sent, decisions of `batch`.
    Unstage { batch: u64 },
    /// Drop the staged, not yet sent, decisions of these records (`x`).
    UnstageKeys { keys: Vec<RecordKey> },
    /// Send everything staged (save/reset in batches, then poll until processed).
    Push,
    /// Regenerate GSTR-2B for a period and poll until it is done.
    Regenerate2b { period: ReturnPeriod },
    /// Compute the export ledger of `fy` from GSTR-1/1A and GSTR-3B of every period from the
    /// taxpayer's first return to the end of `fy`: filed periods from the cache, the rest
    /// fetched (progress as `ExportLedgerProgress`).
    RefreshExportLedger { fy: FinancialYear },
    /// A download (`D` on any table): the tables, or an IMS view to build, written as .xlsx
    /// or .csv off the UI thread. Reports `DownloadProgress` while writing, then
    /// `FileWritten` (full path) or `Failed { job: Download }`.
    Export {
        source: crate::export::ExportSource,
        format: crate::export::FileFormat,
        target: crate::export::OutTarget,
        what: String,
    },
    /// Write `contents` to `dir/name` (downloads). The UI builds the text; the engine does the
    /// disk work and answers `FileWritten` or `Failed { job: Download }`.
    WriteFile {
        dir: PathBuf,
        name: String,
        contents: String,
        /// What it is, for the message ("export ledger CSV").
        what: String,
    },
    /// Cash and ITC ledgers for `from`..`to` (fetched in slices the portal allows, stitched),
    /// and the liability ledger of `period`.
    RefreshLedgers {
        period: ReturnPeriod,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    /// Supplier view of a period: sales with the recipients' actions and added-back liabilities.
    RefreshOutward { period: ReturnPeriod },
    /// Log in again from the screen: platform token if needed, then an OTP to the taxpayer's
    /// registered mobile/e-mail (answers `OtpSent` or `Failed { job: Session }`).
    SendOtp,
    /// Verify the OTP; a new taxpayer session is stored and announced with `Session`.
    VerifyOtp { otp: crate::secret::Secret },
    /// Write typed tables through the shared writers (`export::ExportJob`: one CSV, or one
    /// workbook with a sheet per table; never overwriting). Answers `FileWritten` with the
    /// full path or `Failed { job: Download }`.
    WriteTables {
        tables: Vec<crate::export::ExportTable>,
        format: crate::export::FileFormat,
        target: crate::export::OutTarget,
        what: String,
    },
    /// Read ICEGATE's responses (SB codes) from a CSV downloaded from the portal; answers
    /// `IcegateVerdicts`.
    ImportIcegateCsv { path: PathBuf },
    /// What the IMS screen needs to know about `period` besides records: whether its GSTR-3B
    /// is filed (IMS is read-only then) and the supplier trade names of its GSTR-2B. Answers
    /// `Gstr3bState` (the cached state first, when known) and `Suppliers`.
    ImsPeriod { period: ReturnPeriod },
    /// Remember the record table's columns for the profile (order, `-` before hidden ones).
    SaveImsColumns { columns: String },
    /// The journal entries of one record (detail pane); answers `History`.
    LoadHistory { key: RecordKey },
    /// Whether GSTR-3B of each of `periods` is filed (the return periods of the records on
    /// screen: each record is locked by its own period). Answers one `Gstr3bState` per period,
    /// the cached state first when known; runs quietly (no job, no spinner).
    Gstr3bPeriods { periods: Vec<ReturnPeriod> },
    /// Like `Push`, but the staged decisions on `held` records stay queued (their period's
    /// GSTR-3B is filed); the push ends when everything else is settled.
    PushHolding { held: Vec<RecordKey> },
    /// Stop the engine (app quitting).
    Shutdown,
}

/// Which job an event belongs to (for spinners and stale-result dropping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    Counts(GoodsType),
    Balance,
    Session,
    Records(Section),
    Stage,
    Push,
    Gstr2b,
    ExportLedger,
    Download,
    Ledgers,
    Outward,
    /// GSTR-3B filed state and GSTR-2B supplier names of a period (IMS).
    ImsPeriod,
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
    /// Records of one section (shared, never copied per frame).
    RecordsLoaded {
        section: Section,
        records: Arc<Vec<ImsRecord>>,
        fetched_at: DateTime<Utc>,
        from_cache: bool,
    },
    /// Every staged (not yet applied) decision, after any change to the outbox: the UI shows
    /// these as local actions. Sent at start-up too, so a restart shows what is still queued.
    Outbox { staged: Vec<StagedDecision> },
    /// Push progress, after each settled call. A push that finishes (outbox drained; what
    /// is left are conflicts and rejections for the user) ends with one whose `total` equals
    /// `applied + rejected + conflicts`, also when there was nothing to send; a push that
    /// stops early ends with `Failed { job: Push }` ("log in again", "offline, N queued").
    PushProgress {
        total: usize,
        sent: usize,
        applied: usize,
        rejected: usize,
        conflicts: usize,
    },
    /// The answer for one decision.
    Outcome { key: RecordKey, outcome: Outcome },
    /// GSTR-2B regeneration state: `status_cd` (IP, P, PE, ER…) and any error text.
    Gstr2b {
        period: ReturnPeriod,
        status: String,
        message: Option<String>,
    },
    /// The export ledger of `fy`, computed from GSTR-1/1A and GSTR-3B.
    ExportLedgerLoaded {
        fy: FinancialYear,
        ledger: Arc<ExportLedger>,
        /// What it was computed from (the ICEGATE view reads the 6A invoices).
        returns: Arc<Vec<PeriodReturns>>,
        /// When the newest of the data was fetched ("data as on").
        fetched_at: DateTime<Utc>,
        /// Periods fetched from GSTN this time, and read from the cache.
        periods_fetched: usize,
        periods_cached: usize,
    },
    /// The export ledger's fetch: `done` of `total` periods to fetch so far (the total grows
    /// while the engine looks for where the taxpayer's returns start).
    ExportLedgerProgress {
        fy: FinancialYear,
        done: usize,
        total: usize,
    },
    /// The Ledgers screen's data (`from`..`to` for cash and ITC, the period for liability).
    LedgersLoaded {
        period: ReturnPeriod,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        cash: Arc<CashLedger>,
        itc: Arc<ItcLedger>,
        tax: Arc<LiabilityLedger>,
        fetched_at: DateTime<Utc>,
    },
    OutwardLoaded {
        period: ReturnPeriod,
        sales: Arc<crate::domain::outward::SalesDoc>,
        added_back: Arc<crate::domain::outward::AddedBack>,
        fetched_at: DateTime<Utc>,
    },
    /// A download was written.
    FileWritten { what: String, path: PathBuf },
    /// How far the running download has got (a few dozen events for 100,000 rows).
    DownloadProgress(crate::export::Progress),
    /// An OTP went to the taxpayer's registered mobile/e-mail.
    OtpSent,
    /// The API became unreachable (`online: false`: connection refused, DNS failure, timeouts
    /// after retries) or reachable again. While offline the engine probes with backoff;
    /// decisions keep queuing and nothing is sent until the user pushes.
    Link { online: bool },
    /// What a pull of a section changed against the cached copy (sent after its
    /// `RecordsLoaded`); at start-up, each section's last list, read from the store.
    PullChanges {
        changes: Arc<changes::SectionChanges>,
        from_cache: bool,
    },
    /// ICEGATE's responses read from `path`, or why not (naming the line and column).
    IcegateVerdicts {
        path: PathBuf,
        verdicts: Result<Arc<Vec<crate::domain::icegate::Verdict>>, String>,
    },
    /// Whether GSTR-3B of `period` is filed: `Some(true)` makes IMS read-only for it; `None`
    /// means the check failed (`error` says why) and nothing is locked on our side.
    Gstr3bState {
        period: ReturnPeriod,
        filed: Option<bool>,
        checked_at: DateTime<Utc>,
        from_cache: bool,
        error: Option<String>,
    },
    /// Every known supplier trade name (GSTIN → name), after start-up and each GSTR-2B read.
    Suppliers {
        names: Arc<std::collections::HashMap<String, String>>,
    },
    /// The record table's columns as the profile saved them (see `SaveImsColumns`).
    ImsColumns { columns: String },
    /// The journal of one record, oldest first (answer to `LoadHistory`).
    History {
        key: RecordKey,
        entries: Vec<crate::store::JournalEntry>,
    },
}

/// A decision in the outbox as the UI sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct StagedDecision {
    pub batch: u64,
    pub decision: Decision,
    /// Sent and waiting for GSTN (cannot be undone any more).
    pub in_flight: bool,
    /// Last conflict or rejection, if the engine kept the decision for the user to look at.
    pub last_outcome: Option<Outcome>,
}

pub mod changes;
pub mod downloads;
pub mod engine;
pub mod ims_meta;
pub mod push;
pub mod reports;
