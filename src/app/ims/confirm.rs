//! The one confirm popup for bulk and irreversible actions. It names the count and the tax
//! effect, lists what the rules refused, and collects what the action needs: remarks for
//! reject/pending, the ITC-reduction declaration for accepted credit notes.

use std::sync::Arc;

use crate::domain::ims::{ImsRecord, ItcReduction};
use crate::domain::{ReturnPeriod, Section};
use crate::sync::{Decision, Target};

/// The answer to "does ITC need to be reduced?" for accepted credit notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItcChoice {
    /// ITC was availed and is reversed in full.
    Full,
    /// ITC was never availed.
    NotAvailed,
}

impl ItcChoice {
    pub fn label(self) -> &'static str {
        match self {
            ItcChoice::Full => "Yes: ITC was availed, reduce it in full",
            ItcChoice::NotAvailed => "No: ITC was not availed",
        }
    }
    pub fn next(self) -> ItcChoice {
        match self {
            ItcChoice::Full => ItcChoice::NotAvailed,
            ItcChoice::NotAvailed => ItcChoice::Full,
        }
    }
    pub fn reduction(self) -> ItcReduction {
        match self {
            ItcChoice::Full => ItcReduction::Full,
            ItcChoice::NotAvailed => ItcReduction::None,
        }
    }
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
    pub fn finish(self, remarks: Option<&str>, itc: Option<ItcChoice>) -> Vec<Decision> {
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
                itc_reduction: if self.itc_needed[n] {
                    itc.map(ItcChoice::reduction)
                } else {
                    None
                },
            })
            .collect()
    }
}

/// What Enter in the popup does.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfirmOp {
    Stage(StagePlan),
    Push,
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
    pub op: ConfirmOp,
}

/// Longest remarks GSTN takes.
pub const REMARKS_MAX: usize = 250;
