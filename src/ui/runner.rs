//! The event loop (yazi's shape): wait for something, drain everything pending, update the
//! model, and draw only when it is dirty, at most once per [`FRAME`]. The UI never awaits
//! the network: it sends [`SyncCommand`]s and receives [`SyncEvent`]s.

use std::io;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::{Instant, MissedTickBehavior};

use super::terminal::Tui;
use crate::app::update::on_engine_stopped;
use crate::app::{AppState, Msg, start, update};
use crate::sync::{SyncCommand, SyncEvent};

/// Minimum time between frames (~60 fps).
pub const FRAME: Duration = Duration::from_millis(16);
/// Clock tick: spinner, data ages, toast expiry.
pub const TICK: Duration = Duration::from_millis(250);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Capture the mouse (wheel scrolls popups). Off by default: it blocks text selection.
    pub mouse: bool,
}

/// Runs the UI until the user quits, then sends [`SyncCommand::Shutdown`] and restores the
/// terminal. Cached results already queued on `events` (or applied with
/// [`AppState::preload`]) are shown in the first frame, before `RefreshAll` goes out.
pub async fn run(
    state: AppState,
    cmds: UnboundedSender<SyncCommand>,
    events: UnboundedReceiver<SyncEvent>,
) -> io::Result<()> {
    run_with(state, cmds, events, RunOptions::default()).await
}

pub async fn run_with(
    mut state: AppState,
    cmds: UnboundedSender<SyncCommand>,
    mut events: UnboundedReceiver<SyncEvent>,
    opts: RunOptions,
) -> io::Result<()> {
    let mut tui = Tui::init(opts.mouse)?;
    let result = event_loop(&mut tui, &mut state, &cmds, &mut events).await;
    let _ = cmds.send(SyncCommand::Shutdown);
    drop(tui);
    result
}

async fn event_loop(
    tui: &mut Tui,
    state: &mut AppState,
    cmds: &UnboundedSender<SyncCommand>,
    events: &mut UnboundedReceiver<SyncEvent>,
) -> io::Result<()> {
    let (w, h) = tui.size()?;
    update(state, Msg::Resize(w, h));
    update(state, Msg::Tick(Utc::now()));
    let mut engine_open = drain_sync(state, cmds, events);

    // First frame from whatever is cached, then ask for fresh data.
    tui.draw(|f| super::render(f, state))?;
    state.dirty = false;
    let mut last_frame = Instant::now();
    let first = start(state);
    send(state, cmds, first);

    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut signals = Signals::new();

    while !state.should_quit {
        let frame_due = last_frame + FRAME;
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => on_terminal_event(state, cmds, ev),
                Some(Err(e)) => return Err(e),
                None => break, // stdin closed
            },
            ev = events.recv(), if engine_open => match ev {
                Some(ev) => {
                    let out = update(state, Msg::Sync(ev));
                    send(state, cmds, out);
                }
                None => {
                    engine_open = false;
                    on_engine_stopped(state);
                }
            },
            _ = tick.tick() => {
                update(state, Msg::Tick(Utc::now()));
            }
            // A typed filter on a large table is applied after a short pause; row text is
            // built in idle time.
            _ = sleep_until_std(state.ims.deadline()), if state.ims.deadline().is_some() => {
                crate::app::ims::update::on_tick(state);
            }
            _ = tokio::time::sleep_until(frame_due), if state.dirty => {}
            _ = signals.recv() => break,
        }
        // Drain whatever else is already waiting before drawing.
        while let std::task::Poll::Ready(Some(ev)) = futures::poll!(input.next()) {
            on_terminal_event(state, cmds, ev?);
        }
        if engine_open {
            engine_open = drain_sync(state, cmds, events);
        }
        if state.should_quit {
            break;
        }
        if state.dirty && last_frame.elapsed() >= FRAME {
            tui.draw(|f| super::render(f, state))?;
            state.dirty = false;
            last_frame = Instant::now();
        }
    }
    Ok(())
}

async fn sleep_until_std(at: Option<std::time::Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(Instant::from_std(at)).await;
    }
}

fn on_terminal_event(state: &mut AppState, cmds: &UnboundedSender<SyncCommand>, ev: Event) {
    let msg = match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Msg::Key(k),
        Event::Resize(w, h) => Msg::Resize(w, h),
        Event::Mouse(m) => Msg::Mouse(m),
        _ => return,
    };
    let out = update(state, msg);
    send(state, cmds, out);
}

/// Applies every queued sync event; false once the engine's channel is closed.
fn drain_sync(
    state: &mut AppState,
    cmds: &UnboundedSender<SyncCommand>,
    events: &mut UnboundedReceiver<SyncEvent>,
) -> bool {
    use tokio::sync::mpsc::error::TryRecvError;
    loop {
        match events.try_recv() {
            Ok(ev) => {
                let out = update(state, Msg::Sync(ev));
                send(state, cmds, out);
            }
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Disconnected) => {
                on_engine_stopped(state);
                return false;
            }
        }
    }
}

fn send(state: &mut AppState, cmds: &UnboundedSender<SyncCommand>, out: Vec<SyncCommand>) {
    for c in out {
        if cmds.send(c).is_err() {
            on_engine_stopped(state);
            return;
        }
    }
}

/// SIGTERM and SIGHUP (SSH disconnect) end the loop like `q`, so the engine still gets
/// `Shutdown` and the terminal is restored.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                _ = one(&mut self.term) => {}
                _ = one(&mut self.hup) => {}
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
