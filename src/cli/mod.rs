//! Command-line entry points. `gstdash` with no subcommand opens the TUI for the configured
//! profile; `gstdash demo` opens it on the embedded simulator.

pub mod bench;
pub mod commands;
pub mod demo;
pub mod error;
pub mod export;
pub mod output;
pub mod report;
pub mod reports;
pub mod sync_cmds;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use output::Format;

#[derive(Debug, Parser)]
#[command(name = "gstdash", version, about = "Keyboard-driven terminal app for GST IMS, GSTR-2B and ledgers", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Config file (default: the platform config dir, or GSTDASH_CONFIG).
    #[arg(long, global = true, env = "GSTDASH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where the SQLite cache and tokens live (default: the platform data dir).
    #[arg(long, global = true, env = "GSTDASH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Profile (client GSTIN) from the config file.
    #[arg(long, short = 'P', global = true, env = "GSTDASH_PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the full app on the embedded simulator: no account, no network.
    Demo(DemoArgs),
    /// Run the Sandbox-compatible simulator on loopback and print its URL and demo credentials.
    Sim(SimArgs),
    /// Log in: platform authentication, OTP to the taxpayer, session stored locally.
    Login {
        /// The OTP received on the registered mobile/e-mail (prompted for if omitted).
        #[arg(long)]
        otp: Option<String>,
    },
    /// End the taxpayer session and forget the stored tokens.
    Logout,
    /// Cash and ITC balance for a return period.
    Balance {
        /// Return period: 2024-04, 042024 or "Apr 2024".
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Cash, ITC and return-liability ledgers.
    Ledger {
        #[command(subcommand)]
        kind: LedgerCmd,
    },
    /// Export ledger (IGST refund on exports), computed from GSTR-1/1A and GSTR-3B: not an
    /// official GSTN figure.
    ExportLedger {
        /// Financial year: 2024-25 or 2024.
        #[arg(long)]
        fy: String,
        /// ledger (rows as on the portal) or transactions (the breakup per period).
        #[arg(long, value_enum, default_value_t)]
        view: reports::LedgerView,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Export invoices and ICEGATE: processed from 6A, transmitted, not transmitted (with the
    /// reason), rejected by ICEGATE. Computed, not an official GSTN figure.
    Icegate {
        /// Return period: 2024-05 (quarterly filers: the quarter's last month).
        #[arg(long)]
        period: String,
        /// The period is a quarter's last month and the result covers the quarter.
        #[arg(long)]
        quarterly: bool,
        /// ICEGATE's responses (SB000–SB006) as downloaded from the portal: a CSV with Invoice
        /// No, Invoice Date and Response Code columns.
        #[arg(long, value_name = "FILE")]
        icegate_csv: Option<PathBuf>,
        /// List the failed invoices with their reasons instead of the counts.
        #[arg(long)]
        failed: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Outward supplies (supplier view): counts by the recipients' IMS actions per section,
    /// or with --rejected the records whose liability was added back.
    Outward {
        #[arg(long)]
        period: String,
        #[arg(long)]
        rejected: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Invoice Management System.
    Ims {
        #[command(subcommand)]
        cmd: ImsCmd,
    },
    /// Write IMS details, ledgers, balances and supplier follow-up packs to .xlsx or .csv files
    /// in the downloads folder (or --out). Existing files are never overwritten.
    Export {
        #[command(subcommand)]
        cmd: ExportCmd,
    },
    /// The audit journal: every decision, who made it, what GSTN answered.
    Journal {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// GSTR-2B.
    Gstr2b {
        #[command(subcommand)]
        cmd: Gstr2bCmd,
    },
    /// Benchmarks: figures for the README, not tests.
    Bench {
        #[command(subcommand)]
        cmd: BenchCmd,
    },
}

/// Where and how an export is written.
#[derive(Debug, Args, Clone)]
pub struct OutArgs {
    /// xlsx: one workbook, a sheet per table. csv: one file per table (a folder when there
    /// are several).
    #[arg(long, value_enum, default_value_t)]
    pub format: crate::export::FileFormat,
    /// A folder (a generated name goes inside it) or the exact file/folder to create.
    /// Default: downloads_dir from the config file, else ~/Downloads.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Where IMS records come from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Use cached sections fetched within this many minutes; older ones are fetched again.
    #[arg(long, default_value_t = 15, value_name = "MINUTES")]
    pub max_age: u64,
    /// Fetch every section now, whatever the cache holds.
    #[arg(long)]
    pub refresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// IMS details: a Summary sheet (counts and tax by action), a sheet per table (B2B,
    /// B2BA, CN, CNA, DN, DNA, ECO, ECOA) and the ISD and import counts.
    Ims {
        /// Only documents the supplier reported for this return period (default: all).
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        out: OutArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Cash, ITC or return-liability ledger.
    Ledger {
        #[command(subcommand)]
        kind: ExportLedgerCmd,
    },
    /// Cash and ITC balance for a return period.
    Balance {
        #[arg(long)]
        period: String,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The audit journal (every decision: when, who, record, old → new action, remarks, GSTN
    /// reference and outcome), as evidence for notices.
    Journal {
        /// Only decisions made in this month (default: all).
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Supplier follow-up pack: per supplier, the documents rejected or kept pending, with
    /// remarks and what the supplier must file. xlsx: a sheet per supplier; csv: a file per
    /// supplier (ready to send) plus Suppliers.csv.
    Followup {
        /// Only documents the supplier reported for this return period (default: all).
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        out: OutArgs,
        #[command(flatten)]
        source: SourceArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportLedgerCmd {
    /// Electronic cash ledger for a date range.
    Cash(ExportRangeArgs),
    /// Electronic credit (ITC) ledger for a date range.
    Itc(ExportRangeArgs),
    /// Return-liability ledger for a period.
    Tax {
        #[arg(long)]
        period: String,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ExportRangeArgs {
    /// First day: 2024-04-01 or 01/04/2024.
    #[arg(long)]
    pub from: String,
    /// Last day (not after today).
    #[arg(long)]
    pub to: String,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Subcommand)]
pub enum Gstr2bCmd {
    /// Regenerate GSTR-2B after IMS actions and wait until GSTN is done.
    Regenerate {
        /// Return period: 2024-04, 042024 or "Apr 2024".
        #[arg(long)]
        period: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Drive the real app state and renderer (160×48) through a scripted review session over
    /// generated IMS records: key → frame, filter keystroke → frame, first frame, memory.
    Tui {
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        /// `table` (text) or `json`.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write N IMS records to .xlsx and .csv in a temporary folder and print the timings.
    Export {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Keep the files in this folder (default: a temporary folder, removed afterwards).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Full pull of N records into the store, then a push of decisions to processed.
    Sync {
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        #[arg(long, default_value_t = 10_000)]
        decisions: usize,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// IMS records for the first demo taxpayer.
    #[arg(long, default_value_t = 5_000)]
    pub records: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Simulated network latency per request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// IMS records for the first demo taxpayer.
    #[arg(long, default_value_t = 5_000)]
    pub records: usize,
    /// Added to every response.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered with 500/503 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Share of requests whose connection is dropped mid-response.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of responses with a truncated JSON body.
    #[arg(long, default_value_t = 0.0)]
    pub corrupt_rate: f64,
    /// Every N requests, a burst of 429 answers.
    #[arg(long)]
    pub burst_429_every: Option<u32>,
    /// Requests per minute per API key (0 = no limit).
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,
    /// Lifetime of a taxpayer token in seconds.
    #[arg(long, default_value_t = 6 * 3600)]
    pub token_ttl_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// Electronic cash ledger for a date range (fetched in ≤ 6-month slices and stitched).
    Cash(RangeArgs),
    /// Electronic credit (ITC) ledger for a date range.
    Itc(RangeArgs),
    /// Return-liability ledger for a period.
    Tax {
        #[arg(long)]
        period: String,
        /// Defaults to the period's first day.
        #[arg(long)]
        from: Option<String>,
        /// Defaults to the period's last day (or today).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Args, Clone)]
pub struct RangeArgs {
    /// First day: 2024-04-01 or 01/04/2024.
    #[arg(long)]
    pub from: String,
    /// Last day (not after today).
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ImsCmd {
    /// Counts by section and status.
    Counts {
        /// others, isd or imports.
        #[arg(long, default_value = "others")]
        goods: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Records of one section, optionally one status.
    List {
        /// b2b, b2ba, cn, cna, dn, dna, ecom, ecoma.
        #[arg(long)]
        section: String,
        /// accepted, rejected, pending or no-action.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Fetch every record of the IMS sections into the local copy; says what changed.
    Pull {
        /// Comma-separated sections (default: all eight).
        #[arg(long)]
        sections: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Queue a decision on records of the local copy (nothing is sent until push).
    Act {
        /// accept, reject, pending or reset.
        action: String,
        /// File of record keys, one per line: section:gstin:doc_num:doc_date.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "query",
            required_unless_present = "query"
        )]
        ids: Option<PathBuf>,
        /// Filter, e.g. "section:b2b status:no-action gstin:27AAP* txval>10000".
        #[arg(long)]
        query: Option<String>,
        /// Remarks sent with reject/pending.
        #[arg(long)]
        remarks: Option<String>,
        /// For accepting credit notes: full (ITC availed, reduce it) or none.
        #[arg(long, value_name = "full|none")]
        itc_reduction: Option<String>,
        /// Return period whose IMS data this is (MM/YYYY; default: the current month). When its
        /// GSTR-3B is filed, IMS is read-only for it and nothing is queued.
        #[arg(long)]
        period: Option<String>,
        /// Show what would be queued; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Send every queued decision and wait for GSTN's answers.
    Push,
    /// What is queued, in flight, in conflict or rejected.
    Status {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gstdash: cannot start the runtime: {e}");
            return 1;
        }
    };
    match rt.block_on(dispatch(cli)) {
        Ok(()) => 0,
        // `gstdash … | head`: the reader left; nothing to report.
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            eprintln!("gstdash: {e}");
            1
        }
    }
}

async fn dispatch(cli: Cli) -> Result<(), error::CliError> {
    let g = cli.global;
    match cli.command {
        Some(Command::Demo(args)) => demo::run_demo(&g, &args).await,
        Some(Command::Sim(args)) => demo::run_sim(&args).await,
        Some(Command::Login { otp }) => commands::login(&commands::Ctx::open(&g)?, otp).await,
        Some(Command::Logout) => commands::logout(&commands::Ctx::open(&g)?).await,
        Some(Command::Balance { period, format }) => {
            commands::balance(&commands::Ctx::open(&g)?, &period, format).await
        }
        Some(Command::Ledger { kind }) => commands::ledger(&commands::Ctx::open(&g)?, kind).await,
        Some(Command::ExportLedger { fy, view, format }) => {
            reports::export_ledger(&commands::Ctx::open(&g)?, &fy, view, format).await
        }
        Some(Command::Icegate {
            period,
            quarterly,
            icegate_csv,
            failed,
            format,
        }) => {
            let args = reports::IcegateArgs {
                period,
                quarterly,
                icegate_csv,
                failed,
                format,
            };
            reports::icegate(&commands::Ctx::open(&g)?, args).await
        }
        Some(Command::Outward {
            period,
            rejected,
            format,
        }) => reports::outward(&commands::Ctx::open(&g)?, &period, rejected, format).await,
        Some(Command::Ims { cmd }) => commands::ims(&commands::Ctx::open(&g)?, cmd).await,
        Some(Command::Export { cmd }) => export::run(&commands::Ctx::open(&g)?, cmd).await,
        Some(Command::Journal { format }) => sync_cmds::journal(&commands::Ctx::open(&g)?, format),
        Some(Command::Gstr2b {
            cmd: Gstr2bCmd::Regenerate { period },
        }) => sync_cmds::gstr2b_regenerate(&commands::Ctx::open(&g)?, &period).await,
        Some(Command::Bench { cmd }) => bench::run(cmd).await,
        None => {
            let ctx = commands::Ctx::open(&g)?;
            ctx.require_session()?;
            demo::run_tui(ctx).await
        }
    }
}
