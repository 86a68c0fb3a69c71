//! `assetrelay-ingress`: load configuration, start telemetry, serve until SIGTERM/SIGINT;
//! SIGHUP reloads the connections.

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_ingress::Ingress;
use assetrelay_telemetry::reload::{ConfigSource, reload_on_sighup};
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
    let source = ConfigSource {
        file: args.config,
        env,
    };
    let config = source.load()?;
    init_tracing_from(&config.telemetry);

    let ingress = Ingress::build(&config)?;
    let listen = config.ingress.listen;
    // SIGHUP reads the file again and applies its [connections] (docs/operations.md).
    ingress.follow_reloads(reload_on_sighup(source, config));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    ingress
        .run(listener, shutdown_on_signal())
        .await
        .context("ingress stopped with an error")?;
    tracing::info!("ingress stopped cleanly");
    Ok(())
}
