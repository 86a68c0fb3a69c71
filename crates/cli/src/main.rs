//! `assetrelay`: the command-line entry.

use assetrelay_cli::{commands, dev};
use assetrelay_telemetry::init_tracing_from;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "assetrelay: keeps PhotoShelter and Smint.io in sync through RabbitMQ"
)]
struct Cli {
    /// TOML configuration file (`dev` defaults to config/example.toml); ASSETRELAY_*
    /// environment variables override it.
    #[arg(long, env = "ASSETRELAY_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the sandbox, the ingress and all flows in one process, with a seeded demo.
    Dev(dev::DevArgs),
    /// Republish archived events (by time window and filters) into one flow's queue.
    Replay(commands::replay::Args),
    /// Inspect, re-drive or purge a flow's parked (dead-lettered) messages.
    Parked(commands::parked::Args),
    /// Declare the broker topology, or compare the live broker against it.
    Topology(commands::topology::Args),
    /// Apply the durable store's migrations, or show its state ([store] url).
    Store(commands::store::Args),
    /// What happened to an asset: its ledger rows and every decision on it, from the store.
    Trace(commands::trace::Args),
    /// Initial sync (backfill): walk a source and publish its events, rate-capped.
    Sync(commands::sync::Args),
    /// Compare what Smint.io holds (the ledger) with PhotoShelter's library now; publish
    /// the drift polling cannot see (deleted media).
    Reconcile(commands::reconcile::Args),
    /// Show or reset a source's stored position (Smint.io continuation, PhotoShelter
    /// watermark).
    Cursor(commands::cursor::Args),
    /// GET a `/healthz` or `/readyz` URL: exit 0 on 2xx, else 1 with the reason (for
    /// container healthchecks; reads no configuration).
    Healthcheck(commands::healthcheck::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Healthcheck(args) = cli.command {
        match commands::healthcheck::run(args).await {
            Ok(line) => println!("{line}"),
            Err(unhealthy) => {
                eprintln!("unhealthy: {unhealthy}");
                std::process::exit(1);
            }
        }
        return Ok(());
    }
    if let Command::Dev(args) = cli.command {
        let path = cli
            .config
            .unwrap_or_else(|| PathBuf::from("config/example.toml"));
        let config = dev::load_config(&path)?;
        init_tracing_from(&config.telemetry);
        let _ = assetrelay_telemetry::metrics_handle();
        return dev::run(args, config).await;
    }
    let env = std::env::vars().collect();
    let config = assetrelay_config::load(cli.config.as_deref(), &env)?;
    // Operations commands print their results on stdout; only problems are logged (stderr).
    assetrelay_telemetry::init_tracing_to_stderr("warn");
    let result = match cli.command {
        Command::Dev(_) | Command::Healthcheck(_) => Ok(()),
        Command::Replay(args) => commands::replay::run(args, config).await,
        Command::Parked(args) => commands::parked::run(args, config).await,
        Command::Topology(args) => commands::topology::run(args, config).await,
        Command::Store(args) => commands::store::run(args, config).await,
        Command::Trace(args) => commands::trace::run(args, config).await,
        Command::Sync(args) => commands::sync::run(args, config).await,
        Command::Reconcile(args) => commands::reconcile::run(args, config).await,
        Command::Cursor(args) => commands::cursor::run(args, config).await,
    };
    if let Err(e) = &result
        && let Some(bad) = e.downcast_ref::<commands::BadArguments>()
    {
        // Exit 2, as clap does for a flag it cannot parse: the arguments are wrong.
        eprintln!("error: {bad}");
        std::process::exit(2);
    }
    result
}
