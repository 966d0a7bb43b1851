//! The whole model. Plain data, changed only by [`super::update::update`]; the view reads it.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use super::help::HelpState;
use super::ims::ImsState;
use super::ims::confirm::ConfirmState;
use super::keymap::{Context, Keymap};
use super::picker::PickerState;
use super::toast::Toasts;
use crate::api::wire::CountGroup;
use crate::domain::ledger::{CashItcBalance, LedgerWarning};
use crate::domain::{GoodsType, ReturnPeriod};
use crate::sync::{JobKind, SyncEvent};

/// Who is signed in, shown in the header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileInfo {
    /// Profile or legal name ("Acme Traders Pvt Ltd").
    pub name: String,
    pub gstin: String,
    /// GST portal username.
    pub username: String,
    /// `SANDBOX`, `PRODUCTION`, `SIMULATOR`…
    pub environment_label: String,
}

/// Colour scheme. [`ThemeName::resolve`] picks [`ThemeName::Mono`] when `NO_COLOR` is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ThemeName {
    /// The 16 ANSI colours on the terminal's own background.
    #[default]
    Dark,
    Light,
    /// Modifiers only (reverse, bold, underline), no colour at all.
    Mono,
}

impl ThemeName {
    pub const ALL: [ThemeName; 3] = [ThemeName::Dark, ThemeName::Light, ThemeName::Mono];

    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::Mono => "mono",
        }
    }

    pub fn parse(s: &str) -> Result<ThemeName, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dark" => Ok(ThemeName::Dark),
            "light" => Ok(ThemeName::Light),
            "mono" | "monochrome" | "none" => Ok(ThemeName::Mono),
            _ => Err(format!("theme {s:?} not known; expected dark, light or mono")),
        }
    }

    /// The theme to use: `NO_COLOR` (set and non-empty, <https://no-color.org>) forces mono,
    /// because crossterm 0.29 would otherwise reset reverse video on every coloured cell and
    /// hide the selection (`tui.md` §e.3).
    pub fn resolve(requested: Option<ThemeName>, no_color: Option<&str>) -> ThemeName {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ThemeName::Mono;
        }
        requested.unwrap_or_default()
    }

    /// [`ThemeName::resolve`] with the process environment.
    pub fn from_env(requested: Option<ThemeName>) -> ThemeName {
        let v = std::env::var_os("NO_COLOR");
        ThemeName::resolve(requested, v.as_ref().map(|s| if s.is_empty() { "" } else { "1" }))
    }
}

/// A value with when it was fetched and whether it came from the local cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched<T> {
    pub value: T,
    pub fetched_at: DateTime<Utc>,
    pub from_cache: bool,
}

impl<T> Fetched<T> {
    /// Whether `incoming` should replace `current`: never let older data (a late cache read)
    /// overwrite newer data.
    fn supersedes(at: DateTime<Utc>, current: Option<&Fetched<T>>) -> bool {
        current.is_none_or(|c| at >= c.fetched_at)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BalanceData {
    pub balance: CashItcBalance,
    /// Failed arithmetic checks of the figures GSTN sent; shown, never "fixed".
    pub warnings: Vec<LedgerWarning>,
}

/// IMS counts of one goods type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CountsPanel {
    pub data: Option<Fetched<CountGroup>>,
    /// Last failure since the last successful fetch.
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SessionState {
    #[default]
    Unknown,
    Active {
        expires_at: DateTime<Utc>,
    },
    LoggedOut,
}

/// The last failure of a job, for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    pub message: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagerKind {
    Info,
    Warnings,
}

/// Scroll state of a text popup. The view wraps the text and records the largest useful
/// offset in `max_scroll`, so scrolling stops at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PagerState {
    pub scroll: u16,
    pub max_scroll: Cell<u16>,
}

/// At most one popup is open; it takes the keys (modal).
#[derive(Clone, Debug, PartialEq)]
pub enum Popup {
    Help(HelpState),
    PeriodPicker(PickerState),
    Pager(PagerKind, PagerState),
    /// The confirm popup of bulk and irreversible actions.
    Confirm(Box<ConfirmState>),
    ExportLedger(super::export_ledger::ExportLedgerPopup),
    /// `b`: cash and ITC balance of the selected period.
    QuickBalance,
    /// `L`: cash, ITC and liability ledgers.
    Ledgers(super::ledgers::LedgersPopup),
    /// `o`: outward supplies (supplier view) of the period.
    Outward(super::outward::OutwardPopup),
    /// `O`: log in again with an OTP, without leaving the app (queued decisions stay queued).
    Otp(OtpState),
    /// `W`: what the last pull of each section changed.
    Changes(super::changes::ChangesPopup),
    /// `I`: ICEGATE tracking of export invoices.
    Icegate(super::icegate::IcegateScreen),
}

/// The log-in popup: whether the OTP went out, the digits typed, the last error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OtpState {
    pub sent: bool,
    pub digits: String,
    pub verifying: bool,
    pub error: Option<String>,
}

impl Popup {
    pub fn context(&self) -> Context {
        match self {
            Popup::Help(_) => Context::Help,
            Popup::PeriodPicker(_) => Context::PeriodPicker,
            Popup::Pager(..) => Context::Pager,
            Popup::Confirm(_) => Context::Confirm,
            Popup::ExportLedger(_) => Context::ExportLedger,
            Popup::QuickBalance => Context::QuickBalance,
            Popup::Ledgers(p) if p.range_input.is_some() => Context::LedgerRange,
            Popup::Ledgers(_) => Context::Ledgers,
            Popup::Outward(p) if p.table.filter_editing => Context::OutwardFilter,
            Popup::Outward(_) => Context::Outward,
            Popup::Otp(_) => Context::Otp,
            Popup::Changes(_) => Context::Changes,
            Popup::Icegate(s) if s.prompt.is_some() => Context::IcegateImport,
            Popup::Icegate(s) if s.picker.is_some() => Context::IcegatePicker,
            Popup::Icegate(_) => Context::Icegate,
        }
    }
}

/// Jobs in the order the status bar lists them.
pub const JOB_ORDER: [JobKind; 9] = [
    JobKind::Counts(GoodsType::Others),
    JobKind::Counts(GoodsType::Isd),
    JobKind::Counts(GoodsType::Imports),
    JobKind::Balance,
    JobKind::Session,
    JobKind::ExportLedger,
    JobKind::Download,
    JobKind::Ledgers,
    JobKind::Outward,
];

pub fn job_label(job: JobKind) -> &'static str {
    match job {
        JobKind::Counts(GoodsType::Others) => "counts (other ITC)",
        JobKind::Counts(GoodsType::Isd) => "counts (ISD)",
        JobKind::Counts(GoodsType::Imports) => "counts (imports)",
        JobKind::Balance => "balance",
        JobKind::Session => "session",
        JobKind::Records(_) => "records",
        JobKind::Stage => "outbox",
        JobKind::Push => "push",
        JobKind::Gstr2b => "GSTR-2B",
        JobKind::ExportLedger => "export ledger",
        JobKind::Download => "download",
        JobKind::Ledgers => "ledgers",
        JobKind::Outward => "outward supplies",
        JobKind::ImsPeriod => "GSTR-3B state",
    }
}

/// India Standard Time: return periods and due dates follow the Indian calendar.
pub fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("valid offset")
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub profile: ProfileInfo,
    pub period: ReturnPeriod,
    pub theme: ThemeName,
    pub keymap: Keymap,
    /// Selected goods-type tab.
    pub goods: GoodsType,
    counts: [CountsPanel; 3],
    /// Balances by period: going back to a period shows what was fetched before.
    pub balances: BTreeMap<ReturnPeriod, Fetched<BalanceData>>,
    /// Last balance failure for the selected period.
    pub balance_error: Option<String>,
    pub session: SessionState,
    /// Jobs started (or requested) and not finished: spinners and "loading…".
    pub in_flight: HashSet<JobKind>,
    pub last_errors: HashMap<JobKind, JobError>,
    pub toasts: Toasts,
    pub popup: Option<Popup>,
    /// The model's clock, set by `Msg::Tick`.
    pub now: DateTime<Utc>,
    /// Spinner frame, advanced by ticks while a job runs.
    pub spinner: usize,
    /// Terminal size, from `Msg::Resize`.
    pub size: (u16, u16),
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub should_quit: bool,
    /// Minute of `now` last drawn: age labels change once a minute.
    pub(crate) clock_minute: i64,
    /// Set once the sync engine's channel closed.
    pub engine_stopped: bool,
    /// The IMS review screen: grid cursor, record table, outbox.
    pub ims: ImsState,
    /// The export ledger popup's data (`e`).
    pub export_ledger: super::export_ledger::ExportLedgerState,
    /// The Ledgers screen's data by period (`L`).
    pub ledgers: super::ledgers::LedgersState,
    /// Supplier view by period (`o`).
    pub outward: super::outward::OutwardState,
    /// Where CSV downloads go (`Config::resolve_downloads_dir`); `None` = not configured.
    pub downloads_dir: Option<std::path::PathBuf>,
    /// What the last pull of each section changed (`W`).
    pub changes: super::changes::ChangesState,
    /// Since when the API is unreachable (`None` = online). The engine probes and says when
    /// it is back.
    pub offline_since: Option<DateTime<Utc>>,
    /// `D` on any table: the format chooser, the session's format, the running download.
    pub download: super::download::DownloadState,
}

impl AppState {
    pub fn new(profile: ProfileInfo, period: ReturnPeriod, theme: ThemeName) -> AppState {
        AppState {
            profile,
            period,
            theme,
            keymap: Keymap::default(),
            goods: GoodsType::Others,
            counts: Default::default(),
            balances: BTreeMap::new(),
            balance_error: None,
            session: SessionState::Unknown,
            in_flight: HashSet::new(),
            last_errors: HashMap::new(),
            toasts: Toasts::default(),
            popup: None,
            now: DateTime::<Utc>::UNIX_EPOCH,
            spinner: 0,
            size: (80, 24),
            dirty: true,
            should_quit: false,
            clock_minute: 0,
            engine_stopped: false,
            ims: ImsState::default(),
            export_ledger: Default::default(),
            downloads_dir: None,
            download: Default::default(),
            ledgers: Default::default(),
            outward: Default::default(),
            changes: Default::default(),
            offline_since: None,
        }
    }

    /// Applies a cached result before the first frame (`from_cache: true` events from the
    /// store), so the dashboard opens with data and says how old it is.
    pub fn preload(&mut self, ev: SyncEvent) {
        let _ = super::update::update(self, super::msg::Msg::Sync(ev));
    }

    /// Active key contexts, most specific first.
    pub fn contexts(&self) -> [Context; 2] {
        let screen = match &self.ims.table {
            Some(_) if self.ims.chooser.is_some() => Context::ColumnChooser,
            Some(_) if self.ims.command.is_some() => Context::CommandLine,
            Some(t) if t.filter_editing => Context::RecordFilter,
            Some(_) => Context::Records,
            None => Context::Dashboard,
        };
        let top = if self.download.chooser.is_some() {
            // The format chooser sits above whatever screen or popup asked for it.
            Context::Download
        } else {
            self.popup.as_ref().map_or(screen, Popup::context)
        };
        [top, Context::Global]
    }

    pub fn counts(&self, goods: GoodsType) -> &CountsPanel {
        &self.counts[goods_index(goods)]
    }
    pub(crate) fn counts_mut(&mut self, goods: GoodsType) -> &mut CountsPanel {
        &mut self.counts[goods_index(goods)]
    }

    /// Balance of the selected period, if fetched.
    pub fn balance(&self) -> Option<&Fetched<BalanceData>> {
        self.balances.get(&self.period)
    }

    /// Decisions waiting to go to GSTN (staged or on their way; not conflicts or rejections).
    pub fn queued_decisions(&self) -> usize {
        self.ims.outbox.values().filter(|s| s.last_outcome.is_none()).count()
    }

    /// `offline, 3 queued` while the API cannot be reached.
    pub fn offline_text(&self) -> Option<String> {
        self.offline_since
            .map(|_| format!("offline, {} queued", self.queued_decisions()))
    }

    pub fn is_loading(&self, job: JobKind) -> bool {
        self.in_flight.contains(&job)
    }

    /// Jobs in flight, in display order (then the IMS jobs, by label).
    pub fn jobs_in_flight(&self) -> Vec<JobKind> {
        let mut more: Vec<JobKind> = self
            .in_flight
            .iter()
            .filter(|j| !JOB_ORDER.contains(j))
            .copied()
            .collect();
        more.sort_by_key(|j| job_label(*j));
        JOB_ORDER
            .into_iter()
            .filter(|j| self.in_flight.contains(j))
            .chain(more)
            .collect()
    }

    /// Failed jobs, most recent first.
    pub fn errors_by_recency(&self) -> Vec<(JobKind, &JobError)> {
        let mut v: Vec<_> = JOB_ORDER
            .into_iter()
            .filter_map(|j| self.last_errors.get(&j).map(|e| (j, e)))
            .collect();
        v.sort_by_key(|(_, e)| std::cmp::Reverse(e.at));
        v
    }

    /// Today in India.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&ist()).date_naive()
    }

    /// The latest period that can be picked: the current month (never earlier than the
    /// selected period, so a clock that has not ticked yet cannot strand the user).
    pub fn latest_period(&self) -> ReturnPeriod {
        ReturnPeriod::of_date(self.today()).max(self.period)
    }

    pub(crate) fn store_counts(
        &mut self,
        goods: GoodsType,
        value: CountGroup,
        fetched_at: DateTime<Utc>,
        from_cache: bool,
    ) {
        let panel = self.counts_mut(goods);
        if Fetched::supersedes(fetched_at, panel.data.as_ref()) {
            panel.data = Some(Fetched {
                value,
                fetched_at,
                from_cache,
            });
        }
    }

    pub(crate) fn store_balance(
        &mut self,
        period: ReturnPeriod,
        value: BalanceData,
        fetched_at: DateTime<Utc>,
        from_cache: bool,
    ) {
        if Fetched::supersedes(fetched_at, self.balances.get(&period)) {
            self.balances.insert(
                period,
                Fetched {
                    value,
                    fetched_at,
                    from_cache,
                },
            );
        }
    }
}

pub fn goods_index(g: GoodsType) -> usize {
    match g {
        GoodsType::Others => 0,
        GoodsType::Isd => 1,
        GoodsType::Imports => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_forces_mono() {
        assert_eq!(ThemeName::resolve(Some(ThemeName::Light), Some("1")), ThemeName::Mono);
        assert_eq!(ThemeName::resolve(Some(ThemeName::Light), Some("")), ThemeName::Light);
        assert_eq!(ThemeName::resolve(None, None), ThemeName::Dark);
        assert_eq!(ThemeName::parse("MONO").unwrap(), ThemeName::Mono);
        assert!(ThemeName::parse("neon").is_err());
    }
}
