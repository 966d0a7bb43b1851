//! A virtualized table (bottom's DataTable): columns declare width bounds and a priority;
//! low-priority columns drop when the terminal is narrow; only the visible rows are built and
//! drawn, straight into the buffer. Any screen with a long list reuses it.

use std::borrow::Cow;
use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::fmt::{truncate, width};

/// A column: header, width bounds and priority (0 is kept longest). `max == 0` hides it. `max == 0` hides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column<'a> {
    pub header: &'a str,
    pub min: u16,
    pub max: u16,
    pub priority: u8,
    pub right: bool,
}

/// Columns separated by one blank.
pub const GAP: u16 = 1;

/// The columns that fit in `width`, as `(index, width)` in display order: columns are taken
/// by priority (then position) until the next one's minimum width does not fit, then spare room grows them
/// towards their maximum, most important first.
pub fn layout(cols: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    order.sort_by_key(|&i| (cols[i].priority, i));
    let mut keep = vec![false; cols.len()];
    let mut used = 0u16;
    for &i in order.iter().filter(|&&i| cols[i].max > 0) {
        let need = cols[i].min + if used == 0 { 0 } else { GAP };
        // Stop at the first column that does not fit: a less important one never takes the
        // place of a more important one.
        if used + need > width {
            break;
        }
        used += need;
        keep[i] = true;
    }
    let mut widths: Vec<u16> = cols.iter().map(|c| c.min).collect();
    let mut spare = width.saturating_sub(used);
    for &i in order.iter().filter(|&&i| keep[i]) {
        let grow = cols[i].max.saturating_sub(widths[i]).min(spare);
        widths[i] += grow;
        spare -= grow;
    }
    (0..cols.len()).filter(|&i| keep[i]).map(|i| (i, widths[i])).collect()
}

/// First visible row so that `cursor` is on screen, moving as little as possible from `offset`.
pub fn scroll(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    if height == 0 || len == 0 {
        return 0;
    }
    let mut o = offset.min(len.saturating_sub(height));
    if cursor < o {
        o = cursor;
    } else if cursor >= o + height {
        o = cursor + 1 - height;
    }
    o
}

/// How to draw one table.
pub struct TableSpec<'a> {
    pub columns: &'a [Column<'a>],
    pub widths: &'a [(usize, u16)],
    pub header_style: Style,
    /// Column (index into `columns`) with a sort arrow, and whether descending.
    pub sort: Option<(usize, bool)>,
    /// Highlighted header (the column `s` sorts by).
    pub highlight: Option<usize>,
    pub highlight_style: Style,
}

/// Draws the header in the first line of `area` and rows `rows` below it. `cell` gives the
/// text and optional style of (row, column); `row_style` the style of a whole row.
pub fn render<'t>(
    buf: &mut Buffer,
    area: Rect,
    spec: &TableSpec,
    rows: Range<usize>,
    row_style: impl Fn(usize) -> Style,
    cell: impl Fn(usize, usize) -> (Cow<'t, str>, Option<Style>),
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let y0 = area.y;
    buf.set_style(Rect { height: 1, ..area }, spec.header_style);
    let mut x = area.x;
    for (n, &(ci, w)) in spec.widths.iter().enumerate() {
        if n > 0 {
            x += GAP;
        }
        let c = &spec.columns[ci];
        let arrow = match spec.sort {
            Some((s, desc)) if s == ci => {
                if desc {
                    "▼"
                } else {
                    "▲"
                }
            }
            _ => "",
        };
        let title = format!("{}{arrow}", c.header);
        let style = if spec.highlight == Some(ci) {
            spec.highlight_style
        } else {
            spec.header_style
        };
        put(buf, x, y0, w, &title, c.right, style);
        x += w;
    }
    for (line, row) in rows.enumerate() {
        let y = y0 + 1 + line as u16;
        if y >= area.y + area.height {
            break;
        }
        let rs = row_style(row);
        buf.set_style(Rect { y, height: 1, ..area }, rs);
        let mut x = area.x;
        for (n, &(ci, w)) in spec.widths.iter().enumerate() {
            if n > 0 {
                x += GAP;
            }
            let (text, style) = cell(row, ci);
            put(
                buf,
                x,
                y,
                w,
                &text,
                spec.columns[ci].right,
                rs.patch(style.unwrap_or_default()),
            );
            x += w;
        }
    }
}

fn put(buf: &mut Buffer, x: u16, y: u16, w: u16, text: &str, right: bool, style: Style) {
    if w == 0 {
        return;
    }
    let tw = width(text);
    let t: Cow<str> = if tw > w as usize {
        Cow::Owned(truncate(text, w as usize))
    } else {
        Cow::Borrowed(text)
    };
    let tw = if tw > w as usize { width(&t) as u16 } else { tw as u16 };
    let x = if right { x + w.saturating_sub(tw) } else { x };
    buf.set_stringn(x, y, &t, w as usize, style);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(min: u16, max: u16, priority: u8) -> Column<'static> {
        Column {
            header: "x",
            min,
            max,
            priority,
            right: false,
        }
    }

    #[test]
    fn narrow_terminals_drop_low_priority_columns_and_keep_order() {
        let cols = [col(10, 10, 0), col(8, 12, 2), col(6, 6, 1), col(4, 4, 3)];
        assert_eq!(layout(&cols, 100), vec![(0, 10), (1, 12), (2, 6), (3, 4)]);
        // 10 + 1 + 6 = 17 for priorities 0 and 1; 8 more for priority 2 does not fit in 20.
        assert_eq!(layout(&cols, 20), vec![(0, 10), (2, 6)]);
        assert_eq!(
            layout(&cols, 5),
            vec![],
            "a less important column never replaces a more important one"
        );
        let hidden = [col(10, 10, 0), col(0, 0, 1), col(6, 6, 2)];
        assert_eq!(layout(&hidden, 100), vec![(0, 10), (2, 6)], "max 0 hides a column");
    }

    #[test]
    fn scroll_follows_the_cursor() {
        assert_eq!(scroll(0, 5, 10, 100), 0);
        assert_eq!(scroll(0, 10, 10, 100), 1);
        assert_eq!(scroll(50, 20, 10, 100), 20);
        assert_eq!(scroll(95, 99, 10, 100), 90, "never past the end");
        assert_eq!(scroll(3, 0, 10, 0), 0);
    }
}
