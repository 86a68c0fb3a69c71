//! The PhotoShelter initial sync end to end: `assetrelay sync --connection demo --source
//! photoshelter --full` (the same `assetrelay_sources::backfill` walk, with the same rate
//! cap) over N approved media seeded into the sandbox, into to-smint, until every item
//! reached the Smint.io data adapter; the sandbox adds a fixed latency to every platform
//! call and emits no webhooks, so the sync is the only source of events. Everything but
//! RabbitMQ and PostgreSQL runs in this process (docs/PERFORMANCE.md, "Initial sync").

mod drive;
mod rate;
mod report;
mod seed;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_cli::control::SandboxControl;
use assetrelay_cli::stack::{Part, start_flow, use_sandbox};
use assetrelay_config::Config;
use assetrelay_contract::Flow;
use assetrelay_sandbox::{AppState, SandboxConfig};
use assetrelay_sources::backfill::DEFAULT_RATE;
use assetrelay_store::Store;
use assetrelay_testkit::wait_until;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::flows::probe::{self, Calls};
use crate::flows::store::{BenchStore, StoreBackend};
use crate::flows::{consumers, delete_topology};
use crate::ingress::config_path;
use rate::Windows;

/// The connection `assetrelay sync --connection demo` syncs.
const CONNECTION: &str = "demo";

#[derive(clap::Args)]
pub struct Options {
    /// Approved media seeded into the sandbox and synced.
    #[arg(long, default_value_t = 10_000)]
    media: usize,
    /// Milliseconds the sandbox adds to every PhotoShelter and Smint.io call.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Replicas of to-smint.
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// `flows.concurrency` of each replica.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// `flows.prefetch` of each replica [default: 2 × concurrency, as the config defaults].
    #[arg(long)]
    prefetch: Option<u16>,
    /// The sync's cap, events published per second (0: no cap), as `assetrelay sync --rate`.
    #[arg(long, default_value_t = DEFAULT_RATE)]
    rate: u32,
    /// `photoshelter.poll.page_size` of the demo connection [default: the config's].
    #[arg(long)]
    page_size: Option<u32>,
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    amqp_url: String,
    /// The flows' and the sync's store: SQLite in a temporary file, or PostgreSQL in a
    /// schema of its own (dropped at the end).
    #[arg(long, value_enum, default_value = "sqlite")]
    store: StoreBackend,
    /// `[store] max_connections` of each replica [default: the config's, 8].
    #[arg(long)]
    store_pool: Option<u32>,
    /// The PostgreSQL database for `--store postgres`.
    #[arg(
        long,
        env = "ASSETRELAY_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/assetrelay_test"
    )]
    postgres_url: String,
}

/// The running sandbox and broker the measurement uses.
pub(crate) struct Ctx {
    config: Config,
    topology: Topology,
    broker: Broker,
    sandbox: AppState,
    sandbox_url: String,
    calls: Calls,
    windows: Windows,
    prefetch: u16,
    store_name: &'static str,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    assetrelay_telemetry::init_tracing(assetrelay_telemetry::LogStyle::Pretty, "warn");
    let _recorder = assetrelay_telemetry::metrics_handle();
    if options.media == 0 || options.replicas == 0 || options.concurrency == 0 {
        bail!("--media, --replicas and --concurrency must be at least 1");
    }
    let prefix = format!("bench-sync-{}", uuid::Uuid::new_v4().simple());
    let (store, store_url) = BenchStore::create(options.store, &options.postgres_url).await?;
    let prefetch = options
        .prefetch
        .unwrap_or_else(|| u16::try_from(options.concurrency * 2).unwrap_or(u16::MAX));
    let env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix),
        ("ASSETRELAY_BROKER__URL", options.amqp_url.clone()),
        (
            "ASSETRELAY_FLOWS__CONCURRENCY",
            options.concurrency.to_string(),
        ),
        ("ASSETRELAY_FLOWS__PREFETCH", prefetch.to_string()),
        ("ASSETRELAY_STORE__URL", store_url),
    ]
    .into_iter()
    .chain(
        options
            .store_pool
            .map(|n| ("ASSETRELAY_STORE__MAX_CONNECTIONS", n.to_string())),
    )
    .chain(options.page_size.map(|n| {
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__PAGE_SIZE",
            n.to_string(),
        )
    }))
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut config = assetrelay_config::load(Some(&config_path()), &env)?;
    let topology = Topology::from_config(&config.topology);
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-bench"),
        None,
    );
    if !broker.wait_ready(Duration::from_secs(10)).await {
        bail!("RabbitMQ at {} is not reachable", config.broker.url);
    }

    // The sandbox without an ingress URL: it emits no webhooks at all, so every event of
    // the run is one the sync published.
    let stop_sandbox = CancellationToken::new();
    let sandbox =
        assetrelay_sandbox::build_state(SandboxConfig::for_tests(), stop_sandbox.clone())?;
    let (calls, windows) = (Calls::default(), Windows::default());
    let app = assetrelay_sandbox::router(sandbox.clone())
        .layer(axum::middleware::from_fn_with_state(
            calls.clone(),
            probe::count_calls,
        ))
        .layer(axum::middleware::from_fn_with_state(
            windows.clone(),
            rate::count_windows,
        ));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let sandbox_url = format!("http://{}", listener.local_addr()?);
    let token = stop_sandbox.clone();
    let sandbox_part = Part {
        name: "sandbox".into(),
        token: stop_sandbox,
        task: tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(token.cancelled_owned())
                .await
                .context("sandbox stopped with an error")
        }),
    };
    use_sandbox(&mut config, None, &sandbox_url)?;

    let ctx = Ctx {
        config,
        topology: topology.clone(),
        broker: broker.clone(),
        sandbox: sandbox.clone(),
        sandbox_url,
        calls,
        windows,
        prefetch,
        store_name: store.name(),
    };
    let result = measure(&options, ctx).await;

    // Clean up whatever happened; the first error wins.
    let cleanup = [
        sandbox_part.stop().await,
        {
            sandbox.emitter.shutdown().await;
            delete_topology(&broker, &topology).await
        },
        {
            broker.close().await;
            store.drop_store().await
        },
    ];
    cleanup
        .into_iter()
        .fold(result, |first, next| first.and(next))
}

/// Latency, seed, flows, the sync's own broker connection and store; the run; and the
/// flows stopped again.
async fn measure(options: &Options, mut ctx: Ctx) -> anyhow::Result<()> {
    let control = SandboxControl::new(&ctx.sandbox_url);
    control
        .call(
            reqwest::Method::POST,
            "/_sandbox/faults",
            Some(json!([
                {"surface": "photoshelter", "latency_ms": options.latency_ms},
                {"surface": "smintio", "latency_ms": options.latency_ms},
            ])),
        )
        .await?;
    let seeding = Instant::now();
    let (gallery, ids) = seed::approved_media(&ctx.sandbox, "Brand approved", options.media).await;
    let seeded = seeding.elapsed();
    ctx.config
        .connections
        .get_mut(CONNECTION)
        .context("config/example.toml has no `demo` connection")?
        .rules
        .approval
        .galleries = vec![gallery];

    // The flows declare the topology too, but only once started: declared first, the
    // wait for their consumers never probes a queue that does not exist yet.
    let channel = ctx.broker.channel().await?;
    ctx.topology
        .declare(&channel)
        .await
        .context("declaring the benchmark's topology")?;
    let _ = channel.close(200, "".into()).await;

    let mut flows = Vec::new();
    let mut result = Ok(());
    for _ in 0..options.replicas {
        match start_flow(&ctx.config, Flow::ToSmint, None).await {
            Ok(flow) => flows.push(flow),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if result.is_ok() {
        result = with_sync_side(options, &ctx, &ids, seeded).await;
    }
    for flow in flows {
        result = result.and(flow.stop().await);
    }
    result
}

/// Once the flows consume: the sync's broker connection, publisher and store (as
/// `assetrelay sync` opens them), the run, and its figures printed.
async fn with_sync_side(
    options: &Options,
    ctx: &Ctx,
    ids: &[String],
    seeded: Duration,
) -> anyhow::Result<()> {
    let queue = ctx.topology.work_queue(Flow::ToSmint);
    wait_until(
        &format!("{} consumer(s) on {queue}", options.replicas),
        Duration::from_secs(20),
        || async {
            consumers(&ctx.broker, &queue)
                .await
                .is_ok_and(|n| n as usize >= options.replicas)
        },
    )
    .await?;
    let config = &ctx.config;
    // The flows ran the migrations; `assetrelay sync` never does (`open_store`).
    let mut settings = config.store.clone();
    settings.migrate_on_start = false;
    let store = Store::connect(&settings)
        .await
        .context("connecting the sync to the store")?;
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "assetrelay-sync"),
        None,
    );
    let result = async {
        if !broker.wait_ready(Duration::from_secs(10)).await {
            bail!("the sync cannot reach RabbitMQ");
        }
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        let connection = config
            .connections
            .get(CONNECTION)
            .context("no `demo` connection")?;
        let context = assetrelay_cli::commands::sync::poll_context(
            CONNECTION,
            connection,
            &store,
            publisher,
            ctx.topology.clone(),
        )?;
        let page_size = context.page_size;
        let sync = assetrelay_sources::backfill::Options {
            full: true,
            dry_run: false,
            rate: NonZeroU32::new(options.rate),
        };
        let observed = drive::run(ctx, Arc::new(context), sync, ids).await?;
        let figures = report::Figures::new(
            report::Setup {
                media: options.media,
                replicas: options.replicas,
                concurrency: options.concurrency,
                prefetch: ctx.prefetch,
                latency_ms: options.latency_ms,
                page_size,
                rate: sync.rate.map(NonZeroU32::get),
                store: ctx.store_name,
                seeded,
            },
            observed,
        );
        figures.print();
        Ok(())
    }
    .await;
    broker.close().await;
    store.close().await;
    result
}
