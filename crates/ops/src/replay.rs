//! Archive replay: read the archive stream from a point in time, keep the events that
//! match the filters, and republish each into **one** flow's work queue (through the
//! default exchange, so no other flow sees it), with publisher confirms.
//!
//! - The window is on *archive time*: the AMQP `timestamp` the ingress sets when it
//!   publishes (whole seconds; the CloudEvent `time` when a message has none), both ends
//!   inclusive. Reading starts at `x-stream-offset` = `since` (chunk granularity, so each
//!   message is checked again) and stops after `until`, or at the end of the stream as it
//!   was when the replay started (module `archive` explains the end marker).
//! - Filters match the CloudEvent body: type globs (`asset.*`), subject, connection,
//!   `data.platform`, event ids; every given filter must match.
//! - A replayed copy keeps the body and properties (`message_id` = event id, content type,
//!   headers), is persistent, and gains `x-replay-id` (one per run) and `x-replayed-at`.
//!   Copies are published pipelined ([`pipeline`]), so their order in the queue may differ
//!   slightly from the archive's; flows converge regardless (DESIGN §6.5).
//!
//! Modules: `select` (time parsing, globs, filters), `archive` (the stream reader),
//! [`pipeline`] (pipelined confirmed publishing, also used by the benchmark).

mod archive;
pub mod pipeline;
mod select;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::message::Delivery;
use assetrelay_broker::{Broker, Publisher, Topology};
use assetrelay_contract::{Flow, OutgoingMessage};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

pub use select::parse_time;

use crate::OpsError;
use archive::ArchiveReader;
use pipeline::Pipeline;
use select::{CLOCK_SLACK_SECS, Envelope, Filters, Window};

/// How often the progress callback is called at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What to replay, and where to.
#[derive(Debug, Clone)]
pub struct ReplayRequest {
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    /// Event type globs (`asset.*`); any may match. Empty: every type.
    pub types: Vec<String>,
    pub subject: Option<String>,
    pub connection: Option<String>,
    /// `data.platform`: `photoshelter` or `smintio`.
    pub platform: Option<String>,
    /// Event ids; any may match. Empty: every id.
    pub event_ids: Vec<String>,
    /// The only flow whose work queue receives the copies.
    pub flow: Flow,
    /// Read and filter only; publish nothing.
    pub dry_run: bool,
    /// At most this many publishes per second.
    pub rate: Option<u32>,
    /// How many of the first matches the summary lists.
    pub sample: usize,
}

impl ReplayRequest {
    /// Everything since `since` into `flow`, no filters, 10 sample matches.
    pub fn new(since: DateTime<Utc>, flow: Flow) -> Self {
        Self {
            since,
            until: None,
            types: Vec::new(),
            subject: None,
            connection: None,
            platform: None,
            event_ids: Vec::new(),
            flow,
            dry_run: false,
            rate: None,
            sample: 10,
        }
    }
}

/// One matching event, as listed in a summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReplayMatch {
    pub event_id: String,
    pub event_type: String,
    pub subject: Option<String>,
    pub connection: String,
    /// The CloudEvent `time`, as written in the event.
    pub time: String,
}

/// Where a running replay is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReplayProgress {
    pub read: u64,
    pub matched: u64,
    /// Confirmed so far.
    pub published: u64,
    pub elapsed: Duration,
    /// Estimated share of the window read so far (by archive time, 0–1), for an ETA;
    /// `None` before the first message.
    pub fraction: Option<f64>,
}

/// How a replay ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReplaySummary {
    /// Also the `x-replay-id` header of every copy.
    pub replay_id: String,
    /// Archived messages read (from the chunk holding `since` to the end).
    pub read: u64,
    /// Inside the window and matching every filter.
    pub matched: u64,
    /// Copies the broker confirmed.
    pub published: u64,
    /// Copies the broker nacked, returned, or did not confirm in time: replay them again.
    pub unconfirmed: u64,
    pub by_type: BTreeMap<String, u64>,
    pub by_connection: BTreeMap<String, u64>,
    pub first_matches: Vec<ReplayMatch>,
    pub elapsed_ms: u64,
    pub dry_run: bool,
    /// Stopped by its caller before the window's end ([`replay_until_cancelled`]): what
    /// it published stays published, the rest of the window was not read.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

/// Run one replay; `progress` is called every ~200 ms and once at the end.
pub async fn replay(
    broker: &Broker,
    publisher: &Publisher,
    topology: &Topology,
    request: &ReplayRequest,
    progress: &(dyn Fn(&ReplayProgress) + Send + Sync),
) -> Result<ReplaySummary, OpsError> {
    let never = CancellationToken::new();
    replay_until_cancelled(broker, publisher, topology, request, progress, &never).await
}

/// [`replay`] that stops reading once `cancel` fires (the console's cancel button): the
/// copies already sent are still confirmed, and the summary says `cancelled`.
#[tracing::instrument(skip_all, fields(flow = request.flow.as_str(), replay_id))]
pub async fn replay_until_cancelled(
    broker: &Broker,
    publisher: &Publisher,
    topology: &Topology,
    request: &ReplayRequest,
    progress: &(dyn Fn(&ReplayProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<ReplaySummary, OpsError> {
    let started = Instant::now();
    let started_at = Utc::now();
    let filters = Filters {
        types: request.types.clone(),
        subject: request.subject.clone(),
        connection: request.connection.clone(),
        platform: request.platform.clone(),
        event_ids: request.event_ids.clone(),
        flow: Some(request.flow),
    };
    validate(request, &filters)?;
    let window = Window {
        since: request.since.timestamp(),
        until: request.until.map(|u| u.timestamp()),
    };
    let replay_id = uuid::Uuid::new_v4().to_string();
    tracing::Span::current().record("replay_id", replay_id.as_str());
    let queue = topology.work_queue(request.flow);

    let mut reader = ArchiveReader::open(
        broker,
        publisher,
        &topology.archive_stream(),
        window.since.saturating_sub(CLOCK_SLACK_SECS),
        &replay_id,
    )
    .await?;
    let mut run = Run {
        summary: ReplaySummary {
            replay_id: replay_id.clone(),
            read: 0,
            matched: 0,
            published: 0,
            unconfirmed: 0,
            by_type: BTreeMap::new(),
            by_connection: BTreeMap::new(),
            first_matches: Vec::new(),
            elapsed_ms: 0,
            dry_run: request.dry_run,
            cancelled: false,
        },
        pipeline: (!request.dry_run)
            .then(|| Pipeline::new(publisher.clone(), pipeline::DEFAULT_IN_FLIGHT, request.rate)),
        started,
        last_report: started,
        window,
        window_end: window.until.unwrap_or(i64::MAX).min(started_at.timestamp()),
        position: None,
    };

    let ended = loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => {
                run.summary.cancelled = true;
                break Ok(());
            }
            next = reader.next() => next,
        };
        let delivery = match next {
            Ok(Some(delivery)) => delivery,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        run.summary.read += 1;
        if !run
            .take(delivery, &filters, request.sample, &queue, &replay_id)
            .await
        {
            break Ok(());
        }
        if run.last_report.elapsed() >= PROGRESS_EVERY {
            run.last_report = Instant::now();
            progress(&run.progress());
        }
    };
    reader.close().await;
    let outcome = match run.pipeline.take() {
        Some(pipeline) => pipeline.finish().await,
        None => pipeline::Outcome::default(),
    };
    run.summary.published = outcome.confirmed;
    run.summary.unconfirmed = outcome.unconfirmed;
    run.summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    progress(&run.progress());
    let summary = run.summary;
    if let Err(e) = ended {
        return Err(OpsError::Broker {
            what: format!(
                "replay {replay_id} stopped after reading {} and publishing {} of {} matches",
                summary.read, summary.published, summary.matched
            ),
            source: Some(Box::new(e)),
        });
    }
    tracing::info!(
        read = summary.read,
        matched = summary.matched,
        published = summary.published,
        unconfirmed = summary.unconfirmed,
        elapsed_ms = summary.elapsed_ms,
        dry_run = summary.dry_run,
        "replay finished"
    );
    Ok(summary)
}

fn validate(request: &ReplayRequest, filters: &Filters) -> Result<(), OpsError> {
    if let Some(until) = request.until
        && until < request.since
    {
        return Err(OpsError::Invalid(format!(
            "until ({until}) is before since ({})",
            request.since
        )));
    }
    if request.rate == Some(0) {
        return Err(OpsError::Invalid(
            "rate must be at least 1 message per second".into(),
        ));
    }
    filters.validate()
}

/// The state of one run.
struct Run {
    summary: ReplaySummary,
    pipeline: Option<Pipeline>,
    started: Instant,
    last_report: Instant,
    window: Window,
    /// Archive time of the window's end, for the progress fraction.
    window_end: i64,
    /// Archive time of the latest message read.
    position: Option<i64>,
}

impl Run {
    /// Select and (unless dry) republish one archived message; `false` once past the window.
    async fn take(
        &mut self,
        delivery: Delivery,
        filters: &Filters,
        sample: usize,
        queue: &str,
        replay_id: &str,
    ) -> bool {
        let envelope = Envelope::parse(&delivery.data);
        let archived = delivery
            .properties
            .timestamp()
            .map(|t| i64::try_from(t).unwrap_or(i64::MAX))
            .or_else(|| envelope.as_ref().and_then(Envelope::time_secs));
        let Some(archived) = archived else {
            tracing::debug!(
                "skipping an archived message with neither timestamp nor CloudEvent time"
            );
            return true;
        };
        self.position = Some(archived);
        if self.window.is_past(archived) {
            return false;
        }
        let Some(envelope) =
            envelope.filter(|e| self.window.contains(archived) && filters.matches(e))
        else {
            return true;
        };
        self.record_match(&envelope, sample);
        drop(envelope);
        if let Some(pipeline) = self.pipeline.as_mut() {
            pipeline
                .send(replayed_copy(queue, delivery, replay_id, Utc::now()))
                .await;
        }
        true
    }

    fn record_match(&mut self, event: &Envelope<'_>, sample: usize) {
        let summary = &mut self.summary;
        summary.matched += 1;
        count(&mut summary.by_type, &event.event_type);
        count(&mut summary.by_connection, &event.assetrelayconnection);
        if summary.first_matches.len() < sample {
            summary.first_matches.push(ReplayMatch {
                event_id: event.id.to_string(),
                event_type: event.event_type.to_string(),
                subject: event.subject.as_deref().map(str::to_owned),
                connection: event.assetrelayconnection.to_string(),
                time: event.time.to_string(),
            });
        }
    }

    fn progress(&mut self) -> ReplayProgress {
        let published = self
            .pipeline
            .as_mut()
            .map_or(self.summary.published, |p| p.outcome().confirmed);
        let span = self.window_end - self.window.since;
        let fraction = self
            .position
            .filter(|_| span > 0)
            .map(|at| (((at - self.window.since) as f64) / span as f64).clamp(0.0, 1.0));
        ReplayProgress {
            read: self.summary.read,
            matched: self.summary.matched,
            published,
            elapsed: self.started.elapsed(),
            fraction,
        }
    }
}

fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// The archived message as a copy for `queue`: same body and properties, persistent,
/// starting over as a first attempt, stamped with the replay's id and time.
fn replayed_copy(
    queue: &str,
    delivery: Delivery,
    replay_id: &str,
    now: DateTime<Utc>,
) -> OutgoingMessage {
    OutgoingMessage::copy_to(queue, delivery.data, &delivery.properties, |headers| {
        headers.forget_attempts();
        headers.mark_replayed(replay_id, now);
    })
}
