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
