//! Everything that can change the model.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use crate::sync::SyncEvent;

// `SyncEvent::BalanceLoaded` is large; a message is moved once into `update`, so boxing
// it would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Msg {
    /// A key press (the runner drops repeats/releases).
    Key(KeyEvent),
    /// A result or progress report from the sync engine.
    Sync(SyncEvent),
    /// The clock: drives the spinner, data ages and toast expiry. The model never reads the
    /// system clock itself, so tests can pin time.
    Tick(DateTime<Utc>),
    /// New terminal size (columns, rows).
    Resize(u16, u16),
    /// Mouse input (only when mouse support is on): the wheel scrolls popups.
    Mouse(MouseEvent),
}
