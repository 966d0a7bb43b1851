//! The application model, TEA-style: [`AppState`] (data), [`Msg`] (what can happen),
//! [`update`] (the only mutation, pure, returns the [`crate::sync::SyncCommand`]s to send) and
//! the [`keymap`] that turns keys into actions. Features keep their own state next to it
//! (`help`, `picker`, `toast`); their views live in `crate::ui`.

pub mod changes;
pub mod download;
pub mod export_ledger;
pub mod help;
pub mod icegate;
pub mod ims;
pub mod keymap;
pub mod ledgers;
pub mod login;
pub mod msg;
pub mod outward;
pub mod picker;
pub mod state;
pub mod toast;
pub mod update;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use keymap::{Action, Binding, Context, KeySpec, Keymap};
pub use msg::Msg;
pub use state::{AppState, Fetched, Popup, ProfileInfo, SessionState, ThemeName};
pub use toast::{Toast, ToastLevel};
pub use update::{start, update};
