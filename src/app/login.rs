//! Logging in again without leaving the app (`O`): when the taxpayer session cannot be
//! refreshed, the engine keeps every queued decision; this popup asks GSTN for an OTP, takes
//! the digits and has the engine verify them. The OTP is held as a [`Secret`] and shown masked.

use super::state::{AppState, OtpState, Popup};
use super::toast::ToastLevel;
use crate::app::keymap::Action;
use crate::secret::Secret;
use crate::sync::{JobKind, SyncCommand};

/// GSTN OTPs are six digits; accept a little more, never letters.
const MAX_DIGITS: usize = 8;

pub fn open(state: &mut AppState) -> Vec<SyncCommand> {
    state.popup = Some(Popup::Otp(OtpState::default()));
    state.in_flight.insert(JobKind::Session);
    state.dirty = true;
    vec![SyncCommand::SendOtp]
}

fn popup(state: &mut AppState) -> Option<&mut OtpState> {
    match state.popup.as_mut() {
        Some(Popup::Otp(o)) => Some(o),
        _ => None,
    }
}

pub fn action(state: &mut AppState, action: Action) -> Vec<SyncCommand> {
    state.dirty = true;
    match action {
        Action::Close => state.popup = None,
        Action::DeleteChar => {
            if let Some(o) = popup(state) {
                o.digits.pop();
            }
        }
        Action::Confirm => {
            let Some(o) = popup(state) else { return vec![] };
            if o.digits.len() < 4 {
                o.error = Some("type the OTP sent to the registered mobile/e-mail (digits)".into());
                return vec![];
            }
            o.verifying = true;
            o.error = None;
            let otp = Secret::new(std::mem::take(&mut o.digits));
            state.in_flight.insert(JobKind::Session);
            return vec![SyncCommand::VerifyOtp { otp }];
        }
        _ => {}
    }
    vec![]
}

/// A typed character: digits only.
pub fn typed(state: &mut AppState, c: char) {
    if let Some(o) = popup(state)
        && c.is_ascii_digit()
        && o.digits.len() < MAX_DIGITS
    {
        o.digits.push(c);
        o.error = None;
        state.dirty = true;
    }
}

pub fn on_otp_sent(state: &mut AppState) {
    state.in_flight.remove(&JobKind::Session);
    if let Some(o) = popup(state) {
        o.sent = true;
        o.error = None;
    }
}

/// A new session arrived: close the popup and say so.
pub fn on_session(state: &mut AppState) {
    if popup(state).is_some() {
        state.popup = None;
        state.toasts.push(
            ToastLevel::Info,
            "Logged in",
            "The taxpayer session is active again; queued decisions can be saved (S).",
            state.now,
        );
    }
}

/// A session job failed: show it in the popup when it is open. Returns whether it was shown.
pub fn on_failed(state: &mut AppState, message: &str) -> bool {
    match popup(state) {
        Some(o) => {
            o.verifying = false;
            o.error = Some(message.to_string());
            true
        }
        None => false,
    }
}
