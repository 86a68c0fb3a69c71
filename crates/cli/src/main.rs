//! `assetrelay`: the command-line entry.

use assetrelay_cli::dev;
use assetrelay_config::LogFormat;
use assetrelay_telemetry::{LogStyle, init_tracing};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    version,
    about = "assetrelay: keeps PhotoShelter and Smint.io in sync through RabbitMQ"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the sandbox, the ingress and all flows in one process, with a seeded demo.
    Dev(dev::DevArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Dev(args) => {
            let config = dev::load_config(&args)?;
            let style = match config.telemetry.log_format {
                LogFormat::Pretty => LogStyle::Pretty,
                LogFormat::Json => LogStyle::Json,
            };
            init_tracing(style, &config.telemetry.log_filter);
            let _ = assetrelay_telemetry::metrics_handle();
            dev::run(args, config).await
        }
    }
}
