//! Small reusable pieces: the header, status and hint bars, toasts, popup frame, spinner.

pub mod data_table;
pub mod header;
pub mod hint_bar;
pub mod popup;
pub mod spinner;
pub mod status_bar;
pub mod toasts;
