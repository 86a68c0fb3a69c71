//! `assetrelay-bench ingress | flows | replay | store | sync`: see the crate README and docs/PERFORMANCE.md.

mod flows;
mod ingress;
mod load;
mod replay;
mod store;
mod sync;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    about = "assetrelay benchmarks (print figures, and verdicts against the documented targets)"
)]
struct Args {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Ingress vs. raw confirmed publishing, at each concurrency.
    Ingress(ingress::Options),
    /// Flow to-smint end to end (webhook in → Smint.io write), 1 and 2 replicas.
    Flows(flows::Options),
    /// Archive replay into a flow queue vs. raw confirmed publishing to it.
    Replay(replay::Options),
    /// The store's work per delivery (claim, ledger write, outcome) on SQLite or PostgreSQL.
    Store(store::Options),
    /// The PhotoShelter initial sync (`assetrelay sync --full`) into to-smint, end to end.
    Sync(sync::Options),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().bench {
        Bench::Ingress(options) => ingress::run(options).await,
        Bench::Flows(options) => flows::run(options).await,
        Bench::Replay(options) => replay::run(options).await,
        Bench::Store(options) => store::run(options).await,
        Bench::Sync(options) => sync::run(options).await,
    }
}
