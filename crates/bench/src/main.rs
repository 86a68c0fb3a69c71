//! `assetrelay-bench ingress`: see the crate README and docs/PERFORMANCE.md.

mod ingress;
mod load;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "assetrelay benchmarks (print figures; no pass/fail)")]
struct Args {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Ingress vs. raw confirmed publishing, at each concurrency.
    Ingress(ingress::Options),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().bench {
        Bench::Ingress(options) => ingress::run(options).await,
    }
}
