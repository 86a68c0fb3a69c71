//! Archive replay vs. the raw confirmed-publish rate to the same flow queue.
//!
//! Archives N CloudEvents into a fresh topology (straight into the stream, so no flow
//! queue fills up), then in the same run measures (a) publishing N messages of the same
//! size and headers to the `to-smint` work queue with the replay's own pipeline (same
//! in-flight depth, same publisher pool) and (b) `assetrelay_ops::replay::replay` of all N
//! into that queue, emptying the queue after each. The ratio (b)/(a) is what replay costs
//! on top of publishing: reading the stream, parsing and filtering each event, building the
//! copy. Several rounds, alternating which goes first, and the median ratio, because on a
//! small shared machine the background load drifts within seconds.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::options::QueuePurgeOptions;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_contract::{CLOUDEVENTS_CONTENT_TYPE, Flow, Headers, OutgoingMessage, header};
use assetrelay_ops::replay::pipeline::{DEFAULT_IN_FLIGHT, Outcome, Pipeline};
use assetrelay_ops::replay::{ReplayRequest, replay};
use chrono::{DateTime, Utc};

/// Replay ÷ raw at or above this passes (docs/PERFORMANCE.md).
const TARGET_RATIO: f64 = 0.7;

#[derive(clap::Args)]
pub struct Options {
    /// Events to archive, publish raw, and replay.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Approximate size of each event's JSON body, in bytes.
    #[arg(long, default_value_t = 1_024)]
    body_bytes: usize,
    /// Rounds of (a) raw and (b) replay, alternating which goes first; the verdict uses
    /// the median ratio.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Confirm-mode channels in the publisher pool (the default of `broker.publisher_channels`).
    #[arg(long, default_value_t = 8)]
    channels: usize,
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    amqp_url: String,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let topology = Topology {
        prefix: format!("bench-replay-{}", &id[..12]),
        retry_tiers_secs: Vec::new(),
        scheduler_tiers_secs: Vec::new(),
        delivery_limit: 20,
        archive_max_age: "1D".into(),
    };
    let broker = Broker::start(
        BrokerSettings::new(
            options.amqp_url.parse()?,
            "assetrelay-bench-replay",
            Duration::from_secs(1),
        ),
        Some(topology.clone()),
    );
    if !broker.wait_ready(Duration::from_secs(20)).await {
        bail!("the broker is not reachable");
    }
    let publisher = Publisher::new(broker.clone(), options.channels, Duration::from_secs(30));
    let result = measure(&options, &broker, &publisher, &topology).await;
    let cleanup = async {
        let channel = broker.channel().await?;
        topology.delete(&channel).await?;
        let _ = channel.close(200, "bench done".into()).await;
        anyhow::Ok(())
    }
    .await;
    broker.close().await;
    result.and(cleanup.context("deleting the benchmark topology"))
}

async fn measure(
    options: &Options,
    broker: &Broker,
    publisher: &Publisher,
    topology: &Topology,
) -> anyhow::Result<()> {
    let n = options.events;
    let queue = topology.work_queue(Flow::ToSmint);
    let archived_at = Utc::now();
    println!(
        "assetrelay replay benchmark: {n} events of ~{} B, {} publisher channels, {} in flight, {} cores",
        options.body_bytes,
        options.channels,
        DEFAULT_IN_FLIGHT,
        std::thread::available_parallelism().map_or(1, |c| c.get())
    );

    let started = Instant::now();
    let seeded = publish_all(publisher, n, |i| OutgoingMessage {
        exchange: String::new(),
        routing_key: topology.archive_stream(),
        body: body(i, options.body_bytes, archived_at),
        properties: properties(i, archived_at, None),
    })
    .await;
    report(
        "archive (seed, into the stream)",
        seeded,
        n,
        started.elapsed(),
    );
    if seeded.unconfirmed > 0 {
        bail!("seeding lost {} events", seeded.unconfirmed);
    }

    println!(
        "{:>5}  {:<12} {:>10} {:>10} {:>7}",
        "round", "order", "raw/s", "replay/s", "ratio"
    );
    let mut ratios = Vec::new();
    let mut complete = true;
    for round in 1..=options.rounds {
        // Alternate the order so that drifting background load favours neither side.
        let replay_first = round % 2 == 0;
        let (raw, replayed) = if replay_first {
            let replayed = replay_once(broker, publisher, topology, archived_at).await?;
            (
                raw_once(broker, publisher, &queue, options, archived_at).await?,
                replayed,
            )
        } else {
            let raw = raw_once(broker, publisher, &queue, options, archived_at).await?;
            (
                raw,
                replay_once(broker, publisher, topology, archived_at).await?,
            )
        };
        complete &= raw.confirmed == n && replayed.confirmed == n;
        let ratio = replayed.per_second() / raw.per_second().max(1e-9);
        ratios.push(ratio);
        println!(
            "{round:>5}  {:<12} {:>10.0} {:>10.0} {ratio:>7.3}{}",
            if replay_first {
                "replay first"
            } else {
                "raw first"
            },
            raw.per_second(),
            replayed.per_second(),
            if raw.unconfirmed + replayed.unconfirmed > 0 {
                format!(
                    "  ({} + {} unconfirmed)",
                    raw.unconfirmed, replayed.unconfirmed
                )
            } else {
                String::new()
            }
        );
    }

    // Reading and filtering alone: a dry run over the same archive.
    let mut request = ReplayRequest::new(archived_at - chrono::Duration::minutes(1), Flow::ToSmint);
    request.dry_run = true;
    request.sample = 0;
    let dry = replay(broker, publisher, topology, &request, &|_| {}).await?;
    let dry_secs = (dry.elapsed_ms as f64 / 1000.0).max(1e-9);
    println!(
        "dry run (read + filter only): {} read in {dry_secs:.2} s = {:.0} events/s",
        dry.read,
        dry.read as f64 / dry_secs
    );

    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    let verdict = if complete && median >= TARGET_RATIO {
        "PASS"
    } else {
        "FAIL"
    };
    println!(
        "median ratio replay/raw over {} round(s) = {median:.3} (target >= {TARGET_RATIO}): {verdict}",
        ratios.len()
    );
    if !complete {
        println!("    incomplete: some run did not get all {n} messages confirmed");
    }
    Ok(())
}

/// Confirmed publishes and the time they took.
struct Timed {
    confirmed: u64,
    unconfirmed: u64,
    elapsed: Duration,
}

impl Timed {
    fn per_second(&self) -> f64 {
        self.confirmed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// (a) N messages of the same size, with the headers a replayed copy has, straight to
/// the flow queue through the replay's pipeline; then empty the queue.
async fn raw_once(
    broker: &Broker,
    publisher: &Publisher,
    queue: &str,
    options: &Options,
    archived_at: DateTime<Utc>,
) -> anyhow::Result<Timed> {
    let template = body(0, options.body_bytes, archived_at);
    let replay_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let outcome = publish_all(publisher, options.events, |i| OutgoingMessage {
        exchange: String::new(),
        routing_key: queue.to_owned(),
        body: template.clone(),
        properties: properties(i, archived_at, Some(&replay_id)),
    })
    .await;
    let elapsed = started.elapsed();
    purge(broker, queue).await?;
    Ok(Timed {
        confirmed: outcome.confirmed,
        unconfirmed: outcome.unconfirmed,
        elapsed,
    })
}

/// (b) replay everything archived into the flow queue; then empty the queue.
async fn replay_once(
    broker: &Broker,
    publisher: &Publisher,
    topology: &Topology,
    archived_at: DateTime<Utc>,
) -> anyhow::Result<Timed> {
    let mut request = ReplayRequest::new(archived_at - chrono::Duration::minutes(1), Flow::ToSmint);
    request.sample = 0;
    let summary = replay(broker, publisher, topology, &request, &|_| {}).await?;
    purge(broker, &topology.work_queue(Flow::ToSmint)).await?;
    Ok(Timed {
        confirmed: summary.published,
        unconfirmed: summary.unconfirmed,
        elapsed: Duration::from_millis(summary.elapsed_ms),
    })
}

/// Publish `n` messages through one pipeline and wait for every confirm.
async fn publish_all(
    publisher: &Publisher,
    n: u64,
    message: impl Fn(u64) -> OutgoingMessage,
) -> Outcome {
    let mut pipeline = Pipeline::new(publisher.clone(), DEFAULT_IN_FLIGHT, None);
    for i in 0..n {
        pipeline.send(message(i)).await;
    }
    pipeline.finish().await
}

fn report(label: &str, outcome: Outcome, n: u64, elapsed: Duration) {
    println!(
        "{label:<34} {:>8} of {n} confirmed in {:>7.2} s = {:>8.0} events/s{}",
        outcome.confirmed,
        elapsed.as_secs_f64(),
        outcome.confirmed as f64 / elapsed.as_secs_f64().max(1e-9),
        if outcome.unconfirmed > 0 {
            format!(" ({} unconfirmed)", outcome.unconfirmed)
        } else {
            String::new()
        }
    );
}

async fn purge(broker: &Broker, queue: &str) -> anyhow::Result<()> {
    let channel = broker.channel().await?;
    channel
        .queue_purge(queue.into(), QueuePurgeOptions::default())
        .await?;
    let _ = channel.close(200, "purged".into()).await;
    Ok(())
}

fn id_of(i: u64) -> String {
    format!("bench-{i:012}")
}

/// A CloudEvent as the ingress would archive it, padded to about `size` bytes.
fn body(i: u64, size: usize, time: DateTime<Utc>) -> Vec<u8> {
    let mut event = serde_json::json!({
        "specversion": "1.0",
        "id": id_of(i),
        "source": "photoshelter/acme",
        "type": "asset.updated",
        "subject": format!("I{i:015}"),
        "time": time.to_rfc3339(),
        "datacontenttype": "application/json",
        "assetrelayconnection": "acme",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "data": {"platform": "photoshelter", "asset_id": format!("I{i:015}"),
                 "change": {"platform_event": "media.updated"}, "hint": {}},
    });
    let bare = event.to_string().len();
    event["data"]["hint"]["padding"] = "x".repeat(size.saturating_sub(bare + 14)).into();
    event.to_string().into_bytes()
}

/// The ingress's properties; with `replay_id`, also the two headers a replayed copy gains.
fn properties(i: u64, time: DateTime<Utc>, replay_id: Option<&str>) -> BasicProperties {
    let mut headers = Headers::default();
    headers.set_text(header::CONNECTION, "acme");
    headers.set_text(
        header::TRACEPARENT,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    if let Some(replay_id) = replay_id {
        headers.mark_replayed(replay_id, Utc::now());
    }
    BasicProperties::default()
        .with_message_id(id_of(i).as_str().into())
        .with_content_type(CLOUDEVENTS_CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_timestamp(u64::try_from(time.timestamp()).unwrap_or_default())
        .with_type("asset.updated".into())
        .with_app_id("assetrelay-ingress".into())
        .with_headers(headers.into_table())
}
