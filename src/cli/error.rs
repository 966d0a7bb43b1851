//! One-line errors for the command line.

use std::fmt;

/// A failure a command reports: one line, no secrets, non-zero exit.
#[derive(Debug)]
pub struct CliError(pub String);

const BROKEN_PIPE: &str = "output: broken pipe";

impl CliError {
    pub fn is_broken_pipe(&self) -> bool {
        self.0 == BROKEN_PIPE
    }
    pub fn new(msg: impl Into<String>) -> Self {
        CliError(msg.into())
    }
    /// Maps a parse error of a flag: `--period: …`.
    pub fn field<E: fmt::Display>(flag: &'static str) -> impl Fn(E) -> CliError {
        move |e| CliError(format!("{flag}: {e}"))
    }
    pub fn field_str(flag: &'static str) -> impl Fn(String) -> CliError {
        move |e| CliError(format!("{flag}: {e}"))
    }
    pub fn io(what: &'static str) -> impl Fn(std::io::Error) -> CliError {
        move |e| CliError(format!("{what}: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CliError {}

impl From<crate::api::ApiError> for CliError {
    fn from(e: crate::api::ApiError) -> Self {
        CliError(e.to_string())
    }
}
impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError(BROKEN_PIPE.into());
        }
        CliError(format!("output: {e}"))
    }
}
impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError(e.to_string())
    }
}
impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError(e.to_string())
    }
}
