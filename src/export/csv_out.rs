//! `.csv` writer (RFC 4180, UTF-8, header row). Money is the exact decimal with at least two
//! decimals (`0.30`, `1416666.19`, `0.005` kept as is), dates are ISO `YYYY-MM-DD` (read the
//! same way by every spreadsheet locale and script), counts are integers, text is as received.

use std::io::Write;

use rust_decimal::Decimal;

use super::{Cell, ExportError, ExportTable, Progress};

/// Money as CSV text: exact, never rounded, padded to two decimals.
pub fn money_text(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// The CSV text of one cell.
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Money(m) => money_text(m.0),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Count(n) => n.to_string(),
    }
}

/// Writes one table; returns the data rows written.
pub fn write<W: Write>(w: W, t: &ExportTable, progress: &mut dyn FnMut(Progress)) -> Result<u64, ExportError> {
    let total = t.rows.len() as u64;
    let err = |e: csv::Error| ExportError(format!("writing CSV {:?}: {e}", t.name));
    let mut wtr = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, w));
    wtr.write_record(t.columns.iter().map(|c| c.title.as_str()))
        .map_err(err)?;
    let mut rec: Vec<String> = Vec::with_capacity(t.columns.len());
    for (i, row) in t.rows.iter().enumerate() {
        rec.clear();
        rec.extend(row.iter().map(cell_text));
        wtr.write_record(&rec).map_err(err)?;
        if (i + 1) % 4096 == 0 {
            progress(Progress {
                rows_done: i as u64 + 1,
                rows_total: total,
                saving: false,
            });
        }
    }
    wtr.flush()
        .map_err(|e| ExportError::io(format!("writing CSV {:?}", t.name), e))?;
    progress(Progress {
        rows_done: total,
        rows_total: total,
        saving: false,
    });
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_is_exact_with_two_decimals_at_least() {
        assert_eq!(money_text(dec!(0.1) + dec!(0.2)), "0.30");
        assert_eq!(money_text(dec!(21150)), "21150.00");
        assert_eq!(money_text(dec!(-32140.8)), "-32140.80");
        assert_eq!(money_text(dec!(0.005)), "0.005");
        assert_eq!(money_text(dec!(1416666.19)), "1416666.19");
    }
}
