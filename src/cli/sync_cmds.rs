//! The scriptable face of the sync engine: `ims pull|act|push|status`, `journal`,
//! `gstr2b regenerate` and `bench sync`. They run the same pull/push code as the screen
//! (`sync::push`), against the same outbox on disk.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Local, Utc};
use serde_json::json;

use super::commands::Ctx;
use super::error::CliError;
use super::output::{Align, Format, Table, emit};
use crate::domain::ims::{ItcReduction, Requirement, RuleContext, Verdict, check_action, check_reset};
use crate::domain::query::Query;
use crate::domain::{Action, ImsRecord, RecordKey, ReturnPeriod, Section};
use crate::store::{OutboxState, Store, StoredProfile, outcome_text};
use crate::sync::push::{self, PushPolicy, PushReport, SyncCtx};
use crate::sync::{Decision, Outcome, Target, engine};

/// The sections IMS lets us list and act on through the API.
pub const ACTIONABLE: [Section; 8] = [
    Section::B2b,
    Section::B2ba,
    Section::B2bDn,
    Section::B2bDna,
    Section::B2bCn,
    Section::B2bCna,
    Section::Ecom,
    Section::Ecoma,
];

/// Sections fetched at once by a pull (well under any rate limit's burst).
const PULL_CONCURRENCY: usize = 3;

fn sync_ctx(ctx: &Ctx) -> SyncCtx {
    // Nobody listens to events on the command line; results are printed at the end.
    let (events, rx) = tokio::sync::mpsc::unbounded_channel();
    drop(rx);
    SyncCtx {
        client: ctx.client.clone(),
        store: ctx.store.clone(),
        profile: ctx.profile.name.clone(),
        rtin: ctx.profile.gstin.to_string(),
        events,
        policy: PushPolicy::default(),
    }
}

fn parse_sections(list: Option<&str>) -> Result<Vec<Section>, CliError> {
    let Some(list) = list else {
        return Ok(ACTIONABLE.to_vec());
    };
    let mut out = Vec::new();
    for s in list.split(',').filter(|s| !s.trim().is_empty()) {
        let sec = Section::parse(s).map_err(CliError::field_str("--sections"))?;
        if !ACTIONABLE.contains(&sec) {
            return Err(CliError::new(format!(
                "--sections {}: only b2b, b2ba, cn, cna, dn, dna, ecom and ecoma can be pulled through the API",
                sec.key()
            )));
        }
        out.push(sec);
    }
    Ok(out)
}

pub async fn ims_pull(ctx: &Ctx, sections: Option<&str>, format: Format) -> Result<(), CliError> {
    let sections = parse_sections(sections)?;
    ctx.require_session()?;
    let sc = sync_ctx(ctx);
    let started = Instant::now();
    let summaries = push::pull_sections(&sc, &sections, PULL_CONCURRENCY).await?;
    let mut t = Table::new(&[
        ("Section", Align::Left),
        ("Records", Align::Right),
        ("New", Align::Right),
        ("Changed", Align::Right),
        ("Gone", Align::Right),
    ]);
    let mut rows = Vec::new();
    for s in &summaries {
        let sec = s.section.expect("pulled sections are named");
        t.row(vec![
            sec.short().to_string(),
            s.records.to_string(),
            s.added.to_string(),
            s.changed.to_string(),
            s.removed.to_string(),
        ]);
        rows.push(json!({"section": sec.key(), "records": s.records, "new": s.added, "changed": s.changed, "gone": s.removed}));
    }
    let total: usize = summaries.iter().map(|s| s.records).sum();
    let queued = ctx.store.lock().expect("store lock").queued_count(&ctx.profile.name)?;
    let notes = vec![format!(
        "Pulled {total} record(s) for {} ({}) in {:.1} s; {queued} local decision(s) queued (kept).",
        ctx.profile.gstin,
        ctx.profile.name,
        started.elapsed().as_secs_f64()
    )];
    emit(
        format,
        &json!({"gstin": ctx.profile.gstin.as_str(), "sections": rows, "queued": queued}),
        &t,
        &notes,
    )?;
    Ok(())
}

/// What `ims act` asks for.
pub struct ActArgs<'a> {
    pub action: &'a str,
    pub ids: Option<&'a Path>,
    pub query: Option<&'a str>,
    pub remarks: Option<&'a str>,
    pub itc_reduction: Option<&'a str>,
    /// `--period` (MM/YYYY); `None` = the current month.
    pub period: Option<&'a str>,
    pub dry_run: bool,
    pub format: Format,
}

/// Reads `--ids FILE`: one record key per line, `section:gstin:doc_num:doc_date` as
/// `ims status` and the journal print them; blank lines and `#` comments are skipped.
fn read_ids(path: &Path) -> Result<Vec<RecordKey>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("--ids {}: cannot read it: {e}", path.display())))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = l.splitn(4, ':').collect();
        let bad = |why: String| {
            CliError::new(format!(
                "--ids {} line {}: {why}; expected section:gstin:doc_num:doc_date, e.g. b2b:27AAPFU0939F1ZV:INV-1:01-10-2024",
                path.display(),
                n + 1
            ))
        };
        if parts.len() != 4 {
            return Err(bad(format!("{l:?} has {} part(s)", parts.len())));
        }
        let section = Section::parse(parts[0]).map_err(bad)?;
        out.push(RecordKey {
            section,
            stin: parts[1].trim().to_ascii_uppercase(),
            doc_num: parts[2].trim().to_ascii_uppercase(),
            doc_date: parts[3].trim().to_string(),
        });
    }
    Ok(out)
}

fn parse_target(s: &str) -> Result<Target, CliError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "reset" | "no-action" | "noaction" => Ok(Target::Reset),
        other => match Action::parse(other) {
            Ok(a @ (Action::Accepted | Action::Rejected | Action::Pending)) => Ok(Target::Set(a)),
            _ => Err(CliError::new(format!(
                "action {s:?} not known; expected accept, reject, pending or reset"
            ))),
        },
    }
}

pub async fn ims_act(ctx: &Ctx, a: ActArgs<'_>) -> Result<(), CliError> {
    let target = parse_target(a.action)?;
    let itc = match a.itc_reduction.map(|s| s.trim().to_ascii_lowercase()) {
        None => None,
        Some(s) if s == "full" || s == "y" => Some(ItcReduction::Full),
        Some(s) if s == "none" || s == "n" => Some(ItcReduction::None),
        Some(s) => {
            return Err(CliError::new(format!(
                "--itc-reduction {s:?}: expected full (ITC availed, reduce it) or none (never availed)"
            )));
        }
    };
    let (query, ids) = match (a.query, a.ids) {
        (Some(q), None) => (Some(Query::parse(q).map_err(CliError::field("--query"))?), None),
        (None, Some(p)) => (None, Some(read_ids(p)?)),
        _ => return Err(CliError::new("give exactly one of --ids FILE or --query \"…\"")),
    };
    let sections = match (&query, &ids) {
        (Some(q), _) => q.sections_within(&ACTIONABLE),
        (_, Some(ids)) => {
            let mut s: Vec<Section> = ids.iter().map(|k| k.section).collect();
            s.sort();
            s.dedup();
            s
        }
        _ => unreachable!(),
    };
    let today = Local::now().date_naive();
    let period = match a.period {
        Some(p) => ReturnPeriod::parse_user(p).map_err(CliError::field("--period"))?,
        None => ReturnPeriod::of_date(today),
    };
    let mut pre_notes = vec![];
    if read_only_period(ctx, period, &mut pre_notes).await? {
        return Err(CliError::new(format!(
            "GSTR-3B for {period} is filed: IMS is read-only for this period, nothing was queued"
        )));
    }
    let rules = RuleContext {
        today,
        // Checked above: a filed period never gets here.
        gstr3b_filed: false,
    };
    let mut decisions = Vec::new();
    let mut skipped: HashMap<String, usize> = HashMap::new();
    let mut wanted: HashMap<RecordKey, bool> = ids.iter().flatten().map(|k| (k.clone(), false)).collect();
    {
        let store = ctx.store.lock().expect("store lock");
        let mut cached_any = false;
        for s in sections {
            if store.section_fetched_at(&ctx.profile.name, s)?.is_some() {
                cached_any = true;
            }
            for rec in store.load_section(&ctx.profile.name, s)? {
                let key = rec.key(s);
                let hit = match &query {
                    Some(q) => q.matches(s, &rec),
                    None => wanted.get_mut(&key).map(|seen| *seen = true).is_some(),
                };
                if hit {
                    match decide(s, rec, &target, a.remarks, itc.as_ref(), &rules) {
                        Ok(d) => decisions.push(d),
                        Err(why) => *skipped.entry(why).or_default() += 1,
                    }
                }
            }
        }
        if !cached_any {
            return Err(CliError::new(
                "no IMS records cached for these sections: run gstdash ims pull first",
            ));
        }
    }
    let missing = wanted.values().filter(|seen| !**seen).count();
    if missing > 0 {
        skipped.insert("not in the local copy (run gstdash ims pull)".into(), missing);
    }
    let batch = Utc::now().timestamp_millis() as u64;
    let staged = if a.dry_run {
        0
    } else {
        let report = ctx.store.lock().expect("store lock").stage(
            &ctx.profile.name,
            &engine::local_user(),
            batch,
            &decisions,
            Utc::now(),
        )?;
        if !report.in_flight.is_empty() {
            skipped.insert(
                "an earlier decision is still with GSTN (run gstdash ims push)".into(),
                report.in_flight.len(),
            );
        }
        report.staged
    };
    let mut t = Table::new(&[("Result", Align::Left), ("Records", Align::Right)]);
    let verb = if a.dry_run { "would stage" } else { "staged" };
    t.row(vec![
        verb.to_string(),
        if a.dry_run { decisions.len() } else { staged }.to_string(),
    ]);
    let mut reasons: Vec<_> = skipped.iter().collect();
    reasons.sort();
    for (why, n) in &reasons {
        t.row(vec![format!("skipped: {why}"), n.to_string()]);
    }
    let mut notes = pre_notes;
    if !a.dry_run && staged > 0 {
        notes.push(format!(
            "{staged} decision(s) written to the outbox (batch {batch}); nothing sent yet: run gstdash ims push."
        ));
    }
    if a.dry_run {
        notes.push("Dry run: nothing written.".into());
    }
    let keys: Vec<String> = decisions.iter().map(|d| d.key().to_string()).collect();
    emit(
        a.format,
        &json!({"dry_run": a.dry_run, "batch": batch, "staged": staged, "matched": keys, "skipped": skipped}),
        &t,
        &notes,
    )?;
    Ok(())
}

/// Whether GSTR-3B of `period` is filed (IMS read-only). Asks GSTN when logged in and
/// remembers the answer; a check that cannot be made locks nothing (a note says the state is
/// unknown), except that a period known to be filed stays filed.
async fn read_only_period(ctx: &Ctx, period: ReturnPeriod, notes: &mut Vec<String>) -> Result<bool, CliError> {
    let cached = ctx
        .store
        .lock()
        .expect("store lock")
        .gstr3b_filed(&ctx.profile.name, period)?
        .is_some_and(|(filed, _)| filed);
    if cached {
        return Ok(true);
    }
    if ctx.client.session().is_none() {
        notes.push(format!(
            "Not logged in: whether GSTR-3B for {period} is filed is unknown (GSTN refuses changes to a filed period)."
        ));
        return Ok(false);
    }
    match crate::sync::ims_meta::check_gstr3b(&ctx.client, period).await {
        Ok(filed) => {
            ctx.store
                .lock()
                .expect("store lock")
                .put_gstr3b_filed(&ctx.profile.name, period, filed, Utc::now())?;
            Ok(filed)
        }
        Err(e) => {
            notes.push(format!(
                "Could not check whether GSTR-3B for {period} is filed ({e}); the state is unknown, GSTN refuses changes to a filed period."
            ));
            Ok(false)
        }
    }
}

/// A decision for one record, or why it is skipped.
fn decide(
    section: Section,
    record: ImsRecord,
    target: &Target,
    remarks: Option<&str>,
    itc: Option<&ItcReduction>,
    rules: &RuleContext,
) -> Result<Decision, String> {
    let verdict = match target {
        Target::Set(a) => check_action(section, &record, a, rules),
        Target::Reset => check_reset(section, &record, rules),
    };
    let (needs, remarks_allowed) = match verdict {
        Verdict::NoChange => return Err("already has this action".into()),
        Verdict::Denied(d) => return Err(d.to_string()),
        Verdict::Allowed { needs, remarks_allowed } => (needs, remarks_allowed),
    };
    let itc_reduction = if needs.contains(&Requirement::ItcReductionDeclaration) {
        match itc {
            Some(i) => Some(i.clone()),
            None => return Err("accepting a credit note needs --itc-reduction full|none".into()),
        }
    } else {
        None
    };
    Ok(Decision {
        section,
        record,
        target: target.clone(),
        remarks: remarks.filter(|_| remarks_allowed).map(str::to_string),
        itc_reduction,
    })
}

pub async fn ims_push(ctx: &Ctx) -> Result<(), CliError> {
    ctx.require_session()?;
    let sc = sync_ctx(ctx);
    let started = Instant::now();
    let r: PushReport = push::push_all(&sc).await.map_err(|e| CliError::new(e.to_string()))?;
    println!(
        "Pushed {} decision(s) in {} call(s) in {:.1} s: {} applied, {} rejected, {} conflict(s).",
        r.total,
        r.sent,
        started.elapsed().as_secs_f64(),
        r.applied,
        r.rejected,
        r.conflicts
    );
    if r.rejected + r.conflicts > 0 {
        println!("See gstdash ims status for the reasons; those decisions stay in the outbox until you act on them.");
    }
    Ok(())
}

pub async fn ims_status(ctx: &Ctx, format: Format) -> Result<(), CliError> {
    let rows = ctx.store.lock().expect("store lock").outbox(&ctx.profile.name)?;
    let mut t = Table::new(&[
        ("Record", Align::Left),
        ("Was", Align::Left),
        ("Decision", Align::Left),
        ("State", Align::Left),
        ("Batch", Align::Right),
        ("Last answer", Align::Left),
    ]);
    let mut by_state: HashMap<OutboxState, usize> = HashMap::new();
    let mut items = Vec::new();
    for r in &rows {
        *by_state.entry(r.state).or_default() += 1;
        let d = &r.decision;
        let decision = match &d.target {
            Target::Set(a) => a.label().to_string(),
            Target::Reset => "Reset".into(),
        };
        let last = r.last_outcome.as_ref().map(outcome_text).unwrap_or_default();
        t.row(vec![
            d.key().to_string(),
            d.record.action.label().to_string(),
            decision.clone(),
            r.state.as_str().to_string(),
            r.batch.to_string(),
            last.clone(),
        ]);
        let current = match &r.last_outcome {
            Some(Outcome::Conflict { current: Some(c) }) => Some(c.as_ref()),
            _ => None,
        };
        items.push(
            json!({"record": d.key().to_string(), "was": d.record.action.code(), "decision": decision,
            "state": r.state, "batch": r.batch, "last_answer": last, "remarks": d.remarks, "current": current}),
        );
    }
    let n = |s| by_state.get(&s).copied().unwrap_or(0);
    let notes = vec![format!(
        "{} ({}): {} staged, {} with GSTN, {} conflict(s), {} rejected.",
        ctx.profile.gstin,
        ctx.profile.name,
        n(OutboxState::Staged),
        n(OutboxState::Sent),
        n(OutboxState::Conflict),
        n(OutboxState::Rejected)
    )];
    emit(
        format,
        &json!({"gstin": ctx.profile.gstin.as_str(), "outbox": items}),
        &t,
        &notes,
    )?;
    Ok(())
}

pub fn journal(ctx: &Ctx, format: Format) -> Result<(), CliError> {
    let entries = ctx.store.lock().expect("store lock").journal(Some(&ctx.profile.name))?;
    let mut t = Table::new(&[
        ("When", Align::Left),
        ("User", Align::Left),
        ("Profile", Align::Left),
        ("Record", Align::Left),
        ("Old", Align::Left),
        ("New", Align::Left),
        ("Remarks", Align::Left),
        ("Reference", Align::Left),
        ("Outcome", Align::Left),
    ]);
    for e in &entries {
        t.row(vec![
            e.at.to_rfc3339(),
            e.local_user.clone(),
            e.profile.clone(),
            e.record.clone(),
            e.old_action.clone(),
            e.new_action.clone(),
            e.remarks.clone().unwrap_or_default(),
            e.reference_id.clone().unwrap_or_default(),
            e.outcome.clone().unwrap_or_else(|| "queued".into()),
        ]);
    }
    emit(format, &entries, &t, &[format!("{} journal entries.", entries.len())])?;
    Ok(())
}

pub async fn gstr2b_regenerate(ctx: &Ctx, period: &str) -> Result<(), CliError> {
    let period = ReturnPeriod::parse_user(period).map_err(CliError::field("--period"))?;
    ctx.require_session()?;
    let status = push::regenerate_2b(&sync_ctx(ctx), period).await?;
    println!(
        "GSTR-2B for {period} regenerated for {} (status {status}).",
        ctx.profile.gstin
    );
    Ok(())
}

// ---- Benchmark ------------------------------------------------------------------------------

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// `gstdash bench sync`: the simulator on loopback (rate limit off), a fresh store in a
/// temporary directory, then a timed full pull and a timed push of `decisions` decisions.
pub async fn bench_sync(records: usize, decisions: usize, format: Format) -> Result<(), CliError> {
    use crate::api::{Client, ClientConfig};
    use crate::secret::Secret;
    use crate::sim;

    let cfg = sim::SimConfig {
        records,
        rate_limit_per_min: None,
        save_processing_ms: 100,
        ..sim::SimConfig::default()
    };
    let handle = sim::start(cfg, 0)
        .await
        .map_err(CliError::io("starting the simulator"))?;
    let tp = handle.taxpayers[0].clone();
    let dir = tempfile::tempdir().map_err(CliError::io("creating a temporary directory"))?;
    let store = Store::open_in(dir.path())?;
    store.upsert_profile(&StoredProfile {
        name: "bench".into(),
        gstin: tp.gstin.clone(),
        username: tp.username.clone(),
        base_url: handle.base_url.clone(),
        updated_at: Utc::now(),
    })?;
    let mut client_cfg = ClientConfig::new(
        &handle.base_url,
        Secret::new(sim::DEMO_API_KEY),
        Some(Secret::new(sim::DEMO_API_SECRET)),
    );
    // The simulator here has no rate limit: measure the engine, not the assumed pacing.
    client_cfg.assumed_rate_per_min = None;
    let client = Client::new(client_cfg)?;
    let gstin = crate::domain::Gstin::parse(&tp.gstin).map_err(|e| CliError::new(e.to_string()))?;
    client.authenticate().await?;
    client.generate_otp(&tp.username, &gstin).await?;
    client.verify_otp(&tp.username, &gstin, sim::DEMO_OTP).await?;
    let (events, rx) = tokio::sync::mpsc::unbounded_channel();
    drop(rx);
    let sc = SyncCtx {
        client,
        store: std::sync::Arc::new(std::sync::Mutex::new(store)),
        profile: "bench".into(),
        rtin: tp.gstin.clone(),
        events,
        policy: PushPolicy {
            poll_base: Duration::from_millis(50),
            ..PushPolicy::default()
        },
    };

    let t0 = Instant::now();
    let pulled = push::pull_sections(&sc, &ACTIONABLE, PULL_CONCURRENCY).await?;
    let pull_s = t0.elapsed().as_secs_f64();
    let pulled_n: usize = pulled.iter().map(|p| p.records).sum();

    let mut ds = Vec::new();
    {
        let store = sc.store.lock().expect("store lock");
        'outer: for s in ACTIONABLE {
            let mut seen = std::collections::HashSet::new();
            for rec in store.load_section("bench", s)? {
                if ds.len() == decisions {
                    break 'outer;
                }
                if rec.action != Action::Rejected && rec.flags().is_empty() && seen.insert(rec.key(s)) {
                    ds.push(Decision {
                        section: s,
                        record: rec,
                        target: Target::Set(Action::Rejected),
                        remarks: Some("bench".into()),
                        itc_reduction: None,
                    });
                }
            }
        }
        store.stage("bench", "bench", 1, &ds, Utc::now())?;
    }
    let t1 = Instant::now();
    let report = push::push_all(&sc).await.map_err(|e| CliError::new(e.to_string()))?;
    let push_s = t1.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    handle.shutdown().await;

    let mut t = Table::new(&[
        ("Step", Align::Left),
        ("Items", Align::Right),
        ("Seconds", Align::Right),
        ("Per second", Align::Right),
    ]);
    t.row(vec![
        "pull (8 sections → SQLite)".into(),
        pulled_n.to_string(),
        format!("{pull_s:.2}"),
        format!("{:.0}", pulled_n as f64 / pull_s),
    ]);
    t.row(vec![
        "push (save → processed)".into(),
        report.applied.to_string(),
        format!("{push_s:.2}"),
        format!("{:.0}", report.applied as f64 / push_s),
    ]);
    let peak_txt = peak.map(|p| format!("{p:.0} MiB")).unwrap_or_else(|| "n/a".into());
    let notes = vec![format!(
        "Peak memory {peak_txt} (this process, simulator included). Simulator: rate limit off, {} ms processing per save.",
        100
    )];
    emit(
        format,
        &json!({"records": records, "pull": {"records": pulled_n, "seconds": pull_s, "records_per_second": pulled_n as f64 / pull_s},
            "push": {"decisions": report.applied, "calls": report.sent, "seconds": push_s, "decisions_per_second": report.applied as f64 / push_s},
            "peak_rss_mib": peak}),
        &t,
        &notes,
    )?;
    Ok(())
}
