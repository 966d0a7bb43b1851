//! A braille spinner advanced by the model's tick counter (no timer of its own).

pub const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn frame(tick: usize) -> &'static str {
    FRAMES[tick % FRAMES.len()]
}
