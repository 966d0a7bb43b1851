//! The one confirm popup for bulk and irreversible actions. It names the count and the tax
//! effect, lists what the rules refused, and collects what the action needs: remarks for
//! reject/pending, the ITC-reduction declaration for accepted credit notes.

use crate::domain::ReturnPeriod;
use crate::domain::ims::ItcReduction;
use crate::sync::Decision;

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

/// Decisions ready to stage, with what each may or must carry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StagePlan {
    pub decisions: Vec<Decision>,
    /// The rules allow remarks on this decision.
    pub remarks_ok: Vec<bool>,
    /// This decision needs the ITC-reduction declaration.
    pub itc_needed: Vec<bool>,
}

impl StagePlan {
    pub fn len(&self) -> usize {
        self.decisions.len()
    }
    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }
    /// Fills in remarks and the declaration where they apply.
    pub fn finish(mut self, remarks: Option<&str>, itc: Option<ItcChoice>) -> Vec<Decision> {
        let remarks = remarks.map(str::trim).filter(|r| !r.is_empty());
        for (i, d) in self.decisions.iter_mut().enumerate() {
            if self.remarks_ok[i] {
                d.remarks = remarks.map(str::to_string);
            }
            if self.itc_needed[i] {
                d.itc_reduction = itc.map(ItcChoice::reduction);
            }
        }
        self.decisions
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
