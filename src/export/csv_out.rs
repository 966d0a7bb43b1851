//! `.csv` writer (RFC 4180, UTF-8, header row). Money is the exact decimal with at least two
//! decimals (`0.30`, `1416666.19`, `0.005` kept as is), dates are ISO `YYYY-MM-DD` (read the
//! same way by every spreadsheet locale and script), counts are integers, text is as received
//! except that text a spreadsheet would run as a formula is neutralised (see [`neutralise`]).

use std::io::Write;

use rust_decimal::Decimal;

use super::{Cell, ColumnKind, ExportError, ExportTable, Progress};

/// Money as CSV text: exact, never rounded, padded to two decimals.
pub fn money_text(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// CSV injection (OWASP "CSV Injection"): a spreadsheet opening the file runs a field that
/// starts with `=`, `+`, `-` or `@` (and, after trimming, tab or CR) as a formula. Such text
/// gets a leading single quote, which shows it as the text it is. Only text is touched: money
/// and counts are written from typed cells (`-12.50` stays a number), and a text cell in a
/// money, count or date column that reads as a plain number (a raw figure GSTN sent) is left
/// alone too, since a number is not a formula.
pub fn neutralise(s: &str, kind: ColumnKind) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = kind != ColumnKind::Text && s.trim().parse::<Decimal>().is_ok();
    if risky && !plain_number {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The CSV text of one cell in a column of `kind`.
pub fn cell_text(c: &Cell, kind: ColumnKind) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => neutralise(s, kind).into_owned(),
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
    wtr.write_record(
        t.columns
            .iter()
            .map(|c| neutralise(&c.title, ColumnKind::Text).into_owned()),
    )
    .map_err(err)?;
    let mut rec: Vec<String> = Vec::with_capacity(t.columns.len());
    for (i, row) in t.rows.iter().enumerate() {
        rec.clear();
        rec.extend(row.iter().zip(&t.columns).map(|(c, col)| cell_text(c, col.kind)));
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
    use crate::domain::Money;
    use crate::export::ExportColumn;
    use rust_decimal_macros::dec;

    /// Text that a spreadsheet would run is quoted; negative amounts stay numbers. Read back
    /// with the csv crate, field by field.
    #[test]
    fn formula_text_is_neutralised_and_negative_money_stays_a_number() {
        let mut t = ExportTable::new(
            "T",
            vec![
                ExportColumn::text("Remarks"),
                ExportColumn::money("Amount"),
                ExportColumn::count("N"),
                ExportColumn::date("Date"),
            ],
        );
        let risky = [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\r=1",
            "-12.50",
        ];
        for r in risky {
            t.push(vec![
                Cell::text(r),
                Cell::Money(Money(dec!(-12.50))),
                Cell::Count(3),
                Cell::text("-5"),
            ]);
        }
        t.push(vec![
            Cell::text("plain - text"),
            Cell::Money(Money(dec!(-0.01))),
            Cell::Count(0),
            Cell::text("=1+1"),
        ]);
        let mut buf = Vec::new();
        assert_eq!(write(&mut buf, &t, &mut |_| {}).unwrap(), 8);
        let mut rd = csv::Reader::from_reader(buf.as_slice());
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        for (row, r) in rows.iter().zip(risky) {
            assert_eq!(&row[0], format!("'{r}"), "text column quoted");
            assert_eq!(&row[1], "-12.50", "money stays a number");
            assert_eq!(row[1].parse::<Decimal>().unwrap(), dec!(-12.50));
            assert_eq!(&row[2], "3");
            assert_eq!(&row[3], "-5", "a raw number in a date column is not a formula");
        }
        assert_eq!(&rows[7][0], "plain - text");
        assert_eq!(&rows[7][1], "-0.01");
        assert_eq!(&rows[7][3], "'=1+1", "a formula in a non-text column is still quoted");
    }

    #[test]
    fn money_is_exact_with_two_decimals_at_least() {
        assert_eq!(money_text(dec!(0.1) + dec!(0.2)), "0.30");
        assert_eq!(money_text(dec!(21150)), "21150.00");
        assert_eq!(money_text(dec!(-32140.8)), "-32140.80");
        assert_eq!(money_text(dec!(0.005)), "0.005");
        assert_eq!(money_text(dec!(1416666.19)), "1416666.19");
    }
}
