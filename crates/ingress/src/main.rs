//! `assetrelay-ingress`: load configuration, start telemetry, serve until SIGTERM/SIGINT.

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_ingress::Ingress;
use assetrelay_telemetry::{init_tracing_from, shutdown_on_signal};
use clap::Parser;

/// Receives signed PhotoShelter and Smint.io webhooks and publishes them to RabbitMQ.
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

    let ingress = Ingress::build(&config)?;
    let listener = tokio::net::TcpListener::bind(config.ingress.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.ingress.listen))?;
    ingress
        .run(listener, shutdown_on_signal())
        .await
        .context("ingress stopped with an error")?;
    tracing::info!("ingress stopped cleanly");
    Ok(())
}
