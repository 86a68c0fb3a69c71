//! `assetrelay reconcile --connection C [--dry-run] [--json]`: what the ledger says is
//! exposed in Smint.io against PhotoShelter's current library, now (assetrelay-sources runs
//! the same every `photoshelter.reconcile.interval_secs`). Each exposed item the library
//! no longer holds, whose expiry passed or that the rules no longer expose becomes one
//! event (`asset.deleted`, `.expired`, `.archived`, `.restricted` or `.updated`); the
//! flows remove it from Smint.io.
//! Exit 1 when it failed, 2 when the connection or its `photoshelter.api` is not
//! configured.

use std::time::Duration;

use anyhow::Context;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_sources::photoshelter::reconcile::{ReconcileReport, Reconciler};

use super::BadArguments;
use super::sync::poll_context;

const CONNECT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Lists the whole PhotoShelter library (one call per photoshelter.poll.page_size items), \
compares it with the items the ledger says Smint.io holds, and reads each of those still \
there (five calls) to judge it by the connection's rules. Publishing twice is harmless: \
the events of one drift have one id, and the flows remove an item once.

Exit codes: 0 done (drift or not), 1 failed, 2 bad arguments.")]
pub struct Args {
    /// The configured connection to reconcile.
    #[arg(long)]
    connection: String,
    /// Report the drift, publish nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let connection = super::connection(&config, &args.connection)?;
    if connection.photoshelter.api.is_none() {
        return Err(BadArguments(format!(
            "connection `{0}` has no [connections.{0}.photoshelter.api] section: configure it to reconcile",
            args.connection
        ))
        .into());
    }
    let store = super::open_store(&config).await?;
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-reconcile"),
        None,
    );
    let result = async {
        if !args.dry_run && !broker.wait_ready(CONNECT_WAIT).await {
            anyhow::bail!(
                "cannot reach the broker (broker.url) within {} s",
                CONNECT_WAIT.as_secs()
            );
        }
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        let topology = Topology::from_config(&config.topology);
        let context = poll_context(&args.connection, connection, &store, publisher, topology)?;
        Reconciler::new(context, connection.rules.clone())
            .reconcile_once(args.dry_run)
            .await
            .with_context(|| format!("reconciling connection `{}` failed", args.connection))
    }
    .await;
    broker.close().await;
    store.close().await;
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&args, &report));
    }
    Ok(())
}

fn render(args: &Args, report: &ReconcileReport) -> String {
    let mut out = format!(
        "{}reconciliation of connection {}\n",
        if args.dry_run { "dry-run " } else { "" },
        args.connection
    );
    out += &format!("exposed in Smint.io (ledger)   {:>8}\n", report.exposed);
    out += &format!("in the PhotoShelter library    {:>8}\n", report.listed);
    out += &format!(
        "deleted from PhotoShelter      {:>8}\n",
        report.deleted.len()
    );
    for id in &report.deleted {
        out += &format!("  {id}\n");
    }
    out += &format!(
        "expiry passed, still exposed   {:>8}\n",
        report.expired.len()
    );
    for id in &report.expired {
        out += &format!("  {id}\n");
    }
    out += &format!(
        "no longer exposed by the rules {:>8}\n",
        report.revoked.len()
    );
    for revoked in &report.revoked {
        out += &format!("  {} ({})\n", revoked.media_id, revoked.reason);
    }
    // Only with rules.previews.refresh_secs set.
    if !report.previews_due.is_empty() {
        out += &format!(
            "rendition links to refresh     {:>8}\n",
            report.previews_due.len()
        );
    }
    out += &if args.dry_run {
        "nothing published (--dry-run)\n".to_owned()
    } else {
        format!(
            "published {} event(s); the flows remove these items from Smint.io\n",
            report.published
        )
    };
    out
}
