//! End-to-end throughput and latency of flow `to-smint`: signed webhook into the ingress →
//! RabbitMQ → to-smint (PhotoShelter read, data-adapter push) → write received by the
//! sandbox, with the sandbox adding a fixed latency to every platform call, for each
//! replica count, with the replicas' store on SQLite or PostgreSQL. Everything but
//! RabbitMQ and PostgreSQL runs in this process (docs/PERFORMANCE.md).

// `pub(crate)`: the sync benchmark measures the same flow with the same instruments.
pub(crate) mod drive;
pub(crate) mod probe;
pub(crate) mod report;
pub(crate) mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assetrelay_broker::{Broker, BrokerSettings, Topology};
use assetrelay_cli::control::SandboxControl;
use assetrelay_cli::stack::{Part, start_flow, start_ingress, use_sandbox};
use assetrelay_config::Config;
use assetrelay_contract::Flow;
use assetrelay_sandbox::{AppState, SandboxConfig};
use assetrelay_signature::{StandardWebhooksSigner, decode_whsec};
use assetrelay_testkit::wait_until;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::ingress::{DEMO_PS_SECRET, config_path};
use drive::{Sender, phase, written};
use probe::{Calls, Cpu, calls_delta, histogram, histogram_delta};
use report::{Cell, Observed};
use store::{BenchStore, StoreBackend, store_time};

/// Nothing new reaching the data adapter for this long fails the run.
pub(crate) const STALL: Duration = Duration::from_secs(30);
pub(crate) const HANDLER: &str = "assetrelay_flow_handler_seconds";
pub(crate) const PLATFORM_CALL: &str = "assetrelay_platform_call_seconds";

#[derive(clap::Args)]
pub struct Options {
    /// Events measured per replica count (after the warm-up).
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Events sent first and not measured (connection pools, PhotoShelter login).
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// `flows.concurrency` of each replica.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// `flows.prefetch` of each replica [default: 2 × concurrency, as the config defaults].
    #[arg(long)]
    prefetch: Option<u16>,
    /// Replica counts of to-smint to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    replicas: Vec<usize>,
    /// Milliseconds the sandbox adds to every PhotoShelter and Smint.io call.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Concurrent webhook senders.
    #[arg(long, default_value_t = 32)]
    senders: usize,
    /// Then send as many events again, paced at this share of the measured rate, for the
    /// latency without a backlog (0 skips it).
    #[arg(long, default_value_t = 0.5)]
    paced: f64,
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    amqp_url: String,
    /// The flows' store: SQLite in a temporary file, or PostgreSQL in a schema of its own
    /// (dropped at the end).
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

/// The running stack shared by every cell.
struct Ctx {
    config: Config,
    topology: Topology,
    broker: Broker,
    broker_pid: Option<u32>,
    control: SandboxControl,
    sandbox: AppState,
    calls: Calls,
    sender: Sender,
    gallery: String,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    assetrelay_telemetry::init_tracing(assetrelay_telemetry::LogStyle::Pretty, "warn");
    let _recorder = assetrelay_telemetry::metrics_handle();
    if options.events == 0 || options.replicas.contains(&0) {
        bail!("--events and every --replicas count must be at least 1");
    }
    let prefix = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let (store, store_url) = BenchStore::create(options.store, &options.postgres_url).await?;
    let prefetch = options
        .prefetch
        .unwrap_or_else(|| u16::try_from(options.concurrency * 2).unwrap_or(u16::MAX));
    let env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix.clone()),
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

    // The sandbox without an ingress URL: creating media emits no webhooks into the run.
    let stop_sandbox = CancellationToken::new();
    let sandbox =
        assetrelay_sandbox::build_state(SandboxConfig::for_tests(), stop_sandbox.clone())?;
    let calls = Calls::default();
    let app = assetrelay_sandbox::router(sandbox.clone()).layer(
        axum::middleware::from_fn_with_state(calls.clone(), probe::count_calls),
    );
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

    let mut ingress = None;
    let result = async {
        let ctx = prepare(
            &options,
            config,
            topology.clone(),
            broker.clone(),
            sandbox.clone(),
            calls,
            &sandbox_url,
            &mut ingress,
        )
        .await?;
        measure(&options, &ctx, prefetch, store.name()).await
    }
    .await;

    // Clean up whatever happened; the first error wins.
    let mut cleanup = Vec::new();
    if let Some(ingress) = ingress {
        cleanup.push(ingress.stop().await);
    }
    cleanup.push(sandbox_part.stop().await);
    sandbox.emitter.shutdown().await;
    cleanup.push(delete_topology(&broker, &topology).await);
    broker.close().await;
    cleanup.push(store.drop_store().await);
    cleanup
        .into_iter()
        .fold(result, |first, next| first.and(next))
}

pub(crate) async fn delete_topology(broker: &Broker, topology: &Topology) -> anyhow::Result<()> {
    let channel = broker.channel().await?;
    topology
        .delete(&channel)
        .await
        .context("deleting the benchmark's topology")?;
    let _ = channel.close(200, "".into()).await;
    Ok(())
}

/// Approval rule, fault rules and the ingress.
#[allow(clippy::too_many_arguments)]
async fn prepare(
    options: &Options,
    mut config: Config,
    topology: Topology,
    broker: Broker,
    sandbox: AppState,
    calls: Calls,
    sandbox_url: &str,
    ingress: &mut Option<Part>,
) -> anyhow::Result<Ctx> {
    let control = SandboxControl::new(sandbox_url);
    let gallery = control.create_gallery("Brand approved").await?;
    let demo = config
        .connections
        .get_mut("demo")
        .context("config/example.toml has no `demo` connection")?;
    demo.rules.approval.galleries = vec![gallery.clone()];
    let org_id = "O0000DEVORG00001".to_owned();
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

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    config.ingress.listen = listener.local_addr()?;
    let ingress_url = format!("http://{}", config.ingress.listen);
    *ingress = Some(start_ingress(&config, listener)?);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.senders)
        .build()?;
    wait_until("the ingress is ready", Duration::from_secs(20), || async {
        matches!(http.get(format!("{ingress_url}/readyz")).send().await, Ok(r) if r.status() == 200)
    })
    .await?;
    let signer = StandardWebhooksSigner::new(
        decode_whsec(DEMO_PS_SECRET).map_err(|e| anyhow::anyhow!("demo secret: {e}"))?,
    );
    Ok(Ctx {
        config,
        topology,
        broker,
        broker_pid: probe::broker_pid(),
        control,
        sandbox,
        calls,
        sender: Sender {
            http,
            url: format!("{ingress_url}/webhooks/photoshelter/demo"),
            signer: Arc::new(signer),
            org_id,
        },
        gallery,
    })
}

async fn measure(options: &Options, ctx: &Ctx, prefetch: u16, store: &str) -> anyhow::Result<()> {
    println!(
        "assetrelay flows benchmark — to-smint end to end, {} events (+{} warm-up) per cell, +{} ms per platform call, concurrency {} / prefetch {} per replica, store {store} with a pool of {} per replica, {} cores",
        options.events,
        options.warmup,
        options.latency_ms,
        options.concurrency,
        prefetch,
        ctx.config.store.max_connections,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut cells = Vec::new();
    for &replicas in &options.replicas {
        let cell = Cell::new(run_cell(options, ctx, replicas).await?);
        cell.print();
        cells.push(cell);
    }
    report::summary(&cells);
    Ok(())
}

/// Start `replicas` to-smint replicas, warm up, measure a burst and a paced phase, stop them.
async fn run_cell(options: &Options, ctx: &Ctx, replicas: usize) -> anyhow::Result<Observed> {
    let paced_events = if options.paced > 0.0 {
        options.events
    } else {
        0
    };
    let warm = create_media(ctx, options.warmup).await?;
    let burst = create_media(ctx, options.events).await?;
    let paced = create_media(ctx, paced_events).await?;
    let mut flows = Vec::new();
    let mut started = Ok(());
    for _ in 0..replicas {
        match start_flow(&ctx.config, Flow::ToSmint, None).await {
            Ok(flow) => flows.push(flow),
            Err(e) => {
                started = Err(e);
                break;
            }
        }
    }
    let result = match started {
        Ok(()) => measure_cell(options, ctx, replicas, &warm, &burst, &paced).await,
        Err(e) => Err(e),
    };
    let mut stopped = Ok(());
    for flow in flows {
        stopped = stopped.and(flow.stop().await);
    }
    let cell = result?;
    stopped.map(|()| cell)
}

async fn measure_cell(
    options: &Options,
    ctx: &Ctx,
    replicas: usize,
    warm: &[String],
    burst: &[String],
    paced: &[String],
) -> anyhow::Result<Observed> {
    let queue = ctx.topology.work_queue(Flow::ToSmint);
    wait_until(
        &format!("{replicas} consumer(s) on {queue}"),
        Duration::from_secs(20),
        || async {
            consumers(&ctx.broker, &queue)
                .await
                .is_ok_and(|n| n as usize >= replicas)
        },
    )
    .await?;
    let senders = options.senders;
    let mut cursor = ctx.sandbox.smintio.lock().await.received_changes.len();
    ctx.sender.send_all(warm, senders, None).await;
    cursor = written(&ctx.sandbox, warm, cursor, STALL).await?.1;

    let (calls0, metrics0, cpu0) = (
        ctx.calls.snapshot(),
        assetrelay_telemetry::render_metrics(),
        Cpu::now(ctx.broker_pid),
    );
    let started = Instant::now();
    let sent = ctx.sender.send_all(burst, senders, None).await;
    // From here on the flows drain the backlog with every slot busy and no webhooks
    // arriving: the store's share without the in-process ingress competing for the cores.
    let metrics_sent = assetrelay_telemetry::render_metrics();
    let (done, next) = written(&ctx.sandbox, burst, cursor, STALL).await?;
    cursor = next;
    let (cpu1, wall) = (Cpu::now(ctx.broker_pid), started.elapsed());
    // A handler's metrics are recorded after its ack, a moment after the write we saw.
    let handled = |text: &str| {
        histogram(text, HANDLER, &[("flow", "to-smint")], "outcome")
            .values()
            .map(|(_, n)| *n)
            .sum::<f64>()
    };
    let target = handled(&metrics0) + done.len() as f64;
    wait_until(
        "the handlers' metrics are recorded",
        Duration::from_secs(5),
        || async { handled(&assetrelay_telemetry::render_metrics()) >= target },
    )
    .await?;
    let (calls1, metrics1) = (ctx.calls.snapshot(), assetrelay_telemetry::render_metrics());
    let burst = phase(&sent, &done);

    let (paced, paced_store) = if paced.is_empty() {
        (None, None)
    } else {
        let rate = burst.per_second * options.paced;
        let before = assetrelay_telemetry::render_metrics();
        let sent = ctx.sender.send_all(paced, senders, Some(rate)).await;
        let (done, _) = written(&ctx.sandbox, paced, cursor, STALL).await?;
        let store = store_time(&before, &assetrelay_telemetry::render_metrics());
        (Some((rate, phase(&sent, &done))), Some(store))
    };

    Ok(Observed {
        replicas,
        concurrency: options.concurrency,
        latency_ms: options.latency_ms,
        burst,
        paced,
        calls: calls_delta(&calls0, &calls1),
        steps: histogram_delta(
            &histogram(&metrics0, PLATFORM_CALL, &[], "operation"),
            &histogram(&metrics1, PLATFORM_CALL, &[], "operation"),
        ),
        handler: histogram_delta(
            &histogram(&metrics0, HANDLER, &[("flow", "to-smint")], "outcome"),
            &histogram(&metrics1, HANDLER, &[("flow", "to-smint")], "outcome"),
        ),
        cpu: cpu0.cores_until(&cpu1, wall),
        store: store_time(&metrics0, &metrics1),
        drain_store: store_time(&metrics_sent, &metrics1),
        paced_store,
    })
}

/// `n` approved PhotoShelter images (in the approval gallery), created by 8 workers.
async fn create_media(ctx: &Ctx, n: usize) -> anyhow::Result<Vec<String>> {
    const WORKERS: usize = 8;
    let mut set = JoinSet::new();
    for worker in 0..WORKERS {
        let count = n / WORKERS + usize::from(worker < n % WORKERS);
        let (control, gallery) = (ctx.control.clone(), ctx.gallery.clone());
        set.spawn(async move {
            let mut ids = Vec::with_capacity(count);
            for i in 0..count {
                ids.push(
                    control
                        .create_media(json!({
                            "file_name": format!("bench-{worker}-{i}.jpg"),
                            "galleries": [gallery],
                            "iptc": {"title": "Benchmark image", "credit": "ACME", "keywords": ["bench"]},
                        }))
                        .await?,
                );
            }
            Ok::<_, anyhow::Error>(ids)
        });
    }
    let mut ids = Vec::with_capacity(n);
    while let Some(created) = set.join_next().await {
        ids.extend(created??);
    }
    Ok(ids)
}

pub(crate) async fn consumers(broker: &Broker, queue: &str) -> anyhow::Result<u32> {
    Ok(broker.queue_counts(queue).await?.consumers)
}
