//! The non-interactive commands: login, logout, balance, ledgers, IMS counts and lists.
//! Each prints a table by default and JSON/CSV for scripts; every failure is one line on
//! stderr and a non-zero exit.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::error::CliError;
use super::output::{Format, emit};
use super::report::{self, Amounts, Doc};
use super::{GlobalArgs, ImsCmd, LedgerCmd};
use crate::api::{Client, ClientConfig, TaxpayerTokens};
use crate::config::{Config, ResolvedProfile};
use crate::domain::ledger::LedgerWarning;
use crate::domain::period::{self, ReturnPeriod, parse_user_date};
use crate::domain::{Action, GoodsType, Section};
use crate::store::{LedgerKind, Store, StoredProfile};

/// Records who the cache and tokens belong to (a changed GSTIN or server clears them).
/// `server` names where the data comes from: the base URL, or for the embedded simulator its
/// seed and size (its port changes every run, its data does not).
pub fn remember_profile(store: &Store, p: &ResolvedProfile, server: &str) -> Result<(), CliError> {
    store.upsert_profile(&StoredProfile {
        name: p.name.clone(),
        gstin: p.gstin.to_string(),
        username: p.username.clone(),
        base_url: server.to_string(),
        updated_at: Utc::now(),
    })?;
    Ok(())
}

/// Everything a command needs: the resolved profile, the store and a client holding the
/// stored tokens.
pub struct Ctx {
    pub profile: ResolvedProfile,
    pub store: Arc<Mutex<Store>>,
    pub client: Client,
    /// Theme asked for in the config file (`NO_COLOR` still wins).
    pub ui_theme: crate::config::Theme,
    /// Key overrides from `[keys.*]`, already validated.
    pub keys: Vec<crate::config::KeyOverride>,
    /// Where exports go without `--out` (`downloads_dir` in the config file).
    pub downloads_dir: std::path::PathBuf,
}

impl Ctx {
    pub fn open(g: &GlobalArgs) -> Result<Ctx, CliError> {
        let config = Config::load(g.config.as_deref())?;
        let env = |k: &str| std::env::var(k).ok();
        let profile = config.resolve_profile(g.profile.as_deref(), &env)?;
        let data_dir = config.resolve_data_dir(g.data_dir.as_deref(), &env)?;
        let store = Store::open_in(&data_dir)?;
        remember_profile(&store, &profile, &profile.base_url)?;
        let api_key = profile.api_key.clone().ok_or_else(|| {
            CliError::new("no API key: set GSTDASH_API_KEY, or api_key_env / api_key_command in the profile")
        })?;
        let client = Client::new(ClientConfig::new(
            &profile.base_url,
            api_key,
            profile.api_secret.clone(),
        ))?;
        let mut ctx = Ctx::with(profile, store, client);
        ctx.ui_theme = config.ui.theme;
        ctx.keys = config.keys.clone();
        ctx.downloads_dir = config.resolve_downloads_dir();
        Ok(ctx)
    }

    /// Wires a client to the store: restores tokens and persists every new session.
    pub fn with(profile: ResolvedProfile, store: Store, client: Client) -> Ctx {
        if let Ok(Some(t)) = store.load_tokens(&profile.name) {
            if let Some(p) = t.platform {
                client.set_platform_token(p.token, p.expires_at);
            }
            client.set_session(t.taxpayer.map(|s| TaxpayerTokens {
                token: s.token,
                token_expiry: s.token_expiry,
                session_expiry: s.session_expiry,
            }));
        }
        let store = Arc::new(Mutex::new(store));
        let sink = store.clone();
        let name = profile.name.clone();
        let client = client.on_session(Arc::new(move |t: &TaxpayerTokens| {
            if let Ok(s) = sink.lock() {
                // A failed write is reported by the next command that needs the token.
                let _ = s.save_taxpayer_session(&name, &t.token, t.token_expiry, t.session_expiry, Utc::now());
            }
        }));
        Ctx {
            profile,
            store,
            client,
            ui_theme: crate::config::Theme::default(),
            keys: Vec::new(),
            downloads_dir: Config::default().resolve_downloads_dir(),
        }
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }

    /// Fails early, without a network call, when there is no usable session.
    pub fn require_session(&self) -> Result<(), CliError> {
        match self.client.session() {
            None => Err(CliError::new(format!(
                "not logged in for profile {} ({}): run gstdash login",
                self.profile.name, self.profile.gstin
            ))),
            Some(t) if t.token_expiry <= Utc::now() => Err(CliError::new(format!(
                "taxpayer session for {} expired at {}: log in again with gstdash login",
                self.profile.gstin,
                t.token_expiry.with_timezone(&chrono::Local).format("%d-%m-%Y %H:%M")
            ))),
            Some(_) => Ok(()),
        }
    }
}

pub async fn login(ctx: &Ctx, otp: Option<String>) -> Result<(), CliError> {
    let c = &ctx.client;
    c.authenticate().await?;
    if let Some((tok, exp)) = c.platform_token() {
        ctx.store()
            .save_platform_token(&ctx.profile.name, &tok, exp, Utc::now())?;
    }
    c.generate_otp(&ctx.profile.username, &ctx.profile.gstin).await?;
    let otp = match otp {
        Some(o) => o,
        None => prompt_otp(&ctx.profile)?,
    };
    let t = c.verify_otp(&ctx.profile.username, &ctx.profile.gstin, &otp).await?;
    println!(
        "Logged in as {} ({}) on {}; token valid until {}, session until {}.",
        ctx.profile.username,
        ctx.profile.gstin,
        ctx.profile.base_url,
        t.token_expiry.with_timezone(&chrono::Local).format("%d-%m-%Y %H:%M"),
        t.session_expiry.with_timezone(&chrono::Local).format("%d-%m-%Y %H:%M"),
    );
    Ok(())
}

fn prompt_otp(p: &ResolvedProfile) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        // Still read a piped OTP, but say what we expect when there is none.
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(CliError::io("reading the OTP from stdin"))?;
        let t = line.trim().to_string();
        if t.is_empty() {
            return Err(CliError::new("no OTP: pass --otp CODE or type it at the prompt"));
        }
        return Ok(t);
    }
    eprint!(
        "OTP sent to the mobile/e-mail registered for {} ({}). Enter OTP: ",
        p.gstin, p.username
    );
    std::io::stderr().flush().ok();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(CliError::io("reading the OTP"))?;
    Ok(line.trim().to_string())
}

pub async fn logout(ctx: &Ctx) -> Result<(), CliError> {
    let r = if ctx.client.session().is_some() {
        ctx.client.logout().await
    } else {
        Ok(())
    };
    ctx.store().clear_tokens(&ctx.profile.name)?;
    match r {
        Ok(()) => println!(
            "Logged out of {} ({}); stored tokens removed.",
            ctx.profile.name, ctx.profile.gstin
        ),
        // The local tokens are gone either way; say so, but report the failed server call.
        Err(e) => {
            return Err(CliError::new(format!(
                "stored tokens removed, but the server logout failed: {e}"
            )));
        }
    }
    Ok(())
}

fn amounts(f: Format) -> Amounts {
    if f == Format::Table {
        Amounts::Grouped
    } else {
        Amounts::Plain
    }
}

fn warnings_json(w: &[LedgerWarning]) -> Vec<String> {
    w.iter().map(|w| w.to_string()).collect()
}

/// A fetched ledger on its way out: cached under `(kind, key)`, then printed with its checks.
struct LedgerOut<'a, T: serde::Serialize> {
    kind: LedgerKind,
    key: String,
    query: serde_json::Value,
    data: &'a T,
    warnings: Vec<LedgerWarning>,
    title: String,
    table: super::output::Table,
}

fn publish<T: serde::Serialize>(ctx: &Ctx, out: LedgerOut<'_, T>, format: Format) -> Result<(), CliError> {
    let now = Utc::now();
    ctx.store()
        .put_ledger(&ctx.profile.name, out.kind, &out.key, out.data, now)?;
    let doc = Doc {
        gstin: ctx.profile.gstin.as_str(),
        query: out.query,
        fetched_at: now.to_rfc3339(),
        data: out.data,
        warnings: warnings_json(&out.warnings),
    };
    let mut notes = vec![out.title];
    notes.extend(report::warning_notes(&out.warnings));
    emit(format, &doc, &out.table, &notes)?;
    Ok(())
}

pub async fn balance(ctx: &Ctx, period: &str, format: Format) -> Result<(), CliError> {
    let period = ReturnPeriod::parse_user(period).map_err(CliError::field("--period"))?;
    ctx.require_session()?;
    let b = ctx.client.ledger_balance(period).await?;
    let out = LedgerOut {
        kind: LedgerKind::Balance,
        key: period.wire(),
        query: json!({"period": period.wire()}),
        warnings: b.check(),
        title: format!(
            "Cash and ITC balance, {} ({}), period {}",
            ctx.profile.gstin, ctx.profile.name, period
        ),
        table: report::balance_table(&b, amounts(format)),
        data: &b,
    };
    publish(ctx, out, format)
}

/// Parses and checks a ledger range: from ≤ to, and `to` not after today (GSTN answers
/// LG9089 otherwise; better to say so before sending).
pub(crate) fn parse_range(from: &str, to: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), CliError> {
    let from = parse_user_date(from).map_err(CliError::field("--from"))?;
    let to = parse_user_date(to).map_err(CliError::field("--to"))?;
    if from > to {
        return Err(CliError::new(format!(
            "--from {} is after --to {}",
            period::fmt_slash(from),
            period::fmt_slash(to)
        )));
    }
    if to > today {
        return Err(CliError::new(format!(
            "--to {} is after today ({}); ledgers end today",
            period::fmt_slash(to),
            period::fmt_slash(today)
        )));
    }
    Ok((from, to))
}

/// The period and range of a liability-ledger query: the period's days up to today unless
/// `--from`/`--to` say otherwise.
pub(crate) fn tax_range(
    p: &str,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(ReturnPeriod, NaiveDate, NaiveDate), CliError> {
    let p = ReturnPeriod::parse_user(p).map_err(CliError::field("--period"))?;
    let from = match from {
        Some(f) => parse_user_date(f).map_err(CliError::field("--from"))?,
        None => p.first_day(),
    };
    let to = match to {
        Some(t) => parse_user_date(t).map_err(CliError::field("--to"))?,
        None => p.last_day().min(today),
    };
    let (from, to) = parse_range(&from.to_string(), &to.to_string(), today)?;
    Ok((p, from, to))
}

/// The cash ledger for any range (fetched in ≤ 6-month windows and stitched by the engine's
/// report job, so the CLI and the screen agree).
pub(crate) async fn fetch_cash(
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<crate::domain::ledger::CashLedger, CliError> {
    Ok(crate::sync::reports::cash_ledger_range(&ctx.client, from, to).await?)
}

/// The ITC ledger for any range, the same way.
pub(crate) async fn fetch_itc(
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<crate::domain::ledger::ItcLedger, CliError> {
    Ok(crate::sync::reports::itc_ledger_range(&ctx.client, from, to).await?)
}

pub(crate) fn range_key(from: NaiveDate, to: NaiveDate) -> String {
    format!("{}-{}", period::fmt_slash(from), period::fmt_slash(to))
}

fn range_query(from: NaiveDate, to: NaiveDate) -> serde_json::Value {
    json!({"from": period::fmt_slash(from), "to": period::fmt_slash(to)})
}

pub async fn ledger(ctx: &Ctx, kind: LedgerCmd) -> Result<(), CliError> {
    let today = chrono::Local::now().date_naive();
    match kind {
        LedgerCmd::Cash(r) => {
            let (from, to) = parse_range(&r.from, &r.to, today)?;
            ctx.require_session()?;
            let l = fetch_cash(ctx, from, to).await?;
            let out = LedgerOut {
                kind: LedgerKind::Cash,
                key: range_key(from, to),
                query: range_query(from, to),
                warnings: l.check(),
                title: format!(
                    "Electronic cash ledger, {} ({} – {}), {} entries",
                    ctx.profile.gstin,
                    l.fr_dt,
                    l.to_dt,
                    l.tr.len()
                ),
                table: report::cash_ledger_table(&l, amounts(r.format)),
                data: &l,
            };
            publish(ctx, out, r.format)
        }
        LedgerCmd::Itc(r) => {
            let (from, to) = parse_range(&r.from, &r.to, today)?;
            ctx.require_session()?;
            let l = fetch_itc(ctx, from, to).await?;
            let d = &l.details;
            let out = LedgerOut {
                kind: LedgerKind::Itc,
                key: range_key(from, to),
                query: range_query(from, to),
                warnings: l.check(),
                title: format!(
                    "Electronic credit (ITC) ledger, {} ({} – {}), {} entries",
                    ctx.profile.gstin,
                    d.fr_dt,
                    d.to_dt,
                    d.tr.len()
                ),
                table: report::itc_ledger_table(&l, amounts(r.format)),
                data: &l,
            };
            publish(ctx, out, r.format)
        }
        LedgerCmd::Tax {
            period: p,
            from,
            to,
            format,
        } => {
            let (p, from, to) = tax_range(&p, from.as_deref(), to.as_deref(), today)?;
            ctx.require_session()?;
            let l = ctx.client.ledger_tax(p, from, to).await?;
            let mut query = range_query(from, to);
            query["period"] = json!(p.wire());
            let out = LedgerOut {
                kind: LedgerKind::Tax,
                key: format!("{} {}", p.wire(), range_key(from, to)),
                query,
                warnings: l.check(),
                title: format!(
                    "Return-liability ledger, {} period {}, {} entries",
                    ctx.profile.gstin,
                    p,
                    l.tr.len()
                ),
                table: report::tax_ledger_table(&l, amounts(format)),
                data: &l,
            };
            publish(ctx, out, format)
        }
    }
}

pub async fn ims(ctx: &Ctx, cmd: ImsCmd) -> Result<(), CliError> {
    match cmd {
        ImsCmd::Pull { sections, format } => super::sync_cmds::ims_pull(ctx, sections.as_deref(), format).await?,
        ImsCmd::Act {
            action,
            ids,
            query,
            remarks,
            itc_reduction,
            period,
            dry_run,
            format,
        } => {
            super::sync_cmds::ims_act(
                ctx,
                super::sync_cmds::ActArgs {
                    action: &action,
                    ids: ids.as_deref(),
                    query: query.as_deref(),
                    remarks: remarks.as_deref(),
                    itc_reduction: itc_reduction.as_deref(),
                    period: period.as_deref(),
                    dry_run,
                    format,
                },
            )
            .await?
        }
        ImsCmd::Push => super::sync_cmds::ims_push(ctx).await?,
        ImsCmd::Status { format } => super::sync_cmds::ims_status(ctx, format).await?,
        ImsCmd::Counts { goods, format } => {
            let goods = GoodsType::parse(&goods).map_err(CliError::field_str("--goods"))?;
            ctx.require_session()?;
            let g = ctx.client.ims_count(goods).await?;
            let now = Utc::now();
            ctx.store().put_counts(&ctx.profile.name, goods, &g, now)?;
            let (t, mut notes) = report::counts_table(goods, &g, amounts(format));
            notes.insert(
                0,
                format!(
                    "IMS counts, {} ({}), {}",
                    ctx.profile.gstin,
                    ctx.profile.name,
                    goods.label()
                ),
            );
            let value = json!({"gstin": ctx.profile.gstin.as_str(), "goods": goods.query(), "fetched_at": now.to_rfc3339(), "data": g.to_value()});
            emit(format, &value, &t, &notes)?;
        }
        ImsCmd::List {
            section,
            status,
            format,
        } => {
            let section = Section::parse(&section).map_err(CliError::field_str("--section"))?;
            if !section.api_actionable() {
                return Err(CliError::new(format!(
                    "--section {}: only b2b, b2ba, cn, cna, dn, dna, ecom and ecoma can be listed through the API",
                    section.key()
                )));
            }
            let status = status
                .map(|s| Action::parse(&s))
                .transpose()
                .map_err(CliError::field_str("--status"))?;
            ctx.require_session()?;
            let recs = ctx.client.ims_invoices(section, status.as_ref()).await?;
            let now = Utc::now();
            if status.is_none() {
                // Only a full section replaces the cached one.
                ctx.store().replace_section(&ctx.profile.name, section, &recs, now)?;
            }
            let flagged = recs.iter().filter(|r| !r.flags().is_empty()).count();
            let mut notes = vec![format!(
                "{} {} record(s), {} ({}){}",
                recs.len(),
                section.label(),
                ctx.profile.gstin,
                ctx.profile.name,
                status.as_ref().map(|s| format!(", status {s}")).unwrap_or_default()
            )];
            if flagged > 0 {
                notes.push(format!(
                    "⚠ {flagged} record(s) failed a check of ours (see Flags); they are shown as received."
                ));
            }
            let value = json!({"gstin": ctx.profile.gstin.as_str(), "section": section.key(), "status": status.as_ref().and_then(|s| s.status_query()), "fetched_at": now.to_rfc3339(), "data": recs});
            emit(
                format,
                &value,
                &report::records_table(section, &recs, amounts(format)),
                &notes,
            )?;
        }
    }
    Ok(())
}
