//! One measured sync: the backfill walk and the watch for its writes at the data adapter
//! run side by side from the same instant; the run ends when every item was written, and
//! fails when the walk fails or nothing new is written for [`STALL`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use assetrelay_sources::backfill::{self, Report, Tally};
use assetrelay_sources::photoshelter::PollContext;
use assetrelay_testkit::wait_until;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::Ctx;
use super::rate::{Ahead, Windows};
use crate::flows::drive::written;
use crate::flows::probe::{Cpu, broker_pid, calls_delta, histogram, histogram_delta};
use crate::flows::{HANDLER, PLATFORM_CALL, STALL};

/// The key of the sync's published events in [`Windows`].
pub const PUBLISHED: &str = "published";

/// What one sync run observed.
pub struct Observed {
    pub report: Report,
    /// Sync start → the walk returned (every event published and confirmed).
    pub listing: Duration,
    /// Sync start → the last item's write at the data adapter (its `received_at`).
    pub end_to_end: Duration,
    /// Items written (each counted once) and every `AssetUpdate` of theirs received.
    pub written: usize,
    pub writes: usize,
    /// Sandbox platform calls by route: count and seconds inside the sandbox.
    pub calls: BTreeMap<String, (u64, f64)>,
    /// `assetrelay_platform_call_seconds` by operation (the flows'): (sum, count).
    pub steps: BTreeMap<String, (f64, f64)>,
    /// `assetrelay_flow_handler_seconds` of to-smint by outcome: (sum, count).
    pub handler: BTreeMap<String, (f64, f64)>,
    pub windows: Windows,
    /// How far the sync got ahead of its cap (`None`: no cap).
    pub ahead: Option<f64>,
    /// Cores used: this process, RabbitMQ, the machine; and the machine's busy share.
    pub cpu: (f64, f64, f64, f64),
}

pub async fn run(
    ctx: &Ctx,
    context: Arc<PollContext>,
    options: backfill::Options,
    ids: &[String],
) -> anyhow::Result<Observed> {
    let sandbox = ctx.sandbox.clone();
    let cursor = sandbox.smintio.lock().await.received_changes.len();
    let broker = broker_pid();
    let (calls0, metrics0, cpu0) = (
        ctx.calls.snapshot(),
        assetrelay_telemetry::render_metrics(),
        Cpu::now(broker),
    );
    let windows = ctx.windows.clone();
    windows.start();
    let started_at = Utc::now();
    let started = Instant::now();

    let published = Arc::new(AtomicU64::new(0));
    let ahead = options
        .rate
        .map(|rate| Arc::new(Ahead::new(rate.get(), started)));
    let (seen, counted, envelope) = (published.clone(), windows.clone(), ahead.clone());
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let mut sync = tokio::spawn(async move {
        // The walk reports the running totals; a window gets the events confirmed in it.
        let progress = move |tally: Tally| {
            let before = seen.fetch_max(tally.published, Ordering::Relaxed);
            if tally.published > before {
                counted.add(PUBLISHED, tally.published - before);
                if let Some(envelope) = &envelope {
                    envelope.see(tally.published);
                }
            }
        };
        let report = backfill::photoshelter::backfill(&context, options, &progress, &stop).await;
        (report, started.elapsed())
    });
    let wanted = ids.to_vec();
    let mut writes = tokio::spawn(async move { written(&sandbox, &wanted, cursor, STALL).await });

    // Both must end; either failing ends the run at once (and stops the other).
    let (mut walk, mut found) = (None, None);
    let outcome: anyhow::Result<()> = loop {
        if walk.is_some() && found.is_some() {
            break Ok(());
        }
        tokio::select! {
            done = &mut sync, if walk.is_none() => match done {
                Ok((Ok(report), took)) => walk = Some((report, took)),
                Ok((Err(e), _)) => break Err(anyhow::Error::new(e).context("the sync failed")),
                Err(e) => break Err(anyhow::Error::new(e).context("the sync task panicked")),
            },
            done = &mut writes, if found.is_none() => match done {
                Ok(Ok((at, _))) => found = Some((at, Cpu::now(broker))),
                Ok(Err(e)) => break Err(e.context(format!(
                    "{} events published by the sync by then",
                    published.load(Ordering::Relaxed)
                ))),
                Err(e) => break Err(anyhow::Error::new(e).context("the write watch panicked")),
            },
        }
    };
    if let Err(e) = outcome {
        shutdown.cancel();
        writes.abort();
        return Err(e);
    }
    let (Some((report, listing)), Some((at, cpu1))) = (walk, found) else {
        bail!("the run ended before the sync and the writes were both done");
    };
    let last = at.values().max().copied().unwrap_or(started_at);
    let end_to_end = (last - started_at).to_std().unwrap_or_default();

    // A handler's metrics are recorded after its ack, a moment after the write we saw.
    let handled = |text: &str| {
        histogram(text, HANDLER, &[("flow", "to-smint")], "outcome")
            .values()
            .map(|(_, n)| *n)
            .sum::<f64>()
    };
    let target = handled(&metrics0) + at.len() as f64;
    wait_until(
        "the handlers' metrics are recorded",
        Duration::from_secs(5),
        || async { handled(&assetrelay_telemetry::render_metrics()) >= target },
    )
    .await?;
    let (calls1, metrics1) = (ctx.calls.snapshot(), assetrelay_telemetry::render_metrics());
    let writes = {
        let state = ctx.sandbox.smintio.lock().await;
        state
            .received_changes
            .get(cursor..)
            .unwrap_or_default()
            .iter()
            .filter(|c| {
                c.change_type == "AssetUpdate" && at.contains_key(&c.unscoped_asset_identifier)
            })
            .count()
    };
    Ok(Observed {
        report,
        listing,
        end_to_end,
        written: at.len(),
        writes,
        calls: calls_delta(&calls0, &calls1),
        steps: histogram_delta(
            &histogram(&metrics0, PLATFORM_CALL, &[], "operation"),
            &histogram(&metrics1, PLATFORM_CALL, &[], "operation"),
        ),
        handler: histogram_delta(
            &histogram(&metrics0, HANDLER, &[("flow", "to-smint")], "outcome"),
            &histogram(&metrics1, HANDLER, &[("flow", "to-smint")], "outcome"),
        ),
        windows,
        ahead: ahead.map(|a| a.max()),
        cpu: cpu0.cores_until(&cpu1, end_to_end),
    })
}
