//! Secrets (API key, API secret, tokens) in a wrapper that never prints its contents.
//!
//! `Debug` and `Display` show `[redacted]`, so a secret that ends up in a log line, an error
//! message, a panic or a screen by accident shows nothing. Code that must send the value calls
//! [`Secret::expose`], which makes every use easy to find.

use std::fmt;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The raw value, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}
impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}
impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("key_live_abc123");
        assert!(!format!("{s:?} {s} {:?}", Some(&s)).contains("abc123"));
        assert_eq!(s.expose(), "key_live_abc123");
    }
}
