//! `assetrelay-admin`: the operations HTTP API on its own listener ([admin] listen).

use std::path::PathBuf;

use anyhow::Context;
use assetrelay_admin::Admin;
use assetrelay_config::LogFormat;
use assetrelay_telemetry::{LogStyle, init_tracing, shutdown_on_signal};
use clap::Parser;

/// Replay, parked messages and queue depths over HTTP, behind bearer tokens.
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
    let style = match config.telemetry.log_format {
        LogFormat::Pretty => LogStyle::Pretty,
        LogFormat::Json => LogStyle::Json,
    };
    init_tracing(style, &config.telemetry.log_filter);
    let admin = Admin::build(&config)?;
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
