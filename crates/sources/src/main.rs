//! `assetrelay-sources`: load configuration, start telemetry, run every source until
//! SIGTERM/SIGINT; SIGHUP reloads the connections.

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_sources::Sources;
use assetrelay_telemetry::reload::{ConfigSource, reload_on_sighup};
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
    let source = ConfigSource {
        file: args.config,
        env,
    };
    let config = source.load()?;
    init_tracing_from(&config.telemetry);
    // Install the Prometheus recorder before the first metric is recorded.
    let _ = assetrelay_telemetry::metrics_handle();

    let listen = config.sources.metrics_listen;
    let ops = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (sources.metrics_listen)"))?;
    let sources = Sources::build(&config)
        .await
        .context("cannot start the sources")?;
    tracing::info!(pollers = sources.poller_count(), syncs = sources.syncer_count(), metrics = %listen, "sources starting");
    // SIGHUP reads the file again and applies its [connections] (docs/operations.md).
    let sources = sources.with_reloads(reload_on_sighup(source, config));
    sources.run(Some(ops), shutdown_on_signal()).await;
    tracing::info!("sources stopped cleanly");
    Ok(())
}
