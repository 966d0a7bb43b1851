//! `.xlsx` writer: a sheet per table, typed cells, bold frozen header, autofilter, column
//! widths fitted to the content.
//!
//! Money is written as an Excel number, so it sums and sorts, with a ₹ number format. Excel
//! numbers are IEEE doubles; the value must still be the exact decimal. [`money_number`]
//! guarantees that: for an amount with at most 15 significant digits (every amount up to
//! ₹9,99,99,99,99,999.99 — GSTN sends at most two decimals) the nearest double is unique to
//! that decimal, and rust_xlsxwriter writes the double in its shortest round-trip form, so
//! the XML holds the very digits we had (`0.3` for 0.1 + 0.2, never `0.30000000000000004`)
//! and Excel reads back the same double. Anything longer is written as text rather than
//! rounded, and counted in [`Stats::money_as_text`]. The tests read every cell back.

use std::collections::HashSet;
use std::io::Write;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatBorder, IgnoreError, Workbook, XlsxError};

use super::{Cell, ColumnKind, ExportError, ExportTable, Progress};

/// ₹ with the en-IN locale tag, two decimals, minus sign for negatives.
pub const MONEY_FORMAT: &str = "[$₹-4009] #,##0.00;-[$₹-4009] #,##0.00";
/// The portal's date form.
pub const DATE_FORMAT: &str = "dd-mm-yyyy";
pub const COUNT_FORMAT: &str = "#,##0";
/// Excel's row limit, header included.
pub const MAX_ROWS: usize = 1_048_576;

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rows: u64,
    pub money_as_text: u64,
}

/// Exact powers of ten as doubles (10^22 is the largest that is exact).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];
const MAX_EXACT_MANTISSA: u128 = 1_000_000_000_000_000; // 10^15

/// The double whose shortest decimal form is exactly `d`, or `None` when no double is (can
/// happen beyond 15 significant digits). Fast path: mantissa < 10^15 and scale ≤ 22, where both
/// operands are exact doubles and IEEE division rounds once, to the nearest double, which for
/// ≤ 15 significant digits prints back as `d`. Otherwise parse and verify the round trip.
pub fn money_number(d: Decimal) -> Option<f64> {
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m.unsigned_abs() < MAX_EXACT_MANTISSA && scale < POW10.len() {
        return Some(m as f64 / POW10[scale]);
    }
    let f: f64 = d.to_string().parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    let back: Decimal = f.to_string().parse().ok()?;
    (back == d).then_some(f)
}

/// Sheet names: at most 31 characters, none of `[]:*?/\`, unique (case-insensitively).
fn sheet_names(tables: &[ExportTable]) -> Vec<String> {
    let mut seen = HashSet::new();
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let base: String = t
                .name
                .chars()
                .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
                .collect::<String>()
                .trim_matches('\'')
                .trim()
                .chars()
                .take(31)
                .collect();
            let base = if base.is_empty() {
                format!("Sheet{}", i + 1)
            } else {
                base
            };
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.to_lowercase()) {
                let suffix = format!(" ({n})");
                name = format!("{}{suffix}", base.chars().take(31 - suffix.len()).collect::<String>());
                n += 1;
            }
            name
        })
        .collect()
}

/// Characters a cell shows, for the column width.
fn shown_width(c: &Cell) -> usize {
    match c {
        Cell::Empty => 0,
        Cell::Text(s) => s.chars().count(),
        Cell::Money(m) => m.inr().len() + 2,
        Cell::Date(_) => 10,
        Cell::Count(n) => crate::domain::money::format_count(*n).len(),
    }
}

fn xerr(sheet: &str) -> impl Fn(XlsxError) -> ExportError + '_ {
    move |e| ExportError(format!("writing sheet {sheet:?}: {e}"))
}

/// Writes `tables` as one workbook to `w`.
pub fn write<W: Write + Send>(
    w: W,
    tables: &[ExportTable],
    progress: &mut dyn FnMut(Progress),
) -> Result<Stats, ExportError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border_bottom(FormatBorder::Thin);
    let money = Format::new().set_num_format(MONEY_FORMAT);
    let money_text = Format::new().set_align(rust_xlsxwriter::FormatAlign::Right);
    let date = Format::new().set_num_format(DATE_FORMAT);
    let count = Format::new().set_num_format(COUNT_FORMAT);
    let note = Format::new().set_italic();
    let total: u64 = tables.iter().map(|t| t.rows.len() as u64).sum();
    let mut stats = Stats::default();
    let names = sheet_names(tables);
    for (t, name) in tables.iter().zip(&names) {
        if t.rows.len() + 1 > MAX_ROWS {
            return Err(ExportError(format!(
                "sheet {name:?} has {} rows; Excel holds at most {} (export as CSV instead)",
                t.rows.len(),
                MAX_ROWS - 1
            )));
        }
        let err = xerr(name);
        // Rows go to a temporary file as they are written: memory stays flat at 100,000 rows.
        let ws = wb.add_worksheet_with_constant_memory().map_err(&err)?;
        ws.set_name(name).map_err(&err)?;
        let mut widths: Vec<usize> = t.columns.iter().map(|c| c.title.chars().count()).collect();
        for (c, col) in t.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, &col.title, &header)
                .map_err(&err)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let xr = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let xc = c as u16;
                widths[c] = widths[c].max(shown_width(cell));
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        ws.write_string(xr, xc, s).map_err(&err)?;
                    }
                    Cell::Money(m) => match money_number(m.0) {
                        Some(f) => {
                            ws.write_number_with_format(xr, xc, f, &money).map_err(&err)?;
                        }
                        None => {
                            stats.money_as_text += 1;
                            ws.write_string_with_format(xr, xc, m.0.to_string(), &money_text)
                                .map_err(&err)?;
                        }
                    },
                    Cell::Date(d) => {
                        ws.write_date_with_format(xr, xc, d, &date).map_err(&err)?;
                    }
                    Cell::Count(n) => {
                        ws.write_number_with_format(xr, xc, *n as f64, &count).map_err(&err)?;
                    }
                }
            }
            stats.rows += 1;
            if stats.rows % 4096 == 0 {
                progress(Progress {
                    rows_done: stats.rows,
                    rows_total: total,
                    saving: false,
                });
            }
        }
        let last_row = t.rows.len() as u32;
        let last_col = t.columns.len().saturating_sub(1) as u16;
        if !t.columns.is_empty() {
            ws.set_freeze_panes(1, 0).map_err(&err)?;
            ws.autofilter(0, 0, last_row, last_col).map_err(&err)?;
        }
        for (c, col) in t.columns.iter().enumerate() {
            // Room for the filter button; long free text is capped (the cell keeps it all).
            let w = (widths[c] + 3).clamp(6, 60);
            ws.set_column_width(c as u16, w as f64).map_err(&err)?;
            if col.kind == ColumnKind::Text && last_row > 0 {
                // GSTINs and document numbers that look numeric are text on purpose.
                ws.ignore_error_range(1, c as u16, last_row, c as u16, IgnoreError::NumberStoredAsText)
                    .map_err(&err)?;
            }
        }
        for (i, n) in t.notes.iter().enumerate() {
            ws.write_string_with_format(last_row + 2 + i as u32, 0, n, &note)
                .map_err(&err)?;
        }
    }
    progress(Progress {
        rows_done: stats.rows,
        rows_total: total,
        saving: true,
    });
    wb.save_to_writer(w)
        .map_err(|e| ExportError(format!("saving the workbook: {e}")))?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_numbers_print_back_as_the_same_decimal() {
        for d in [
            dec!(0.30),
            dec!(0.1) + dec!(0.2),
            dec!(1416666.19),
            dec!(-32140.80),
            dec!(108333.10),
            dec!(0),
            dec!(9999999999999.99),
            dec!(0.005),
        ] {
            let f = money_number(d).unwrap();
            assert_eq!(f.to_string().parse::<Decimal>().unwrap(), d, "{d}");
            assert_eq!(f, d.to_string().parse::<f64>().unwrap(), "{d}");
        }
        // Every two-decimal amount in a wide sweep: the fast path is the correctly rounded double.
        let mut x: i64 = 1;
        while x < 10_i64.pow(15) {
            for delta in [0, 1, 7, 99] {
                let d = Decimal::new(x + delta, 2);
                let f = money_number(d).unwrap();
                assert_eq!(f, d.to_string().parse::<f64>().unwrap(), "{d}");
                assert_eq!(f.to_string().parse::<Decimal>().unwrap(), d, "{d}");
            }
            x = x * 3 + 1;
        }
        // Longer amounts pass only when the double prints back the same digits.
        assert_eq!(money_number(dec!(123456789012345.67)), Some(123456789012345.67));
        // 18 significant digits that no double carries: text, not a rounded number.
        assert_eq!(money_number(dec!(1234567890123456.78)), None);
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let t = |n: &str| ExportTable::new(n, vec![]);
        let names = sheet_names(&[t("B2B"), t("b2b"), t("a/b:c"), t(""), t(&"x".repeat(40))]);
        assert_eq!(names[0], "B2B");
        assert_eq!(names[1], "b2b (2)");
        assert_eq!(names[2], "a-b-c");
        assert_eq!(names[3], "Sheet4");
        assert_eq!(names[4].len(), 31);
    }
}
