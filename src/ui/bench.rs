//! `gstdash bench tui`: drives the real model and renderer through a scripted review session
//! over `n` IMS records and reports how long each step took. A benchmark, not a test: the
//! figures go to the README, nothing asserts on them.
//!
//! The records come from the simulator's generator (all sections of the first taxpayer's
//! book, shown as one B2B view so the view really holds `n` rows). Each step is `update` plus
//! a full frame on a 160×48 `TestBackend`; bytes per cursor move are measured on a crossterm
//! backend writing into memory, i.e. what a real terminal would receive.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Local, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use serde::Serialize;

use crate::app::{AppState, Msg, ProfileInfo, ThemeName, update};
use crate::domain::{ImsRecord, ReturnPeriod, Section};
use crate::sync::SyncEvent;

const W: u16 = 160;
const H: u16 = 48;

/// p50 / p99 / max of one kind of step, in milliseconds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Stats {
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Stats {
    fn of(mut v: Vec<Duration>) -> Stats {
        v.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| {
            v.get(((v.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or_default()
        };
        Stats {
            samples: v.len(),
            p50_ms: ms(at(0.50)),
            p99_ms: ms(at(0.99)),
            max_ms: ms(v.last().copied().unwrap_or_default()),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub records: usize,
    /// Records arrive (from the cache) → first frame of the table.
    pub first_frame_ms: f64,
    /// Row text built in idle time after the first frame: the longest chunk (one wake of
    /// the event loop) and all chunks together.
    pub idle_chunk_max_ms: f64,
    pub idle_text_ms: f64,
    /// Cursor moves and page jumps: key → frame.
    pub key_to_frame: Stats,
    /// Typing into `/`: keystroke → frame (on a large table the text echoes; the view
    /// follows after a pause).
    pub filter_keystroke: Stats,
    /// The pause after a keystroke is over: the typed filter applied → frame (measured after
    /// every keystroke, as if the user paused after each).
    pub filter_applied: Stats,
    /// `V` over the whole view → frame.
    pub select_all_ms: f64,
    /// `a` on the selection → confirm popup drawn.
    pub bulk_action_ms: f64,
    /// Enter in the popup → the `Stage` command with every decision built.
    pub bulk_stage_ms: f64,
    /// Bytes a terminal receives for one cursor move inside the page (mean).
    pub bytes_per_cursor_move: usize,
    /// Bytes for one move that scrolls the table by a row (ratatui redraws what changed; it
    /// does not use terminal scroll regions).
    pub bytes_per_scrolling_move: usize,
    /// Resident memory once the table is shown (Linux `VmRSS`), if known.
    pub rss_after_load_mb: Option<f64>,
    /// Peak resident memory of the process (Linux `VmHWM`: includes generating the records
    /// and the bulk `Stage`, whose decisions each carry a copy of their record), if known.
    pub peak_rss_mb: Option<f64>,
}

fn press(s: &mut AppState, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Records of the simulator's first taxpayer until there are `n`.
pub fn generate(n: usize) -> Vec<ImsRecord> {
    let book = crate::sim::data::generate_book(7, 0, 27, n, Local::now().date_naive());
    let mut out: Vec<ImsRecord> = (0..book.recs.len()).map(|i| book.record(i)).collect();
    out.truncate(n);
    out
}

fn rss_mb(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Counts bytes instead of storing them.
#[derive(Clone, Default)]
struct Counter(std::rc::Rc<std::cell::Cell<usize>>);
impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn run(n: usize) -> Report {
    let records = Arc::new(generate(n));
    let n = records.len();
    let profile = ProfileInfo {
        name: "Bench Traders".into(),
        gstin: "27AAPFU0939F1ZV".into(),
        username: "bench".into(),
        environment_label: "BENCH".into(),
    };
    let mut s = AppState::new(
        profile,
        ReturnPeriod::of_date(Local::now().date_naive()).prev(),
        ThemeName::Dark,
    );
    update(&mut s, Msg::Tick(Utc::now()));
    update(&mut s, Msg::Resize(W, H));
    let mut term = Terminal::new(TestBackend::new(W, H)).expect("test backend");
    let mut frame = |s: &AppState| {
        term.draw(|f| crate::ui::render(f, s)).expect("draw");
    };

    // Drill into B2B × all statuses; the cached copy arrives.
    s.ims.grid_col = 4;
    press(&mut s, KeyCode::Enter);
    let t0 = Instant::now();
    update(
        &mut s,
        Msg::Sync(SyncEvent::RecordsLoaded {
            section: Section::B2b,
            records: records.clone(),
            fetched_at: Utc::now(),
            from_cache: true,
        }),
    );
    frame(&s);
    let first_frame_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // The event loop's idle wakes build the rest of the row text, a chunk at a time.
    let mut idle_chunk_max_ms = 0f64;
    let mut idle_text_ms = 0f64;
    while let Some(t) = s.ims.table.as_mut().filter(|t| t.text_pending()) {
        let c = Instant::now();
        t.build_text_chunk(crate::app::ims::update::TEXT_CHUNK);
        let ms = c.elapsed().as_secs_f64() * 1000.0;
        idle_chunk_max_ms = idle_chunk_max_ms.max(ms);
        idle_text_ms += ms;
    }
    let rss_after_load_mb = rss_mb("VmRSS:");

    let step = |s: &mut AppState, code: KeyCode, frame: &mut dyn FnMut(&AppState)| {
        let t = Instant::now();
        press(s, code);
        frame(s);
        t.elapsed()
    };
    let mut keys = Vec::new();
    for i in 0..400 {
        let code = match i % 40 {
            0..=29 => KeyCode::Down,
            30..=33 => KeyCode::PageDown,
            34..=37 => KeyCode::Up,
            38 => KeyCode::End,
            _ => KeyCode::Home,
        };
        keys.push(step(&mut s, code, &mut frame));
    }

    let mut filter = Vec::new();
    let mut applied = Vec::new();
    let mut type_key = |s: &mut AppState, code: KeyCode, frame: &mut dyn FnMut(&AppState)| {
        filter.push(step(s, code, frame));
        // What the clock does once the pause is over.
        let t = Instant::now();
        if let Some(tb) = s.ims.table.as_mut() {
            tb.flush_filter();
        }
        frame(s);
        applied.push(t.elapsed());
    };
    press(&mut s, KeyCode::Char('/'));
    for c in "27aa".chars() {
        type_key(&mut s, KeyCode::Char(c), &mut frame);
    }
    for _ in 0..4 {
        type_key(&mut s, KeyCode::Backspace, &mut frame);
    }
    for c in "txval>100000".chars() {
        type_key(&mut s, KeyCode::Char(c), &mut frame);
    }
    for _ in 0.."txval>100000".len() {
        type_key(&mut s, KeyCode::Backspace, &mut frame);
    }
    press(&mut s, KeyCode::Esc);

    let select_all_ms = step(&mut s, KeyCode::Char('V'), &mut frame).as_secs_f64() * 1000.0;
    let bulk_action_ms = step(&mut s, KeyCode::Char('a'), &mut frame).as_secs_f64() * 1000.0;
    let t = Instant::now();
    let cmds = update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let bulk_stage_ms = t.elapsed().as_secs_f64() * 1000.0;
    drop(cmds);

    // Bytes on the wire per cursor move.
    let counter = Counter::default();
    let mut real = Terminal::new(CrosstermBackend::new(counter.clone())).expect("backend");
    real.resize(ratatui::layout::Rect::new(0, 0, W, H)).expect("resize");
    real.draw(|f| crate::ui::render(f, &s)).expect("draw");
    press(&mut s, KeyCode::Home);
    real.draw(|f| crate::ui::render(f, &s)).expect("draw");
    let mut per_move = |s: &mut AppState, moves: usize| {
        let before = counter.0.get();
        for _ in 0..moves {
            press(s, KeyCode::Down);
            real.draw(|f| crate::ui::render(f, s)).expect("draw");
        }
        (counter.0.get() - before) / moves
    };
    // The page holds about 40 rows at 160×48: 30 moves stay inside it, the next 30 scroll.
    let bytes_per_cursor_move = per_move(&mut s, 30);
    per_move(&mut s, 20);
    let bytes_per_scrolling_move = per_move(&mut s, 30);

    Report {
        records: n,
        first_frame_ms,
        idle_chunk_max_ms,
        idle_text_ms,
        key_to_frame: Stats::of(keys),
        filter_keystroke: Stats::of(filter),
        filter_applied: Stats::of(applied),
        select_all_ms,
        bulk_action_ms,
        bulk_stage_ms,
        bytes_per_cursor_move,
        bytes_per_scrolling_move,
        rss_after_load_mb,
        peak_rss_mb: rss_mb("VmHWM:"),
    }
}

impl Report {
    /// Aligned text for people.
    pub fn text(&self) -> String {
        let st = |s: &Stats| {
            format!(
                "p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms ({} samples)",
                s.p50_ms, s.p99_ms, s.max_ms, s.samples
            )
        };
        let mut out = String::new();
        out.push_str(&format!("records in view           {}\n", self.records));
        out.push_str(&format!("first frame from cache    {:.1} ms\n", self.first_frame_ms));
        out.push_str(&format!(
            "idle row text            {:.1} ms in all, longest wake {:.1} ms\n",
            self.idle_text_ms, self.idle_chunk_max_ms
        ));
        out.push_str(&format!("key → frame               {}\n", st(&self.key_to_frame)));
        out.push_str(&format!("filter keystroke → frame  {}\n", st(&self.filter_keystroke)));
        out.push_str(&format!("filter applied → frame    {}\n", st(&self.filter_applied)));
        out.push_str(&format!("select all (V) → frame    {:.1} ms\n", self.select_all_ms));
        out.push_str(&format!("bulk accept → confirm     {:.1} ms\n", self.bulk_action_ms));
        out.push_str(&format!("confirm → Stage built     {:.1} ms\n", self.bulk_stage_ms));
        out.push_str(&format!("bytes per cursor move     {}\n", self.bytes_per_cursor_move));
        out.push_str(&format!(
            "bytes per scrolling move  {}\n",
            self.bytes_per_scrolling_move
        ));
        for (label, v) in [
            ("resident after load      ", self.rss_after_load_mb),
            ("peak resident memory     ", self.peak_rss_mb),
        ] {
            match v {
                Some(m) => out.push_str(&format!("{label} {m:.0} MB\n")),
                None => out.push_str(&format!("{label} unknown on this OS\n")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_runs_and_reports_every_figure() {
        let r = run(3_000);
        assert_eq!(r.records, 3_000);
        assert_eq!(r.key_to_frame.samples, 400);
        assert_eq!(r.filter_keystroke.samples, 32);
        assert_eq!(r.filter_applied.samples, 32);
        assert!(r.bytes_per_cursor_move > 0, "a cursor move redraws something");
        assert!(r.text().contains("key → frame"));
    }
}
