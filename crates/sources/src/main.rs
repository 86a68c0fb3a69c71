//! `assetrelay-sources`: load configuration, start telemetry, poll until SIGTERM/SIGINT.

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_sources::Sources;
use assetrelay_telemetry::{init_tracing_from, shutdown_on_signal};
use clap::Parser;

/// Polls the platforms of every configured connection and publishes their changes to
/// RabbitMQ as canonical events.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// TOML configuration file; ASSETRELAY_* environment variables override it.
    #[arg(long, env = "ASSETRELAY_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let env = std::env::vars().collect();
    let config = assetrelay_config::load(args.config.as_deref(), &env)?;
    init_tracing_from(&config.telemetry);
    // Install the Prometheus recorder before the first metric is recorded.
    let _ = assetrelay_telemetry::metrics_handle();

    let sources = Sources::build(&config)
        .await
        .context("cannot start the sources")?;
    sources.run(shutdown_on_signal()).await;
    tracing::info!("sources stopped cleanly");
    Ok(())
}
