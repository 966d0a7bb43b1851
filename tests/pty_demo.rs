//! The real binary in a pseudo-terminal, as a user over SSH would run it: `gstdash demo`
//! starts the simulator, logs in, paints the dashboard; keys switch tabs and periods; `q`
//! quits and leaves the terminal as it found it.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: vt100::Parser,
    raw: Vec<u8>,
    rx: Receiver<Vec<u8>>,
}

impl Screen {
    /// Reads output until `text` is on screen, or fails with what the screen shows.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.parser.screen().contents().contains(text) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {text:?}; screen:\n{}",
                self.parser.screen().contents()
            );
            if let Ok(bytes) = self.rx.recv_timeout(left.min(Duration::from_millis(200))) {
                self.parser.process(&bytes);
                self.raw.extend_from_slice(&bytes);
            }
        }
    }

    fn drain(&mut self, for_: Duration) {
        let end = Instant::now() + for_;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(bytes) => {
                    self.parser.process(&bytes);
                    self.raw.extend_from_slice(&bytes);
                }
                Err(_) => break,
            }
        }
    }
}

/// A running `gstdash demo` in an 80×24 pseudo-terminal: the child, its keyboard, its screen.
struct Demo {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    screen: Screen,
    _home: tempfile::TempDir,
}

fn spawn_demo(records: &str) -> Demo {
    let home = tempfile::tempdir().unwrap();
    let pty = native_pty_system();
    let size = PtySize {
        rows: 24,
        cols: 80,
        pixel_width: 0,
        pixel_height: 0,
    };
    let pair = pty.openpty(size).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gstdash"));
    cmd.args(["demo", "--records", records]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home.path());
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_DATA_HOME", home.path().join("share"));
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let keys = pair.master.take_writer().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let parser = vt100::Parser::new(NonZeroU16::new(24).unwrap(), NonZeroU16::new(80).unwrap(), 0);
    Demo {
        child,
        keys,
        screen: Screen {
            parser,
            raw: Vec::new(),
            rx,
        },
        _home: home,
    }
}

#[test]
fn demo_opens_switches_tabs_and_quits_cleanly() {
    let Demo {
        mut child,
        keys: mut writer,
        screen: mut s,
        _home,
    } = spawn_demo("2000");

    // The dashboard with live counts from the simulator.
    s.wait_for("B2B invoices");
    s.wait_for("fetched just now");
    assert!(
        s.parser.screen().contents().contains("2,000"),
        "{}",
        s.parser.screen().contents()
    );
    // Alternate screen and synchronized updates, for clean redraws over SSH.
    let raw = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(raw.contains("\x1b[?1049h"), "entered the alternate screen");
    assert!(raw.contains("\x1b[?2026h"), "frames are synchronized updates");

    writer.write_all(b"2").unwrap();
    s.wait_for("ISD invoices");
    writer.write_all(b"[").unwrap();
    s.drain(Duration::from_millis(300));
    writer.write_all(b"?").unwrap();
    s.wait_for("Show all keys");
    writer.write_all(b"\x1b").unwrap();
    s.drain(Duration::from_millis(300));
    writer.write_all(b"q").unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "did not quit on q");
        s.drain(Duration::from_millis(100));
    };
    s.drain(Duration::from_millis(300));
    assert!(status.success(), "exit status {status:?}");
    let raw = String::from_utf8_lossy(&s.raw).into_owned();
    let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    let entered = raw.rfind("\x1b[?1049h").unwrap();
    assert!(left > entered, "the terminal is restored after the last frame");
    assert!(raw[left..].contains("\x1b[?25h"), "cursor shown again");
}

/// The B2B row of the dashboard grid: (no action, accepted, rejected, pending, total).
fn b2b_counts(screen: &str) -> [u64; 5] {
    let line = screen
        .lines()
        .find(|l| l.trim_start().starts_with("B2B invoices"))
        .expect("B2B row");
    let nums: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| {
            w.replace(',', "")
                .replace('→', " ")
                .split(' ')
                .next_back()
                .and_then(|n| n.parse().ok())
        })
        .collect();
    let n = nums.len();
    assert!(n >= 5, "{line}");
    [nums[n - 5], nums[n - 4], nums[n - 3], nums[n - 2], nums[n - 1]]
}

/// Issue 4's end-to-end path through the real binary: open the demo, drill into B2B × No
/// action, select 10, reject with the confirm popup, save, and see the simulator's counts move.
#[test]
fn review_select_reject_save_changes_the_counts() {
    let Demo {
        mut child,
        keys: mut writer,
        screen: mut s,
        _home,
    } = spawn_demo("1500");
    let mut key = |s: &mut Screen, bytes: &[u8]| {
        writer.write_all(bytes).unwrap();
        s.drain(Duration::from_millis(150));
    };

    s.wait_for("fetched just now");
    let before = b2b_counts(&s.parser.screen().contents());
    // The grid cursor starts on B2B × No action; Enter drills into it.
    key(&mut s, b"\r");
    s.wait_for("B2B invoices · No action");
    s.wait_for(&format!("{} of {}", fmt_count(before[0]), fmt_count(before[0])));
    // Records of a period whose GSTR-3B is filed are read-only (each by its own `rtnprd`):
    // review those of the selected period, the previous month, whose 3B the demo has not filed.
    let open = gstdash::domain::ReturnPeriod::of_date(chrono::Local::now().date_naive()).prev();
    key(&mut s, b"/");
    for b in format!("{:02}/{}", open.month(), open.year()).bytes() {
        key(&mut s, &[b]);
    }
    key(&mut s, b"\r");
    for _ in 0..10 {
        key(&mut s, b" ");
    }
    s.wait_for("10 selected");
    key(&mut s, b"r");
    s.wait_for("Reject 10 documents");
    key(&mut s, b"\r");
    s.wait_for("10 queued");
    key(&mut s, b"S");
    s.wait_for("Save 10 documents to GSTN");
    key(&mut s, b"\r");
    s.wait_for("10 applied");
    // Back to the dashboard (the first Esc clears the filter): the simulator's own counts,
    // fetched again after the push.
    key(&mut s, b"\x1b");
    key(&mut s, b"\x1b");
    key(&mut s, b"\x1b");
    let want = format!("{:>7}", fmt_count(before[0] - 10));
    s.wait_for(&want);
    let after = b2b_counts(&s.parser.screen().contents());
    assert_eq!(after[0], before[0] - 10, "no action");
    assert_eq!(after[2], before[2] + 10, "rejected");
    assert_eq!(after[4], before[4], "total");

    key(&mut s, b"q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "did not quit on q");
        s.drain(Duration::from_millis(100));
    }
}

fn fmt_count(n: u64) -> String {
    gstdash::domain::money::format_count(n)
}
