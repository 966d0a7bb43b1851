//! Pull, push and GSTR-2B regeneration: the network work behind the engine's jobs, also run
//! directly by the `gstdash ims …` commands, so scripts and the screen share one code path.
//!
//! Push is a loop of rounds over the durable outbox (`store::outbox`):
//! 1. staged decisions are grouped into sends (save or reset, under the record and payload
//!    limits) in one transaction each;
//! 2. every send without a `reference_id` is posted; the id is written to disk before any
//!    polling. A send whose answer was lost (dropped connection, 500, kill) is posted again:
//!    GSTN's `prev_status` check refuses the repeat with IMSSAV0010, and the refetch below
//!    tells "our earlier post took effect" from a real conflict, so nothing applies twice;
//! 3. sends with a `reference_id` are polled with backoff until processed, and the
//!    per-record outcome is settled in one transaction (outbox, cached record, journal).
//!
//! A crash anywhere leaves a state the next push resumes from.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::changes::{ChangeKind, SectionChanges};
use super::engine::SharedStore;
use super::{Decision, Outcome, StagedDecision, SyncEvent, Target};
use crate::api::wire::{SaveItem, SaveRequest, SaveStatus};
use crate::api::{ApiError, Client, ErrorKind};
use crate::domain::ims::ItcReduction;
use crate::domain::{Action, ImsRecord, RecordKey, ReturnPeriod, Section};
use crate::store::{OutboxRow, OutboxState, SendKind, SendRow, StoreError};

/// Limits and pacing of a push.
#[derive(Clone, Copy, Debug)]
pub struct PushPolicy {
    /// Records per save/reset call (`api.md` §11: keep well under the 4 MB payload).
    pub max_records: usize,
    /// Serialised body bytes per call.
    pub max_body_bytes: usize,
    /// First and longest pause between status polls.
    pub poll_base: Duration,
    pub poll_max: Duration,
    /// Status polls per round before moving on (GSTN still processing).
    pub polls_per_round: u32,
    /// Pause after a round that hit errors, doubling up to `round_max`.
    pub round_base: Duration,
    pub round_max: Duration,
    /// Rounds in a row without progress before giving up for now (offline).
    pub max_idle_rounds: u32,
    /// While the API is unreachable the engine probes it, first after `probe_base`, doubling
    /// up to `probe_max`.
    pub probe_base: Duration,
    pub probe_max: Duration,
}

impl Default for PushPolicy {
    fn default() -> Self {
        PushPolicy {
            max_records: 500,
            max_body_bytes: 1024 * 1024,
            poll_base: Duration::from_millis(500),
            poll_max: Duration::from_secs(8),
            polls_per_round: 40,
            round_base: Duration::from_secs(1),
            round_max: Duration::from_secs(30),
            max_idle_rounds: 6,
            probe_base: Duration::from_secs(2),
            probe_max: Duration::from_secs(60),
        }
    }
}

impl PushPolicy {
    /// Quick pacing for tests and the benchmark against the loopback simulator.
    pub fn fast() -> PushPolicy {
        PushPolicy {
            poll_base: Duration::from_millis(20),
            poll_max: Duration::from_millis(200),
            round_base: Duration::from_millis(20),
            round_max: Duration::from_millis(300),
            max_idle_rounds: 20,
            polls_per_round: 200,
            probe_base: Duration::from_millis(50),
            probe_max: Duration::from_millis(400),
            ..PushPolicy::default()
        }
    }
}

/// What a push did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Decisions queued when the push started.
    pub total: usize,
    /// Save/reset calls accepted by the API.
    pub sent: usize,
    pub applied: usize,
    pub rejected: usize,
    pub conflicts: usize,
}

/// Why a push stopped before the outbox was empty. Nothing queued is lost either way.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("log in again (gstdash login): {message}; {queued} decision(s) stay queued, nothing is lost")]
    LoginAgain { queued: usize, message: String },
    #[error("offline, {queued} queued: {message}; the queue is sent when the connection is back")]
    Offline { queued: usize, message: String },
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Everything a push or pull needs.
#[derive(Clone)]
pub struct SyncCtx {
    pub client: Client,
    pub store: SharedStore,
    pub profile: String,
    /// The logged-in GSTIN (`rtin` of save/reset bodies).
    pub rtin: String,
    pub events: UnboundedSender<SyncEvent>,
    pub policy: PushPolicy,
}

impl SyncCtx {
    fn store(&self) -> std::sync::MutexGuard<'_, crate::store::Store> {
        self.store.lock().expect("store lock")
    }

    fn emit(&self, e: SyncEvent) {
        let _ = self.events.send(e);
    }

    /// Sends the whole outbox to the UI (skipped when nobody listens: the CLI).
    pub fn announce_outbox(&self) -> Result<(), StoreError> {
        if self.events.is_closed() {
            return Ok(());
        }
        let rows = self.store().outbox(&self.profile)?;
        self.emit(SyncEvent::Outbox {
            staged: rows.into_iter().map(staged_decision).collect(),
        });
        Ok(())
    }
}

pub fn staged_decision(r: OutboxRow) -> StagedDecision {
    StagedDecision {
        batch: r.batch,
        decision: r.decision,
        in_flight: r.state == OutboxState::Sent,
        last_outcome: r.last_outcome,
    }
}

/// Waits while the last `X-RateLimit-*` headers say the window is used up.
pub async fn rate_gate(client: &Client) {
    let r = client.rate_info();
    if let (Some(0), Some(reset)) = (r.remaining, r.reset_epoch_s) {
        let wait = reset - Utc::now().timestamp();
        if wait > 0 {
            tokio::time::sleep(Duration::from_secs(wait.min(60) as u64)).await;
        }
    }
}

/// The save/reset body entry for a decision: the record's fields, `prev_status` = its action
/// as read, and for saves the remarks and ITC-reduction declaration.
pub fn save_item(d: &Decision) -> SaveItem {
    let action = match &d.target {
        Target::Set(a) => Some(a.clone()),
        Target::Reset => None,
    };
    let mut it = SaveItem::from_record(&d.record, action);
    if let Target::Set(_) = d.target {
        it.remarks = d.remarks.clone().filter(|r| !r.trim().is_empty());
        match &d.itc_reduction {
            Some(ItcReduction::Full) => it.itc_red_req = Some("Y".into()),
            Some(ItcReduction::None) => it.itc_red_req = Some("N".into()),
            Some(ItcReduction::Partial { igst, cgst, sgst, cess }) => {
                it.itc_red_req = Some("Y".into());
                it.decl_igst = Some(*igst);
                it.decl_cgst = Some(*cgst);
                it.decl_sgst = Some(*sgst);
                it.decl_cess = Some(*cess);
            }
            None => {}
        }
    }
    it
}

fn request(rtin: &str, kind: SendKind, rows: &[OutboxRow]) -> SaveRequest {
    let mut invdata: BTreeMap<String, Vec<SaveItem>> = BTreeMap::new();
    for r in rows {
        invdata
            .entry(r.decision.section.key().to_string())
            .or_default()
            .push(save_item(&r.decision));
    }
    SaveRequest {
        rtin: rtin.to_string(),
        reqtyp: match kind {
            SendKind::Save => "SAVE",
            SendKind::Reset => "RESET",
        }
        .into(),
        invdata,
    }
}

/// Splits staged rows into sends under both limits; each group is one kind.
fn plan_sends(rows: Vec<OutboxRow>, policy: &PushPolicy) -> Vec<(SendKind, Vec<i64>)> {
    let mut by_kind: BTreeMap<SendKind, Vec<OutboxRow>> = BTreeMap::new();
    for r in rows {
        by_kind.entry(SendKind::of(&r.decision.target)).or_default().push(r);
    }
    let mut out = Vec::new();
    for (kind, rows) in by_kind {
        let (mut ids, mut bytes) = (Vec::new(), 0usize);
        for r in rows {
            let size = serde_json::to_vec(&save_item(&r.decision))
                .map(|v| v.len())
                .unwrap_or(1024)
                + 1;
            if !ids.is_empty() && (ids.len() >= policy.max_records || bytes + size > policy.max_body_bytes) {
                out.push((kind, std::mem::take(&mut ids)));
                bytes = 0;
            }
            ids.push(r.id);
            bytes += size;
        }
        if !ids.is_empty() {
            out.push((kind, ids));
        }
    }
    out
}

/// How a failed call should be handled.
enum Failure {
    Login(String),
    Transient(String),
}

fn classify(e: &ApiError) -> Failure {
    if e.is_auth() {
        Failure::Login(e.to_string())
    } else {
        Failure::Transient(e.to_string())
    }
}

/// Sends everything in the outbox and waits for GSTN's answers. Returns when the outbox has
/// nothing left to send (conflicts and rejections stay for the user).
pub async fn push_all(ctx: &SyncCtx) -> Result<PushReport, PushError> {
    push_except(ctx, &HashSet::new()).await
}

/// [`push_all`] for everything but the staged decisions on `held` records: they stay staged
/// (IMS is read-only for their period) and do not count as queued work of this push.
pub async fn push_except(ctx: &SyncCtx, held: &HashSet<RecordKey>) -> Result<PushReport, PushError> {
    let held_count = |ctx: &SyncCtx| -> Result<usize, StoreError> {
        if held.is_empty() {
            return Ok(0);
        }
        Ok(ctx
            .store()
            .staged(&ctx.profile)?
            .iter()
            .filter(|r| held.contains(&r.decision.key()))
            .count())
    };
    // (Each count takes the store lock: one at a time.)
    let held_now = held_count(ctx)?;
    let mut report = PushReport {
        total: ctx.store().queued_count(&ctx.profile)? - held_now,
        ..PushReport::default()
    };
    let mut idle_rounds = 0u32;
    let mut pause = ctx.policy.round_base;
    loop {
        let mut progress = false;
        let mut problem: Option<Failure> = None;

        // 1. Staged decisions into sends.
        let mut staged = ctx.store().staged(&ctx.profile)?;
        staged.retain(|r| !held.contains(&r.decision.key()));
        if !staged.is_empty() {
            let now = Utc::now();
            for (kind, ids) in plan_sends(staged, &ctx.policy) {
                ctx.store().prepare_send(&ctx.profile, kind, &ids, now)?;
            }
            ctx.announce_outbox()?;
        }

        // 2. Post every send GSTN has not acknowledged.
        let open = ctx.store().open_sends(&ctx.profile)?;
        for send in open.iter().filter(|s| s.reference_id.is_none()) {
            if send.rows.is_empty() {
                ctx.store().abandon_send(send.id, Utc::now())?;
                continue;
            }
            rate_gate(&ctx.client).await;
            let body = request(&ctx.rtin, send.kind, &send.rows);
            let r = match send.kind {
                SendKind::Save => ctx.client.ims_save(&body).await,
                SendKind::Reset => ctx.client.ims_reset(&body).await,
            };
            match r {
                Ok(reference) => {
                    ctx.store().record_reference(send.id, &reference, Utc::now())?;
                    report.sent += 1;
                    progress = true;
                }
                Err(e) if e.kind == ErrorKind::Gstn => {
                    // GSTN refused the call as a whole: every decision in it is rejected
                    // with GSTN's reason and kept for the user.
                    let outcome = Outcome::Rejected {
                        code: e.code.clone(),
                        message: e.message.clone(),
                    };
                    let outcomes: Vec<_> = send.rows.iter().map(|r| (r.id, outcome.clone())).collect();
                    settle(ctx, send, &outcomes, &mut report)?;
                    progress = true;
                }
                Err(e) => {
                    problem = Some(classify(&e));
                    break;
                }
            }
        }

        // 3. Poll acknowledged sends until processed.
        if !matches!(problem, Some(Failure::Login(_))) {
            let mut delay = ctx.policy.poll_base;
            for _ in 0..ctx.policy.polls_per_round {
                let open = ctx.store().open_send_heads(&ctx.profile)?;
                let waiting: Vec<&SendRow> = open.iter().filter(|s| s.reference_id.is_some()).collect();
                if waiting.is_empty() {
                    break;
                }
                let mut pass_failed = false;
                for head in waiting {
                    let reference = head.reference_id.as_deref().expect("filtered");
                    rate_gate(&ctx.client).await;
                    match ctx.client.ims_status(reference).await {
                        // A whole request refused (schema): halve it until the record at
                        // fault is alone, so one bad record cannot sink 499 good ones.
                        Ok(status)
                            if status.status_cd == "ER" && ctx.store().send_rows(&ctx.profile, head.id)?.len() > 1 =>
                        {
                            ctx.store().split_send(&ctx.profile, head.id, Utc::now())?;
                            progress = true;
                        }
                        Ok(status) if status.is_final() => {
                            let send = SendRow {
                                rows: ctx.store().send_rows(&ctx.profile, head.id)?,
                                ..head.clone()
                            };
                            match outcomes_of(ctx, &send, &status).await {
                                Ok(outcomes) => {
                                    settle(ctx, &send, &outcomes, &mut report)?;
                                    progress = true;
                                }
                                Err(e) => {
                                    problem = Some(classify(&e));
                                    pass_failed = true;
                                }
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            problem = Some(classify(&e));
                            pass_failed = true;
                        }
                    }
                    if matches!(problem, Some(Failure::Login(_))) {
                        break;
                    }
                }
                if pass_failed {
                    break;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(ctx.policy.poll_max);
            }
        }

        let open = ctx.store().open_send_heads(&ctx.profile)?;
        let held_now = held_count(ctx)?;
        let staged_left = ctx.store().queued_count(&ctx.profile)? > held_now;
        if open.is_empty() && !staged_left {
            // The closing progress: settled == total tells the UI the push is over, also
            // when there was nothing to send.
            let settled = report.applied + report.rejected + report.conflicts;
            ctx.emit(SyncEvent::PushProgress {
                total: settled,
                sent: report.sent,
                applied: report.applied,
                rejected: report.rejected,
                conflicts: report.conflicts,
            });
            return Ok(report);
        }
        let queued = ctx.store().queued_count(&ctx.profile)? - held_now;
        match problem {
            Some(Failure::Login(message)) => return Err(PushError::LoginAgain { queued, message }),
            Some(Failure::Transient(message)) => {
                idle_rounds = if progress { 0 } else { idle_rounds + 1 };
                if idle_rounds >= ctx.policy.max_idle_rounds {
                    return Err(PushError::Offline { queued, message });
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(ctx.policy.round_max);
            }
            None => {
                pause = ctx.policy.round_base;
                idle_rounds = if progress { 0 } else { idle_rounds + 1 };
                if idle_rounds >= ctx.policy.max_idle_rounds {
                    return Err(PushError::Offline {
                        queued,
                        message: "GSTN is still processing; push again later to collect the answers".into(),
                    });
                }
            }
        }
    }
}

fn settle(
    ctx: &SyncCtx,
    send: &SendRow,
    outcomes: &[(i64, Outcome)],
    report: &mut PushReport,
) -> Result<(), StoreError> {
    ctx.store().settle(&ctx.profile, send.id, outcomes, Utc::now())?;
    let by_id: HashMap<i64, &OutboxRow> = send.rows.iter().map(|r| (r.id, r)).collect();
    for (id, o) in outcomes {
        match o {
            Outcome::Applied => report.applied += 1,
            Outcome::Rejected { .. } => report.rejected += 1,
            Outcome::Conflict { .. } => report.conflicts += 1,
        }
        if !ctx.events.is_closed()
            && let Some(r) = by_id.get(id)
        {
            ctx.emit(SyncEvent::Outcome {
                key: r.decision.key(),
                outcome: o.clone(),
            });
        }
    }
    ctx.emit(SyncEvent::PushProgress {
        total: report.total,
        sent: report.sent,
        applied: report.applied,
        rejected: report.rejected,
        conflicts: report.conflicts,
    });
    ctx.announce_outbox()
}

/// Identity of a record in an error report: supplier, document number, return period.
type ReportKey = (String, String, String);

fn report_key(stin: &str, doc: &str, rtnprd: &str) -> ReportKey {
    (
        stin.trim().to_ascii_uppercase(),
        doc.trim().to_ascii_uppercase(),
        rtnprd.trim().to_string(),
    )
}

/// The code GSTN uses when the record changed since it was read.
pub const CONFLICT_CODE: &str = "IMSSAV0010";

/// Per-record outcomes of a processed send. Conflicts are refetched: a record that already
/// carries the decision's action and values was applied by an earlier post of ours whose
/// answer was lost; the others are real conflicts and carry the current record.
async fn outcomes_of(ctx: &SyncCtx, send: &SendRow, status: &SaveStatus) -> Result<Vec<(i64, Outcome)>, ApiError> {
    if status.status_cd == "ER" {
        let outcome = Outcome::Rejected {
            code: status.err_cd.clone().unwrap_or_else(|| "ER".into()),
            message: status
                .err_msg
                .clone()
                .unwrap_or_else(|| "GSTN could not process the request".into()),
        };
        return Ok(send.rows.iter().map(|r| (r.id, outcome.clone())).collect());
    }
    // (section or None for keys we do not know, e.g. "dn") → per-record error.
    let mut errors: HashMap<(Option<Section>, ReportKey), (String, String)> = HashMap::new();
    for (sec_key, entries) in &status.error_report {
        let section = Section::from_key(sec_key);
        for e in entries {
            for inv in &e.inv {
                errors.insert(
                    (section, report_key(&e.stin, &inv.inum, &inv.rtnprd)),
                    (e.error_cd.clone(), e.error_msg.clone()),
                );
            }
        }
    }
    let mut out = Vec::with_capacity(send.rows.len());
    let mut conflicts: Vec<&OutboxRow> = Vec::new();
    for r in &send.rows {
        let d = &r.decision;
        let k = report_key(&d.record.stin, d.record.doc_number(), &d.record.rtnprd);
        let err = errors
            .get(&(Some(d.section), k.clone()))
            .or_else(|| errors.get(&(None, k)));
        match err {
            None => out.push((r.id, Outcome::Applied)),
            Some((code, _)) if code == CONFLICT_CODE => conflicts.push(r),
            Some((code, message)) => out.push((
                r.id,
                Outcome::Rejected {
                    code: code.clone(),
                    message: message.clone(),
                },
            )),
        }
    }
    if !conflicts.is_empty() {
        let sections: BTreeSet<Section> = conflicts.iter().map(|r| r.decision.section).collect();
        let mut current: HashMap<RecordKey, ImsRecord> = HashMap::new();
        for s in sections {
            let recs = fetch_section(ctx, s).await?;
            for rec in recs.iter() {
                current.insert(rec.key(s), rec.clone());
            }
        }
        for r in conflicts {
            let d = &r.decision;
            let now = current.get(&d.key());
            let outcome = match now {
                Some(c) if already_applied(d, c) => Outcome::Applied,
                other => Outcome::Conflict {
                    current: other.cloned().map(Box::new),
                },
            };
            out.push((r.id, outcome));
        }
    }
    Ok(out)
}

/// The portal's record already shows what the decision asked for, on the same document.
fn already_applied(d: &Decision, current: &ImsRecord) -> bool {
    let want = match &d.target {
        Target::Set(a) => a.clone(),
        Target::Reset => Action::NoAction,
    };
    let r = &d.record;
    current.action == want
        && current.rtnprd == r.rtnprd
        && current.pos == r.pos
        && [
            current.val,
            current.txval,
            current.iamt,
            current.camt,
            current.samt,
            current.cess,
        ] == [r.val, r.txval, r.iamt, r.camt, r.samt, r.cess]
}

/// What changed in a section since the last pull.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullSummary {
    pub section: Option<Section>,
    pub records: usize,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// Fetches one whole section (all statuses), merges it into the store, and announces it.
/// An "no records" answer (IMS0027) is an empty section.
pub async fn fetch_section(ctx: &SyncCtx, section: Section) -> Result<Arc<Vec<ImsRecord>>, ApiError> {
    Ok(pull_section(ctx, section).await?.1)
}

async fn pull_section(ctx: &SyncCtx, section: Section) -> Result<(PullSummary, Arc<Vec<ImsRecord>>), ApiError> {
    let mut attempt = 0;
    let recs = loop {
        rate_gate(&ctx.client).await;
        match ctx.client.ims_invoices(section, None).await {
            Ok(r) => break r,
            Err(e) if e.is_empty_result() => break Vec::new(),
            // The client already retried; a rate limit with a long Retry-After waits here.
            Err(ApiError {
                kind: ErrorKind::RateLimited { retry_after },
                ..
            }) if attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(
                    retry_after
                        .unwrap_or(Duration::from_secs(2))
                        .min(Duration::from_secs(60)),
                )
                .await;
            }
            Err(e) => return Err(e),
        }
    };
    let now = Utc::now();
    let (summary, changes) = {
        let store = ctx.store();
        let store_err = |e: StoreError| ApiError::new(ErrorKind::Malformed, "store", "sqlite", e.to_string());
        let previous_at = store.section_fetched_at(&ctx.profile, section).map_err(store_err)?;
        // Never pulled: nothing to compare, everything is new (and no list is kept).
        let before = match previous_at {
            Some(_) => store.section_index(&ctx.profile, section).unwrap_or_default(),
            None => Default::default(),
        };
        // Only records whose action or GSTN hash moved are decoded to say which fields changed.
        let mut differing = Vec::new();
        for r in &recs {
            let k = r.key(section);
            if let Some((action, hash)) = before.get(&k)
                && (action != r.action.code() || *hash != r.hash)
            {
                differing.push(k);
            }
        }
        let old = store
            .records_by_keys(&ctx.profile, section, &differing)
            .map_err(store_err)?;
        let list = match previous_at {
            Some(_) => {
                let before_keys: std::collections::HashSet<RecordKey> = before.into_keys().collect();
                super::changes::diff(section, &before_keys, &old, &recs)
            }
            None => Vec::new(),
        };
        let summary = PullSummary {
            section: Some(section),
            records: recs.len(),
            added: match previous_at {
                Some(_) => list.iter().filter(|c| c.kind == ChangeKind::New).count(),
                None => recs.len(),
            },
            changed: list.iter().filter(|c| c.kind == ChangeKind::Changed).count(),
            removed: list.iter().filter(|c| c.kind == ChangeKind::Gone).count(),
        };
        // The first pull of a section has nothing to compare with: no change list. Otherwise
        // the list is written before the records replace the copy it was computed from, so a
        // crash in between computes the same list again on the next pull.
        let changes = previous_at.map(|previous_at| SectionChanges {
            section,
            pulled_at: now,
            previous_at,
            records: recs.len(),
            changes: list,
        });
        if let Some(c) = &changes {
            store.put_pull_changes(&ctx.profile, c).map_err(store_err)?;
        }
        store
            .replace_section(&ctx.profile, section, &recs, now)
            .map_err(store_err)?;
        (summary, changes)
    };
    let shared = Arc::new(recs);
    ctx.emit(SyncEvent::RecordsLoaded {
        section,
        records: shared.clone(),
        fetched_at: now,
        from_cache: false,
    });
    if let Some(changes) = changes {
        ctx.emit(SyncEvent::PullChanges {
            changes: Arc::new(changes),
            from_cache: false,
        });
    }
    // The same copy the screen got: a section can be 100k records, never clone it.
    Ok((summary, shared))
}

/// Pulls several sections at once, at most `concurrency` in flight, under the rate limit.
pub async fn pull_sections(
    ctx: &SyncCtx,
    sections: &[Section],
    concurrency: usize,
) -> Result<Vec<PullSummary>, ApiError> {
    let results: Vec<Result<PullSummary, ApiError>> = futures::stream::iter(sections.iter().copied())
        .map(|s| async move { pull_section(ctx, s).await.map(|(summary, _)| summary) })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        out.push(r?);
    }
    out.sort_by_key(|s| s.section);
    Ok(out)
}

/// Regenerates GSTR-2B for `period` and polls until GSTN is done, reporting each state.
pub async fn regenerate_2b(ctx: &SyncCtx, period: ReturnPeriod) -> Result<String, ApiError> {
    let reference = ctx.client.gstr2b_regenerate(period).await?;
    let mut delay = ctx.policy.poll_base;
    loop {
        tokio::time::sleep(delay).await;
        rate_gate(&ctx.client).await;
        let s = ctx.client.gstr2b_regen_status(&reference).await?;
        let message = [s.err_cd.as_str(), s.err_msg.as_str()]
            .iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let done = matches!(s.status_cd.as_str(), "P" | "PE" | "ER");
        ctx.emit(SyncEvent::Gstr2b {
            period,
            status: s.status_cd.clone(),
            message: (!message.is_empty()).then_some(message.clone()),
        });
        if done {
            return if s.status_cd == "ER" {
                Err(ApiError::new(ErrorKind::Job, "GSTR-2B regenerate", s.err_cd, s.err_msg))
            } else {
                Ok(s.status_cd)
            };
        }
        delay = (delay * 2).min(ctx.policy.poll_max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use rust_decimal_macros::dec;

    fn decision(target: Target, itc: Option<ItcReduction>) -> Decision {
        let record: ImsRecord = serde_json::from_str(
            r#"{"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","nt_num":"CN-1","nt_dt":"01-10-2025",
            "inv_typ":"R","action":"P","pos":"27","ispendactblocked":"N","srcfilstatus":"Filed","hash":"h",
            "val":118.50,"txval":100,"iamt":0,"camt":9.25,"samt":9.25,"cess":0}"#,
        )
        .unwrap();
        Decision {
            section: Section::B2bCn,
            record,
            target,
            remarks: Some("short supply".into()),
            itc_reduction: itc,
        }
    }

    #[test]
    fn save_items_carry_prev_status_remarks_and_declarations() {
        let it = save_item(&decision(Target::Set(Action::Accepted), Some(ItcReduction::Full)));
        assert_eq!((it.action, it.prev_status), (Some(Action::Accepted), Action::Pending));
        assert_eq!(it.itc_red_req.as_deref(), Some("Y"));
        assert_eq!(it.remarks.as_deref(), Some("short supply"));
        let it = save_item(&decision(Target::Set(Action::Accepted), Some(ItcReduction::None)));
        assert_eq!(it.itc_red_req.as_deref(), Some("N"));
        assert_eq!(it.decl_cgst, None);
        let partial = ItcReduction::Partial {
            igst: Money(dec!(0)),
            cgst: Money(dec!(4.50)),
            sgst: Money(dec!(4.50)),
            cess: Money(dec!(0)),
        };
        let it = save_item(&decision(Target::Set(Action::Accepted), Some(partial)));
        assert_eq!(it.itc_red_req.as_deref(), Some("Y"));
        assert_eq!(it.decl_cgst, Some(Money(dec!(4.50))));
        let it = save_item(&decision(Target::Reset, None));
        assert_eq!(it.action, None);
        assert_eq!(it.remarks, None, "reset bodies carry no remarks");
        let s = serde_json::to_string(&it).unwrap();
        assert!(
            s.contains("\"camt\":9.25") && s.contains("\"prev_status\":\"P\""),
            "{s}"
        );
    }

    #[test]
    fn sends_are_split_by_kind_count_and_size() {
        let mk = |id: i64, target: Target| OutboxRow {
            id,
            batch: 1,
            decision: decision(target, None),
            state: OutboxState::Staged,
            send_id: None,
            last_outcome: None,
            journal_id: id,
        };
        let mut rows: Vec<_> = (0..7).map(|i| mk(i, Target::Set(Action::Rejected))).collect();
        rows.extend((7..9).map(|i| mk(i, Target::Reset)));
        let policy = PushPolicy {
            max_records: 3,
            ..PushPolicy::default()
        };
        let plan = plan_sends(rows.clone(), &policy);
        let sizes: Vec<(SendKind, usize)> = plan.iter().map(|(k, ids)| (*k, ids.len())).collect();
        assert_eq!(
            sizes,
            vec![
                (SendKind::Save, 3),
                (SendKind::Save, 3),
                (SendKind::Save, 1),
                (SendKind::Reset, 2)
            ]
        );
        let tiny = PushPolicy {
            max_body_bytes: 10,
            ..PushPolicy::default()
        };
        assert!(plan_sends(rows, &tiny).iter().all(|(_, ids)| ids.len() == 1));
    }
}
