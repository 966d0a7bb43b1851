//! Outward supplies as the supplier sees them in IMS (`api.md` §4): Get Sales Invoices with
//! the recipient's action per document, and the rejected records whose liability was added
//! back. Sections the app does not summarise are kept (`other`) and counted, never dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::export_ledger::NumberedItem;
use super::ims::Action;
use super::money::Money;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesInvoice {
    pub inum: String,
    pub idt: String,
    #[serde(default)]
    pub val: Money,
    #[serde(default)]
    pub pos: String,
    #[serde(default)]
    pub inv_typ: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default)]
    pub itms: Vec<NumberedItem>,
    /// The recipient's IMS action: `A`, `R`, `P`; absent = no action yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsactn: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesParty {
    pub ctin: String,
    /// Counter-party filing status GSTN reports for the recipient (`Y` filed / `N` not):
    /// shown as whether the recipient filed its return (GSTR-3B) for the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfs: Option<String>,
    #[serde(default)]
    pub inv: Vec<SalesInvoice>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesNote {
    pub nt_num: String,
    pub nt_dt: String,
    pub ntty: String,
    #[serde(default)]
    pub val: Money,
    #[serde(default)]
    pub inv_typ: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ont_dt: Option<String>,
    #[serde(default)]
    pub itms: Vec<NumberedItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsactn: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesNoteParty {
    pub ctin: String,
    /// Counter-party filing status GSTN reports for the recipient (`Y` filed / `N` not):
    /// shown as whether the recipient filed its return (GSTR-3B) for the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfs: Option<String>,
    #[serde(default)]
    pub nt: Vec<SalesNote>,
}

/// The `gstr1` or `gstr1a` part of Get Sales Invoices.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesForm {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub b2b: Vec<SalesParty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub b2ba: Vec<SalesParty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnr: Vec<SalesNoteParty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnra: Vec<SalesNoteParty>,
    /// `ecom`, `ecoma` and anything else, as received.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDoc {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub rtnprd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gstr1: Option<SalesForm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gstr1a: Option<SalesForm>,
}

/// Counts by the recipient's action, with the document values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ActionCounts {
    pub accepted: usize,
    pub rejected: usize,
    pub pending: usize,
    pub no_action: usize,
    /// Codes we do not know (kept, counted).
    pub other: usize,
    pub value: Money,
    pub tax: Money,
}

impl ActionCounts {
    fn add(&mut self, imsactn: Option<&str>, value: Money, tax: Money) {
        match Action::from_code(imsactn.unwrap_or("")) {
            Action::Accepted => self.accepted += 1,
            Action::Rejected => self.rejected += 1,
            Action::Pending => self.pending += 1,
            Action::NoAction => self.no_action += 1,
            Action::Other(_) => self.other += 1,
        }
        self.value += value;
        self.tax += tax;
    }
    pub fn total(&self) -> usize {
        self.accepted + self.rejected + self.pending + self.no_action + self.other
    }
}

/// One line of the summary: form (R1 / R1A), the portal's table, counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SummaryLine {
    pub form: &'static str,
    pub section: String,
    /// The portal's table numbers: 4A/4B/6B/6C, 9A, 9B, 9C, 15, 15A.
    pub table: &'static str,
    pub counts: ActionCounts,
}

pub fn portal_table(section: &str) -> &'static str {
    match section {
        "b2b" => "4A/4B/6B/6C",
        "b2ba" => "9A",
        "cdnr" => "9B",
        "cdnra" => "9C",
        "ecom" => "15",
        "ecoma" => "15A",
        _ => "?",
    }
}

fn tax_of(items: &[NumberedItem]) -> Money {
    items
        .iter()
        .map(|i| {
            let d = &i.itm_det;
            d.iamt + d.camt.unwrap_or_default() + d.samt.unwrap_or_default() + d.csamt
        })
        .sum()
}

/// Summary by form and section, in the portal's order. Sections present but not summarised
/// (e-commerce) get a line with their document count under "other".
pub fn summarise(doc: &SalesDoc) -> Vec<SummaryLine> {
    let mut out = vec![];
    for (form, f) in [("R1", &doc.gstr1), ("R1A", &doc.gstr1a)] {
        let Some(f) = f else { continue };
        let inv = |name: &str, parties: &[SalesParty]| {
            let mut c = ActionCounts::default();
            for i in parties.iter().flat_map(|p| &p.inv) {
                c.add(i.imsactn.as_deref(), i.val, tax_of(&i.itms));
            }
            (c.total() > 0).then(|| SummaryLine {
                form,
                section: name.into(),
                table: portal_table(name),
                counts: c,
            })
        };
        out.extend(inv("b2b", &f.b2b));
        out.extend(inv("b2ba", &f.b2ba));
        for (name, parties) in [("cdnr", &f.cdnr), ("cdnra", &f.cdnra)] {
            let mut c = ActionCounts::default();
            for n in parties.iter().flat_map(|p| &p.nt) {
                c.add(n.imsactn.as_deref(), n.val, tax_of(&n.itms));
            }
            if c.total() > 0 {
                out.push(SummaryLine {
                    form,
                    section: name.into(),
                    table: portal_table(name),
                    counts: c,
                });
            }
        }
        for (name, v) in &f.other {
            let n = v.as_array().map_or(0, |a| a.len());
            out.push(SummaryLine {
                form,
                section: name.clone(),
                table: portal_table(name),
                counts: ActionCounts {
                    other: n,
                    ..Default::default()
                },
            });
        }
    }
    out
}

/// One outward document as the records table shows it: the recipient, the document, its
/// values and taxes, and what the recipient did with it in IMS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutwardRecord {
    /// `R1` (GSTR-1) or `R1A` (GSTR-1A): the form the document was reported in.
    pub form: &'static str,
    pub section: &'static str,
    /// The portal's table: 4A/4B/6B/6C, 9A, 9B, 9C.
    pub table: &'static str,
    pub ctin: String,
    pub doc: String,
    /// Date as GSTN sent it (`dd-mm-yyyy`).
    pub date: String,
    /// Invoice type (R, SEWP…) or note type (C credit, D debit).
    pub typ: String,
    pub val: Money,
    pub txval: Money,
    pub iamt: Money,
    pub camt: Money,
    pub samt: Money,
    pub csamt: Money,
    /// Return period (`MMYYYY`) of the sales document set.
    pub rtnprd: String,
    pub action: Action,
    /// `cfs` as sent: `Y`, `N`, or `None` when GSTN sent nothing.
    pub recipient_filed: Option<String>,
}

fn item_sums(items: &[NumberedItem]) -> [Money; 5] {
    let mut t = [Money::ZERO; 5];
    for i in items {
        let d = &i.itm_det;
        t[0] += d.txval;
        t[1] += d.iamt;
        t[2] += d.camt.unwrap_or_default();
        t[3] += d.samt.unwrap_or_default();
        t[4] += d.csamt;
    }
    t
}

/// Every invoice and note of `doc`, form by form in the portal's order (B2B, B2BA, CDNR,
/// CDNRA). E-commerce sections are counted in the summary, not listed.
pub fn records(doc: &SalesDoc) -> Vec<OutwardRecord> {
    let mut out = vec![];
    for (form, f) in [("R1", &doc.gstr1), ("R1A", &doc.gstr1a)] {
        let Some(f) = f else { continue };
        for (section, parties) in [("b2b", &f.b2b), ("b2ba", &f.b2ba)] {
            for p in parties.iter() {
                for i in &p.inv {
                    let [txval, iamt, camt, samt, csamt] = item_sums(&i.itms);
                    out.push(OutwardRecord {
                        form,
                        section,
                        table: portal_table(section),
                        ctin: p.ctin.clone(),
                        doc: i.inum.clone(),
                        date: i.idt.clone(),
                        typ: i.inv_typ.clone(),
                        val: i.val,
                        txval,
                        iamt,
                        camt,
                        samt,
                        csamt,
                        rtnprd: doc.rtnprd.clone(),
                        action: Action::from_code(i.imsactn.as_deref().unwrap_or("")),
                        recipient_filed: p.cfs.clone(),
                    });
                }
            }
        }
        for (section, parties) in [("cdnr", &f.cdnr), ("cdnra", &f.cdnra)] {
            for p in parties.iter() {
                for n in &p.nt {
                    let [txval, iamt, camt, samt, csamt] = item_sums(&n.itms);
                    out.push(OutwardRecord {
                        form,
                        section,
                        table: portal_table(section),
                        ctin: p.ctin.clone(),
                        doc: n.nt_num.clone(),
                        date: n.nt_dt.clone(),
                        typ: n.ntty.clone(),
                        val: n.val,
                        txval,
                        iamt,
                        camt,
                        samt,
                        csamt,
                        rtnprd: doc.rtnprd.clone(),
                        action: Action::from_code(n.imsactn.as_deref().unwrap_or("")),
                        recipient_filed: p.cfs.clone(),
                    });
                }
            }
        }
    }
    out
}

/// A rejected record whose liability came back to the supplier (`api.md` §4.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedBackRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tradenm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inv_typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oinum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nt_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nt_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntty: Option<String>,
    #[serde(default)]
    pub val: Money,
    #[serde(default)]
    pub txval: Money,
    #[serde(default)]
    pub iamt: Money,
    #[serde(default)]
    pub camt: Money,
    #[serde(default)]
    pub samt: Money,
    #[serde(default)]
    pub csamt: Money,
    #[serde(default, rename = "supPrd")]
    pub sup_prd: String,
    #[serde(default)]
    pub form: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedBackSections {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub b2ba: Vec<AddedBackRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnr: Vec<AddedBackRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdnra: Vec<AddedBackRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecoma: Vec<AddedBackRecord>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedBack {
    #[serde(default)]
    pub gstin: String,
    #[serde(default)]
    pub rtnprd: String,
    #[serde(default, rename = "rejInvAddBackLiab")]
    pub records: AddedBackSections,
}

impl AddedBack {
    /// Every record with its section name.
    pub fn all(&self) -> Vec<(&'static str, &AddedBackRecord)> {
        let r = &self.records;
        let mut out: Vec<(&'static str, &AddedBackRecord)> = vec![];
        out.extend(r.b2ba.iter().map(|x| ("b2ba", x)));
        out.extend(r.cdnr.iter().map(|x| ("cdnr", x)));
        out.extend(r.cdnra.iter().map(|x| ("cdnra", x)));
        out.extend(r.ecoma.iter().map(|x| ("ecoma", x)));
        out
    }

    /// What comes back to the supplier's liability: (taxable value, IGST, CGST, SGST, cess).
    pub fn totals(&self) -> [Money; 5] {
        let mut t = [Money::ZERO; 5];
        for (_, r) in self.all() {
            for (i, v) in [r.txval, r.iamt, r.camt, r.samt, r.csamt].into_iter().enumerate() {
                t[i] += v;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_actions_and_keeps_unknown_sections() {
        let doc: SalesDoc = serde_json::from_str(
            r#"{"gstin":"27AAKCA4821K1ZI","rtnprd":"112024","gstr1":{
              "b2b":[{"ctin":"33ACPFS7134M1Z0","inv":[
                {"inum":"S1","idt":"01-11-2024","val":118,"itms":[{"num":1,"itm_det":{"rt":18,"txval":100,"iamt":18,"csamt":0}}],"imsactn":"A"},
                {"inum":"S2","idt":"02-11-2024","val":236,"itms":[{"num":1,"itm_det":{"rt":18,"txval":200,"iamt":36,"csamt":0}}],"imsactn":"R"},
                {"inum":"S3","idt":"03-11-2024","val":59,"itms":[{"num":1,"itm_det":{"rt":18,"txval":50,"camt":4.5,"samt":4.5,"csamt":0}}]}]}],
              "cdnr":[{"ctin":"33ACPFS7134M1Z0","nt":[{"nt_num":"C1","nt_dt":"05-11-2024","ntty":"C","val":11.8,"itms":[],"imsactn":"P"}]}],
              "ecom":[{"rtin":"x"}]}}"#,
        )
        .unwrap();
        let s = summarise(&doc);
        assert_eq!(s.len(), 3);
        let b2b = &s[0].counts;
        assert_eq!((b2b.accepted, b2b.rejected, b2b.no_action), (1, 1, 1));
        assert_eq!(b2b.value, Money::parse("413").unwrap());
        assert_eq!(b2b.tax, Money::parse("63").unwrap(), "18 + 36 + 4.5 + 4.5");
        assert_eq!(s[1].table, "9B");
        assert_eq!(s[1].counts.pending, 1);
        assert_eq!((s[2].section.as_str(), s[2].counts.other), ("ecom", 1));
    }

    #[test]
    fn records_list_every_invoice_and_note_with_its_taxes() {
        let doc: SalesDoc = serde_json::from_str(
            r#"{"gstin":"27AAKCA4821K1ZI","rtnprd":"112024","gstr1":{
              "b2b":[{"ctin":"33ACPFS7134M1Z0","cfs":"Y","inv":[
                {"inum":"S1","idt":"01-11-2024","val":118,"inv_typ":"R","itms":[{"num":1,"itm_det":{"rt":18,"txval":100,"iamt":18,"csamt":0}}],"imsactn":"A"}]}],
              "cdnr":[{"ctin":"29AAACB1234C1Z5","nt":[{"nt_num":"C1","nt_dt":"05-11-2024","ntty":"C","val":11.8,"itms":[{"num":1,"itm_det":{"rt":18,"txval":10,"camt":0.9,"samt":0.9,"csamt":0}}]}]}]},
              "gstr1a":{"b2ba":[{"ctin":"33ACPFS7134M1Z0","inv":[{"inum":"S0","idt":"01-10-2024","val":5,"itms":[],"imsactn":"R"}]}]}}"#,
        )
        .unwrap();
        let r = records(&doc);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].form, r[0].table, r[0].doc.as_str()), ("R1", "4A/4B/6B/6C", "S1"));
        assert_eq!((r[0].iamt, r[0].txval), (Money::from(18), Money::from(100)));
        assert_eq!(
            (r[0].action.clone(), r[0].recipient_filed.as_deref()),
            (Action::Accepted, Some("Y"))
        );
        assert_eq!(
            (r[1].table, r[1].typ.as_str(), r[1].action.clone()),
            ("9B", "C", Action::NoAction)
        );
        assert_eq!(r[1].camt, Money::parse("0.9").unwrap());
        assert_eq!(r[1].recipient_filed, None);
        assert_eq!(
            (r[2].form, r[2].table, r[2].action.clone()),
            ("R1A", "9A", Action::Rejected)
        );
    }

    #[test]
    fn added_back_totals() {
        let a: AddedBack = serde_json::from_str(
            r#"{"gstin":"27AAKCA4821K1ZI","rtnprd":"112024","rejInvAddBackLiab":{
              "cdnr":[{"ctin":"33ACPFS7134M1Z0","nt_num":"C1","nt_dt":"05-11-2024","ntty":"C","val":1180,"txval":1000,"iamt":180,"camt":0,"samt":0,"csamt":0,"supPrd":"102024","form":"R1"}],
              "b2ba":[{"ctin":"33ACPFS7134M1Z0","inum":"S9","idt":"01-10-2024","oinum":"S8","oidt":"01-09-2024","val":590,"txval":500,"iamt":0,"camt":45,"samt":45,"csamt":0,"supPrd":"102024","form":"R1"}]}}"#,
        )
        .unwrap();
        assert_eq!(a.all().len(), 2);
        let t = a.totals();
        assert_eq!(t[0], Money::from(1500));
        assert_eq!(t[1], Money::from(180));
        assert_eq!(t[2] + t[3], Money::from(90));
    }
}
