//! The simulator's mutable state: per-taxpayer IMS records and ledgers, sessions, and the
//! asynchronous jobs (IMS save/reset, GSTR-2B regeneration) with their results.
//!
//! Locks are std locks held only for short, non-async sections. Lock order: `jobs` before a
//! taxpayer's `ims`; nothing takes them the other way round.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::Value;
use tokio::sync::mpsc;

use super::data::{self, Extra, ImsBook, PROFILES, money, paise};
use super::ledgers::{LedgerBook, generate_ledgers};
use super::rng::mix;
use super::{DemoTaxpayer, SimConfig};
use crate::api::wire::{ErrorReportDoc, ErrorReportEntry, RegenStatus, SaveItem, SaveRequest, SaveStatus};
use crate::domain::gstin::build_normal;
use crate::domain::ims::{Action, GoodsType, RecordKey, Section, YesNo, needs_itc_declaration};
use crate::domain::period::ReturnPeriod;

/// GSTN error codes: the documented ones (`api.md` §10) and, marked *sim*, the ones the
/// simulator had to choose because no public text names them.
pub mod codes {
    pub const INVALID_SESSION: (&str, &str) = ("AUTH4033", "Invalid Session");
    pub const MAX_SESSIONS: (&str, &str) = (
        "AUTH403",
        "Maximum session allowed for user with this GSP account exceeded.",
    );
    pub const OTP_SERVER_DOWN: (&str, &str) = (
        "TEC4001",
        "OTP generation failed as OTP server is down. Contact Support",
    );
    /// *sim*: OTP asked for a username/GSTIN that is not a demo taxpayer.
    pub const UNKNOWN_TAXPAYER: &str = "AUTH4031";
    pub const SCHEMA: (&str, &str) = ("IMSSAV005", "Schema validation failure");
    pub const PREV_STATUS: (&str, &str) = (
        "IMSSAV0010",
        "Either previous action is incorrect/ invoice might have edited by supplier",
    );
    pub const ITC_RED_REQ: (&str, &str) = ("IMSSAV0054", "enter value for itcRedReq");
    /// *sim*
    pub const NOT_FOUND: (&str, &str) = ("IMSSAV0013", "No invoice found for the given details");
    /// *sim*
    pub const PENDING_BLOCKED: (&str, &str) = ("IMSSAV0052", "Pending action is not allowed for this record");
    /// *sim*
    pub const IMPORT_REJECT: (&str, &str) = ("IMSSAV0046", "Reject action is not allowed for import of goods");
    /// *sim*: bad `section`, `status` or `type_of_goods` query value.
    pub const BAD_SECTION: &str = "IMS0001";
    pub const BAD_STATUS: &str = "IMS0002";
    pub const BAD_GOODS: &str = "IMS0003";
    pub const NO_TRANSACTION: (&str, &str) = ("IMS0008", "No records found for requested internal transaction Id");
    pub const REGEN_FILED: (&str, &str) = (
        "IMS2B007",
        "Either the entered ITC period is incorrect or it has 3B filed",
    );
    pub const REGEN_TOO_EARLY: &str = "IMS2B009";
    pub const TO_DATE_FUTURE: (&str, &str) = ("LG9089", "To Date cannot be beyond the current date");
    /// *sim*: a ledger date that is not `DD/MM/YYYY`.
    pub const BAD_DATE: &str = "LG9087";
    /// *sim*
    pub const FROM_AFTER_TO: (&str, &str) = ("LG9088", "From Date cannot be after To Date");
    /// *sim*: a ledger path period that is malformed or in the future.
    pub const BAD_PERIOD: &str = "LG9090";
}

/// One demo taxpayer's data.
pub(crate) struct TaxpayerData {
    pub info: DemoTaxpayer,
    pub ims: RwLock<ImsBook>,
    pub ledgers: LedgerBook,
    /// GSTR-1/1A sections and GSTR-3B details (export ledger).
    pub returns: super::returns::ReturnsBook,
}

pub(crate) struct Session {
    pub taxpayer: usize,
    pub token_expiry: i64,
    pub session_expiry: i64,
    /// Replaced by a refresh or ended by logout.
    pub revoked: bool,
}

#[derive(Default)]
pub(crate) struct AuthState {
    /// Platform token → expiry (epoch ms).
    pub platform: HashMap<String, i64>,
    /// (username lower-case, GSTIN) → when the OTP was sent (epoch ms).
    pub otps: HashMap<(String, String), i64>,
    pub sessions: HashMap<String, Session>,
    /// Test switch: the OTP server is down (generate OTP answers TEC4001).
    pub otp_server_down: bool,
}

pub(crate) enum JobWork {
    Save { body: Vec<u8>, reset: bool },
    Regen,
}

pub(crate) enum JobResult {
    Save(SaveStatus),
    Regen(RegenStatus),
}

pub(crate) struct Job {
    pub taxpayer: usize,
    pub due: Instant,
    /// `SAV`/`RST` for IMS jobs, `None` for regeneration.
    trans: Option<&'static str>,
    work: Option<JobWork>,
    result: Option<JobResult>,
}

/// Jobs by reference id, plus the ones not yet run in submission order (every job waits the
/// same `save_processing_ms`, so this is also due order).
#[derive(Default)]
pub(crate) struct Jobs {
    map: HashMap<String, Job>,
    pending: VecDeque<String>,
}

/// The whole simulator, shared by every handler.
pub(crate) struct Sim {
    pub cfg: SimConfig,
    pub taxpayers: Vec<TaxpayerData>,
    pub auth: Mutex<AuthState>,
    pub jobs: Mutex<Jobs>,
    pub faults: Mutex<super::faults::FaultState>,
    /// Wakes the job task when a job falls due.
    pub job_queue: Mutex<Option<mpsc::UnboundedSender<Instant>>>,
    ids: AtomicU64,
    /// GSTR-1 / GSTR-1A section and summary and GSTR-3B details requests served (tests prove the export
    /// ledger's cache with it).
    pub returns_requests: AtomicU64,
    /// Of those, GSTR-1 / GSTR-1A summary requests.
    pub summary_requests: AtomicU64,
    /// Test switch: how the GSTR-1 / GSTR-1A summary answers (`returns::SummaryMode`).
    pub summary_mode: AtomicU8,
}

impl Sim {
    pub fn new(cfg: SimConfig) -> Sim {
        let taxpayers = PROFILES
            .iter()
            .enumerate()
            .map(|(t, p)| {
                let gstin = build_normal(p.state, p.pan, '1')
                    .expect("demo GSTIN is valid")
                    .as_str()
                    .to_string();
                let n = if t == 0 { cfg.records } else { cfg.records / 4 };
                let state: u8 = p.state.parse().expect("numeric state code");
                TaxpayerData {
                    info: DemoTaxpayer {
                        username: p.username.into(),
                        gstin: gstin.clone(),
                        trade_name: p.trade_name.into(),
                    },
                    ims: RwLock::new(data::generate_book(cfg.seed, t, state, n, cfg.today)),
                    ledgers: generate_ledgers(cfg.seed, t, &gstin, p.state, cfg.today),
                    returns: super::returns::generate_returns(
                        cfg.seed,
                        t,
                        &gstin,
                        super::ledgers::last_filed(cfg.today),
                    ),
                }
            })
            .collect();
        Sim {
            faults: Mutex::new(super::faults::FaultState::new(&cfg)),
            cfg,
            taxpayers,
            auth: Mutex::new(AuthState::default()),
            jobs: Mutex::new(Jobs::default()),
            job_queue: Mutex::new(None),
            ids: AtomicU64::new(0),
            returns_requests: AtomicU64::new(0),
            summary_requests: AtomicU64::new(0),
            summary_mode: AtomicU8::new(super::returns::SummaryMode::Served as u8),
        }
    }

    pub fn summary_mode(&self) -> super::returns::SummaryMode {
        super::returns::SummaryMode::from_u8(self.summary_mode.load(Ordering::Relaxed))
    }

    pub fn taxpayer_by_gstin(&self, gstin: &str) -> Option<usize> {
        self.taxpayers
            .iter()
            .position(|t| t.info.gstin.eq_ignore_ascii_case(gstin.trim()))
    }

    pub fn today(&self) -> NaiveDate {
        self.cfg.today
    }

    /// GSTR-3B is filed for every period up to two months before today.
    pub fn gstr3b_filed(&self, p: ReturnPeriod) -> bool {
        p <= super::ledgers::last_filed(self.cfg.today)
    }

    /// A reference id like Sandbox's (`0032e479bcb644c`): 15 hex digits, unique per sim.
    pub fn new_reference_id(&self) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        format!("{:015x}", mix(self.cfg.seed ^ mix(n + 1)) >> 4)
    }

    /// Queues an asynchronous job; with `save_processing_ms == 0` it runs at once.
    pub fn submit(&self, taxpayer: usize, work: JobWork) -> String {
        let id = self.new_reference_id();
        let due = Instant::now() + Duration::from_millis(self.cfg.save_processing_ms);
        let trans = match &work {
            JobWork::Save { reset, .. } => Some(if *reset { "RST" } else { "SAV" }),
            JobWork::Regen => None,
        };
        {
            let mut jobs = self.jobs.lock().expect("jobs lock");
            let job = Job {
                taxpayer,
                due,
                trans,
                work: Some(work),
                result: None,
            };
            jobs.map.insert(id.clone(), job);
            jobs.pending.push_back(id.clone());
        }
        if self.cfg.save_processing_ms == 0 {
            self.process_due();
        } else if let Some(tx) = self.job_queue.lock().expect("queue lock").as_ref() {
            let _ = tx.send(due);
        }
        id
    }

    /// Runs every job that is due, oldest first (called by the job task, and by status
    /// queries so a poll never sees `IP` after the processing time has passed).
    pub fn process_due(&self) {
        let now = Instant::now();
        let mut jobs = self.jobs.lock().expect("jobs lock");
        while let Some(id) = jobs.pending.front().cloned() {
            let Some(job) = jobs.map.get_mut(&id) else {
                jobs.pending.pop_front();
                continue;
            };
            if job.due > now {
                break;
            }
            let work = job.work.take();
            let taxpayer = job.taxpayer;
            let result = match work {
                Some(JobWork::Save { body, reset }) => JobResult::Save(self.run_save(taxpayer, &body, reset)),
                Some(JobWork::Regen) | None => JobResult::Regen(RegenStatus {
                    status_cd: "P".into(),
                    err_cd: String::new(),
                    err_msg: String::new(),
                }),
            };
            if let Some(job) = jobs.map.get_mut(&id) {
                job.result = Some(result);
            }
            jobs.pending.pop_front();
        }
    }

    /// The job's status for `taxpayer`; `None` when they have no such job of that kind.
    pub fn job_status(&self, taxpayer: usize, id: &str, regen: bool) -> Option<Value> {
        self.process_due();
        let jobs = self.jobs.lock().expect("jobs lock");
        let job = jobs
            .map
            .get(id)
            .filter(|j| j.taxpayer == taxpayer && j.trans.is_none() == regen)?;
        Some(
            match &job.result {
                Some(JobResult::Save(s)) => serde_json::to_value(s),
                Some(JobResult::Regen(r)) => serde_json::to_value(r),
                None if regen => serde_json::to_value(RegenStatus {
                    status_cd: "IP".into(),
                    ..RegenStatus::default()
                }),
                None => serde_json::to_value(SaveStatus {
                    status_cd: "IP".into(),
                    trans_typ_cd: job.trans.map(String::from),
                    ..SaveStatus::default()
                }),
            }
            .expect("status serialises"),
        )
    }

    /// Validates and applies a save or reset body, returning its final status.
    fn run_save(&self, taxpayer: usize, body: &[u8], reset: bool) -> SaveStatus {
        let trans = if reset { "RST" } else { "SAV" };
        let req = match self.validate(taxpayer, body, reset) {
            Ok(r) => r,
            Err(why) => {
                tracing::debug!("sim: {trans} rejected by schema validation: {why}");
                return SaveStatus {
                    status_cd: "ER".into(),
                    trans_typ_cd: Some(trans.into()),
                    proc_cnt: Some("0".into()),
                    err_cnt: Some("0".into()),
                    err_cd: Some(codes::SCHEMA.0.into()),
                    err_msg: Some(codes::SCHEMA.1.into()),
                    error_report: BTreeMap::new(),
                };
            }
        };
        let mut book = self.taxpayers[taxpayer].ims.write().expect("ims lock");
        let mut processed = 0u32;
        let mut report: BTreeMap<String, Vec<ErrorReportEntry>> = BTreeMap::new();
        for (key, items) in &req.invdata {
            let section = Section::from_key(key).expect("validated");
            for item in items {
                match apply_item(&mut book, section, item, reset) {
                    Ok(()) => processed += 1,
                    Err((code, msg)) => {
                        let entries = report.entry(key.clone()).or_default();
                        let doc = ErrorReportDoc {
                            inum: item.doc_number().to_string(),
                            rtnprd: item.rtnprd.clone(),
                        };
                        match entries.iter_mut().find(|e| e.stin == item.stin && e.error_cd == code) {
                            Some(e) => e.inv.push(doc),
                            None => entries.push(ErrorReportEntry {
                                stin: item.stin.clone(),
                                error_cd: code.into(),
                                error_msg: msg.into(),
                                inv: vec![doc],
                            }),
                        }
                    }
                }
            }
        }
        let errors: usize = report.values().flatten().map(|e| e.inv.len()).sum();
        SaveStatus {
            status_cd: if errors == 0 { "P" } else { "PE" }.into(),
            trans_typ_cd: Some(trans.into()),
            proc_cnt: Some(processed.to_string()),
            err_cnt: Some(errors.to_string()),
            err_cd: None,
            err_msg: None,
            error_report: report,
        }
    }

    /// The schema-level checks GSTN runs before looking at any record (`IMSSAV005`).
    fn validate(&self, taxpayer: usize, body: &[u8], reset: bool) -> Result<SaveRequest, String> {
        let req: SaveRequest = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
        if !req.rtin.eq_ignore_ascii_case(&self.taxpayers[taxpayer].info.gstin) {
            return Err(format!("rtin {} is not the session GSTIN", req.rtin));
        }
        let want = if reset { "RESET" } else { "SAVE" };
        if req.reqtyp != want {
            return Err(format!("reqtyp must be {want}, found {:?}", req.reqtyp));
        }
        if req.invdata.values().all(|v| v.is_empty()) {
            return Err("invdata has no records".into());
        }
        for (key, items) in &req.invdata {
            let section = Section::from_key(key).ok_or_else(|| format!("unknown invdata section {key:?}"))?;
            for it in items {
                check_item(section, it, reset)?;
            }
        }
        Ok(req)
    }
}

fn check_item(section: Section, it: &SaveItem, reset: bool) -> Result<(), String> {
    if !reset && !matches!(it.action, Some(Action::Accepted | Action::Rejected | Action::Pending)) {
        return Err(format!(
            "action must be A, R or P, found {:?}",
            it.action.as_ref().map(Action::code)
        ));
    }
    if matches!(it.prev_status, Action::Other(_)) {
        return Err(format!("prev_status {:?} is not A, R, P or N", it.prev_status.code()));
    }
    ReturnPeriod::from_wire(&it.rtnprd).map_err(|e| e.0)?;
    if !["R1", "R1A", "IFF"].contains(&it.srcform.as_str()) {
        return Err(format!("srcform {:?}", it.srcform));
    }
    let pos_ok = it.pos.len() == 2
        && it
            .pos
            .parse::<u8>()
            .is_ok_and(|p| (1..=38).contains(&p) || p == 96 || p == 97);
    if !pos_ok {
        return Err(format!("pos {:?}", it.pos));
    }
    let (num, date) = if section.is_note() {
        (&it.nt_num, &it.nt_dt)
    } else {
        (&it.inum, &it.idt)
    };
    if num.as_deref().is_none_or(|n| n.is_empty() || n.len() > 16) || date.as_deref().is_none_or(str::is_empty) {
        return Err(format!("{section}: document number/date missing"));
    }
    if let Some(t) = &it.inv_typ
        && !["R", "DE", "SEWP", "SEWOP", "CBW"].contains(&t.as_str())
    {
        return Err(format!("inv_typ {t:?}"));
    }
    for m in [it.val, it.txval, it.iamt, it.camt, it.samt, it.cess] {
        if m.0.is_sign_negative() || paise(m).is_none() {
            return Err(format!("amount {m}"));
        }
    }
    if let Some(v) = &it.itc_red_req
        && v != "Y"
        && v != "N"
    {
        return Err(format!("itcRedReq {v:?}"));
    }
    Ok(())
}

type ItemError = (&'static str, &'static str);

fn apply_item(book: &mut ImsBook, section: Section, it: &SaveItem, reset: bool) -> Result<(), ItemError> {
    if section.goods() == GoodsType::Imports && !reset && it.action == Some(Action::Rejected) {
        return Err(codes::IMPORT_REJECT);
    }
    let key = RecordKey {
        section,
        stin: it.stin.clone(),
        doc_num: it.doc_number().to_string(),
        doc_date: it.doc_date().to_string(),
    };
    let i = book.find(&key).ok_or(codes::NOT_FOUND)?;
    let rec = book.record(i);
    let same_values = rec.rtnprd == it.rtnprd
        && rec.srcform == it.srcform
        && rec.pos == it.pos
        && rec.inv_typ == it.inv_typ
        && [rec.val, rec.txval, rec.iamt, rec.camt, rec.samt, rec.cess]
            == [it.val, it.txval, it.iamt, it.camt, it.samt, it.cess];
    if rec.action != it.prev_status || !same_values {
        return Err(codes::PREV_STATUS);
    }
    if reset {
        book.apply(i, &Action::NoAction, None);
        return Ok(());
    }
    let action = it.action.clone().expect("validated");
    if action == Action::Pending && rec.pending_blocked() {
        return Err(codes::PENDING_BLOCKED);
    }
    if action == Action::Accepted && needs_itc_declaration(section, &rec) && it.itc_red_req.is_none() {
        return Err(codes::ITC_RED_REQ);
    }
    let extra = Extra {
        remarks: it.remarks.clone().filter(|r| !r.is_empty()),
        itc_red_req: it
            .itc_red_req
            .as_deref()
            .map(|v| if v == "Y" { YesNo::Yes } else { YesNo::No }),
        decl: [it.decl_igst, it.decl_cgst, it.decl_sgst, it.decl_cess].map(|d| d.and_then(|m| paise(m).map(money))),
    };
    book.apply(i, &action, Some(extra));
    Ok(())
}

/// Epoch milliseconds now.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `DD/MM/YYYY` of the day GSTR-2B for `p` becomes available (the 14th of the next month).
pub(crate) fn gstr2b_available_from(p: ReturnPeriod) -> NaiveDate {
    let n = p.next();
    NaiveDate::from_ymd_opt(n.year(), n.month(), 14).expect("valid date")
}
