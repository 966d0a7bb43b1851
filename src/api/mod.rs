//! The Sandbox GST API: wire types (shared with the simulator) and the HTTP client.

pub mod wire;
