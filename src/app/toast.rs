//! Toasts: short notices with a level. Info and warnings dismiss themselves after
//! [`TOAST_TTL`]; errors stay until the user presses Esc, so nothing that needs action is
//! missed. Expiry runs on the model's clock (`Msg::Tick`), never on a timer of its own.

use chrono::{DateTime, TimeDelta, Utc};

/// How long info and warning toasts stay.
pub const TOAST_TTL: TimeDelta = TimeDelta::seconds(5);
/// How long a toast naming a written file stays: long enough to read or copy a path.
pub const PATH_TOAST_TTL: TimeDelta = TimeDelta::seconds(30);
/// At most this many toasts are kept; older ones are dropped first.
const MAX_TOASTS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ToastLevel {
    Info,
    Warn,
    Error,
}

impl ToastLevel {
    pub fn label(self) -> &'static str {
        match self {
            ToastLevel::Info => "Info",
            ToastLevel::Warn => "Warning",
            ToastLevel::Error => "Error",
        }
    }
    pub fn icon(self) -> &'static str {
        match self {
            ToastLevel::Info => "i",
            ToastLevel::Warn => "!",
            ToastLevel::Error => "✖",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub level: ToastLevel,
    pub title: String,
    /// What happened and what to do.
    pub message: String,
    pub created: DateTime<Utc>,
    /// `None`: stays until dismissed.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many times the same toast was raised (shown as `×3`).
    pub repeats: u32,
}

/// The toast stack, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toasts {
    items: Vec<Toast>,
}

impl Toasts {
    /// Adds a toast; an identical one already shown is moved to the top and counted instead.
    pub fn push(
        &mut self,
        level: ToastLevel,
        title: impl Into<String>,
        message: impl Into<String>,
        now: DateTime<Utc>,
    ) {
        self.push_for(level, title, message, now, TOAST_TTL);
    }

    /// Like [`push`](Self::push), with its own time to live for info and warnings (errors
    /// always stay).
    pub fn push_for(
        &mut self,
        level: ToastLevel,
        title: impl Into<String>,
        message: impl Into<String>,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) {
        let (title, message) = (title.into(), message.into());
        let expires_at = (level != ToastLevel::Error).then(|| now + ttl);
        let repeats = match self
            .items
            .iter()
            .position(|t| t.level == level && t.title == title && t.message == message)
        {
            Some(i) => self.items.remove(i).repeats + 1,
            None => 1,
        };
        self.items.push(Toast {
            level,
            title,
            message,
            created: now,
            expires_at,
            repeats,
        });
        if self.items.len() > MAX_TOASTS {
            self.items.remove(0);
        }
    }

    /// Drops expired toasts; true if any went.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let before = self.items.len();
        self.items.retain(|t| t.expires_at.is_none_or(|e| e > now));
        self.items.len() != before
    }

    /// Drops all toasts (Esc); true if there were any.
    pub fn dismiss_all(&mut self) -> bool {
        let had = !self.items.is_empty();
        self.items.clear();
        had
    }

    pub fn items(&self) -> &[Toast] {
        &self.items
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn errors(&self) -> usize {
        self.items.iter().filter(|t| t.level == ToastLevel::Error).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 10, 6, 0, 0).unwrap()
    }

    #[test]
    fn info_expires_errors_stay() {
        let mut ts = Toasts::default();
        ts.push(ToastLevel::Info, "a", "x", t0());
        ts.push(ToastLevel::Error, "b", "y", t0());
        assert!(!ts.expire(t0() + TimeDelta::seconds(4)));
        assert!(ts.expire(t0() + TimeDelta::seconds(5)));
        assert_eq!(ts.items().len(), 1);
        assert_eq!(ts.errors(), 1);
        assert!(!ts.expire(t0() + TimeDelta::hours(5)));
        assert!(ts.dismiss_all());
        assert!(ts.is_empty());
    }

    #[test]
    fn a_path_toast_stays_longer() {
        let mut ts = Toasts::default();
        ts.push_for(ToastLevel::Info, "Saved", "/tmp/x.xlsx", t0(), PATH_TOAST_TTL);
        assert!(!ts.expire(t0() + TOAST_TTL));
        assert!(ts.expire(t0() + PATH_TOAST_TTL));
    }

    #[test]
    fn repeats_are_counted_not_stacked() {
        let mut ts = Toasts::default();
        ts.push(ToastLevel::Error, "Balance", "down", t0());
        ts.push(ToastLevel::Info, "other", "x", t0());
        ts.push(ToastLevel::Error, "Balance", "down", t0() + TimeDelta::seconds(1));
        assert_eq!(ts.items().len(), 2);
        assert_eq!(ts.items()[1].repeats, 2);
        assert_eq!(ts.items()[1].title, "Balance");
    }
}
