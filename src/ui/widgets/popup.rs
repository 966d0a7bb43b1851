//! Popup frame: a centred, cleared, bordered box with a title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear};

use crate::ui::theme::Theme;

/// A `w`×`h` rectangle centred in `outer`, shrunk to fit.
pub fn centered(outer: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(outer.width);
    let h = h.min(outer.height);
    Rect {
        x: outer.x + (outer.width - w) / 2,
        y: outer.y + (outer.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears `area`, draws the border with `title` (and `right` on the right of the top
/// border), and returns the inner area.
pub fn frame<'a>(f: &mut Frame, area: Rect, title: Line<'a>, right: Option<Line<'a>>, theme: &Theme) -> Rect {
    f.render_widget(Clear, area);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.popup_border)
        .title_top(title.style(theme.title));
    if let Some(r) = right {
        block = block.title_top(r.right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}
