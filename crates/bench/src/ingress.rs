//! Ingress throughput vs. the raw confirmed-publish rate of the same broker.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assetrelay_broker::Topology;
use assetrelay_broker::lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueuePurgeOptions,
};
use assetrelay_broker::lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};
use assetrelay_contract::Flow;
use assetrelay_signature::{StandardWebhooksSigner, decode_whsec};

use crate::load::{Figures, closed_loop};

pub(crate) const DEMO_PS_SECRET: &str = "whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA==";

#[derive(clap::Args)]
pub struct Options {
    /// Concurrency levels to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    amqp_url: String,
    /// Port for the ingress under test.
    #[arg(long, default_value_t = 18_480)]
    port: u16,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let prefix = format!("bench-{}", std::process::id());
    let env = bench_env(&prefix, &options);
    let config = assetrelay_config::load(Some(&config_path()), &env)?;
    let topology = assetrelay_broker::Topology::from_config(&config.topology);
    let mut child = start_ingress(&env, &options).await?;
    let pid = child.id().context("ingress has no pid")?;
    let base = format!("http://127.0.0.1:{}", options.port);
    wait_ready(&base).await?;

    let connection =
        Connection::connect(&options.amqp_url, ConnectionProperties::default()).await?;
    println!(
        "assetrelay ingress benchmark — {} s per cell, 1 KiB signed webhooks, {} cores",
        options.seconds,
        cores()
    );
    println!(
        "{:>5} | {:>12} {:>9} {:>9} | {:>12} {:>9} {:>9} | {:>6} | {:>9}",
        "conc", "ingress/s", "p50 ms", "p99 ms", "raw/s", "p50 ms", "p99 ms", "ratio", "RSS MiB"
    );
    for &concurrency in &options.concurrency {
        let rss = Arc::new(AtomicU64::new(0));
        let sampler = tokio::spawn(sample_rss(pid, rss.clone()));
        let ingress = ingress_load(&base, concurrency, options.seconds).await;
        sampler.abort();
        purge(&connection, &topology).await?;
        let raw = raw_load(&connection, &topology, concurrency, options.seconds).await?;
        purge(&connection, &topology).await?;
        println!(
            "{concurrency:>5} | {:>12.0} {:>9.2} {:>9.2} | {:>12.0} {:>9.2} {:>9.2} | {:>6.2} | {:>9.1}",
            ingress.per_second(),
            ingress.p50_ms,
            ingress.p99_ms,
            raw.per_second(),
            raw.p50_ms,
            raw.p99_ms,
            ingress.per_second() / raw.per_second().max(1e-9),
            rss.load(Ordering::Relaxed) as f64 / 1024.0
        );
        if ingress.errors + raw.errors > 0 {
            println!(
                "      errors: ingress {}, raw {}",
                ingress.errors, raw.errors
            );
        }
    }
    println!(
        "ingress peak RSS over the whole run (VmHWM): {:.1} MiB",
        vm_kib(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait().await;
    topology.delete(&connection.create_channel().await?).await?;
    Ok(())
}

fn bench_env(prefix: &str, options: &Options) -> BTreeMap<String, String> {
    [
        (
            "ASSETRELAY_TOPOLOGY__PREFIX".to_string(),
            prefix.to_string(),
        ),
        ("ASSETRELAY_BROKER__URL".into(), options.amqp_url.clone()),
        (
            "ASSETRELAY_INGRESS__LISTEN".into(),
            format!("127.0.0.1:{}", options.port),
        ),
        ("RUST_LOG".into(), "warn".into()),
    ]
    .into_iter()
    .collect()
}

pub(crate) fn config_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml")
}

async fn start_ingress(
    env: &BTreeMap<String, String>,
    options: &Options,
) -> anyhow::Result<tokio::process::Child> {
    let exe = std::env::current_exe()?.with_file_name("assetrelay-ingress");
    if !exe.exists() {
        bail!(
            "{} not found: build it first with `cargo build --release -p assetrelay-ingress`",
            exe.display()
        );
    }
    let _ = options;
    Ok(tokio::process::Command::new(exe)
        .arg("--config")
        .arg(config_path())
        .envs(env)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?)
}

async fn wait_ready(base: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if matches!(http.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == 200) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("ingress at {base} did not become ready")
}

/// A 1 KiB PhotoShelter webhook (an extra `note` field pads it; unknown fields are ignored).
fn body(worker: usize, sequence: u64) -> String {
    let head = format!(
        r#"{{"id":"bench-{worker}-{sequence}","event":"media.updated","occurred_at":"2026-11-29T10:00:00Z","org_id":"O0000DEVORG00001","media_id":"I0000abcdEFGH123","note":""#
    );
    let pad = 1024usize.saturating_sub(head.len() + 2);
    format!("{head}{}\"}}", "x".repeat(pad))
}

async fn ingress_load(base: &str, concurrency: usize, seconds: u64) -> Figures {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap_or_default();
    let url = format!("{base}/webhooks/photoshelter/demo");
    let signer = Arc::new(StandardWebhooksSigner::new(
        decode_whsec(DEMO_PS_SECRET).unwrap_or_else(|_| unreachable!()),
    ));
    closed_loop(
        concurrency,
        Duration::from_secs(seconds),
        move |worker, sequence| {
            let (http, url, signer) = (http.clone(), url.clone(), signer.clone());
            async move {
                let body = body(worker, sequence);
                let mut request = http.post(&url).header("content-type", "application/json");
                for (k, v) in signer.headers(
                    &format!("m-{worker}-{sequence}"),
                    chrono::Utc::now().timestamp(),
                    body.as_bytes(),
                ) {
                    request = request.header(k, v);
                }
                matches!(request.body(body).send().await, Ok(r) if r.status() == 202)
            }
        },
    )
    .await
}

async fn raw_load(
    connection: &Connection,
    topology: &Topology,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<Figures> {
    let mut channels = Vec::new();
    for _ in 0..concurrency {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        channels.push(channel);
    }
    let channels = Arc::new(channels);
    let exchange = topology.exchange();
    Ok(closed_loop(
        concurrency,
        Duration::from_secs(seconds),
        move |worker, sequence| {
            let (channels, exchange) = (channels.clone(), exchange.clone());
            async move {
                let payload = body(worker, sequence).into_bytes();
                let properties = BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_message_id(format!("raw-{worker}-{sequence}").into());
                let Ok(confirm) = channels[worker]
                    .basic_publish(
                        exchange.as_str().into(),
                        "photoshelter.demo.asset.updated".into(),
                        BasicPublishOptions {
                            mandatory: true,
                            immediate: false,
                        },
                        &payload,
                        properties,
                    )
                    .await
                else {
                    return false;
                };
                matches!(confirm.await, Ok(Confirmation::Ack(None)))
            }
        },
    )
    .await)
}

async fn purge(connection: &Connection, topology: &Topology) -> anyhow::Result<()> {
    let channel = connection.create_channel().await?;
    channel
        .queue_purge(
            topology.work_queue(Flow::ToSmint).as_str().into(),
            QueuePurgeOptions::default(),
        )
        .await?;
    Ok(())
}

async fn sample_rss(pid: u32, peak: Arc<AtomicU64>) {
    loop {
        if let Some(kib) = vm_kib(pid, "VmRSS:") {
            peak.fetch_max(kib, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn vm_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
