//! The engine task: owns the client, runs jobs, writes results to the store, reports back.
//!
//! Jobs of one kind are single-flight with "latest wins": a new request for the same kind
//! aborts the one in flight, so a stale answer (an older period's balance, say) can never
//! overwrite a newer one. Results are written to the store before they are announced, so
//! what the screen shows is what the next start will show from cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::push::{self, PushPolicy, SyncCtx};
use super::{Decision, JobKind, SyncCommand, SyncEvent};
use crate::api::Client;
use crate::domain::ledger::CashItcBalance;
use crate::domain::{GoodsType, RecordKey, ReturnPeriod, Section};
use crate::store::{LedgerKind, Store};

pub type SharedStore = Arc<Mutex<Store>>;

/// Starts the engine on the current tokio runtime. Returns the command sender; events go to
/// `events`.
pub fn spawn(
    client: Client,
    store: SharedStore,
    profile: String,
    events: UnboundedSender<SyncEvent>,
) -> (UnboundedSender<SyncCommand>, JoinHandle<()>) {
    spawn_with(client, store, profile, events, PushPolicy::default())
}

/// [`spawn`] with an explicit push pacing (tests use [`PushPolicy::fast`]).
pub fn spawn_with(
    client: Client,
    store: SharedStore,
    profile: String,
    events: UnboundedSender<SyncEvent>,
    policy: PushPolicy,
) -> (UnboundedSender<SyncCommand>, JoinHandle<()>) {
    let (tx, rx) = unbounded_channel();
    let rtin = store
        .lock()
        .expect("store lock")
        .get_profile(&profile)
        .ok()
        .flatten()
        .map(|p| p.gstin)
        .unwrap_or_default();
    let engine = Engine {
        client,
        store,
        profile,
        events,
        jobs: HashMap::new(),
        rtin,
        policy,
        local_user: local_user(),
        period: None,
    };
    let handle = tokio::spawn(engine.run(rx));
    (tx, handle)
}

struct Engine {
    client: Client,
    store: SharedStore,
    profile: String,
    events: UnboundedSender<SyncEvent>,
    jobs: HashMap<JobKind, JoinHandle<()>>,
    /// GSTIN of the profile: `rtin` of every save/reset.
    rtin: String,
    policy: PushPolicy,
    /// Who made the decisions, for the journal.
    local_user: String,
    /// The period the screen shows (last `RefreshAll` / `RefreshBalance` / `ImsPeriod`).
    period: Option<ReturnPeriod>,
}

/// How often the engine looks at the session's expiry.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(60);
/// Refresh when the token has less than this left (the client does the same before calls).
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::minutes(15);

/// The local account name recorded in the journal.
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

impl Engine {
    async fn run(mut self, mut rx: UnboundedReceiver<SyncCommand>) {
        let _ = self.events.send(SyncEvent::Session {
            expires_at: self.client.session().map(|t| t.token_expiry),
        });
        // What is still queued from the last run, and finishing what a crash interrupted:
        // sends already handed to GSTN are collected (polled, never re-sent).
        self.outbox_changed(Ok(()));
        let interrupted = self
            .store
            .lock()
            .expect("store lock")
            .open_sends(&self.profile)
            .map(|s| !s.is_empty())
            .unwrap_or(false);
        if interrupted {
            self.push();
        }
        let mut tick = tokio::time::interval(SESSION_CHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut link = self.client.link();
        let mut probe = Probe::default();
        if !*link.borrow_and_update() {
            probe.went_offline(&self.policy, &self.events);
        }
        loop {
            let cmd = tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(c) => c,
                    None => break,
                },
                _ = tick.tick() => {
                    // Offline, a refresh cannot get through; the probe brings the link back
                    // first (the client refreshes before its next call anyway).
                    if probe.next.is_none() {
                        self.keep_session_alive();
                    }
                    continue;
                }
                Ok(()) = link.changed() => {
                    let online = *link.borrow_and_update();
                    if online {
                        probe.came_back(&self.events);
                    } else {
                        probe.went_offline(&self.policy, &self.events);
                    }
                    continue;
                }
                _ = sleep_until_probe(probe.next) => {
                    probe.fire(&self.client, &self.policy);
                    continue;
                }
            };
            match cmd {
                SyncCommand::RefreshCounts { goods } => self.counts(goods),
                SyncCommand::RefreshBalance { period } => {
                    self.balance(period);
                    // The IMS screen's period changed with it: is it read-only, who supplied.
                    self.ims_period(period);
                }
                SyncCommand::RefreshAll { period } => {
                    for g in GoodsType::ALL {
                        self.counts(g);
                    }
                    self.balance(period);
                    self.ims_period(period);
                }
                SyncCommand::RefreshExportLedger { fy } => {
                    // Hundreds of GETs: paced as background work, so the user's own calls
                    // (ledgers, IMS) keep a share of the rate limit while it runs.
                    let job = super::reports::export_ledger_job(
                        self.client.background(),
                        self.store.clone(),
                        self.profile.clone(),
                        fy,
                        self.events.clone(),
                    );
                    self.start(JobKind::ExportLedger, job);
                }
                SyncCommand::Export {
                    source: crate::export::ExportSource::Report(report),
                    format,
                    target,
                    what,
                } => {
                    // Assembled from the store (and GSTN for sections never pulled) on the job,
                    // then written like any download; not single-flight either.
                    let job = super::downloads::report_job(self.ctx(), report, format, target, what);
                    let _ = self.events.send(SyncEvent::Started { job: JobKind::Download });
                    tokio::spawn(job);
                }
                SyncCommand::Export {
                    source,
                    format,
                    target,
                    what,
                } => {
                    // Not single-flight: a half-written file cannot be taken back, so a later
                    // download (the export ledger's CSV) must not orphan this one's answer.
                    let job = super::reports::export_job(source, format, target, what, self.events.clone());
                    let _ = self.events.send(SyncEvent::Started { job: JobKind::Download });
                    tokio::spawn(job);
                }
                SyncCommand::WriteFile {
                    dir,
                    name,
                    contents,
                    what,
                } => {
                    let job = super::reports::write_file_job(dir, name, contents, what, self.events.clone());
                    self.start(JobKind::Download, job);
                }
                SyncCommand::RefreshLedgers { period, from, to } => {
                    let job = super::reports::ledgers_job(self.client.clone(), period, from, to, self.events.clone());
                    self.start(JobKind::Ledgers, job);
                }
                SyncCommand::RefreshOutward { period } => {
                    let job = super::reports::outward_job(self.client.clone(), period, self.events.clone());
                    self.start(JobKind::Outward, job);
                }
                SyncCommand::PullRecords { section } => {
                    self.pull(section);
                    // Trade names and the read-only state follow the records.
                    if let Some(p) = self.period {
                        self.ims_period(p);
                    }
                }
                SyncCommand::Stage { batch, decisions } => self.stage(batch, &decisions),
                SyncCommand::Unstage { batch } => {
                    let r = self
                        .store
                        .lock()
                        .expect("store lock")
                        .unstage_batch(&self.profile, batch, Utc::now());
                    self.outbox_changed(r.map(drop));
                }
                SyncCommand::UnstageKeys { keys } => self.unstage_keys(&keys),
                SyncCommand::Push => self.push(),
                SyncCommand::PushHolding { held } => self.push_holding(held),
                SyncCommand::Gstr3bPeriods { periods } => self.gstr3b_periods(periods),
                SyncCommand::Regenerate2b { period } => self.regenerate(period),
                SyncCommand::WriteTables {
                    tables,
                    format,
                    target,
                    what,
                } => {
                    let job = super::reports::write_tables_job(tables, format, target, what, self.events.clone());
                    self.start(JobKind::Download, job);
                }
                SyncCommand::ImportIcegateCsv { path } => {
                    // A small local read: not a tracked job, so it never cancels a download.
                    tokio::spawn(super::reports::import_icegate_job(path, self.events.clone()));
                }
                SyncCommand::SendOtp => self.send_otp(),
                SyncCommand::VerifyOtp { otp } => self.verify_otp(otp),
                SyncCommand::ImsPeriod { period } => self.ims_period(period),
                SyncCommand::SaveImsColumns { columns } => self.save_columns(&columns),
                SyncCommand::LoadHistory { key } => self.history(key),
                SyncCommand::Shutdown => break,
            }
        }
        for (_, h) in self.jobs.drain() {
            h.abort();
        }
    }

    /// Refreshes the taxpayer token before it expires even when the app is idle, so a
    /// decision made after a long look at the screen still goes out without a new OTP.
    fn keep_session_alive(&mut self) {
        let Some(t) = self.client.session() else { return };
        let left = t.token_expiry - Utc::now();
        if left <= chrono::Duration::zero()
            || left > REFRESH_AHEAD
            || self.jobs.get(&JobKind::Session).is_some_and(|h| !h.is_finished())
        {
            return;
        }
        let (client, events) = (self.client.clone(), self.events.clone());
        self.start(JobKind::Session, async move {
            match client.refresh_session().await {
                Ok(t) => {
                    let _ = events.send(SyncEvent::Session {
                        expires_at: Some(t.token_expiry),
                    });
                }
                Err(e) => {
                    let _ = events.send(SyncEvent::Failed {
                        job: JobKind::Session,
                        message: format!("{e}; log in again before the session ends (queued decisions are kept)"),
                    });
                }
            }
        });
    }

    fn ctx(&self) -> SyncCtx {
        SyncCtx {
            client: self.client.clone(),
            store: self.store.clone(),
            profile: self.profile.clone(),
            rtin: self.rtin.clone(),
            events: self.events.clone(),
            policy: self.policy,
        }
    }

    /// Tells the UI the outbox after a change (or why the change failed).
    fn outbox_changed(&self, r: Result<(), crate::store::StoreError>) {
        let r = r.and_then(|()| self.ctx().announce_outbox());
        if let Err(e) = r {
            let _ = self.events.send(SyncEvent::Failed {
                job: JobKind::Stage,
                message: e.to_string(),
            });
        }
    }

    /// Writes decisions to the outbox (disk, no network). Records whose earlier decision is
    /// already with GSTN keep it; the UI is told which.
    fn stage(&mut self, batch: u64, decisions: &[Decision]) {
        let r =
            self.store
                .lock()
                .expect("store lock")
                .stage(&self.profile, &self.local_user, batch, decisions, Utc::now());
        match r {
            Ok(report) => {
                if !report.in_flight.is_empty() {
                    let _ = self.events.send(SyncEvent::Failed {
                        job: JobKind::Stage,
                        message: format!(
                            "{} record(s) already have a decision on its way to GSTN; wait for its outcome, then decide again",
                            report.in_flight.len()
                        ),
                    });
                }
                self.outbox_changed(Ok(()));
            }
            Err(e) => self.outbox_changed(Err(e)),
        }
    }

    fn unstage_keys(&mut self, keys: &[RecordKey]) {
        let r = self
            .store
            .lock()
            .expect("store lock")
            .unstage_keys(&self.profile, keys, Utc::now());
        self.outbox_changed(r.map(drop));
    }

    /// Sends the outbox. A newer push replaces a running one: every step is its own
    /// transaction, so the new one resumes exactly where the old one stopped.
    fn push(&mut self) {
        let ctx = self.ctx();
        self.start(JobKind::Push, async move {
            if let Err(e) = push::push_all(&ctx).await {
                ctx.events
                    .send(SyncEvent::Failed {
                        job: JobKind::Push,
                        message: e.to_string(),
                    })
                    .ok();
            }
        });
    }

    /// A push that leaves the decisions on `held` records staged.
    fn push_holding(&mut self, held: Vec<RecordKey>) {
        let ctx = self.ctx();
        self.start(JobKind::Push, async move {
            let held: std::collections::HashSet<RecordKey> = held.into_iter().collect();
            if let Err(e) = push::push_except(&ctx, &held).await {
                ctx.events
                    .send(SyncEvent::Failed {
                        job: JobKind::Push,
                        message: e.to_string(),
                    })
                    .ok();
            }
        });
    }

    /// GSTR-3B filed state of each period: the cached state at once, then GSTN's answer.
    fn gstr3b_periods(&mut self, periods: Vec<ReturnPeriod>) {
        {
            let store = self.store.lock().expect("store lock");
            for &p in &periods {
                if let Some(ev) = super::ims_meta::cached_gstr3b(&store, &self.profile, p) {
                    let _ = self.events.send(ev);
                }
            }
        }
        let (client, store, profile, events) = (
            self.client.clone(),
            self.store.clone(),
            self.profile.clone(),
            self.events.clone(),
        );
        tokio::spawn(async move {
            for p in periods {
                let ev = super::ims_meta::gstr3b_event(&client, &store, &profile, p).await;
                if events.send(ev).is_err() {
                    break;
                }
            }
        });
    }

    /// Paints the cached copy of a section at once, then fetches the fresh one.
    fn pull(&mut self, section: Section) {
        let cached = {
            let store = self.store.lock().expect("store lock");
            match store.section_fetched_at(&self.profile, section) {
                Ok(Some(at)) => store.load_section(&self.profile, section).ok().map(|r| (r, at)),
                _ => None,
            }
        };
        if let Some((records, fetched_at)) = cached {
            let _ = self.events.send(SyncEvent::RecordsLoaded {
                section,
                records: Arc::new(records),
                fetched_at,
                from_cache: true,
            });
        }
        let ctx = self.ctx();
        let job = JobKind::Records(section);
        self.start(job, async move {
            let before = ctx.client.session().map(|t| t.token_expiry);
            if let Err(e) = push::fetch_section(&ctx, section).await {
                let _ = ctx.events.send(SyncEvent::Failed {
                    job,
                    message: e.to_string(),
                });
            }
            session_changed(&ctx.client, before, &ctx.events);
        });
    }

    /// Who to log in as: the profile the store remembers (GSTIN and portal username).
    fn identity(&self) -> Result<(String, crate::domain::Gstin), String> {
        let p = self
            .store
            .lock()
            .expect("store lock")
            .get_profile(&self.profile)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("profile {} is not in the local store; run gstdash login", self.profile))?;
        let gstin = crate::domain::Gstin::parse(&p.gstin).map_err(|e| e.to_string())?;
        Ok((p.username, gstin))
    }

    fn send_otp(&mut self) {
        let (client, events) = (self.client.clone(), self.events.clone());
        let who = self.identity();
        self.start(JobKind::Session, async move {
            let r = match who {
                Ok((user, gstin)) => client.generate_otp(&user, &gstin).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let _ = events.send(match r {
                Ok(()) => SyncEvent::OtpSent,
                Err(message) => SyncEvent::Failed {
                    job: JobKind::Session,
                    message,
                },
            });
        });
    }

    fn verify_otp(&mut self, otp: crate::secret::Secret) {
        let (client, events) = (self.client.clone(), self.events.clone());
        let who = self.identity();
        self.start(JobKind::Session, async move {
            let r = match who {
                // The client's session listener writes the new tokens to the store.
                Ok((user, gstin)) => client
                    .verify_otp(&user, &gstin, otp.expose())
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let _ = events.send(match r {
                Ok(t) => SyncEvent::Session {
                    expires_at: Some(t.token_expiry),
                },
                Err(message) => SyncEvent::Failed {
                    job: JobKind::Session,
                    message,
                },
            });
        });
    }

    fn regenerate(&mut self, period: ReturnPeriod) {
        let ctx = self.ctx();
        self.start(JobKind::Gstr2b, async move {
            if let Err(e) = push::regenerate_2b(&ctx, period).await {
                let _ = ctx.events.send(SyncEvent::Failed {
                    job: JobKind::Gstr2b,
                    message: e.to_string(),
                });
            }
        });
    }

    /// GSTR-3B filed state (cached first) and GSTR-2B supplier names of the IMS period.
    fn ims_period(&mut self, period: ReturnPeriod) {
        self.period = Some(period);
        let store = self.store.lock().expect("store lock");
        if let Some(ev) = super::ims_meta::cached_gstr3b(&store, &self.profile, period) {
            let _ = self.events.send(ev);
        }
        drop(store);
        let job = super::ims_meta::period_job(
            self.client.clone(),
            self.store.clone(),
            self.profile.clone(),
            period,
            self.events.clone(),
        );
        self.start(JobKind::ImsPeriod, job);
    }

    fn save_columns(&mut self, columns: &str) {
        let r = self
            .store
            .lock()
            .expect("store lock")
            .put_ims_columns(&self.profile, columns, Utc::now());
        if let Err(e) = r {
            let _ = self.events.send(SyncEvent::Failed {
                job: JobKind::Stage,
                message: format!("remembering the columns: {e}"),
            });
        }
    }

    /// The journal of one record, read here so the UI thread never waits on SQLite.
    fn history(&mut self, key: RecordKey) {
        let r = self
            .store
            .lock()
            .expect("store lock")
            .journal_of(&self.profile, &key.to_string());
        match r {
            Ok(entries) => {
                let _ = self.events.send(SyncEvent::History { key, entries });
            }
            Err(e) => {
                let _ = self.events.send(SyncEvent::Failed {
                    job: JobKind::Stage,
                    message: format!("reading the journal: {e}"),
                });
            }
        }
    }

    fn start(&mut self, kind: JobKind, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Some(old) = self.jobs.remove(&kind) {
            old.abort();
        }
        let _ = self.events.send(SyncEvent::Started { job: kind });
        self.jobs.insert(kind, tokio::spawn(fut));
    }

    fn counts(&mut self, goods: GoodsType) {
        let (client, store, profile, events) = (
            self.client.clone(),
            self.store.clone(),
            self.profile.clone(),
            self.events.clone(),
        );
        let job = JobKind::Counts(goods);
        self.start(job, async move {
            let before = client.session().map(|t| t.token_expiry);
            match client.ims_count(goods).await {
                Ok(group) => {
                    let now = Utc::now();
                    if let Err(e) = store
                        .lock()
                        .expect("store lock")
                        .put_counts(&profile, goods, &group, now)
                    {
                        let _ = events.send(SyncEvent::Failed {
                            job,
                            message: format!("saving counts to the cache: {e}"),
                        });
                    }
                    let _ = events.send(SyncEvent::CountsLoaded {
                        goods,
                        group,
                        fetched_at: now,
                        from_cache: false,
                    });
                }
                Err(e) => {
                    let _ = events.send(SyncEvent::Failed {
                        job,
                        message: e.to_string(),
                    });
                }
            }
            session_changed(&client, before, &events);
        });
    }

    fn balance(&mut self, period: ReturnPeriod) {
        // Paint the cached figure for this period at once; the fetch replaces it.
        if let Ok(Some((balance, fetched_at))) = self.store.lock().expect("store lock").get_ledger::<CashItcBalance>(
            &self.profile,
            LedgerKind::Balance,
            &period.wire(),
        ) {
            let warnings = balance.check();
            let _ = self.events.send(SyncEvent::BalanceLoaded {
                period,
                balance,
                warnings,
                fetched_at,
                from_cache: true,
            });
        }
        let (client, store, profile, events) = (
            self.client.clone(),
            self.store.clone(),
            self.profile.clone(),
            self.events.clone(),
        );
        let job = JobKind::Balance;
        self.start(job, async move {
            let before = client.session().map(|t| t.token_expiry);
            match client.ledger_balance(period).await {
                Ok(balance) => {
                    let now = Utc::now();
                    if let Err(e) = store.lock().expect("store lock").put_ledger(
                        &profile,
                        LedgerKind::Balance,
                        &period.wire(),
                        &balance,
                        now,
                    ) {
                        let _ = events.send(SyncEvent::Failed {
                            job,
                            message: format!("saving the balance to the cache: {e}"),
                        });
                    }
                    let warnings = balance.check();
                    let _ = events.send(SyncEvent::BalanceLoaded {
                        period,
                        balance,
                        warnings,
                        fetched_at: now,
                        from_cache: false,
                    });
                }
                Err(e) => {
                    let _ = events.send(SyncEvent::Failed {
                        job,
                        message: e.to_string(),
                    });
                }
            }
            session_changed(&client, before, &events);
        });
    }
}

/// While the API is unreachable: when to probe next and how long to wait after that. Probes
/// only ask whether the host answers; they never send anything the user queued.
#[derive(Default)]
struct Probe {
    next: Option<tokio::time::Instant>,
    delay: std::time::Duration,
    running: Option<JoinHandle<()>>,
}

impl Probe {
    fn went_offline(&mut self, policy: &PushPolicy, events: &UnboundedSender<SyncEvent>) {
        if self.next.is_some() {
            return;
        }
        self.delay = policy.probe_base;
        self.next = Some(tokio::time::Instant::now() + self.delay);
        let _ = events.send(SyncEvent::Link { online: false });
    }

    fn came_back(&mut self, events: &UnboundedSender<SyncEvent>) {
        if self.next.take().is_none() {
            return;
        }
        if let Some(h) = self.running.take() {
            h.abort();
        }
        let _ = events.send(SyncEvent::Link { online: true });
    }

    fn fire(&mut self, client: &Client, policy: &PushPolicy) {
        if self.running.as_ref().is_none_or(|h| h.is_finished()) {
            let client = client.clone();
            // The client's link watch reports the answer (or the lack of one).
            self.running = Some(tokio::spawn(async move {
                let _ = client.probe().await;
            }));
        }
        self.delay = (self.delay * 2).min(policy.probe_max);
        self.next = Some(tokio::time::Instant::now() + self.delay);
    }
}

async fn sleep_until_probe(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn session_changed(client: &Client, before: Option<chrono::DateTime<Utc>>, events: &UnboundedSender<SyncEvent>) {
    let after = client.session().map(|t| t.token_expiry);
    if after != before {
        let _ = events.send(SyncEvent::Session { expires_at: after });
    }
}

/// What the cache holds for a profile and period, as events marked `from_cache`, so the
/// screen can paint at once and show how old each part is.
pub fn cached_events(store: &Store, profile: &str, period: ReturnPeriod) -> Vec<SyncEvent> {
    let mut out = Vec::new();
    out.extend(super::ims_meta::cached_events(store, profile, period));
    for goods in GoodsType::ALL {
        if let Ok(Some((group, fetched_at))) = store.get_counts(profile, goods) {
            out.push(SyncEvent::CountsLoaded {
                goods,
                group,
                fetched_at,
                from_cache: true,
            });
        }
    }
    if let Ok(Some((balance, fetched_at))) =
        store.get_ledger::<CashItcBalance>(profile, LedgerKind::Balance, &period.wire())
    {
        let warnings = balance.check();
        out.push(SyncEvent::BalanceLoaded {
            period,
            balance,
            warnings,
            fetched_at,
            from_cache: true,
        });
    }
    if let Ok(lists) = store.pull_changes(profile) {
        out.extend(lists.into_iter().map(|c| SyncEvent::PullChanges {
            changes: Arc::new(c),
            from_cache: true,
        }));
    }
    out
}
