//! The Ledgers screen's model (`L`): the cash and ITC ledgers for a date range — from April of
//! the selected period's financial year to its end unless the user sets From/To (`d`) — fetched
//! in ≤ 6-month slices and stitched by the engine, and the period's return-liability ledger,
//! with their arithmetic checks. `D` downloads the ledger shown.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::keymap::Action;
use super::state::{AppState, Fetched, Popup};
use crate::domain::ReturnPeriod;
use crate::domain::ledger::{CashLedger, ItcLedger, LedgerWarning, LiabilityLedger};
use crate::sync::{JobKind, SyncCommand};

#[derive(Clone, Debug)]
pub struct LedgersData {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cash: Arc<CashLedger>,
    pub itc: Arc<ItcLedger>,
    pub tax: Arc<LiabilityLedger>,
    /// `check()` of each ledger: shown with the difference, never corrected.
    pub cash_warnings: Vec<LedgerWarning>,
    pub itc_warnings: Vec<LedgerWarning>,
    pub tax_warnings: Vec<LedgerWarning>,
}

#[derive(Clone, Debug, Default)]
pub struct LedgersState {
    pub by_period: BTreeMap<ReturnPeriod, Fetched<LedgersData>>,
    pub error: Option<String>,
    /// From/To the user set for the cash and ITC ledgers (kept for the session, whatever the
    /// period); `None` = April of the period's year to its end.
    pub range: Option<(NaiveDate, NaiveDate)>,
}

/// The `d` input: From and To as typed, the field being edited, the last validation error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeInput {
    pub from: String,
    pub to: String,
    /// 0 = From, 1 = To.
    pub field: usize,
    pub error: Option<String>,
}

impl RangeInput {
    fn field_mut(&mut self) -> &mut String {
        if self.field == 0 { &mut self.from } else { &mut self.to }
    }
}

/// The first day GST existed; no ledger goes back further.
pub fn gst_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 7, 1).expect("valid date")
}

/// One date as typed in field `name`: `DD-MM-YYYY` or `YYYY-MM-DD`.
pub fn parse_field(name: &str, raw: &str) -> Result<NaiveDate, String> {
    let t = raw.trim();
    let expected = "expected DD-MM-YYYY (01-04-2025) or YYYY-MM-DD (2025-04-01)";
    if t.is_empty() {
        return Err(format!("{name} is empty; {expected}"));
    }
    ["%d-%m-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .ok_or_else(|| format!("{name} {t:?} is not a date; {expected}"))
}

/// Checks a typed range: both dates readable, To not before From, neither in the future nor
/// before GST began.
pub fn validate_range(from: &str, to: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), String> {
    let f = parse_field("From", from)?;
    let t = parse_field("To", to)?;
    let dash = crate::domain::period::fmt_dash;
    if f < gst_start() {
        return Err(format!("From {} is before GST began ({})", dash(f), dash(gst_start())));
    }
    if t > today {
        return Err(format!("To {} is in the future; today is {}", dash(t), dash(today)));
    }
    if t < f {
        return Err(format!("To {} is before From {}", dash(t), dash(f)));
    }
    Ok((f, t))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerTab {
    Cash,
    Itc,
    Liability,
}

impl LedgerTab {
    pub const ALL: [LedgerTab; 3] = [LedgerTab::Cash, LedgerTab::Itc, LedgerTab::Liability];
    pub fn label(self) -> &'static str {
        match self {
            LedgerTab::Cash => "Cash ledger",
            LedgerTab::Itc => "ITC ledger",
            LedgerTab::Liability => "Return liability",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgersPopup {
    pub tab: LedgerTab,
    /// Movement per head instead of amount and balance.
    pub per_head: bool,
    pub scroll: u16,
    pub max_scroll: std::cell::Cell<u16>,
    /// The From/To input, while open.
    pub range_input: Option<RangeInput>,
}

/// The cash and ITC range for `period`: the user's, else April of its year to its end (or
/// today).
pub fn wanted_range(state: &AppState, period: ReturnPeriod) -> (NaiveDate, NaiveDate) {
    state
        .ledgers
        .range
        .unwrap_or_else(|| crate::sync::reports::default_ledger_range(period, state.today()))
}

/// Whether the ledgers of `period` on hand are for the range wanted now.
fn have(state: &AppState, period: ReturnPeriod) -> bool {
    let want = wanted_range(state, period);
    state
        .ledgers
        .by_period
        .get(&period)
        .is_some_and(|f| (f.value.from, f.value.to) == want)
}

fn fetch(state: &mut AppState) -> Vec<SyncCommand> {
    state.ledgers.error = None;
    state.in_flight.insert(JobKind::Ledgers);
    let (from, to) = wanted_range(state, state.period);
    vec![SyncCommand::RefreshLedgers {
        period: state.period,
        from,
        to,
    }]
}

pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::Ledgers(LedgersPopup {
        tab: LedgerTab::Cash,
        per_head: false,
        scroll: 0,
        max_scroll: std::cell::Cell::new(0),
        range_input: None,
    }));
    state.dirty = true;
    if have(state, state.period) {
        vec![]
    } else {
        fetch(state)
    }
}

pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    let page = state.size.1.saturating_sub(10).max(1);
    let latest = state.latest_period();
    let Some(Popup::Ledgers(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let max = p.max_scroll.get();
    state.dirty = true;
    let cycle = |t: LedgerTab, d: isize| {
        let i = LedgerTab::ALL.iter().position(|x| *x == t).unwrap_or(0) as isize;
        LedgerTab::ALL[(i + d).rem_euclid(3) as usize]
    };
    match action {
        Action::Close => state.popup = None,
        Action::NextTab | Action::PrevTab => {
            p.tab = cycle(p.tab, if action == Action::NextTab { 1 } else { -1 });
            p.scroll = 0;
        }
        Action::ToggleColumns => p.per_head = !p.per_head,
        Action::Up => p.scroll = p.scroll.saturating_sub(1),
        Action::Down => p.scroll = (p.scroll + 1).min(max),
        Action::PageUp => p.scroll = p.scroll.saturating_sub(page),
        Action::PageDown => p.scroll = p.scroll.saturating_add(page).min(max),
        Action::Top => p.scroll = 0,
        Action::Bottom => p.scroll = max,
        Action::Refresh => return fetch(state),
        Action::OpenQuickBalance => return super::update::open_quick_balance(state),
        Action::OpenExportLedger => return super::export_ledger::open(state),
        Action::PrevPeriod | Action::NextPeriod => {
            let next = if action == Action::NextPeriod {
                state.period.next()
            } else {
                state.period.prev()
            };
            if next > latest || next < super::picker::first_gst_period() {
                return vec![];
            }
            p.scroll = 0;
            state.period = next;
            // The dashboard follows: its balance is for the same period.
            let mut cmds = vec![SyncCommand::RefreshBalance { period: next }];
            state.in_flight.insert(JobKind::Balance);
            if !have(state, next) {
                cmds.extend(fetch(state));
            }
            return cmds;
        }
        Action::EditRange => {
            let (f, t) = wanted_range(state, state.period);
            if let Some(Popup::Ledgers(p)) = state.popup.as_mut() {
                let dash = crate::domain::period::fmt_dash;
                p.range_input = Some(RangeInput {
                    from: dash(f),
                    to: dash(t),
                    field: 0,
                    error: None,
                });
            }
        }
        Action::DownloadExcel => return download(state),
        _ => {}
    }
    vec![]
}

/// Keys of the From/To input.
pub fn range_action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    let today = state.today();
    let Some(Popup::Ledgers(p)) = state.popup.as_mut() else {
        return vec![];
    };
    let Some(input) = p.range_input.as_mut() else {
        return vec![];
    };
    match action {
        Action::Close => p.range_input = None,
        Action::NextChoice | Action::Up | Action::Down => input.field = 1 - input.field,
        Action::DeleteChar => {
            input.field_mut().pop();
        }
        Action::ClearFilter => input.field_mut().clear(),
        Action::DefaultRange => {
            // Back to April .. end of the period.
            p.range_input = None;
            p.scroll = 0;
            state.ledgers.range = None;
            return if have(state, state.period) {
                vec![]
            } else {
                fetch(state)
            };
        }
        Action::Confirm => match validate_range(&input.from, &input.to, today) {
            Ok(r) => {
                p.range_input = None;
                p.scroll = 0;
                state.ledgers.range = Some(r);
                return if have(state, state.period) {
                    vec![]
                } else {
                    fetch(state)
                };
            }
            Err(e) => input.error = Some(e),
        },
        _ => {}
    }
    vec![]
}

/// A character typed into the From/To input (digits and separators only).
pub fn typed(state: &mut AppState, c: char) {
    if let Some(Popup::Ledgers(p)) = state.popup.as_mut()
        && let Some(input) = p.range_input.as_mut()
        && (c.is_ascii_digit() || c == '-')
    {
        let f = input.field_mut();
        if f.len() < 10 {
            f.push(c);
        }
        input.error = None;
        state.dirty = true;
    }
}

/// `D`: the ledger shown, with its arithmetic checks as a second sheet in a workbook.
fn download(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(Popup::Ledgers(p)) = state.popup.as_ref() else {
        return vec![];
    };
    let Some(fetched) = state.ledgers.by_period.get(&state.period) else {
        state.toasts.push(
            super::toast::ToastLevel::Info,
            "Nothing to download yet",
            "The ledgers are not loaded; press r to fetch them.",
            state.now,
        );
        state.dirty = true;
        return vec![];
    };
    let d = &fetched.value;
    let dash = crate::domain::period::fmt_dash;
    let range = format!("{} – {}", dash(d.from), dash(d.to));
    let range_file = format!("{}-{}", d.from.format("%Y%m%d"), d.to.format("%Y%m%d"));
    let gstin = state.profile.gstin.clone();
    let (table, warnings, kind, what, period) = match p.tab {
        LedgerTab::Cash => (
            crate::export::tables::cash_ledger(&d.cash),
            &d.cash_warnings,
            "ledger-cash",
            format!("Cash ledger {range}"),
            range_file,
        ),
        LedgerTab::Itc => (
            crate::export::tables::itc_ledger(&d.itc),
            &d.itc_warnings,
            "ledger-itc",
            format!("ITC ledger {range}"),
            range_file,
        ),
        LedgerTab::Liability => (
            crate::export::tables::tax_ledger(&d.tax),
            &d.tax_warnings,
            "ledger-liability",
            format!("Return liability ledger {}", state.period),
            state.period.iso(),
        ),
    };
    let table = table.with_notes(vec![format!("{what}, GSTIN {gstin}, as GSTN sent it")]);
    let request = super::download::DownloadRequest {
        source: crate::export::ExportSource::Tables(vec![table]),
        xlsx_only: crate::export::tables::checks(warnings).into_iter().collect(),
        what,
        kind: kind.into(),
        period,
    };
    super::download::request(state, request)
}

#[allow(clippy::too_many_arguments)]
pub fn on_loaded(
    state: &mut AppState,
    period: ReturnPeriod,
    from: NaiveDate,
    to: NaiveDate,
    cash: Arc<CashLedger>,
    itc: Arc<ItcLedger>,
    tax: Arc<LiabilityLedger>,
    fetched_at: DateTime<Utc>,
) {
    state.in_flight.remove(&JobKind::Ledgers);
    state.last_errors.remove(&JobKind::Ledgers);
    state.ledgers.error = None;
    let data = LedgersData {
        from,
        to,
        cash_warnings: cash.check(),
        itc_warnings: itc.check(),
        tax_warnings: tax.check(),
        cash,
        itc,
        tax,
    };
    state.ledgers.by_period.insert(
        period,
        Fetched {
            value: data,
            fetched_at,
            from_cache: false,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn both_date_forms_are_accepted_and_bad_input_names_the_field() {
        let today = d(2026, 11, 23);
        assert_eq!(
            validate_range("01-04-2025", "2025-11-30", today),
            Ok((d(2025, 4, 1), d(2025, 11, 30)))
        );
        let e = validate_range("1/4/2025", "30-11-2025", today).unwrap_err();
        assert!(
            e.starts_with("From \"1/4/2025\" is not a date") && e.contains("DD-MM-YYYY"),
            "{e}"
        );
        let e = validate_range("01-04-2025", "", today).unwrap_err();
        assert!(e.starts_with("To is empty"), "{e}");
        let e = validate_range("01-04-2025", "31-02-2025", today).unwrap_err();
        assert!(e.starts_with("To \"31-02-2025\""), "{e}");
        let e = validate_range("30-11-2025", "01-04-2025", today).unwrap_err();
        assert_eq!(e, "To 01-04-2025 is before From 30-11-2025");
        let e = validate_range("01-11-2026", "24-11-2026", today).unwrap_err();
        assert_eq!(e, "To 24-11-2026 is in the future; today is 23-11-2026");
        let e = validate_range("30-06-2017", "01-07-2017", today).unwrap_err();
        assert!(e.contains("before GST began"), "{e}");
        // The same day is a valid one-day range.
        assert_eq!(validate_range("23-11-2026", "23-11-2026", today), Ok((today, today)));
    }
}
