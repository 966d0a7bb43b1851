//! Text helpers for the views: Indian digit grouping, ages, dates, width-aware truncation
//! and word wrap.

use chrono::{DateTime, NaiveDate, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::Fetched;

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// A count with Indian grouping: `1,23,456`.
pub fn count(n: u64) -> String {
    crate::domain::money::format_count(n)
}

/// `<1 min`, `12 min`, `3 h`, `4 d`.
pub fn age(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        s if s < 60 => "<1 min".into(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86400),
    }
}

/// `fetched 2 min ago`, `fetched just now` or `cached · 3 h old`.
pub fn fetched_label<T>(now: DateTime<Utc>, f: &Fetched<T>) -> String {
    let a = age(now, f.fetched_at);
    if f.from_cache {
        format!("cached · {a} old")
    } else if a == "<1 min" {
        "fetched just now".into()
    } else {
        format!("fetched {a} ago")
    }
}

/// `5 h 12 min`, `40 min`.
pub fn time_left(now: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let mins = (until - now).num_minutes().max(0);
    if mins >= 60 {
        format!("{} h {} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}

/// `14 Nov 2025`.
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// `today`, `in 4 days`, `tomorrow`, `2 days ago`.
pub fn countdown(today: NaiveDate, d: NaiveDate) -> String {
    match (d - today).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n > 0 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

/// Cuts `s` to `max` columns, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Greedy word wrap to `max` columns. A word longer than a line (a file path, say) is broken
/// across lines rather than cut, so nothing of it is lost. Blank input lines are kept as
/// paragraph breaks.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let mut word = word;
            while width(word) > max {
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                let mut used = 0;
                let mut cut = word.len();
                for (i, c) in word.char_indices() {
                    let cw = width(c.encode_utf8(&mut [0; 4]));
                    if used + cw > max {
                        // At least one character per line, however wide.
                        cut = if i == 0 { c.len_utf8() } else { i };
                        break;
                    }
                    used += cw;
                }
                out.push(word[..cut].to_string());
                word = &word[cut..];
            }
            let needed = if line.is_empty() {
                width(word)
            } else {
                width(&line) + 1 + width(word)
            };
            if needed > max && !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

/// `s` padded with spaces on the left to `w` columns.
pub fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// `s` padded with spaces on the right to `w` columns.
pub fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    #[test]
    fn indian_grouping_of_counts() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(123456), "1,23,456");
        assert_eq!(count(12345678), "1,23,45,678");
    }

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2025, 11, 10, 4, 0, 0).unwrap();
        let f = |d: TimeDelta, c: bool| {
            fetched_label(
                now,
                &Fetched {
                    value: (),
                    fetched_at: now - d,
                    from_cache: c,
                },
            )
        };
        assert_eq!(f(TimeDelta::seconds(20), false), "fetched just now");
        assert_eq!(f(TimeDelta::minutes(2), false), "fetched 2 min ago");
        assert_eq!(f(TimeDelta::hours(3), true), "cached · 3 h old");
        assert_eq!(f(TimeDelta::days(3), true), "cached · 3 d old");
        assert_eq!(f(TimeDelta::seconds(-5), false), "fetched just now");
        assert_eq!(time_left(now, now + TimeDelta::minutes(312)), "5 h 12 min");
    }

    #[test]
    fn truncation_and_wrap() {
        assert_eq!(truncate("Acme Traders", 20), "Acme Traders");
        assert_eq!(truncate("Acme Traders", 6), "Acme…");
        assert_eq!(truncate("Acme Traders", 8), "Acme Tr…");
        assert_eq!(wrap("one two three four", 9), vec!["one two", "three", "four"]);
        assert_eq!(wrap("a\n\nb", 5), vec!["a", "", "b"]);
        // Paths are broken, never cut.
        assert_eq!(wrap("to /a/bcdefgh x", 5), vec!["to", "/a/bc", "defgh", "x"]);
        // A path longer than a line is broken, not cut.
        assert_eq!(
            wrap("saved: /tmp/dl/export-ledger.xlsx ok", 12),
            vec!["saved:", "/tmp/dl/expo", "rt-ledger.xl", "sx ok"]
        );
        assert_eq!(pad_left("12", 5), "   12");
    }
}
