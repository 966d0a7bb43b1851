//! gstdash: a keyboard-driven terminal app for India's GST Invoice Management System.
//!
//! Layers: `domain` (pure GST rules) ← `api` (wire types + HTTP client) ← `sync` (network
//! engine that feeds the model messages) ← `app` (state, messages, update, keymap) ← `ui`
//! (widgets and screens). `sim` is the embedded Sandbox-compatible server; `store` the SQLite
//! cache; `cli` the command-line entry points.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod export;
pub mod secret;
pub mod sim;
pub mod store;
pub mod sync;
pub mod ui;
