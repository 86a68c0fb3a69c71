//! The common `main` of the three flow binaries: load configuration, start telemetry,
//! run one flow until SIGTERM/SIGINT, exit 0 after a clean drain; SIGHUP reloads the
//! connections.

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_telemetry::reload::{ConfigSource, reload_on_sighup};
use assetrelay_telemetry::{init_tracing_from, shutdown_on_signal};
use clap::Parser;

use crate::{Flow, FlowService};

#[derive(Parser)]
#[command(version)]
struct Args {
    /// TOML configuration file; ASSETRELAY_* environment variables override it.
    #[arg(long, env = "ASSETRELAY_CONFIG")]
    config: Option<PathBuf>,
}

/// Run `flow` as a process.
pub async fn main_for(flow: Flow) -> anyhow::Result<()> {
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

    let service = FlowService::build(flow, &config).await?;
    let listen = FlowService::metrics_listen(flow, &config);
    let ops = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {listen} (flows.{}.metrics_listen)",
                flow.as_str().replace('-', "_")
            )
        })?;
    // SIGHUP reads the file again and applies its [connections] (docs/operations.md).
    let service = service.with_reloads(reload_on_sighup(source, config));
    service.run(Some(ops), shutdown_on_signal()).await
}
