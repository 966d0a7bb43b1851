//! The export writers, end to end on real files: every table is written, read back (calamine
//! for `.xlsx`, the csv crate for `.csv`) and checked cell by cell — type, value, number
//! format and exact decimals.

use std::path::Path;
use std::sync::{Arc, Mutex};

use calamine::{Data, Reader, Xlsx, open_workbook};
use chrono::NaiveDate;
use gstdash::domain::Money;
use gstdash::export::xlsx::{DATE_FORMAT, MONEY_FORMAT};
use gstdash::export::{Cell, ExportColumn, ExportJob, ExportTable, FileFormat, OutTarget, Progress};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A table with every kind of cell and the awkward values: 0.1 + 0.2, negatives, amounts
/// near the top of what GSTN sends, GSTINs and numbers with leading zeros, an unreadable date.
fn sample() -> ExportTable {
    let mut t = ExportTable::new(
        "B2B",
        vec![
            ExportColumn::text("Supplier GSTIN"),
            ExportColumn::text("Document"),
            ExportColumn::date("Date"),
            ExportColumn::money("Taxable"),
            ExportColumn::count("Count"),
        ],
    );
    t.push(vec![
        Cell::text("27AAPFU0939F1ZV"),
        Cell::text("000123"),
        Cell::Date(d(2025, 10, 5)),
        Cell::Money(Money(dec!(0.1)) + Money(dec!(0.2))),
        Cell::Count(1),
    ]);
    t.push(vec![
        Cell::text("07AAACB1234C1Z5"),
        Cell::text("0042/25-26"),
        Cell::Date(d(2024, 2, 29)),
        Cell::Money(Money(dec!(-32140.80))),
        Cell::Count(100_000),
    ]);
    t.push(vec![
        Cell::text("24ABCCU0123M1YZ"),
        Cell::text("1E5"),
        Cell::text("31-02-2024"),
        Cell::Money(Money(dec!(9999999999999.99))),
        Cell::Empty,
    ]);
    t.push(vec![
        Cell::text("=1+1"),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(Money(dec!(1416666.19))),
        Cell::Count(0),
    ]);
    t.notes.push("a note under the table".into());
    t
}

fn expected_money() -> [Decimal; 4] {
    [dec!(0.30), dec!(-32140.80), dec!(9999999999999.99), dec!(1416666.19)]
}

fn run(job: ExportJob) -> (gstdash::export::Written, Vec<Progress>) {
    let mut seen = Vec::new();
    let w = job.run(&mut |p| seen.push(p)).expect("export writes");
    (w, seen)
}

fn money_of(v: &Data) -> Decimal {
    match v {
        Data::Float(f) => f.to_string().parse().unwrap(),
        Data::Int(i) => Decimal::from(*i),
        other => panic!("money cell is not a number: {other:?}"),
    }
}

#[test]
fn xlsx_cells_read_back_typed_and_exact() {
    let dir = tempfile::tempdir().unwrap();
    let job = ExportJob {
        tables: vec![
            sample(),
            ExportTable::new("Empty: [sheet]?", vec![ExportColumn::text("Only")]),
        ],
        format: FileFormat::Xlsx,
        target: OutTarget::new(
            None,
            dir.path().join("downloads"),
            "ims-27AAPFU0939F1ZV-2025-10-x".into(),
        ),
    };
    let (w, progress) = run(job);
    let path = &w.paths[0];
    assert_eq!(path, &dir.path().join("downloads/ims-27AAPFU0939F1ZV-2025-10-x.xlsx"));
    assert_eq!(w.rows, 4);
    assert_eq!(w.money_as_text, 0);
    assert!(progress.last().unwrap().saving && progress.last().unwrap().rows_done == 4);

    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["B2B".to_string(), "Empty- -sheet--".to_string()]);
    // Autofilter over header + data.
    assert!(
        wb.defined_names()
            .iter()
            .any(|(n, v)| n == "_xlnm._FilterDatabase" && v.contains("B2B") && v.contains("$A$1:$E$5")),
        "{:?}",
        wb.defined_names()
    );
    let r = wb.worksheet_range("B2B").unwrap();
    let at = |row: u32, col: u32| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
    let headers: Vec<Data> = (0..5).map(|c| at(0, c)).collect();
    assert_eq!(
        headers,
        ["Supplier GSTIN", "Document", "Date", "Taxable", "Count"].map(|s| Data::String(s.into()))
    );
    // GSTINs and document numbers stay text, leading zeros and all; "=1+1" is not a formula.
    assert_eq!(at(1, 0), Data::String("27AAPFU0939F1ZV".into()));
    assert_eq!(at(1, 1), Data::String("000123".into()));
    assert_eq!(at(2, 1), Data::String("0042/25-26".into()));
    assert_eq!(at(3, 1), Data::String("1E5".into()));
    assert_eq!(at(4, 0), Data::String("=1+1".into()));
    let formulas = wb.worksheet_formula("B2B").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "text is never written as a formula: {formulas:?}"
    );
    assert_eq!(at(4, 1), Data::Empty);
    // Dates are date cells with the portal's format; an unreadable one stays its text.
    for (row, want) in [(1, d(2025, 10, 5)), (2, d(2024, 2, 29))] {
        match at(row, 2) {
            Data::DateTime(x) => assert_eq!(x.as_datetime().unwrap().date(), want),
            other => panic!("row {row}: not a date: {other:?}"),
        }
    }
    assert_eq!(at(3, 2), Data::String("31-02-2024".into()));
    // Money: numbers whose text is the exact decimal; 0.1 + 0.2 reads back as 0.30.
    for (i, want) in expected_money().iter().enumerate() {
        let v = at(i as u32 + 1, 3);
        assert_eq!(money_of(&v), *want, "row {}", i + 1);
    }
    match at(1, 3) {
        Data::Float(f) => {
            assert_eq!(f, 0.3);
            assert_eq!(format!("{:.2}", money_of(&Data::Float(f))), "0.30");
        }
        other => panic!("{other:?}"),
    }
    // Counts are numbers.
    assert_eq!(at(2, 4), Data::Float(100000.0));
    assert_eq!(at(3, 4), Data::Empty);
    // The note sits under the table, after a blank row.
    assert_eq!(at(6, 0), Data::String("a note under the table".into()));

    // Number formats: ₹ on money, dd-mm-yyyy on dates, bold header.
    let styles = wb.worksheet_style("B2B").unwrap();
    let fmt = |row: u32, col: u32| {
        styles
            .get((row, col))
            .and_then(|s| s.number_format.clone())
            .map(|n| n.format_code)
    };
    assert_eq!(fmt(1, 3).as_deref(), Some(MONEY_FORMAT));
    assert!(MONEY_FORMAT.contains('₹'));
    assert_eq!(fmt(4, 3).as_deref(), Some(MONEY_FORMAT));
    assert_eq!(fmt(1, 2).as_deref(), Some(DATE_FORMAT));
    let header_bold = styles
        .get((0, 0))
        .and_then(|s| s.font.as_ref())
        .is_some_and(|f| f.is_bold());
    assert!(header_bold, "header is bold");

    let empty = wb.worksheet_range("Empty- -sheet--").unwrap();
    assert_eq!(empty.get_value((0, 0)), Some(&Data::String("Only".into())));
}

#[test]
fn csv_reads_back_exact_decimals_iso_dates_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b2b.csv");
    let job = ExportJob {
        tables: vec![sample()],
        format: FileFormat::Csv,
        target: OutTarget::new(Some(out.clone()), dir.path().into(), "unused".into()),
    };
    let (w, _) = run(job);
    assert_eq!(w.paths, vec![out.clone()]);
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Supplier GSTIN", "Document", "Date", "Taxable", "Count"]
    );
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], ["27AAPFU0939F1ZV", "000123", "2025-10-05", "0.30", "1"]);
    assert_eq!(
        rows[1],
        ["07AAACB1234C1Z5", "0042/25-26", "2024-02-29", "-32140.80", "100000"]
    );
    assert_eq!(
        rows[2],
        ["24ABCCU0123M1YZ", "1E5", "31-02-2024", "9999999999999.99", ""]
    );
    // CSV injection: text a spreadsheet would run gets a leading quote (negative money above
    // stays a plain number).
    assert_eq!(rows[3], ["'=1+1", "", "", "1416666.19", "0"]);
    for (i, want) in expected_money().iter().enumerate() {
        assert_eq!(rows[i][3].parse::<Decimal>().unwrap(), *want);
    }
    // Notes are for people: not in the CSV.
    assert!(!std::fs::read_to_string(&out).unwrap().contains("a note"));
}

#[test]
fn several_tables_as_csv_make_a_folder_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut cn = sample();
    cn.name = "CN".into();
    let job = |out: Option<&Path>| ExportJob {
        tables: vec![sample(), cn.clone()],
        format: FileFormat::Csv,
        target: OutTarget::new(
            out.map(Path::to_path_buf),
            dir.path().join("dl"),
            "ims-X-2025-10-t".into(),
        ),
    };
    let (w, progress) = run(job(None));
    assert_eq!(
        w.paths,
        vec![
            dir.path().join("dl/ims-X-2025-10-t/B2B.csv"),
            dir.path().join("dl/ims-X-2025-10-t/CN.csv")
        ]
    );
    assert_eq!(w.rows, 8);
    assert_eq!(progress.last().unwrap().rows_done, 8);
    // Same name again: a new folder, the first untouched.
    let (w2, _) = run(job(None));
    assert_eq!(w2.paths[0], dir.path().join("dl/ims-X-2025-10-t-2/B2B.csv"));
    // An explicit file path that exists is refused, naming it; its content is kept.
    let existing = dir.path().join("keep.xlsx");
    std::fs::write(&existing, "mine").unwrap();
    let e = ExportJob {
        tables: vec![sample()],
        format: FileFormat::Xlsx,
        target: OutTarget::new(Some(existing.clone()), dir.path().into(), "s".into()),
    }
    .run(&mut |_| {})
    .unwrap_err();
    assert!(e.0.contains(&existing.display().to_string()), "{e}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine");
}

#[test]
fn a_failed_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = sample();
    t.rows = vec![vec![Cell::Empty; 5]; gstdash::export::xlsx::MAX_ROWS];
    let out = dir.path().join("big.xlsx");
    let e = ExportJob {
        tables: vec![t],
        format: FileFormat::Xlsx,
        target: OutTarget::new(Some(out.clone()), dir.path().into(), "s".into()),
    }
    .run(&mut |_| {})
    .unwrap_err();
    assert!(e.0.contains("at most") && e.0.contains("CSV"), "{e}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_export_reports_progress_off_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = sample();
    let row = t.rows[0].clone();
    t.rows = vec![row; 20_000];
    t.notes.clear();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let w = ExportJob {
        tables: vec![t],
        format: FileFormat::Xlsx,
        target: OutTarget::new(None, dir.path().into(), "big".into()),
    }
    .spawn(move |p| sink.lock().unwrap().push(p))
    .await
    .unwrap()
    .unwrap();
    assert_eq!(w.rows, 20_000);
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 5, "{}", seen.len());
    assert!(seen.windows(2).all(|p| p[0].rows_done <= p[1].rows_done));
    assert_eq!(seen.last().unwrap().rows_total, 20_000);
    let mut wb: Xlsx<_> = open_workbook(&w.paths[0]).unwrap();
    let r = wb.worksheet_range("B2B").unwrap();
    assert_eq!(r.height(), 20_001);
    assert_eq!(money_of(r.get_value((20_000, 3)).unwrap()), dec!(0.30));
}

/// CSV injection: text that a spreadsheet would run as a formula is quoted in CSV and written
/// as a plain string cell in xlsx; negative amounts stay numbers in both.
#[test]
fn formula_like_text_is_never_a_formula_and_negative_money_stays_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let risky = ["=SUM(A1:A9)", "+91 98200 00000", "-2+3", "@cmd", "\tx", "\r=1"];
    let mut t = ExportTable::new(
        "Risky",
        vec![
            ExportColumn::text("Remarks"),
            ExportColumn::money("Amount"),
            ExportColumn::count("N"),
        ],
    );
    for (i, r) in risky.iter().enumerate() {
        t.push(vec![
            Cell::text(*r),
            Cell::Money(Money(dec!(-12.50) - Decimal::from(i as i64))),
            Cell::Count(i as u64),
        ]);
    }
    let job = |format| ExportJob {
        tables: vec![t.clone()],
        format,
        target: OutTarget::new(None, dir.path().into(), "risky".into()),
    };
    let (xlsx, _) = run(job(FileFormat::Xlsx));
    let (csv_w, _) = run(job(FileFormat::Csv));

    let mut wb: Xlsx<_> = open_workbook(&xlsx.paths[0]).unwrap();
    let r = wb.worksheet_range("Risky").unwrap();
    let formulas = wb.worksheet_formula("Risky").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{formulas:?}");
    for (i, want) in risky.iter().enumerate() {
        let row = i as u32 + 1;
        assert_eq!(r.get_value((row, 0)), Some(&Data::String(want.to_string())), "as typed");
        assert_eq!(
            money_of(r.get_value((row, 1)).unwrap()),
            dec!(-12.50) - Decimal::from(i as i64)
        );
    }

    let mut rd = csv::Reader::from_path(&csv_w.paths[0]).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), risky.len());
    for (i, (row, want)) in rows.iter().zip(risky).enumerate() {
        assert_eq!(&row[0], format!("'{want}"), "quoted in CSV");
        let amount: Decimal = row[1].parse().expect("a plain number");
        assert_eq!(amount, dec!(-12.50) - Decimal::from(i as i64));
        assert!(!row[1].starts_with('\''));
        assert_eq!(&row[2], i.to_string());
    }
}
