//! `assetrelay sync --connection C --source photoshelter|smintio`: the initial sync
//! (backfill) of one source, walked by `assetrelay_sources::backfill`. A progress bar on a
//! terminal (stderr), a summary on stdout (`--json`), exit 1 when it failed, 2 when the
//! connection or its API section is not configured.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::{Config, ConnectionConfig};
use assetrelay_smintio::client::RetryPolicy;
use assetrelay_sources::backfill::{self, DEFAULT_RATE, Options, Report, Tally};
use assetrelay_sources::photoshelter::PollContext;
use assetrelay_sources::smintio::SyncContext;
use assetrelay_store::Store;
use indicatif::{HumanCount, ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use super::{BadArguments, SourceArg};

const CONNECT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Publishes the same events, under the same ids, as assetrelay-sources; the flows skip what \
they already applied.

smintio: without --full, reads the license feed from the stored continuation and stores \
it page by page once the page's events are confirmed (what the running sync would do). \
With --full, reads the feed from its beginning and never moves the stored continuation: a \
full walk is a re-publication, not a position.

photoshelter: without --full, lists the media down to the stored watermark minus the \
overlap (everything when none is stored); with --full, all media. Never moves the \
poller's watermark.

Holds the (connection, source) lease of assetrelay-sources while it runs (not with \
--dry-run): if a running assetrelay-sources holds it, stop that source first.

Exit codes: 0 done, 1 failed, 2 bad arguments (unknown connection, API not configured).")]
pub struct Args {
    /// The configured connection to sync.
    #[arg(long)]
    connection: String,
    /// The platform to read.
    #[arg(long, value_enum)]
    source: SourceArg,
    /// From the beginning, whatever is stored; stores no position.
    #[arg(long)]
    full: bool,
    /// Read and count what would be published: publish nothing, store nothing, take no
    /// lease.
    #[arg(long)]
    dry_run: bool,
    /// At most N events published per second (0: no cap).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RATE)]
    rate: u32,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let connection = super::connection(&config, &args.connection)?;
    check_api(&args, connection)?;
    let options = Options {
        full: args.full,
        dry_run: args.dry_run,
        rate: NonZeroU32::new(args.rate),
    };
    let store = super::open_store(&config).await?;
    let result = sync(&args, &config, connection, &store, options).await;
    store.close().await;
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

/// A source without its API section cannot be read: name the key to configure.
fn check_api(args: &Args, connection: &ConnectionConfig) -> Result<(), BadArguments> {
    let (configured, section) = match args.source {
        SourceArg::Photoshelter => (connection.photoshelter.api.is_some(), "photoshelter.api"),
        SourceArg::Smintio => (connection.smintio.api.is_some(), "smintio.api"),
    };
    if configured {
        return Ok(());
    }
    Err(BadArguments(format!(
        "connection `{}` has no [connections.{}.{section}] section: configure it to sync this source",
        args.connection, args.connection
    )))
}

async fn sync(
    args: &Args,
    config: &Config,
    connection: &ConnectionConfig,
    store: &Store,
    options: Options,
) -> anyhow::Result<Report> {
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-sync"),
        None,
    );
    // A dry run publishes nothing: it needs no broker.
    if !options.dry_run && !broker.wait_ready(CONNECT_WAIT).await {
        broker.close().await;
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
    let shutdown = assetrelay_telemetry::shutdown_on_signal();
    let bar = Bar::new();
    let progress = |tally: Tally| bar.draw(tally, options.dry_run);
    let name = args.connection.clone();
    let result = match args.source {
        SourceArg::Smintio => {
            smintio(
                &name, connection, store, publisher, topology, options, &progress, &shutdown,
            )
            .await
        }
        SourceArg::Photoshelter => {
            photoshelter(
                &name, connection, store, publisher, topology, options, &progress, &shutdown,
            )
            .await
        }
    };
    bar.finish();
    broker.close().await;
    result
}

#[allow(clippy::too_many_arguments)] // one call site each; a struct would only rename them
async fn smintio(
    name: &str,
    connection: &ConnectionConfig,
    store: &Store,
    publisher: Publisher,
    topology: Topology,
    options: Options,
    progress: backfill::Progress<'_>,
    shutdown: &CancellationToken,
) -> anyhow::Result<Report> {
    let api = connection
        .smintio
        .api
        .as_ref()
        .context("smintio.api is not configured")?;
    let client = assetrelay_clients::smintio(api, name, store, RetryPolicy::default())
        .with_context(|| format!("building the Smint.io client of connection `{name}`"))?;
    let context = SyncContext {
        connection: name.to_owned(),
        client: Arc::new(client),
        publisher,
        topology,
        store: store.clone(),
        page_size: connection.smintio.sync.page_size,
    };
    backfill::smintio::backfill(&context, options, progress, shutdown)
        .await
        .with_context(|| format!("sync of smintio on connection `{name}` failed"))
}

#[allow(clippy::too_many_arguments)] // as `smintio`
async fn photoshelter(
    name: &str,
    connection: &ConnectionConfig,
    store: &Store,
    publisher: Publisher,
    topology: Topology,
    options: Options,
    progress: backfill::Progress<'_>,
    shutdown: &CancellationToken,
) -> anyhow::Result<Report> {
    let context = poll_context(name, connection, store, publisher, topology)?;
    backfill::photoshelter::backfill(&context, options, progress, shutdown)
        .await
        .with_context(|| format!("sync of photoshelter on connection `{name}` failed"))
}

/// The PhotoShelter poller's context of connection `name`, as `assetrelay-sources` builds it.
pub fn poll_context(
    name: &str,
    connection: &ConnectionConfig,
    store: &Store,
    publisher: Publisher,
    topology: Topology,
) -> anyhow::Result<PollContext> {
    let api = connection
        .photoshelter
        .api
        .as_ref()
        .context("photoshelter.api is not configured")?;
    let client = assetrelay_clients::photoshelter(api, name, store)
        .with_context(|| format!("building the PhotoShelter client of connection `{name}`"))?;
    let poll = &connection.photoshelter.poll;
    Ok(PollContext {
        connection: name.to_owned(),
        org_id: assetrelay_clients::photoshelter_org_id(api).to_owned(),
        client: Arc::new(client),
        publisher,
        topology,
        store: store.clone(),
        // At most a day: the configuration refuses more.
        overlap: chrono::Duration::seconds(
            i64::try_from(poll.overlap_secs.min(86_400)).unwrap_or(86_400),
        ),
        page_size: poll.page_size,
        // A walk publishes the listed media; gallery membership is the poller's to watch.
        watched_galleries: Vec::new(),
        watched_collections: Vec::new(),
    })
}

/// The summary for people.
fn render(report: &Report) -> String {
    let t = &report.tally;
    let secs = report.elapsed_ms as f64 / 1000.0;
    let mut out = format!(
        "{}sync of {} on connection {}{}\n",
        if report.dry_run { "dry-run " } else { "" },
        report.source,
        report.connection,
        if report.full { " (full)" } else { "" },
    );
    out += &format!("read         {:>12}\n", HumanCount(t.read).to_string());
    if report.dry_run {
        out += &format!("to publish   {:>12}\n", HumanCount(t.events).to_string());
    } else {
        out += &format!("published    {:>12}\n", HumanCount(t.published).to_string());
    }
    out += &format!("pages        {:>12}\n", HumanCount(t.pages).to_string());
    out += &format!(
        "elapsed      {secs:>10.2} s  ({:.1} events/s)\n",
        report.events_per_sec
    );
    let position = if report.position_stored {
        "stored position moved"
    } else {
        "stored position unchanged"
    };
    out += position;
    out += "\n";
    out
}

/// A spinner with counts on stderr (indicatif hides it when stderr is not a terminal):
/// a walk does not know its total in advance.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new_spinner();
        let style = ProgressStyle::with_template("{spinner} {elapsed_precise}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self(bar)
    }

    fn draw(&self, tally: Tally, dry_run: bool) {
        let done = if dry_run {
            format!("to publish {}", HumanCount(tally.events))
        } else {
            format!("published {}", HumanCount(tally.published))
        };
        self.0.set_message(format!(
            "pages {}  read {}  {done}",
            HumanCount(tally.pages),
            HumanCount(tally.read)
        ));
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
