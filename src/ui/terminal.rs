//! Terminal setup and teardown. Raw mode, the alternate screen and (optionally) mouse
//! capture are undone by the [`Tui`] guard's `Drop`, by [`restore`], and by a panic hook that
//! restores *before* the panic message prints, so a crash never leaves the SSH session in raw
//! mode on the alternate screen. Each frame is wrapped in a synchronized update so slow links
//! never show half-drawn frames.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};

/// The terminal is in TUI mode (raw + alternate screen) and needs restoring.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// The live terminal. Dropping it restores the terminal.
pub struct Tui {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Tui {
    /// Enters TUI mode. `mouse` turns on mouse capture (off by default so terminal text
    /// selection keeps working).
    pub fn init(mouse: bool) -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        let setup = (|| {
            // Clear directly: `Terminal::clear` asks the terminal for the cursor position, a
            // round trip that can time out on slow SSH links.
            execute!(out, EnterAlternateScreen, cursor::Hide, Clear(ClearType::All))?;
            if mouse {
                execute!(out, EnableMouseCapture)?;
                MOUSE.store(true, Ordering::SeqCst);
            }
            Terminal::new(CrosstermBackend::new(io::stdout()))
        })();
        match setup {
            Ok(terminal) => Ok(Tui { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    pub fn size(&self) -> io::Result<(u16, u16)> {
        let s = self.terminal.size()?;
        Ok((s.width, s.height))
    }

    /// Draws one frame inside a synchronized update (`CSI ? 2026 h … l`).
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        let drawn = self.terminal.draw(render).map(|_| ());
        // End the update even if drawing failed, or the terminal would stop showing output.
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        drawn
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves TUI mode: ends any synchronized update, disables mouse capture, leaves the
/// alternate screen, shows the cursor and disables raw mode. Safe to call more than once
/// and a no-op when the terminal is not in TUI mode. Errors are ignored: this runs on the
/// way out, often inside a panic.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = execute!(out, EndSynchronizedUpdate);
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal before the previous hook prints the panic. Installed once.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
