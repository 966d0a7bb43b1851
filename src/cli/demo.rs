//! `gstdash demo`, `gstdash sim` and the TUI start-up shared with the real profile.

use chrono::{Local, Utc};
use tokio::sync::mpsc::unbounded_channel;

use super::commands::Ctx;
use super::error::CliError;
use super::{DemoArgs, GlobalArgs, SimArgs};
use crate::api::{Client, ClientConfig};
use crate::app::state::{AppState, ProfileInfo, ThemeName};
use crate::config::ResolvedProfile;
use crate::domain::{Gstin, ReturnPeriod};
use crate::secret::Secret;
use crate::sim::{self, SimConfig};
use crate::store::Store;
use crate::sync::engine;

fn sim_config(seed: u64, records: usize, latency_ms: u64) -> SimConfig {
    SimConfig {
        seed,
        records,
        latency_ms,
        today: Local::now().date_naive(),
        ..SimConfig::default()
    }
}

/// The last return period that has ended: the one a consultant works on.
fn default_period() -> ReturnPeriod {
    ReturnPeriod::of_date(Local::now().date_naive()).prev()
}

pub async fn run_demo(g: &GlobalArgs, args: &DemoArgs) -> Result<(), CliError> {
    let sim = sim::start(sim_config(args.seed, args.records, args.latency_ms), 0)
        .await
        .map_err(CliError::io("starting the simulator"))?;
    // A temporary data dir unless one was asked for; removed when the demo ends.
    let tmp;
    let dir = match &g.data_dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("gstdash-demo-")
                .tempdir()
                .map_err(CliError::io("creating a temporary data dir"))?;
            tmp.path().to_path_buf()
        }
    };
    let store = Store::open_in(&dir)?;
    let tp = sim
        .taxpayers
        .first()
        .ok_or_else(|| CliError::new("the simulator has no taxpayers"))?;
    let gstin = Gstin::parse(&tp.gstin).map_err(|e| CliError::new(e.to_string()))?;
    let profile = ResolvedProfile {
        name: "demo".into(),
        gstin,
        username: tp.username.clone(),
        base_url: sim.base_url.clone(),
        api_key: Some(Secret::new(sim::DEMO_API_KEY)),
        api_secret: Some(Secret::new(sim::DEMO_API_SECRET)),
    };
    let server = format!("embedded simulator, seed {}, {} records", args.seed, args.records);
    super::commands::remember_profile(&store, &profile, &server)?;
    let client = Client::new(ClientConfig::new(
        &profile.base_url,
        Secret::new(sim::DEMO_API_KEY),
        Some(Secret::new(sim::DEMO_API_SECRET)),
    ))?;
    let mut ctx = Ctx::with(profile, store, client);
    if let Ok(c) = crate::config::Config::load(g.config.as_deref()) {
        ctx.downloads_dir = c.resolve_downloads_dir();
    }
    // Log in through the real HTTP client, exactly as against Sandbox. Said on stderr, since
    // with --latency-ms this takes a moment before the screen opens.
    eprintln!(
        "gstdash demo: simulator on {}; logging in as {} ({}) with OTP {}…",
        sim.base_url,
        ctx.profile.username,
        ctx.profile.gstin,
        sim::DEMO_OTP
    );
    ctx.client.authenticate().await?;
    if let Some((tok, exp)) = ctx.client.platform_token() {
        ctx.store
            .lock()
            .expect("store lock")
            .save_platform_token(&ctx.profile.name, &tok, exp, Utc::now())?;
    }
    ctx.client
        .generate_otp(&ctx.profile.username, &ctx.profile.gstin)
        .await?;
    ctx.client
        .verify_otp(&ctx.profile.username, &ctx.profile.gstin, sim::DEMO_OTP)
        .await?;
    let r = run_tui_with(ctx, "demo (embedded simulator)", None).await;
    sim.shutdown().await;
    r
}

pub async fn run_sim(a: &SimArgs) -> Result<(), CliError> {
    let mut cfg = sim_config(a.seed, a.records, a.latency_ms);
    cfg.fault_rate = a.fault_rate;
    cfg.drop_rate = a.drop_rate;
    cfg.corrupt_rate = a.corrupt_rate;
    cfg.burst_429_every = a.burst_429_every;
    cfg.rate_limit_per_min = (a.rate_limit > 0).then_some(a.rate_limit);
    cfg.token_ttl_secs = a.token_ttl_secs;
    sim::run_standalone(cfg, a.port)
        .await
        .map_err(CliError::io("running the simulator"))
}

pub async fn run_tui(ctx: Ctx) -> Result<(), CliError> {
    let env = environment_label(&ctx.profile.base_url);
    let theme = Some(ctx.ui_theme);
    run_tui_with(ctx, &env, theme).await
}

fn environment_label(base_url: &str) -> String {
    if base_url.contains("test-api.sandbox.co.in") {
        "Sandbox test".into()
    } else if base_url.contains("api.sandbox.co.in") {
        "Sandbox production".into()
    } else {
        base_url.to_string()
    }
}

async fn run_tui_with(ctx: Ctx, environment: &str, theme: Option<ThemeName>) -> Result<(), CliError> {
    let period = default_period();
    let (ev_tx, ev_rx) = unbounded_channel();
    {
        let store = ctx.store.lock().expect("store lock");
        for e in engine::cached_events(&store, &ctx.profile.name, period) {
            let _ = ev_tx.send(e);
        }
    }
    let info = ProfileInfo {
        name: ctx.profile.name.clone(),
        gstin: ctx.profile.gstin.to_string(),
        username: ctx.profile.username.clone(),
        environment_label: environment.to_string(),
    };
    let (cmd_tx, handle) = engine::spawn(ctx.client.clone(), ctx.store.clone(), ctx.profile.name.clone(), ev_tx);
    let mut state = AppState::new(info, period, ThemeName::from_env(theme));
    crate::config::KeyOverride::apply_all(&ctx.keys, &mut state.keymap).map_err(CliError::new)?;
    state.downloads_dir = Some(ctx.downloads_dir.clone());
    let r = crate::ui::runner::run(state, cmd_tx, ev_rx).await;
    handle.abort();
    r.map_err(CliError::io("terminal"))
}
