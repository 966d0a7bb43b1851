//! `D` on any table: the one download flow. A screen hands over what it shows as a
//! [`DownloadRequest`]; a small chooser asks for the format (`x` Excel, `c` CSV, Enter = the
//! one used last this session); the engine writes the file off the UI thread and reports
//! progress (the status bar's gauge) and the full path (a toast). Names come from
//! `export::files` (GSTIN, period, time) and an existing file is never overwritten.

use super::keymap::Action;
use super::state::{AppState, ist};
use super::toast::ToastLevel;
use crate::export::{ExportSource, ExportTable, FileFormat, OutTarget, Progress, Report, files};
use crate::sync::{JobKind, SyncCommand};

/// What a screen wants written.
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadRequest {
    pub source: ExportSource,
    /// Sheets only a workbook carries (the arithmetic checks of a ledger); a CSV stays the
    /// one table asked for.
    pub xlsx_only: Vec<ExportTable>,
    /// For the toast: "Cash ledger 01-04-2025 – 30-11-2025".
    pub what: String,
    /// First part of the file name: `ledger-cash`, `ims-b2b`.
    pub kind: String,
    /// Period or range part of the file name: `2025-11`, `20250401-20251130`.
    pub period: String,
}

/// The open chooser: the request and the highlighted format.
#[derive(Clone, Debug, PartialEq)]
pub struct Chooser {
    pub request: DownloadRequest,
    pub selected: FileFormat,
}

#[derive(Clone, Debug, Default)]
pub struct DownloadState {
    /// The format chosen last; Enter in the chooser takes it. Kept for the session.
    pub format: FileFormat,
    pub chooser: Option<Chooser>,
    /// The running download's progress, for the status bar's gauge.
    pub progress: Option<Progress>,
}

/// Opens the chooser for `request` (or says why not: no downloads folder, a download still
/// being written, nothing to write).
pub fn request(state: &mut AppState, request: DownloadRequest) -> Vec<SyncCommand> {
    state.dirty = true;
    if state.downloads_dir.is_none() {
        state.toasts.push(
            ToastLevel::Error,
            "No downloads folder",
            "Set downloads_dir in the config file to save files.",
            state.now,
        );
        return vec![];
    }
    if state.is_loading(JobKind::Download) {
        state.toasts.push(
            ToastLevel::Info,
            "A download is still being written",
            "Wait for it to finish (the status bar shows how far it is), then press D again.",
            state.now,
        );
        return vec![];
    }
    let selected = state.download.format;
    state.download.chooser = Some(Chooser { request, selected });
    vec![]
}

/// Keys of the chooser.
pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    let Some(ch) = state.download.chooser.as_mut() else {
        return vec![];
    };
    let other = |f: FileFormat| match f {
        FileFormat::Xlsx => FileFormat::Csv,
        FileFormat::Csv => FileFormat::Xlsx,
    };
    match action {
        Action::Close => state.download.chooser = None,
        Action::NextChoice | Action::Left | Action::Right | Action::Up | Action::Down => {
            ch.selected = other(ch.selected);
        }
        Action::Confirm => {
            let f = ch.selected;
            return start(state, f);
        }
        Action::DownloadExcel => return start(state, FileFormat::Xlsx),
        Action::DownloadCsv => return start(state, FileFormat::Csv),
        _ => {}
    }
    vec![]
}

/// Sends the chooser's request to the engine as `format` and remembers the format.
fn start(state: &mut AppState, format: FileFormat) -> Vec<SyncCommand> {
    let Some(ch) = state.download.chooser.take() else {
        return vec![];
    };
    let Some(dir) = state.downloads_dir.clone() else {
        return vec![];
    };
    state.download.format = format;
    let DownloadRequest {
        source,
        xlsx_only,
        what,
        kind,
        period,
    } = ch.request;
    let source = match (source, format) {
        (ExportSource::Tables(mut t), FileFormat::Xlsx) => {
            t.extend(xlsx_only);
            ExportSource::Tables(t)
        }
        (s, _) => s,
    };
    let at = state.now.with_timezone(&ist()).naive_local();
    let stem = files::stem(&kind, &state.profile.gstin, &period, at);
    state.in_flight.insert(JobKind::Download);
    state.last_errors.remove(&JobKind::Download);
    state.download.progress = Some(Progress {
        rows_done: 0,
        rows_total: source.rows() as u64,
        saving: false,
    });
    vec![SyncCommand::Export {
        source,
        format,
        target: OutTarget::new(None, dir, stem),
        what,
    }]
}

/// `D` on the quick balance: cash and ITC per head for the period, and the arithmetic checks
/// as a second sheet in a workbook.
pub fn quick_balance(state: &mut AppState) -> Vec<SyncCommand> {
    let Some(b) = state.balance() else {
        state.toasts.push(
            ToastLevel::Info,
            "Nothing to download yet",
            "The balance is not loaded; press r to fetch it.",
            state.now,
        );
        state.dirty = true;
        return vec![];
    };
    let what = format!("Cash and ITC balance {}", state.period);
    let table = crate::export::tables::balance(&b.value.balance)
        .with_notes(vec![format!("{what}, GSTIN {}, as GSTN sent it", state.profile.gstin)]);
    let request = DownloadRequest {
        source: ExportSource::Tables(vec![table]),
        xlsx_only: crate::export::tables::checks(&b.value.warnings).into_iter().collect(),
        what,
        kind: "balance".into(),
        period: state.period.iso(),
    };
    self::request(state, request)
}

/// `D` on the dashboard: "Download IMS details", the whole IMS as the dashboard counts it.
/// The engine reads the cached sections (pulling any never fetched) and fresh counts.
pub fn ims_details(state: &mut AppState) -> Vec<SyncCommand> {
    let request = DownloadRequest {
        source: ExportSource::Report(Report::ImsDetails),
        xlsx_only: vec![],
        what: "IMS details: every IMS table and a summary by action".into(),
        kind: "ims".into(),
        period: "all".into(),
    };
    self::request(state, request)
}

/// `F` on the dashboard: the supplier follow-up pack (a sheet, or a CSV file, per supplier).
pub fn followup(state: &mut AppState) -> Vec<SyncCommand> {
    let request = DownloadRequest {
        source: ExportSource::Report(Report::Followup),
        xlsx_only: vec![],
        what: "Supplier follow-up pack: rejected and pending".into(),
        kind: "followup".into(),
        period: "all".into(),
    };
    self::request(state, request)
}

/// `J` / `A` on the dashboard: the audit journal of the period (decisions made from its first
/// day to its GSTR-3B due date) or all of it.
pub fn journal(state: &mut AppState, all: bool) -> Vec<SyncCommand> {
    let period = (!all).then_some(state.period);
    let request = DownloadRequest {
        source: ExportSource::Report(Report::Journal { period }),
        xlsx_only: vec![],
        what: match period {
            Some(p) => {
                let (from, to) = crate::sync::downloads::journal_window(p);
                format!(
                    "Audit journal {p}: decisions {} – {}",
                    crate::domain::period::fmt_dash(from),
                    crate::domain::period::fmt_dash(to)
                )
            }
            None => "Audit journal, every decision".into(),
        },
        kind: "journal".into(),
        period: period.map(|p| p.iso()).unwrap_or_else(|| "all".into()),
    };
    self::request(state, request)
}

/// The status bar's gauge: `⬇ xlsx ▰▰▰▱▱▱▱▱ 45% 45,056/1,00,000 rows`, or `saving` once
/// every row is in (the workbook is being compressed).
pub fn gauge_text(p: &Progress, format: FileFormat, bar: usize) -> String {
    if p.rows_total == 0 && !p.saving {
        // A report still being assembled (sections read or pulled): no rows counted yet.
        return format!("⬇ {} preparing…", format.ext());
    }
    let total = p.rows_total.max(1);
    let done = p.rows_done.min(total);
    let pct = (done * 100 / total) as usize;
    let filled = (done as usize * bar) / total as usize;
    let bars: String = "▰".repeat(filled) + &"▱".repeat(bar - filled);
    let tail = if p.saving {
        "saving…".to_string()
    } else {
        format!(
            "{}/{} rows",
            crate::domain::money::format_count(done),
            crate::domain::money::format_count(p.rows_total)
        )
    };
    format!("⬇ {} {bars} {pct:>3}% {tail}", format.ext())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::loaded_state;
    use crate::app::{Msg, ThemeName, update};
    use crate::export::{Cell, ExportColumn};
    use crate::sync::SyncEvent;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn req() -> DownloadRequest {
        let mut t = ExportTable::new("T", vec![ExportColumn::text("A")]);
        t.push(vec![Cell::text("x")]);
        DownloadRequest {
            source: ExportSource::Tables(vec![t]),
            xlsx_only: vec![ExportTable::new("Checks", vec![])],
            what: "T".into(),
            kind: "t".into(),
            period: "2025-11".into(),
        }
    }

    #[test]
    fn the_chooser_remembers_the_format_for_the_session() {
        let mut s = loaded_state(ThemeName::Dark);
        s.downloads_dir = Some("/tmp/dl".into());
        assert!(request(&mut s, req()).is_empty());
        assert_eq!(s.contexts()[0], crate::app::keymap::Context::Download);
        // `c`: CSV, and the workbook-only sheet is left out.
        let cmds = update(&mut s, key(KeyCode::Char('c')));
        let [
            SyncCommand::Export {
                source, format, target, ..
            },
        ] = cmds.as_slice()
        else {
            panic!("{cmds:?}")
        };
        assert_eq!(*format, FileFormat::Csv);
        assert_eq!(source.rows(), 1);
        assert!(matches!(source, ExportSource::Tables(t) if t.len() == 1));
        assert!(target.stem.starts_with("t-"), "{}", target.stem);
        assert!(s.download.chooser.is_none());
        assert_eq!(s.download.progress.map(|p| p.rows_total), Some(1));
        // A second D while writing is refused with a reason.
        assert!(request(&mut s, req()).is_empty());
        assert!(s.download.chooser.is_none());
        update(
            &mut s,
            Msg::Sync(SyncEvent::FileWritten {
                what: "T".into(),
                path: "/tmp/dl/t.csv".into(),
            }),
        );
        assert!(s.download.progress.is_none());
        // Next time Enter takes CSV; Tab switches to Excel, which then carries the checks.
        request(&mut s, req());
        assert_eq!(s.download.chooser.as_ref().unwrap().selected, FileFormat::Csv);
        update(&mut s, key(KeyCode::Tab));
        let cmds = update(&mut s, key(KeyCode::Enter));
        let [SyncCommand::Export { source, format, .. }] = cmds.as_slice() else {
            panic!("{cmds:?}")
        };
        assert_eq!(*format, FileFormat::Xlsx);
        assert!(matches!(source, ExportSource::Tables(t) if t.len() == 2));
        // Esc closes without writing.
        s.in_flight.clear();
        request(&mut s, req());
        assert!(update(&mut s, key(KeyCode::Esc)).is_empty());
        assert!(s.download.chooser.is_none());
    }

    /// `D` on the quick balance: the balance per head plus a total row.
    #[test]
    fn quick_balance_downloads_the_balance_shown() {
        let mut s = loaded_state(ThemeName::Dark);
        s.downloads_dir = Some("/tmp/dl".into());
        update(&mut s, key(KeyCode::Char('b')));
        assert!(update(&mut s, key(KeyCode::Char('D'))).is_empty());
        let ch = s.download.chooser.as_ref().expect("chooser open");
        assert_eq!(ch.request.kind, "balance");
        let ExportSource::Tables(t) = &ch.request.source else {
            panic!()
        };
        assert_eq!(t[0].rows.len(), 5, "four heads and the total");
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        term.draw(|f| crate::ui::render(f, &s)).unwrap();
        let screen = term.backend().to_string();
        assert!(
            screen.contains("Cash and ITC balance") && screen.contains("5 row(s)"),
            "{screen}"
        );
        assert!(
            screen.contains("Excel workbook") && screen.contains("to /tmp/dl"),
            "{screen}"
        );
        let cmds = update(&mut s, key(KeyCode::Char('x')));
        assert!(matches!(
            cmds.as_slice(),
            [SyncCommand::Export {
                format: FileFormat::Xlsx,
                ..
            }]
        ));
        // Back in the quick balance, which stays open underneath.
        assert_eq!(s.popup, Some(crate::app::Popup::QuickBalance));
    }

    /// The IMS record table's `D` goes through the same chooser, as the view in screen order;
    /// `b` opens the quick balance from the records and from outward supplies too.
    #[test]
    fn record_table_downloads_through_the_chooser_and_b_works_everywhere() {
        use crate::app::ims::fixtures::{loaded, records};
        use crate::domain::{GoodsType, Section};
        let mut s = loaded_state(ThemeName::Dark);
        s.downloads_dir = Some("/tmp/dl".into());
        s.ims.grid_row = GoodsType::Others
            .sections()
            .iter()
            .position(|x| *x == Section::B2b)
            .unwrap();
        s.ims.grid_col = 4;
        update(&mut s, key(KeyCode::Enter));
        update(
            &mut s,
            Msg::Sync(loaded(Section::B2b, records(Section::B2b, 30), false)),
        );
        s.toasts.dismiss_all();
        assert!(
            update(&mut s, key(KeyCode::Char('D'))).is_empty(),
            "the chooser asks first"
        );
        let cmds = update(&mut s, key(KeyCode::Char('c')));
        let [
            SyncCommand::Export {
                source, format, target, ..
            },
        ] = cmds.as_slice()
        else {
            panic!("{cmds:?}")
        };
        assert_eq!(*format, FileFormat::Csv);
        let view = s.ims.table.as_ref().unwrap().view.clone();
        assert!(matches!(source, ExportSource::ImsRecords { view: v, .. } if *v == view));
        assert!(target.stem.starts_with("ims-b2b-"), "{}", target.stem);
        update(&mut s, key(KeyCode::Char('b')));
        assert_eq!(s.popup, Some(crate::app::Popup::QuickBalance));
        update(&mut s, key(KeyCode::Esc));
        s.ims.table = None;
        update(&mut s, key(KeyCode::Char('o')));
        assert!(matches!(s.popup, Some(crate::app::Popup::Outward(_))));
        update(&mut s, key(KeyCode::Char('b')));
        assert_eq!(s.popup, Some(crate::app::Popup::QuickBalance));
    }

    /// The dashboard's reports: `D` IMS details, `F` follow-up pack, `J` the period's journal,
    /// `A` all of it; each through the chooser, named for the file, assembled by the engine.
    #[test]
    fn dashboard_report_keys_send_the_report_to_the_engine() {
        let mut s = loaded_state(ThemeName::Dark);
        s.downloads_dir = Some("/tmp/dl".into());
        let period = s.period;
        let cases = [
            ('D', FileFormat::Xlsx, Report::ImsDetails, "ims-"),
            ('F', FileFormat::Csv, Report::Followup, "followup-"),
            (
                'J',
                FileFormat::Csv,
                Report::Journal { period: Some(period) },
                "journal-",
            ),
            ('A', FileFormat::Xlsx, Report::Journal { period: None }, "journal-"),
        ];
        for (k, format, report, stem) in cases {
            assert!(
                update(&mut s, key(KeyCode::Char(k))).is_empty(),
                "{k}: the chooser asks first"
            );
            assert_eq!(s.contexts()[0], crate::app::keymap::Context::Download, "{k}");
            let c = if format == FileFormat::Xlsx { 'x' } else { 'c' };
            let cmds = update(&mut s, key(KeyCode::Char(c)));
            let [
                SyncCommand::Export {
                    source,
                    format: f,
                    target,
                    ..
                },
            ] = cmds.as_slice()
            else {
                panic!("{k}: {cmds:?}")
            };
            assert_eq!(*source, ExportSource::Report(report), "{k}");
            assert_eq!(*f, format, "{k}");
            assert!(target.stem.starts_with(stem), "{k}: {}", target.stem);
            assert!(s.is_loading(JobKind::Download));
            // The gauge says the report is being assembled until rows are counted.
            let p = s.download.progress.expect("gauge");
            assert!(gauge_text(&p, format, 8).contains("preparing"), "{k}");
            update(
                &mut s,
                Msg::Sync(SyncEvent::FileWritten {
                    what: "x".into(),
                    path: "/tmp/dl/x".into(),
                }),
            );
        }
        assert!(
            s.period.iso().len() == 7 && stem_period(&s, 'J').contains(&s.period.iso()),
            "the period's journal is named for it"
        );
        // Without a downloads folder, every report key says so and sends nothing.
        s.downloads_dir = None;
        for k in ['D', 'F', 'J', 'A'] {
            s.toasts.dismiss_all();
            assert!(update(&mut s, key(KeyCode::Char(k))).is_empty());
            assert!(s.download.chooser.is_none(), "{k}");
            assert!(
                s.toasts
                    .items()
                    .iter()
                    .any(|t| t.title == "No downloads folder" && t.message.contains("downloads_dir")),
                "{k}"
            );
        }
    }

    fn stem_period(s: &AppState, k: char) -> String {
        let mut s = s.clone();
        s.downloads_dir = Some("/tmp/dl".into());
        update(&mut s, key(KeyCode::Char(k)));
        s.download.chooser.map(|c| c.request.period).unwrap_or_default()
    }

    #[test]
    fn no_downloads_folder_is_said_not_ignored() {
        let mut s = loaded_state(ThemeName::Dark);
        s.downloads_dir = None;
        request(&mut s, req());
        assert!(s.download.chooser.is_none());
        assert!(s.toasts.items().iter().any(|t| t.title.contains("downloads folder")));
    }

    #[test]
    fn gauge_shows_rows_and_percent() {
        let p = Progress {
            rows_done: 45_056,
            rows_total: 100_000,
            saving: false,
        };
        assert_eq!(
            gauge_text(&p, FileFormat::Xlsx, 10),
            "⬇ xlsx ▰▰▰▰▱▱▱▱▱▱  45% 45,056/1,00,000 rows"
        );
        let done = Progress { saving: true, ..p };
        assert!(gauge_text(&done, FileFormat::Csv, 4).ends_with("saving…"));
    }
}
