//! The one binding table. It drives key dispatch, the `?` help screen and the hint bar, so
//! the three can never disagree (gitui's `commands()`, lazygit's binding list, yazi's `desc`).
//!
//! A binding is data: a context, the keys, an [`Action`], a description and an optional
//! hint-bar entry. The defaults live in [`DEFAULT_BINDINGS`]; a [`Keymap`] is a copy of them
//! that overrides can edit ([`Keymap::rebind`], with keys and actions parsed from text by
//! [`KeySpec::parse`] and [`Action::from_name`]), so a config file is only a data change.

use std::borrow::Cow;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::GoodsType;

/// Where a binding applies. The active contexts are the top screen or popup plus
/// [`Context::Global`] (see `AppState::contexts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Active everywhere, even while typing in a filter: keep it to control keys.
    Global,
    Dashboard,
    /// The `?` popup; plain characters type into its filter.
    Help,
    PeriodPicker,
    /// Scrollable text popups: the info page and the ledger-warnings list.
    Pager,
    /// The IMS record table of one section (drilled into from the summary grid).
    Records,
    /// Typing the record table's `/` filter; plain characters type into it.
    RecordFilter,
    /// The confirm popup of bulk and irreversible actions; plain characters type the remarks.
    Confirm,
    /// The record table's `:` command line; plain characters type the command.
    CommandLine,
    /// The export ledger popup (`e`).
    ExportLedger,
    /// The quick balance popup (`b`).
    QuickBalance,
    /// The ledgers screen (`L`).
    Ledgers,
    /// Outward supplies (`o`).
    Outward,
    /// The log-in popup (`O`): digits type the OTP.
    Otp,
    /// Changes since the last pull (`W`).
    Changes,
    /// The download format chooser (`D` on any table).
    Download,
    /// Typing the Ledgers screen's From/To dates (`d`); digits and `-` type into it.
    LedgerRange,
    /// Typing the outward records filter (`/`).
    OutwardFilter,
    /// The ICEGATE tracking screen (`I`).
    Icegate,
    /// Its FY + month picker.
    IcegatePicker,
    /// Its import prompt: plain characters type the path of ICEGATE's CSV.
    IcegateImport,
    /// The record table's column chooser (`c`).
    ColumnChooser,
}

impl Context {
    pub const ALL: [Context; 22] = [
        Context::Global,
        Context::Dashboard,
        Context::Help,
        Context::PeriodPicker,
        Context::Pager,
        Context::Records,
        Context::RecordFilter,
        Context::Confirm,
        Context::CommandLine,
        Context::ExportLedger,
        Context::QuickBalance,
        Context::Ledgers,
        Context::Outward,
        Context::Otp,
        Context::Changes,
        Context::Download,
        Context::LedgerRange,
        Context::OutwardFilter,
        Context::Icegate,
        Context::IcegatePicker,
        Context::IcegateImport,
        Context::ColumnChooser,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Dashboard => "Dashboard",
            Context::Help => "Help",
            Context::PeriodPicker => "Period picker",
            Context::Pager => "Info and warnings",
            Context::Records => "IMS records",
            Context::RecordFilter => "Record filter",
            Context::Confirm => "Confirm",
            Context::CommandLine => "Command line",
            Context::ExportLedger => "Export ledger",
            Context::QuickBalance => "Quick balance",
            Context::Ledgers => "Ledgers",
            Context::Outward => "Outward supplies",
            Context::Otp => "Log in (OTP)",
            Context::Changes => "Changes since the last pull",
            Context::Download => "Download",
            Context::LedgerRange => "Ledger dates",
            Context::OutwardFilter => "Outward filter",
            Context::Icegate => "ICEGATE tracking",
            Context::IcegatePicker => "ICEGATE month picker",
            Context::IcegateImport => "ICEGATE import",
            Context::ColumnChooser => "Columns",
        }
    }
    /// Parses a context name as written in `[keys.<context>]`: `dashboard`, `help`,
    /// `period_picker`, `pager`, `global` (or the label, case and separators ignored).
    pub fn from_name(s: &str) -> Result<Context, String> {
        let norm = |t: &str| {
            t.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let want = norm(s);
        Context::ALL
            .iter()
            .copied()
            .find(|c| norm(&format!("{c:?}")) == want || norm(c.label()) == want)
            .ok_or_else(|| {
                let names: Vec<String> = Context::ALL
                    .iter()
                    .map(|c| format!("{c:?}").to_ascii_lowercase())
                    .collect();
                format!("key context {s:?} not known; expected one of {}", names.join(", "))
            })
    }

    /// Contexts that must not bind plain characters: Help types them into its filter, and
    /// Global is active while typing.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Context::Help
                | Context::Global
                | Context::RecordFilter
                | Context::Confirm
                | Context::CommandLine
                | Context::Otp
                | Context::LedgerRange
                | Context::OutwardFilter
                | Context::IcegateImport
        )
    }
}

/// Everything a key can do. Navigation actions (`Up`, `Confirm`, …) mean the obvious thing in
/// the context they are bound in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    OpenHelp,
    Refresh,
    OpenPeriodPicker,
    PrevPeriod,
    NextPeriod,
    OpenInfo,
    OpenWarnings,
    SelectTab(GoodsType),
    NextTab,
    PrevTab,
    DismissToasts,
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Confirm,
    PrevYear,
    NextYear,
    DeleteChar,
    ClearFilter,
    Left,
    Right,
    DrillDown,
    Back,
    ClearOrBack,
    Accept,
    Reject,
    MarkPending,
    ResetRecords,
    ClearLocal,
    Undo,
    ToggleMark,
    VisualMode,
    SelectAll,
    OpenFilter,
    Sort,
    ToggleDetail,
    Push,
    Compute2b,
    NextChoice,
    OpenCommand,
    OpenExportLedger,
    DownloadCsv,
    DownloadTransactionsCsv,
    OpenQuickBalance,
    DownloadFailedCsv,
    OpenLedgers,
    ToggleColumns,
    OpenOutward,
    DownloadExcel,
    Login,
    OpenChanges,
    EditRange,
    DefaultRange,
    OpenIcegate,
    ImportCsv,
    OpenColumns,
    MoveUp,
    MoveDown,
    DownloadImsDetails,
    DownloadFollowup,
    DownloadJournal,
    DownloadJournalAll,
}

impl Action {
    pub const ALL: [Action; 69] = [
        Action::Quit,
        Action::OpenHelp,
        Action::Refresh,
        Action::OpenPeriodPicker,
        Action::PrevPeriod,
        Action::NextPeriod,
        Action::OpenInfo,
        Action::OpenWarnings,
        Action::SelectTab(GoodsType::Others),
        Action::SelectTab(GoodsType::Isd),
        Action::SelectTab(GoodsType::Imports),
        Action::NextTab,
        Action::PrevTab,
        Action::DismissToasts,
        Action::Close,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Confirm,
        Action::PrevYear,
        Action::NextYear,
        Action::DeleteChar,
        Action::ClearFilter,
        Action::Left,
        Action::Right,
        Action::DrillDown,
        Action::Back,
        Action::ClearOrBack,
        Action::Accept,
        Action::Reject,
        Action::MarkPending,
        Action::ResetRecords,
        Action::ClearLocal,
        Action::Undo,
        Action::ToggleMark,
        Action::VisualMode,
        Action::SelectAll,
        Action::OpenFilter,
        Action::Sort,
        Action::ToggleDetail,
        Action::Push,
        Action::Compute2b,
        Action::NextChoice,
        Action::OpenCommand,
        Action::OpenExportLedger,
        Action::DownloadCsv,
        Action::DownloadTransactionsCsv,
        Action::OpenQuickBalance,
        Action::DownloadFailedCsv,
        Action::OpenLedgers,
        Action::ToggleColumns,
        Action::OpenOutward,
        Action::DownloadExcel,
        Action::Login,
        Action::OpenChanges,
        Action::EditRange,
        Action::DefaultRange,
        Action::OpenIcegate,
        Action::ImportCsv,
        Action::OpenColumns,
        Action::MoveUp,
        Action::MoveDown,
        Action::DownloadImsDetails,
        Action::DownloadFollowup,
        Action::DownloadJournal,
        Action::DownloadJournalAll,
    ];

    /// Stable name for config files (`quit`, `select_tab_isd`, …).
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::OpenHelp => "open_help",
            Action::Refresh => "refresh",
            Action::OpenPeriodPicker => "open_period_picker",
            Action::PrevPeriod => "prev_period",
            Action::NextPeriod => "next_period",
            Action::OpenInfo => "open_info",
            Action::OpenWarnings => "open_warnings",
            Action::SelectTab(GoodsType::Others) => "select_tab_others",
            Action::SelectTab(GoodsType::Isd) => "select_tab_isd",
            Action::SelectTab(GoodsType::Imports) => "select_tab_imports",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::DismissToasts => "dismiss_toasts",
            Action::Close => "close",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Confirm => "confirm",
            Action::PrevYear => "prev_year",
            Action::NextYear => "next_year",
            Action::DeleteChar => "delete_char",
            Action::ClearFilter => "clear_filter",
            Action::Left => "left",
            Action::Right => "right",
            Action::DrillDown => "drill_down",
            Action::Back => "back",
            Action::ClearOrBack => "clear_or_back",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::MarkPending => "mark_pending",
            Action::ResetRecords => "reset_records",
            Action::ClearLocal => "clear_local",
            Action::Undo => "undo",
            Action::ToggleMark => "toggle_mark",
            Action::VisualMode => "visual_mode",
            Action::SelectAll => "select_all",
            Action::OpenFilter => "open_filter",
            Action::Sort => "sort",
            Action::ToggleDetail => "toggle_detail",
            Action::Push => "push",
            Action::Compute2b => "compute_2b",
            Action::NextChoice => "next_choice",
            Action::OpenCommand => "open_command",
            Action::OpenExportLedger => "open_export_ledger",
            Action::DownloadCsv => "download_csv",
            Action::DownloadTransactionsCsv => "download_transactions_csv",
            Action::OpenQuickBalance => "open_quick_balance",
            Action::DownloadFailedCsv => "download_failed_csv",
            Action::OpenLedgers => "open_ledgers",
            Action::ToggleColumns => "toggle_columns",
            Action::OpenOutward => "open_outward",
            Action::DownloadExcel => "download_excel",
            Action::Login => "login",
            Action::OpenChanges => "open_changes",
            Action::EditRange => "edit_range",
            Action::DefaultRange => "default_range",
            Action::OpenIcegate => "open_icegate",
            Action::ImportCsv => "import_csv",
            Action::OpenColumns => "open_columns",
            Action::MoveUp => "move_up",
            Action::MoveDown => "move_down",
            Action::DownloadImsDetails => "download_ims_details",
            Action::DownloadFollowup => "download_followup",
            Action::DownloadJournal => "download_journal",
            Action::DownloadJournalAll => "download_journal_all",
        }
    }

    pub fn from_name(s: &str) -> Result<Action, String> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Action::ALL.iter().copied().find(|a| a.name() == t).ok_or_else(|| {
            format!(
                "action {s:?} not known; expected one of {}",
                Action::ALL.map(Action::name).join(", ")
            )
        })
    }
}

/// One key with its modifiers, normalised so `G` matches whether or not the terminal reports
/// Shift (see [`KeySpec::from_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub const fn plain(code: KeyCode) -> KeySpec {
        KeySpec {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    pub const fn ch(c: char) -> KeySpec {
        KeySpec::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> KeySpec {
        KeySpec {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Normalises a terminal key event: Shift is dropped for characters (it is already in the
    /// character) and for Back-Tab; only Ctrl and Alt are kept; Ctrl letters are lower-cased.
    pub fn from_event(ev: &KeyEvent) -> KeySpec {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = ev.code;
        match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        KeySpec { code, mods }
    }

    /// A printable character typed without Ctrl/Alt (text input).
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => Some(c),
            _ => None,
        }
    }

    /// Parses `q`, `?`, `ctrl-c`, `alt-x`, `enter`, `esc`, `tab`, `backtab`, `left`, `pgdn`,
    /// `home`, `f1`, `space`.
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let t = s.trim();
        let bad = || format!("key {s:?} not understood; examples: q, ctrl-c, enter, left, pgdn, f1");
        let mut mods = KeyModifiers::NONE;
        let mut rest = t;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").or_else(|| lower.strip_prefix("c-")) {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-").or_else(|| lower.strip_prefix("m-")) {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "s-tab" | "shift-tab" => KeyCode::BackTab,
                "backspace" | "bs" => KeyCode::Backspace,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "delete" | "del" => KeyCode::Delete,
                "space" => KeyCode::Char(' '),
                f if f.starts_with('f') => f[1..]
                    .parse::<u8>()
                    .ok()
                    .filter(|n| (1..=12).contains(n))
                    .map(KeyCode::F)
                    .ok_or_else(bad)?,
                _ => return Err(bad()),
            },
        };
        Ok(KeySpec { code, mods })
    }
}

impl fmt::Display for KeySpec {
    /// Short labels for help and hints: `q`, `Ctrl-c`, `←`, `S-Tab`, `PgDn`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A hint-bar entry. Lower `prio` is kept longer when the bar is narrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub prio: u8,
    /// Short word(s) after the key: `quit`, `period`.
    pub label: &'static str,
    /// Key text to show instead of the binding's first key (`1-3`, `[ ]`).
    pub keys: Option<&'static str>,
}

const fn hint(prio: u8, label: &'static str) -> Option<Hint> {
    Some(Hint {
        prio,
        label,
        keys: None,
    })
}
const fn hint_keys(prio: u8, keys: &'static str, label: &'static str) -> Option<Hint> {
    Some(Hint {
        prio,
        label,
        keys: Some(keys),
    })
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    pub keys: Cow<'static, [KeySpec]>,
    pub action: Action,
    pub desc: &'static str,
    pub hint: Option<Hint>,
}

impl Binding {
    /// `h / ←` style label of all keys.
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
    }
}

const fn b(
    context: Context,
    keys: &'static [KeySpec],
    action: Action,
    desc: &'static str,
    hint: Option<Hint>,
) -> Binding {
    Binding {
        context,
        keys: Cow::Borrowed(keys),
        action,
        desc,
        hint,
    }
}

use Context::ColumnChooser as CC;
use Context::{
    Changes as CH, CommandLine as CL, Confirm as CF, Dashboard as D, Download as DL, ExportLedger as EL, Global as G,
    Help as H, Icegate as IG, IcegateImport as II, IcegatePicker as IP, LedgerRange as LR, Ledgers as LG, Otp as OT,
    Outward as OW, OutwardFilter as OF, Pager as P, PeriodPicker as PP, QuickBalance as QB, RecordFilter as RF,
    Records as RS,
};

const ESC: KeySpec = KeySpec::plain(KeyCode::Esc);
const ENTER: KeySpec = KeySpec::plain(KeyCode::Enter);
const UP: KeySpec = KeySpec::plain(KeyCode::Up);
const DOWN: KeySpec = KeySpec::plain(KeyCode::Down);
const LEFT: KeySpec = KeySpec::plain(KeyCode::Left);
const RIGHT: KeySpec = KeySpec::plain(KeyCode::Right);
const PGUP: KeySpec = KeySpec::plain(KeyCode::PageUp);
const PGDN: KeySpec = KeySpec::plain(KeyCode::PageDown);
const HOME: KeySpec = KeySpec::plain(KeyCode::Home);
const END: KeySpec = KeySpec::plain(KeyCode::End);

/// The default bindings, in the order help shows them. One binding per line: this is data.
#[rustfmt::skip]
pub static DEFAULT_BINDINGS: &[Binding] = &[
    b(G, &[KeySpec::ctrl('c')], Action::Quit, "Quit gstdash", None),
    // Dashboard
    b(D, &[KeySpec::ch('?'), KeySpec::plain(KeyCode::F(1))], Action::OpenHelp, "Show all keys (filterable, runnable)", hint(0, "help")),
    b(D, &[KeySpec::ch('r')], Action::Refresh, "Refresh counts and balance from GSTN", hint(1, "refresh")),
    b(D, &[KeySpec::ch('p')], Action::OpenPeriodPicker, "Pick the return period", hint(1, "period")),
    b(D, &[KeySpec::ch('[')], Action::PrevPeriod, "Previous return period", hint_keys(3, "[ ]", "prev/next")),
    b(D, &[KeySpec::ch(']')], Action::NextPeriod, "Next return period", None),
    b(D, &[KeySpec::ch('1')], Action::SelectTab(GoodsType::Others), "Tab: All other ITC", hint_keys(2, "1-3", "tab")),
    b(D, &[KeySpec::ch('2')], Action::SelectTab(GoodsType::Isd), "Tab: Inward supplies from ISD", None),
    b(D, &[KeySpec::ch('3')], Action::SelectTab(GoodsType::Imports), "Tab: Import of goods", None),
    b(D, &[KeySpec::plain(KeyCode::Tab)], Action::NextTab, "Next goods-type tab", None),
    b(D, &[KeySpec::plain(KeyCode::BackTab)], Action::PrevTab, "Previous goods-type tab", None),
    b(D, &[KeySpec::ch('k'), UP], Action::Up, "Summary grid: previous section", hint_keys(2, "hjkl", "cell")),
    b(D, &[KeySpec::ch('j'), DOWN], Action::Down, "Summary grid: next section", None),
    b(D, &[KeySpec::ch('h'), LEFT], Action::Left, "Summary grid: previous status column", None),
    b(D, &[KeySpec::ch('l'), RIGHT], Action::Right, "Summary grid: next status column", None),
    b(D, &[ENTER], Action::DrillDown, "Open the records of the selected cell", hint(1, "open")),
    b(D, &[KeySpec::ch('i')], Action::OpenInfo, "Explain deemed acceptance, pending and 2B/3B dates", hint(4, "info")),
    b(D, &[KeySpec::ch('w')], Action::OpenWarnings, "Show ledger arithmetic warnings", hint(5, "warnings")),
    b(D, &[KeySpec::ch('b')], Action::OpenQuickBalance, "Quick balance: cash and ITC per head for the period", hint(6, "balance")),
    b(D, &[KeySpec::ch('L')], Action::OpenLedgers, "Ledgers: cash, ITC (from April) and liability", hint(6, "ledgers")),
    b(D, &[KeySpec::ch('o')], Action::OpenOutward, "Outward supplies: recipients' actions", hint(6, "outward")),
    b(D, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger (IGST refund on exports), computed", hint(6, "export ledger")),
    b(D, &[KeySpec::ch('W')], Action::OpenChanges, "Changes since the last pull (new, changed, gone)", hint(6, "changes")),
    b(D, &[KeySpec::ch('I')], Action::OpenIcegate, "ICEGATE tracking: export invoices sent or held", hint(7, "ICEGATE")),
    b(D, &[KeySpec::ch('D')], Action::DownloadImsDetails, "DOWNLOAD IMS DETAILS: all tables and a summary", None),
    b(D, &[KeySpec::ch('F')], Action::DownloadFollowup, "Supplier follow-up pack: rejected and pending", None),
    b(D, &[KeySpec::ch('J')], Action::DownloadJournal, "Audit journal: the decisions for the period", None),
    b(D, &[KeySpec::ch('A')], Action::DownloadJournalAll, "Audit journal: every decision, all periods", None),
    b(D, &[ESC], Action::DismissToasts, "Dismiss notifications (errors stay until then)", hint(6, "dismiss")),
    // Last, so Enter on a freshly opened help never quits.
    b(D, &[KeySpec::ch('O')], Action::Login, "Log in again: send an OTP and type it here", None),
    b(D, &[KeySpec::ch('q')], Action::Quit, "Quit gstdash", hint(0, "quit")),
    // Log-in popup
    b(OT, &[ENTER], Action::Confirm, "Verify the OTP", hint(0, "verify")),
    b(OT, &[ESC], Action::Close, "Close without logging in", hint(0, "close")),
    b(OT, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last digit", hint(1, "delete")),
    // Changes since the last pull
    b(CH, &[ESC, KeySpec::ch('q'), KeySpec::ch('W')], Action::Close, "Close the list of changes", hint(0, "close")),
    b(CH, &[ENTER], Action::Confirm, "Go to the document in its record table", hint(0, "go to")),
    b(CH, &[KeySpec::ch('k'), UP], Action::Up, "Previous change", hint_keys(1, "j/k", "move")),
    b(CH, &[KeySpec::ch('j'), DOWN], Action::Down, "Next change", None),
    b(CH, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", None),
    b(CH, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(CH, &[KeySpec::ch('g'), HOME], Action::Top, "First change", None),
    b(CH, &[KeySpec::ch('G'), END], Action::Bottom, "Last change", None),
    // Help
    b(H, &[ESC], Action::Close, "Close help", hint(0, "close")),
    b(H, &[ENTER], Action::Confirm, "Run the selected action", hint(0, "run")),
    b(H, &[UP, KeySpec::ctrl('p')], Action::Up, "Select previous entry", hint_keys(1, "↑↓", "select")),
    b(H, &[DOWN, KeySpec::ctrl('n')], Action::Down, "Select next entry", None),
    b(H, &[PGUP], Action::PageUp, "Page up", None),
    b(H, &[PGDN], Action::PageDown, "Page down", None),
    b(H, &[HOME], Action::Top, "First entry", None),
    b(H, &[END], Action::Bottom, "Last entry", None),
    b(H, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last filter character", hint(2, "delete")),
    b(H, &[KeySpec::ctrl('u')], Action::ClearFilter, "Clear the filter", hint(3, "clear")),
    // Period picker
    b(PP, &[ESC, KeySpec::ch('q')], Action::Close, "Close without changing the period", hint(0, "close")),
    b(PP, &[ENTER], Action::Confirm, "Use the selected period", hint(0, "pick")),
    b(PP, &[KeySpec::ch('k'), UP], Action::Up, "Previous month", hint_keys(1, "j/k", "month")),
    b(PP, &[KeySpec::ch('j'), DOWN], Action::Down, "Next month", None),
    b(PP, &[KeySpec::ch('h'), LEFT, KeySpec::ch('[')], Action::PrevYear, "Previous financial year", hint_keys(1, "h/l", "year")),
    b(PP, &[KeySpec::ch('l'), RIGHT, KeySpec::ch(']')], Action::NextYear, "Next financial year", None),
    b(PP, &[KeySpec::ch('g'), HOME], Action::Top, "April (first month of the year)", None),
    b(PP, &[KeySpec::ch('G'), END], Action::Bottom, "March (last month of the year)", None),
    // Pager (info and warnings)
    b(P, &[ESC, KeySpec::ch('q')], Action::Close, "Close", hint(0, "close")),
    b(P, &[KeySpec::ch('k'), UP], Action::Up, "Scroll up", hint_keys(1, "j/k", "scroll")),
    b(P, &[KeySpec::ch('j'), DOWN], Action::Down, "Scroll down", None),
    b(P, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", hint_keys(2, "PgUp/PgDn", "page")),
    b(P, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(P, &[KeySpec::ch('g'), HOME], Action::Top, "Top", None),
    b(P, &[KeySpec::ch('G'), END], Action::Bottom, "Bottom", None),
    // IMS record table
    b(RS, &[KeySpec::ch('?'), KeySpec::plain(KeyCode::F(1))], Action::OpenHelp, "Show all keys (filterable, runnable)", hint(0, "help")),
    b(RS, &[KeySpec::ch('a')], Action::Accept, "Accept the current or selected records", hint(0, "accept")),
    b(RS, &[KeySpec::ch('r')], Action::Reject, "Reject the current or selected records", hint(0, "reject")),
    b(RS, &[KeySpec::ch('p')], Action::MarkPending, "Keep the current or selected records pending", hint(1, "pending")),
    b(RS, &[KeySpec::ch('R')], Action::ResetRecords, "Reset current/selected records to No action", None),
    b(RS, &[KeySpec::ch('x')], Action::ClearLocal, "Clear the unsaved local action", hint(3, "clear")),
    b(RS, &[KeySpec::ch('u')], Action::Undo, "Undo the last local change (until saved)", hint(2, "undo")),
    b(RS, &[KeySpec::ch(' ')], Action::ToggleMark, "Select or unselect the current record", hint_keys(3, "Spc", "select")),
    b(RS, &[KeySpec::ch('v')], Action::VisualMode, "Select a range: start or end visual mode", None),
    b(RS, &[KeySpec::ch('V'), KeySpec::ctrl('a')], Action::SelectAll, "Select every record in the filtered view", hint(4, "all")),
    b(RS, &[KeySpec::ch('/')], Action::OpenFilter, "Filter: text or gstin:27AAP* txval>10000", hint(1, "filter")),
    b(RS, &[KeySpec::ch(':')], Action::OpenCommand, "Command line: period, filter, select, sort, save…", hint(4, "cmd")),
    b(RS, &[KeySpec::ch('s')], Action::Sort, "Sort by highlighted column; again reverses", hint(5, "sort")),
    b(RS, &[KeySpec::ch('h'), LEFT], Action::Left, "Highlight the previous column", hint_keys(6, "hl", "column")),
    b(RS, &[KeySpec::ch('l'), RIGHT], Action::Right, "Highlight the next column", None),
    b(RS, &[ENTER], Action::ToggleDetail, "Detail pane: fields, flags, why not allowed", hint(3, "detail")),
    b(RS, &[KeySpec::ch('S')], Action::Push, "Save: send the local decisions to GSTN", hint(1, "save")),
    b(RS, &[KeySpec::ch('C')], Action::Compute2b, "Compute GSTR-2B for the period", hint(5, "2B")),
    b(RS, &[KeySpec::ch('D')], Action::DownloadExcel, "DOWNLOAD EXCEL: the view as filtered and sorted", hint(6, "excel")),
    b(RS, &[KeySpec::ch('c')], Action::OpenColumns, "Columns: show, hide and reorder (remembered)", hint(6, "columns")),
    b(RS, &[KeySpec::ch('k'), UP], Action::Up, "Previous record", None),
    b(RS, &[KeySpec::ch('j'), DOWN], Action::Down, "Next record", None),
    b(RS, &[PGUP, KeySpec::ctrl('b')], Action::PageUp, "Page up", None),
    b(RS, &[PGDN, KeySpec::ctrl('f')], Action::PageDown, "Page down", None),
    b(RS, &[KeySpec::ch('g'), HOME], Action::Top, "First record", None),
    b(RS, &[KeySpec::ch('G'), END], Action::Bottom, "Last record", None),
    b(RS, &[KeySpec::ch('b')], Action::OpenQuickBalance, "Quick balance of the period", None),
    b(RS, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger of the period's year", None),
    b(RS, &[KeySpec::ch('i')], Action::OpenInfo, "Explain deemed acceptance, pending and 2B/3B dates", None),
    b(RS, &[ESC], Action::ClearOrBack, "Clear selection, then filter, then go back", hint(0, "back")),
    b(RS, &[KeySpec::plain(KeyCode::Backspace)], Action::Back, "Back to the summary grid", None),
    b(RS, &[KeySpec::ch('q')], Action::Quit, "Quit gstdash", None),
    b(RS, &[KeySpec::ch('O')], Action::Login, "Log in again: send an OTP and type it here", None),
    b(RS, &[KeySpec::ch('W')], Action::OpenChanges, "Changes since the last pull (new, changed, gone)", None),
    // Record filter (typing)
    b(RF, &[ENTER], Action::Confirm, "Keep the filter and return to the table", hint(0, "done")),
    b(RF, &[ESC], Action::Close, "Clear the filter and return to the table", hint(0, "cancel")),
    b(RF, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last filter character", hint(1, "delete")),
    b(RF, &[KeySpec::ctrl('u')], Action::ClearFilter, "Clear the filter", hint(2, "clear")),
    // Column chooser
    b(CC, &[KeySpec::ch(' ')], Action::ToggleMark, "Show or hide the highlighted column", hint_keys(0, "Spc", "show/hide")),
    b(CC, &[KeySpec::ch('K')], Action::MoveUp, "Move the column up (further left)", hint_keys(1, "J/K", "move")),
    b(CC, &[KeySpec::ch('J')], Action::MoveDown, "Move the column down (further right)", None),
    b(CC, &[KeySpec::ch('k'), UP], Action::Up, "Previous column", hint_keys(2, "j/k", "select")),
    b(CC, &[KeySpec::ch('j'), DOWN], Action::Down, "Next column", None),
    b(CC, &[ENTER, ESC, KeySpec::ch('c')], Action::Close, "Close the column chooser (the arrangement is kept)", hint(0, "close")),
    // Command line
    b(CL, &[ENTER], Action::Confirm, "Run the command", hint(0, "run")),
    b(CL, &[ESC], Action::Close, "Close the command line", hint(0, "cancel")),
    b(CL, &[KeySpec::plain(KeyCode::Tab)], Action::NextChoice, "Complete the command or column name", hint(1, "complete")),
    b(CL, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last character", hint(2, "delete")),
    // Confirm popup
    b(CF, &[ENTER], Action::Confirm, "Confirm", hint(0, "confirm")),
    b(CF, &[ESC], Action::Close, "Cancel", hint(0, "cancel")),
    b(CF, &[KeySpec::plain(KeyCode::Tab)], Action::NextChoice, "Next choice (ITC reduction declaration)", hint(1, "choice")),
    b(CF, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last remarks character", hint(2, "delete")),
    // Export ledger
    b(EL, &[ESC, KeySpec::ch('q'), KeySpec::ch('c')], Action::Close, "CLOSE the export ledger", hint(0, "close")),
    b(EL, &[KeySpec::ch('d')], Action::DownloadCsv, "DOWNLOAD AS CSV (ledger rows)", hint(1, "csv")),
    b(EL, &[KeySpec::ch('t')], Action::DownloadTransactionsCsv, "DOWNLOAD TRANSACTION AS CSV (per period)", hint(1, "transactions csv")),
    b(EL, &[KeySpec::ch('x')], Action::DownloadExcel, "Ledger and transactions as one .xlsx workbook", hint(4, "xlsx")),
    b(EL, &[KeySpec::plain(KeyCode::Tab), KeySpec::ch('i'), KeySpec::ch('I')], Action::OpenIcegate, "ICEGATE tracking of the year's invoices", hint_keys(1, "Tab", "ICEGATE")),
    b(EL, &[KeySpec::ch('b')], Action::OpenQuickBalance, "Quick balance of the period", None),
    b(EL, &[KeySpec::ch('L')], Action::OpenLedgers, "Ledgers of the period", None),
    b(EL, &[KeySpec::ch('h'), LEFT], Action::PrevYear, "Previous financial year", hint_keys(2, "h/l", "year")),
    b(EL, &[KeySpec::ch('l'), RIGHT], Action::NextYear, "Next financial year", None),
    b(EL, &[KeySpec::ch('r')], Action::Refresh, "Fetch the periods not filed yet again", hint(3, "refresh")),
    b(EL, &[KeySpec::ch('k'), UP], Action::Up, "Scroll up", hint_keys(2, "j/k", "scroll")),
    b(EL, &[KeySpec::ch('j'), DOWN], Action::Down, "Scroll down", None),
    b(EL, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", None),
    b(EL, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(EL, &[KeySpec::ch('g'), HOME], Action::Top, "Top", None),
    b(EL, &[KeySpec::ch('G'), END], Action::Bottom, "Bottom", None),
    // ICEGATE tracking
    b(IG, &[ESC], Action::ClearOrBack, "Back from the invoices, or close", hint(0, "back")),
    b(IG, &[KeySpec::ch('q')], Action::Close, "Close ICEGATE tracking", None),
    b(IG, &[ENTER], Action::DrillDown, "Invoices of the selected count, with reasons", hint(0, "invoices")),
    b(IG, &[KeySpec::plain(KeyCode::Backspace)], Action::Back, "Back to the counts", None),
    b(IG, &[KeySpec::ch('p')], Action::OpenPeriodPicker, "Pick FY and month (or quarter)", hint(1, "month")),
    b(IG, &[KeySpec::ch('[')], Action::PrevPeriod, "Previous month (or quarter)", hint_keys(2, "[ ]", "prev/next")),
    b(IG, &[KeySpec::ch(']')], Action::NextPeriod, "Next month (or quarter)", None),
    b(IG, &[KeySpec::ch('D'), KeySpec::ch('f')], Action::DownloadFailedCsv, "DOWNLOAD FAILED INVOICES as CSV", hint(1, "failed csv")),
    b(IG, &[KeySpec::ch('x')], Action::DownloadExcel, "Counts and failed invoices as an .xlsx workbook", hint(4, "xlsx")),
    b(IG, &[KeySpec::ch('m')], Action::ImportCsv, "Import ICEGATE's responses (portal CSV)", hint(2, "import")),
    b(IG, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger of the month's year", hint(3, "ledger")),
    b(IG, &[KeySpec::ch('r')], Action::Refresh, "Fetch the returns not filed yet again", hint(4, "refresh")),
    b(IG, &[KeySpec::ch('k'), UP], Action::Up, "Previous line", hint_keys(3, "j/k", "move")),
    b(IG, &[KeySpec::ch('j'), DOWN], Action::Down, "Next line", None),
    b(IG, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", None),
    b(IG, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(IG, &[KeySpec::ch('g'), HOME], Action::Top, "First line", None),
    b(IG, &[KeySpec::ch('G'), END], Action::Bottom, "Last line", None),
    // ICEGATE month picker
    b(IP, &[ESC, KeySpec::ch('q')], Action::Close, "Close without changing the month", hint(0, "close")),
    b(IP, &[ENTER], Action::Confirm, "Track the selected month (or quarter)", hint(0, "pick")),
    b(IP, &[KeySpec::ch('k'), UP], Action::Up, "Previous month (quarter)", hint_keys(1, "j/k", "month")),
    b(IP, &[KeySpec::ch('j'), DOWN], Action::Down, "Next month (quarter)", None),
    b(IP, &[KeySpec::ch('h'), LEFT, KeySpec::ch('[')], Action::PrevYear, "Previous financial year", hint_keys(1, "h/l", "year")),
    b(IP, &[KeySpec::ch('l'), RIGHT, KeySpec::ch(']')], Action::NextYear, "Next financial year", None),
    b(IP, &[KeySpec::plain(KeyCode::Tab)], Action::NextChoice, "Monthly or quarterly filer", hint_keys(2, "Tab", "monthly/quarterly")),
    // ICEGATE import prompt
    b(II, &[ENTER], Action::Confirm, "Import the file", hint(0, "import")),
    b(II, &[ESC], Action::Close, "Cancel", hint(0, "cancel")),
    b(II, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last character", hint(1, "delete")),
    b(II, &[KeySpec::ctrl('u')], Action::ClearFilter, "Clear the path", hint(2, "clear")),
    // Ledgers
    b(LG, &[KeySpec::ch('b')], Action::OpenQuickBalance, "Quick balance of the period", None),
    b(LG, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger of the period's year", None),
    b(LG, &[ESC, KeySpec::ch('q')], Action::Close, "Close the ledgers", hint(0, "close")),
    b(LG, &[KeySpec::plain(KeyCode::Tab), KeySpec::ch('l'), RIGHT], Action::NextTab, "Next ledger (cash, ITC, liability)", hint_keys(1, "Tab", "ledger")),
    b(LG, &[KeySpec::plain(KeyCode::BackTab), KeySpec::ch('h'), LEFT], Action::PrevTab, "Previous ledger", None),
    b(LG, &[KeySpec::ch('v')], Action::ToggleColumns, "Amount and balance, or the movement per head", hint(2, "columns")),
    b(LG, &[KeySpec::ch('[')], Action::PrevPeriod, "Previous period", hint_keys(2, "[ ]", "period")),
    b(LG, &[KeySpec::ch(']')], Action::NextPeriod, "Next period", None),
    b(LG, &[KeySpec::ch('r')], Action::Refresh, "Fetch the ledgers again", hint(3, "refresh")),
    b(LG, &[KeySpec::ch('D')], Action::DownloadExcel, "DOWNLOAD EXCEL: the ledger shown (.xlsx/.csv)", hint(3, "download")),
    b(LG, &[KeySpec::ch('d')], Action::EditRange, "From/To dates of the cash and ITC ledgers", hint(2, "dates")),
    b(LG, &[KeySpec::ch('k'), UP], Action::Up, "Scroll up", hint_keys(3, "j/k", "scroll")),
    b(LG, &[KeySpec::ch('j'), DOWN], Action::Down, "Scroll down", None),
    b(LG, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", None),
    b(LG, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(LG, &[KeySpec::ch('g'), HOME], Action::Top, "Top", None),
    b(LG, &[KeySpec::ch('G'), END], Action::Bottom, "Bottom", None),
    // Outward supplies
    b(OW, &[ESC, KeySpec::ch('q'), KeySpec::ch('o')], Action::Close, "Close outward supplies", hint(0, "close")),
    b(OW, &[KeySpec::ch('b')], Action::OpenQuickBalance, "Quick balance of the period", None),
    b(OW, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger of the period's year", None),
    b(OW, &[KeySpec::ch('L')], Action::OpenLedgers, "Ledgers of the period", None),
    b(OW, &[KeySpec::ch('[')], Action::PrevPeriod, "Previous period", hint_keys(1, "[ ]", "period")),
    b(OW, &[KeySpec::ch(']')], Action::NextPeriod, "Next period", None),
    b(OW, &[KeySpec::ch('r')], Action::Refresh, "Fetch the supplier view again", hint(2, "refresh")),
    b(OW, &[KeySpec::ch('D')], Action::DownloadExcel, "DOWNLOAD EXCEL: the view shown (.xlsx/.csv)", hint(2, "download")),
    b(OW, &[KeySpec::plain(KeyCode::Tab)], Action::NextTab, "Switch between the summary and the records", hint_keys(1, "Tab", "records")),
    b(OW, &[KeySpec::ch('k'), UP], Action::Up, "Scroll up, or the previous record", None),
    b(OW, &[KeySpec::ch('j'), DOWN], Action::Down, "Scroll down, or the next record", None),
    b(OW, &[PGUP, KeySpec::ctrl('u')], Action::PageUp, "Page up", None),
    b(OW, &[PGDN, KeySpec::ctrl('d'), KeySpec::ch(' ')], Action::PageDown, "Page down", None),
    b(OW, &[KeySpec::ch('g'), HOME], Action::Top, "Top", None),
    b(OW, &[KeySpec::ch('G'), END], Action::Bottom, "Bottom", None),
    b(OW, &[KeySpec::ch('h'), LEFT], Action::Left, "Records: highlight the previous column", None),
    b(OW, &[KeySpec::ch('l'), RIGHT], Action::Right, "Records: highlight the next column", None),
    b(OW, &[KeySpec::ch('s')], Action::Sort, "Records: sort by column; again reverses", None),
    b(OW, &[KeySpec::ch('/')], Action::OpenFilter, "Records: filter by any text shown", hint(3, "filter")),
    // Outward records filter (typing)
    b(OF, &[ENTER], Action::Confirm, "Keep the filter and return to the records", hint(0, "done")),
    b(OF, &[ESC], Action::Close, "Clear the filter and return to the records", hint(0, "cancel")),
    b(OF, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last filter character", hint(1, "delete")),
    b(OF, &[KeySpec::ctrl('u')], Action::ClearFilter, "Clear the filter", hint(2, "clear")),
    // Quick balance
    b(QB, &[KeySpec::ch('e')], Action::OpenExportLedger, "Export ledger of the period's year", None),
    b(QB, &[KeySpec::ch('L')], Action::OpenLedgers, "Ledgers of the period", None),
    b(QB, &[ESC, KeySpec::ch('q'), KeySpec::ch('b')], Action::Close, "Close the quick balance", hint(0, "close")),
    b(QB, &[KeySpec::ch('r')], Action::Refresh, "Fetch the balance again", hint(1, "refresh")),
    b(QB, &[KeySpec::ch('[')], Action::PrevPeriod, "Balance of the previous period", hint_keys(1, "[ ]", "period")),
    b(QB, &[KeySpec::ch(']')], Action::NextPeriod, "Balance of the next period", None),
    b(QB, &[KeySpec::ch('w')], Action::OpenWarnings, "Show the balance's arithmetic warnings", hint(2, "warnings")),
    b(QB, &[KeySpec::ch('D')], Action::DownloadExcel, "DOWNLOAD EXCEL: the balance shown (.xlsx/.csv)", hint(2, "download")),
    // Ledger From/To input
    b(LR, &[ENTER], Action::Confirm, "Fetch the cash and ITC ledgers for these dates", hint(0, "fetch")),
    b(LR, &[ESC], Action::Close, "Close without changing the dates", hint(0, "cancel")),
    b(LR, &[KeySpec::plain(KeyCode::Tab), KeySpec::plain(KeyCode::BackTab), UP, DOWN], Action::NextChoice, "Switch between From and To", hint_keys(1, "Tab", "field")),
    b(LR, &[KeySpec::plain(KeyCode::Backspace)], Action::DeleteChar, "Delete the last character", hint(2, "delete")),
    b(LR, &[KeySpec::ctrl('u')], Action::ClearFilter, "Clear the field", hint(3, "clear")),
    b(LR, &[KeySpec::ctrl('r')], Action::DefaultRange, "Back to April .. end of the period", hint(3, "default")),
    // Download format chooser
    b(DL, &[KeySpec::ch('x')], Action::DownloadExcel, "Write an Excel workbook (.xlsx)", hint(0, "excel")),
    b(DL, &[KeySpec::ch('c')], Action::DownloadCsv, "Write a CSV file (.csv)", hint(0, "csv")),
    b(DL, &[ENTER], Action::Confirm, "Write the highlighted format (last used)", hint(1, "write")),
    b(DL, &[KeySpec::plain(KeyCode::Tab), LEFT, RIGHT, KeySpec::ch('h'), KeySpec::ch('l')], Action::NextChoice, "Switch between Excel and CSV", hint_keys(2, "Tab", "switch")),
    b(DL, &[ESC, KeySpec::ch('q')], Action::Close, "Cancel the download", hint(0, "cancel")),
];

/// One item of the hint bar, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HintItem {
    pub keys: String,
    pub label: &'static str,
    pub prio: u8,
}

impl HintItem {
    /// Columns taken, including the two-space gap before the next item.
    pub fn width(&self) -> usize {
        text_width(&self.keys) + 1 + text_width(self.label) + 2
    }
}

fn text_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The bindings in use: the defaults plus any overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULT_BINDINGS.to_vec(),
        }
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action for `key` in the first of `contexts` that binds it, with that context.
    pub fn lookup(&self, contexts: &[Context], key: KeySpec) -> Option<(Context, Action)> {
        contexts.iter().find_map(|ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == *ctx && b.keys.contains(&key))
                .map(|b| (b.context, b.action))
        })
    }

    /// Replaces the keys of `action` in `context` (an override from config). An empty list
    /// unbinds it. Keys taken by another action of the same context are refused.
    pub fn rebind(&mut self, context: Context, action: Action, keys: Vec<KeySpec>) -> Result<(), String> {
        for k in &keys {
            if context.takes_text() && context != Context::Global && k.typed_char().is_some() {
                return Err(format!(
                    "{k} types into the {} filter and cannot be bound there",
                    context.label()
                ));
            }
            if let Some(other) = self
                .bindings
                .iter()
                .find(|b| b.context == context && b.action != action && b.keys.contains(k))
            {
                return Err(format!(
                    "{k} is already bound to {} in {}",
                    other.action.name(),
                    context.label()
                ));
            }
        }
        let binding = self
            .bindings
            .iter_mut()
            .find(|b| b.context == context && b.action == action)
            .ok_or_else(|| format!("{} has no binding in {}", action.name(), context.label()))?;
        binding.keys = Cow::Owned(keys);
        Ok(())
    }

    /// Label of the first key of `action` in `context`, for texts like "press r".
    pub fn key_for(&self, context: Context, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
            .and_then(|b| b.keys.first())
            .map(ToString::to_string)
    }

    /// Hint-bar items of `contexts`, in table order.
    pub fn hints(&self, contexts: &[Context]) -> Vec<HintItem> {
        self.bindings
            .iter()
            .filter(|b| contexts.contains(&b.context) && !b.keys.is_empty())
            .filter_map(|b| {
                b.hint.map(|h| HintItem {
                    keys: h.keys.map(str::to_string).unwrap_or_else(|| b.keys[0].to_string()),
                    label: h.label,
                    prio: h.prio,
                })
            })
            .collect()
    }

    /// The hints that fit in `width` columns: most important first, drawn in table order.
    pub fn fit_hints(&self, contexts: &[Context], width: usize) -> Vec<HintItem> {
        fit_hints(self.hints(contexts), width)
    }
}

/// Keeps the highest-priority items whose widths add up to at most `width` (the last item's
/// trailing gap is not needed), preserving their order.
pub fn fit_hints(items: Vec<HintItem>, width: usize) -> Vec<HintItem> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].prio, i));
    let budget = width + 2; // the last item needs no gap after it
    let mut used = 1; // left margin
    let mut keep = vec![false; items.len()];
    for i in order {
        let w = items[i].width();
        if used + w <= budget {
            used += w;
            keep[i] = true;
        }
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(it, k)| k.then_some(it))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_action_is_bound_somewhere() {
        let km = Keymap::default();
        for a in Action::ALL {
            assert!(
                km.bindings().iter().any(|b| b.action == a && !b.keys.is_empty()),
                "{a:?} has no binding"
            );
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context_or_shadows_global() {
        let km = Keymap::default();
        let global: HashSet<KeySpec> = km
            .bindings()
            .iter()
            .filter(|b| b.context == Context::Global)
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for ctx in Context::ALL {
            let mut seen = HashSet::new();
            for b in km.bindings().iter().filter(|b| b.context == ctx) {
                for k in b.keys.iter() {
                    assert!(seen.insert(*k), "{k} bound twice in {ctx:?}");
                    if ctx != Context::Global {
                        assert!(!global.contains(k), "{k} in {ctx:?} shadows a global key");
                    }
                }
            }
        }
    }

    #[test]
    fn text_contexts_bind_no_plain_characters() {
        for b in DEFAULT_BINDINGS.iter().filter(|b| b.context.takes_text()) {
            for k in b.keys.iter() {
                assert!(k.typed_char().is_none(), "{k} in {:?} would eat typed text", b.context);
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()).unwrap(), a);
        }
        assert!(Action::from_name("fly").unwrap_err().contains("quit"));
    }

    #[test]
    fn key_parsing_and_labels() {
        assert_eq!(KeySpec::parse("ctrl-C").unwrap(), KeySpec::ctrl('c'));
        assert_eq!(KeySpec::parse("q").unwrap(), KeySpec::ch('q'));
        assert_eq!(KeySpec::parse("G").unwrap(), KeySpec::ch('G'));
        assert_eq!(KeySpec::parse("pgdn").unwrap(), PGDN);
        assert_eq!(KeySpec::parse("f1").unwrap(), KeySpec::plain(KeyCode::F(1)));
        assert_eq!(
            KeySpec::parse("alt-x").unwrap(),
            KeySpec {
                code: KeyCode::Char('x'),
                mods: KeyModifiers::ALT
            }
        );
        assert!(KeySpec::parse("hyper-q").is_err());
        assert_eq!(KeySpec::ctrl('c').to_string(), "Ctrl-c");
        assert_eq!(LEFT.to_string(), "←");
        assert_eq!(KeySpec::plain(KeyCode::BackTab).to_string(), "S-Tab");
    }

    #[test]
    fn events_are_normalised() {
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&shifted), KeySpec::ch('G'));
        let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&backtab), KeySpec::plain(KeyCode::BackTab));
        let ctrl = KeyEvent::new(KeyCode::Char('C'), KeyModifiers::CONTROL | KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&ctrl), KeySpec::ctrl('c'));
    }

    #[test]
    fn overrides_are_data() {
        let mut km = Keymap::default();
        km.rebind(Context::Dashboard, Action::Refresh, vec![KeySpec::parse("F5").unwrap()])
            .unwrap();
        assert_eq!(
            km.lookup(&[Context::Dashboard], KeySpec::plain(KeyCode::F(5))),
            Some((Context::Dashboard, Action::Refresh))
        );
        assert_eq!(km.lookup(&[Context::Dashboard], KeySpec::ch('r')), None);
        assert!(
            km.rebind(Context::Dashboard, Action::Refresh, vec![KeySpec::ch('q')])
                .unwrap_err()
                .contains("quit")
        );
        assert!(km.rebind(Context::Help, Action::Close, vec![KeySpec::ch('x')]).is_err());
        assert!(km.rebind(Context::Help, Action::PrevYear, vec![]).is_err());
    }

    #[test]
    fn hint_bar_fits_80_columns_in_every_context_and_keeps_the_essentials() {
        let km = Keymap::default();
        for ctx in Context::ALL.into_iter().filter(|c| *c != Context::Global) {
            let all = km.hints(&[ctx, Context::Global]);
            let kept = km.fit_hints(&[ctx, Context::Global], 80);
            let width: usize = 1 + kept.iter().map(HintItem::width).sum::<usize>() - 2;
            assert!(width <= 80, "{ctx:?}: {width} columns");
            assert!(!kept.is_empty(), "{ctx:?} has no hints");
            for h in all.iter().filter(|h| h.prio == 0) {
                assert!(kept.contains(h), "{ctx:?} dropped essential hint {h:?}");
            }
            // Narrow terminals drop the least important first.
            let narrow = km.fit_hints(&[ctx, Context::Global], 30);
            assert!(narrow.iter().all(|h| kept.contains(h)));
        }
    }
}
