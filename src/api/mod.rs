//! The Sandbox GST API: wire types (shared with the simulator) and the HTTP client.

pub mod client;
pub mod error;
pub mod rate;
pub mod wire;

pub use client::{Client, ClientConfig, RetryPolicy, TaxpayerTokens};
pub use error::{ApiError, ErrorKind};
