//! `assetrelay-admin`: the operations HTTP API on its own listener ([admin] listen).

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_admin::Admin;
use assetrelay_telemetry::{init_tracing_from, shutdown_on_signal};
use clap::Parser;

/// Replay, parked messages, queue depths and asset timelines over HTTP, behind bearer tokens.
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
    let admin = Admin::build(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.admin.listen)
        .await
        .with_context(|| format!("cannot listen on {} (admin.listen)", config.admin.listen))?;
    tracing::info!(addr = %config.admin.listen, "admin API listening");
    admin
        .run(listener, shutdown_on_signal())
        .await
        .context("admin API stopped with an error")?;
    Ok(())
}
