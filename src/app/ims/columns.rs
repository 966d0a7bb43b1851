//! The record table's columns and the display text of each row, built once per data change
//! (`tui.md` §e.5 rule 1): a frame only slices the precomputed text of the visible rows.

use std::fmt::Write;

use crate::domain::Section;
use crate::domain::ims::ImsRecord;

/// Every column of the record table, in default order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    Mark,
    Sno,
    Gstin,
    TradeName,
    DocNo,
    Date,
    Type,
    Taxable,
    Igst,
    Cgst,
    Sgst,
    Cess,
    TotalTax,
    Pos,
    Form,
    Period,
    Action,
    Local,
    Blocked,
    Filed,
}

/// Header, width bounds and priority (0 = never dropped) of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColSpec {
    pub col: Col,
    pub header: &'static str,
    pub min: u16,
    pub max: u16,
    pub priority: u8,
    pub right: bool,
}

const fn c(col: Col, header: &'static str, min: u16, max: u16, priority: u8, right: bool) -> ColSpec {
    ColSpec {
        col,
        header,
        min,
        max,
        priority,
        right,
    }
}

/// The columns, in display order. Widths are declared bounds, never measured per frame.
pub static COLUMNS: &[ColSpec] = &[
    c(Col::Mark, "", 1, 1, 0, false),
    c(Col::Sno, "S.No", 4, 6, 5, true),
    c(Col::Gstin, "Supplier GSTIN", 16, 16, 0, false),
    c(Col::TradeName, "Trade name", 10, 24, 3, false),
    c(Col::DocNo, "Doc no.", 14, 16, 0, false),
    c(Col::Date, "Date", 10, 10, 1, false),
    c(Col::Type, "Type", 4, 7, 4, false),
    c(Col::Taxable, "Taxable", 12, 14, 0, true),
    c(Col::Igst, "IGST", 10, 13, 3, true),
    c(Col::Cgst, "CGST", 10, 13, 4, true),
    c(Col::Sgst, "SGST", 10, 13, 4, true),
    c(Col::Cess, "Cess", 8, 11, 6, true),
    c(Col::TotalTax, "Total tax", 11, 14, 1, true),
    c(Col::Pos, "POS", 3, 3, 6, false),
    c(Col::Form, "Form", 4, 4, 5, false),
    c(Col::Period, "Period", 7, 7, 4, false),
    c(Col::Action, "Action", 9, 9, 0, false),
    c(Col::Local, "Local", 9, 10, 0, false),
    c(Col::Blocked, "P-blk", 5, 5, 5, false),
    c(Col::Filed, "3B", 2, 3, 5, false),
];

/// Columns whose text is precomputed per record, in the order stored in [`RowText`].
pub const TEXT_COLS: [Col; 16] = [
    Col::Gstin,
    Col::TradeName,
    Col::DocNo,
    Col::Date,
    Col::Type,
    Col::Taxable,
    Col::Igst,
    Col::Cgst,
    Col::Sgst,
    Col::Cess,
    Col::TotalTax,
    Col::Pos,
    Col::Form,
    Col::Period,
    Col::Action,
    Col::Blocked,
];

fn text_index(col: Col) -> Option<usize> {
    TEXT_COLS.iter().position(|c| *c == col)
}

/// Separates cells in [`RowText`], so a filter never matches across two cells.
const SEP: char = '\u{1f}';

/// Display text of one record: all cells in one string (separated by [`SEP`]), with their
/// end offsets, and an ASCII-lower-cased copy for the substring filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowText {
    text: Box<str>,
    ends: [u32; TEXT_COLS.len()],
    /// `text` lower-cased, for the substring filter.
    pub search: Box<str>,
    /// The document date as days since 1970 (sort key; `i32::MIN` when unreadable).
    pub date_key: i32,
    /// `flags()` was not empty.
    pub flagged: bool,
}

impl RowText {
    /// `trade_name`: the supplier's name from GSTR-2B, empty when unknown.
    pub fn build(section: Section, r: &ImsRecord, trade_name: &str) -> RowText {
        let flagged = !r.flags().is_empty();
        let mut text = String::with_capacity(160);
        let mut ends = [0u32; TEXT_COLS.len()];
        let mut n = 0;
        let mut end = |text: &mut String| {
            ends[n] = text.len() as u32;
            n += 1;
            text.push(SEP);
        };
        text.push_str(r.stin.trim());
        if flagged {
            text.push('⚠');
        }
        end(&mut text);
        text.push_str(trade_name);
        end(&mut text);
        text.push_str(r.doc_number());
        end(&mut text);
        text.push_str(r.doc_date_raw());
        end(&mut text);
        match r.inv_typ.as_deref() {
            Some(t) if !t.is_empty() && section.has_inv_typ() && !section.is_note() => text.push_str(t),
            _ => text.push_str(section.short()),
        }
        end(&mut text);
        for m in [r.txval, r.iamt, r.camt, r.samt, r.cess, r.total_tax()] {
            text.push_str(&m.inr());
            end(&mut text);
        }
        text.push_str(&r.pos);
        end(&mut text);
        text.push_str(&r.srcform);
        end(&mut text);
        match r.return_period() {
            Some(p) => {
                let _ = write!(text, "{:02}/{}", p.month(), p.year());
            }
            None => text.push_str(&r.rtnprd),
        }
        end(&mut text);
        text.push_str(r.action.label());
        end(&mut text);
        if r.pending_blocked() {
            text.push_str("P✗");
        }
        end(&mut text);
        let search = text.to_ascii_lowercase().into_boxed_str();
        let date_key = r
            .doc_date()
            .map(|d| (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32)
            .unwrap_or(i32::MIN);
        RowText {
            text: text.into_boxed_str(),
            ends,
            search,
            date_key,
            flagged,
        }
    }

    /// Precomputed text of `col`, or `None` for the columns built per frame (mark, S.No,
    /// local action, supplier filed).
    pub fn cell(&self, col: Col) -> Option<&str> {
        let i = text_index(col)?;
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + SEP.len_utf8()
        };
        self.text.get(start..self.ends[i] as usize)
    }
}

/// `Filed` / `Not Filed` as a short mark.
pub fn filed_label(r: &ImsRecord) -> &'static str {
    if r.supplier_filed() { "Y" } else { "N" }
}

impl Col {
    /// Stable name stored with the profile's column arrangement.
    pub fn key(self) -> &'static str {
        match self {
            Col::Mark => "mark",
            Col::Sno => "sno",
            Col::Gstin => "gstin",
            Col::TradeName => "trade_name",
            Col::DocNo => "doc_no",
            Col::Date => "date",
            Col::Type => "type",
            Col::Taxable => "taxable",
            Col::Igst => "igst",
            Col::Cgst => "cgst",
            Col::Sgst => "sgst",
            Col::Cess => "cess",
            Col::TotalTax => "total_tax",
            Col::Pos => "pos",
            Col::Form => "form",
            Col::Period => "period",
            Col::Action => "action",
            Col::Local => "local",
            Col::Blocked => "pending_blocked",
            Col::Filed => "supplier_3b",
        }
    }

    pub fn spec(self) -> &'static ColSpec {
        COLUMNS.iter().find(|c| c.col == self).expect("every column has a spec")
    }

    /// Index in [`COLUMNS`].
    pub fn index(self) -> usize {
        COLUMNS
            .iter()
            .position(|c| c.col == self)
            .expect("every column has a spec")
    }

    /// Why the column cannot be hidden, if it cannot. The essential ones (priority 0) stay:
    /// the mark shows the selection, GSTIN and document number identify the record, the
    /// amounts and actions are what a decision is made on.
    pub fn why_always_shown(self) -> Option<&'static str> {
        match self {
            Col::Mark => Some("it shows which records are selected"),
            Col::Gstin | Col::DocNo => Some("it identifies the record"),
            Col::Taxable => Some("the amount is what a decision is made on"),
            Col::Action | Col::Local => Some("it shows the record's action"),
            _ => None,
        }
    }
}

/// The record table's columns in the user's order, each shown or hidden. Saved per profile;
/// the narrow-terminal drop by priority applies to the shown ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnLayout {
    pub cols: Vec<(Col, bool)>,
}

impl Default for ColumnLayout {
    fn default() -> Self {
        ColumnLayout {
            cols: COLUMNS.iter().map(|c| (c.col, true)).collect(),
        }
    }
}

impl ColumnLayout {
    /// Shown columns, in order.
    pub fn shown(&self) -> impl Iterator<Item = Col> + '_ {
        self.cols.iter().filter(|(_, on)| *on).map(|(c, _)| *c)
    }

    /// Hidden columns, in layout order.
    pub fn hidden(&self) -> Vec<Col> {
        self.cols.iter().filter(|(_, on)| !*on).map(|(c, _)| *c).collect()
    }

    pub fn is_shown(&self, col: Col) -> bool {
        self.cols.iter().any(|(c, on)| *c == col && *on)
    }

    /// Shows or hides `col`; an essential column says why it stays.
    pub fn set_shown(&mut self, col: Col, on: bool) -> Result<(), String> {
        if !on && let Some(why) = col.why_always_shown() {
            let name = if col == Col::Mark {
                "The mark column"
            } else {
                col.spec().header
            };
            return Err(format!("{name} is essential and always shown: {why}"));
        }
        if let Some(e) = self.cols.iter_mut().find(|(c, _)| *c == col) {
            e.1 = on;
        }
        Ok(())
    }

    /// Moves the column at `at` by `delta` places; returns its new place.
    pub fn move_by(&mut self, at: usize, delta: isize) -> usize {
        if at >= self.cols.len() {
            return at;
        }
        let to = at.saturating_add_signed(delta).min(self.cols.len() - 1);
        let item = self.cols.remove(at);
        self.cols.insert(to, item);
        to
    }

    /// The next shown, sortable column after (or before, `delta < 0`) `col` in layout order.
    pub fn step(&self, col: Col, delta: isize) -> Col {
        let shown: Vec<Col> = self.shown().filter(|c| *c != Col::Mark).collect();
        let Some(at) = shown.iter().position(|c| *c == col) else {
            return shown.first().copied().unwrap_or(col);
        };
        shown[at.saturating_add_signed(delta).min(shown.len() - 1)]
    }

    /// `gstin,trade_name,-sno,…`: keys in order, `-` before hidden ones.
    pub fn encode(&self) -> String {
        self.cols
            .iter()
            .map(|(c, on)| format!("{}{}", if *on { "" } else { "-" }, c.key()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`ColumnLayout::encode`]'s form. Unknown names are skipped; columns the text does
    /// not name (added in a later version) are shown, after their default neighbour.
    pub fn decode(s: &str) -> ColumnLayout {
        let mut cols: Vec<(Col, bool)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, on) = match part.strip_prefix('-') {
                Some(n) => (n, false),
                None => (part, true),
            };
            if let Some(spec) = COLUMNS.iter().find(|c| c.col.key() == name)
                && !cols.iter().any(|(c, _)| *c == spec.col)
            {
                let on = on || spec.col.why_always_shown().is_some();
                cols.push((spec.col, on));
            }
        }
        for (i, spec) in COLUMNS.iter().enumerate() {
            if cols.iter().any(|(c, _)| *c == spec.col) {
                continue;
            }
            let after = i
                .checked_sub(1)
                .and_then(|p| cols.iter().position(|(c, _)| *c == COLUMNS[p].col));
            cols.insert(after.map_or(0, |a| a + 1), (spec.col, true));
        }
        ColumnLayout { cols }
    }
}

/// The column chooser popup: a cursor over the layout's columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnChooser {
    pub cursor: usize,
    /// Why the last toggle was refused.
    pub error: Option<String>,
    /// The arrangement when the chooser opened (saved on close only if changed).
    pub before: Option<ColumnLayout>,
}

/// What `D` needs to write the view as the screen shows it: the shown columns in their order,
/// the supplier names and the local actions (of the staged records only).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShownColumns {
    pub cols: Vec<Col>,
    pub names: std::sync::Arc<std::collections::HashMap<String, String>>,
    pub local: std::collections::HashMap<crate::domain::RecordKey, String>,
}

impl ShownColumns {
    /// The rows (`recs`, in screen order) as a table: the shown columns in order, then the
    /// fields the table has no room for (original document, remarks, flags).
    pub fn export_table(&self, section: Section, recs: &[ImsRecord]) -> crate::export::ExportTable {
        use crate::export::{Cell, ExportColumn, ExportTable};
        let cols: Vec<Col> = self.cols.iter().copied().filter(|c| *c != Col::Mark).collect();
        let mut header: Vec<ExportColumn> = cols
            .iter()
            .map(|c| {
                let title = c.spec().header;
                match c {
                    Col::Sno => ExportColumn::count("#"),
                    Col::Date => ExportColumn::date(title),
                    Col::Taxable | Col::Igst | Col::Cgst | Col::Sgst | Col::Cess | Col::TotalTax => {
                        ExportColumn::money(title)
                    }
                    Col::Blocked => ExportColumn::text("Pending"),
                    Col::Filed => ExportColumn::text("Supplier GSTR-3B"),
                    _ => ExportColumn::text(title),
                }
            })
            .collect();
        header.extend([
            ExportColumn::text("Original document"),
            ExportColumn::date("Original date"),
            ExportColumn::text("Remarks"),
            ExportColumn::text("Flags"),
        ]);
        let mut t = ExportTable::new(section.short(), header);
        t.rows.reserve(recs.len());
        for (pos, r) in recs.iter().enumerate() {
            let mut row: Vec<Cell> = cols
                .iter()
                .map(|c| match c {
                    Col::Mark => Cell::Empty,
                    Col::Sno => Cell::Count(pos as u64 + 1),
                    Col::Gstin => Cell::text(r.stin.trim()),
                    Col::TradeName => Cell::opt_text(self.names.get(r.stin.trim()).map(String::as_str)),
                    Col::DocNo => Cell::text(r.doc_number()),
                    Col::Date => Cell::date_or_text(r.doc_date_raw()),
                    Col::Type => Cell::Text(match r.inv_typ.as_deref() {
                        Some(t) if !t.is_empty() && section.has_inv_typ() && !section.is_note() => t.to_string(),
                        _ => section.short().to_string(),
                    }),
                    Col::Taxable => Cell::Money(r.txval),
                    Col::Igst => Cell::Money(r.iamt),
                    Col::Cgst => Cell::Money(r.camt),
                    Col::Sgst => Cell::Money(r.samt),
                    Col::Cess => Cell::Money(r.cess),
                    Col::TotalTax => Cell::Money(r.total_tax()),
                    Col::Pos => Cell::text(&r.pos),
                    Col::Form => Cell::text(&r.srcform),
                    Col::Period => Cell::text(match r.return_period() {
                        Some(p) => format!("{:02}/{}", p.month(), p.year()),
                        None => r.rtnprd.clone(),
                    }),
                    Col::Action => Cell::text(r.action.label()),
                    Col::Local => Cell::opt_text(self.local.get(&r.key(section)).map(String::as_str)),
                    Col::Blocked => Cell::text(if r.pending_blocked() { "blocked" } else { "allowed" }),
                    Col::Filed => Cell::text(if r.supplier_filed() { "filed" } else { "not filed" }),
                })
                .collect();
            let flags: Vec<String> = r
                .flags()
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            row.extend([
                Cell::opt_text(r.original_number()),
                Cell::date_or_text(r.original_date().unwrap_or("")),
                Cell::opt_text(r.remarks.as_deref()),
                if flags.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(flags.join("; "))
                },
            ]);
            t.push(row);
        }
        t
    }
}
