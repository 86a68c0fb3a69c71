//! `assetrelay trace <platform>/<asset-id>`: what happened to an asset, from the store
//! alone (`[store] url`): its ledger rows and every recorded decision, grouped per event.
//! An asset the store does not know is said so on stdout, exit 0.

use anyhow::Context;
use assetrelay_config::Config;
use assetrelay_ops::trace::{self, AssetRef, DEFAULT_LIMIT, MAX_LIMIT, TraceQuery};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset as its source platform names it: photoshelter/<media id> or
    /// smintio/<license id>.
    #[arg(value_name = "PLATFORM/ASSET-ID", value_parser = parse_asset)]
    asset: AssetRef,
    /// Only this connection (default: every connection).
    #[arg(long)]
    connection: Option<String>,
    /// Print the timeline as JSON (docs/operations.md, "Tracing an asset").
    #[arg(long)]
    json: bool,
    /// The latest N outcome rows.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_LIMIT)))]
    limit: u32,
}

fn parse_asset(text: &str) -> Result<AssetRef, String> {
    text.parse()
        .map_err(|e: assetrelay_ops::OpsError| e.to_string())
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    // A read: the schema is changed by the services or `store migrate`, never by a trace.
    let store = super::open_store(&config).await?;
    let query = TraceQuery {
        asset: args.asset,
        connection: args.connection,
        limit: args.limit,
    };
    let result = trace::timeline(&store, &query).await;
    store.close().await;
    let timeline = result.with_context(|| {
        format!(
            "tracing {} (are the store's migrations applied? `assetrelay store status`)",
            query.asset
        )
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&timeline)?);
    } else {
        print!("{}", trace::render_text(&timeline));
    }
    Ok(())
}
