//! The one confirm popup for bulk and irreversible actions. It names the count and the tax
//! effect, lists what the rules refused, and collects what the action needs: remarks for
//! reject/pending, the ITC-reduction declaration for accepted credit notes.

use std::sync::Arc;

use crate::domain::ims::{ImsRecord, ItcReduction};
use crate::domain::{Money, ReturnPeriod, Section};
use crate::sync::{Decision, Target};

/// The answer to "does ITC need to be reduced?" for accepted credit notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItcChoice {
    /// ITC was availed and is reversed in full.
    Full,
    /// ITC was never availed.
    NotAvailed,
    /// Part of the ITC is reversed: the amounts per head are typed in (one record only).
    Partial,
}

impl ItcChoice {
    pub fn label(self) -> &'static str {
        match self {
            ItcChoice::Full => "Yes: ITC was availed, reduce it in full",
            ItcChoice::NotAvailed => "No: ITC was not availed",
            ItcChoice::Partial => "Partly: reduce these amounts (IGST CGST SGST cess)",
        }
    }
    /// The next answer; Partial only when one record is declared (amounts are per document).
    pub fn next(self, partial_ok: bool) -> ItcChoice {
        match self {
            ItcChoice::Full => ItcChoice::NotAvailed,
            ItcChoice::NotAvailed if partial_ok => ItcChoice::Partial,
            ItcChoice::NotAvailed | ItcChoice::Partial => ItcChoice::Full,
        }
    }
}

/// Parses `1200 0 0 10.5` (or comma-separated) into a partial reduction: IGST, CGST, SGST and
/// cess in that order; missing trailing amounts are zero.
pub fn parse_partial(text: &str) -> Result<ItcReduction, String> {
    let parts: Vec<&str> = text.split([' ', ',']).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err("type the amounts to reduce: IGST CGST SGST cess, e.g. 1200 0 0 0".into());
    }
    if parts.len() > 4 {
        return Err(format!(
            "{} amounts typed; expected at most 4 (IGST CGST SGST cess)",
            parts.len()
        ));
    }
    let mut m = [Money::default(); 4];
    for (i, p) in parts.iter().enumerate() {
        m[i] = Money::parse(p).map_err(|e| format!("{}: {e}", ["IGST", "CGST", "SGST", "cess"][i]))?;
    }
    Ok(ItcReduction::Partial {
        igst: m[0],
        cgst: m[1],
        sgst: m[2],
        cess: m[3],
    })
}

/// Decisions ready to stage: which records of the data, with what each may or must carry.
/// The decisions themselves (each holds a copy of its record, per the sync contract) are
/// built only on confirm, so opening the popup over 100,000 records stays quick.
#[derive(Clone, Debug, PartialEq)]
pub struct StagePlan {
    pub section: Section,
    pub target: Target,
    pub records: Arc<Vec<ImsRecord>>,
    /// Record indices.
    pub items: Vec<u32>,
    /// The rules allow remarks on this decision.
    pub remarks_ok: Vec<bool>,
    /// This decision needs the ITC-reduction declaration.
    pub itc_needed: Vec<bool>,
}

impl StagePlan {
    pub fn new(section: Section, target: Target, records: Arc<Vec<ImsRecord>>) -> StagePlan {
        StagePlan {
            section,
            target,
            records,
            items: Vec::new(),
            remarks_ok: Vec::new(),
            itc_needed: Vec::new(),
        }
    }
    pub fn push(&mut self, i: usize, remarks_ok: bool, itc_needed: bool) {
        self.items.push(i as u32);
        self.remarks_ok.push(remarks_ok);
        self.itc_needed.push(itc_needed);
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The decisions, with remarks and the declaration filled in where they apply.
    pub fn finish(self, remarks: Option<&str>, itc: Option<ItcReduction>) -> Vec<Decision> {
        let remarks = remarks.map(str::trim).filter(|r| !r.is_empty());
        self.items
            .iter()
            .enumerate()
            .map(|(n, &i)| Decision {
                section: self.section,
                record: self.records[i as usize].clone(),
                target: self.target.clone(),
                remarks: if self.remarks_ok[n] {
                    remarks.map(str::to_string)
                } else {
                    None
                },
                itc_reduction: if self.itc_needed[n] { itc.clone() } else { None },
            })
            .collect()
    }
}

/// What Enter in the popup does.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfirmOp {
    Stage(StagePlan),
    Push,
    /// Save everything but the decisions on these records (their period's GSTR-3B is filed).
    PushHolding(Vec<crate::domain::ims::RecordKey>),
    Regenerate2b(ReturnPeriod),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConfirmState {
    /// The question, with the count and the tax effect.
    pub title: String,
    /// Details: refused records with the reason, warnings.
    pub lines: Vec<String>,
    /// Remarks typed so far, when the action takes remarks.
    pub remarks: Option<String>,
    /// The ITC-reduction answer, when some record needs it.
    pub itc: Option<ItcChoice>,
    /// Amounts typed for a partial reduction.
    pub amounts: String,
    /// Why Enter did not go through (bad amounts); the popup stays open.
    pub error: Option<String>,
    pub op: ConfirmOp,
}

/// Longest remarks GSTN takes.
pub const REMARKS_MAX: usize = 250;
