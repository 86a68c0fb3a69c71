//! A flow's parked queue (dead letters): list, show, replay into the work queue, purge.
//!
//! Every operation is one [`scan`] pass: messages are held unacknowledged and only the
//! ones an operation means to remove are acked, so an interrupted operation loses
//! nothing. A replay acks a message only after its copy in the work queue is confirmed:
//! killed midway, it can leave a duplicate (in both queues), never a gap.

mod decode;
mod scan;

use std::collections::BTreeMap;

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::lapin::Acker;
use assetrelay_broker::lapin::message::Delivery;
use assetrelay_broker::lapin::options::BasicAckOptions;
use assetrelay_broker::{Broker, Publisher, Topology};
use assetrelay_contract::{Flow, OutgoingMessage};
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tracing::Instrument;

pub use decode::DELIVERY_LIMIT;
use decode::decode;
use scan::Scan;

use crate::OpsError;

/// Replay publishes this many copies at once before waiting for a confirm.
const MAX_IN_FLIGHT: usize = 32;

/// Which parked messages a replay or purge acts on: those with `reason` (if given) and
/// one of `event_ids` (if any). With neither, `all` must be set, so an empty filter is
/// never an accident.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ParkedFilter {
    pub reason: Option<String>,
    pub event_ids: Vec<String>,
    pub all: bool,
}

impl ParkedFilter {
    /// Refuse a filter that selects everything without saying so.
    pub fn validate(&self) -> Result<(), OpsError> {
        if self.reason.is_none() && self.event_ids.is_empty() && !self.all {
            return Err(OpsError::Invalid(
                "no messages selected: give --reason and/or --event-id, or pass --all to act on every parked message".into(),
            ));
        }
        Ok(())
    }

    pub fn matches(&self, message: &ParkedMessage) -> bool {
        let reason_ok = self
            .reason
            .as_ref()
            .is_none_or(|r| message.reason.as_ref() == Some(r));
        let id_ok = self.event_ids.is_empty()
            || message
                .event_id
                .as_ref()
                .is_some_and(|id| self.event_ids.contains(id));
        reason_ok && id_ok
    }
}

/// One parked message as an operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParkedMessage {
    /// The AMQP `message_id` (the CloudEvent id), else the body's `id`.
    pub event_id: Option<String>,
    pub subject: Option<String>,
    pub connection: Option<String>,
    pub event_type: Option<String>,
    /// `x-error` (the failure class), or the broker's dead-letter reason
    /// ([`DELIVERY_LIMIT`]) for a message that exhausted its deliveries.
    pub reason: Option<String>,
    pub detail: Option<String>,
    /// The platform's HTTP status, if the failure had one.
    pub status: Option<String>,
    /// Deliveries before it was parked.
    pub attempts: Option<u32>,
    pub first_seen: Option<String>,
    pub parked_at: Option<String>,
    /// Every header as text (tables and arrays as JSON), without the broker's
    /// `x-delivery-count`.
    pub headers: BTreeMap<String, String>,
    /// The CloudEvent; a body that is not JSON appears as a string.
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ParkedList {
    pub total: u64,
    /// Messages per reason; `unknown` for messages that carry none.
    pub by_reason: BTreeMap<String, u64>,
    /// The oldest parked messages (by parking time), at most the requested limit.
    pub oldest_first: Vec<ParkedMessage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParkedOutcome {
    /// Messages the filter selected.
    pub matched: u64,
    /// Selected messages replayed (or, for purge, dropped).
    pub moved: u64,
    /// Messages still parked afterwards (not selected, or not moved).
    pub kept: u64,
}

/// Counts by reason and the `limit` oldest messages. Removes nothing.
#[tracing::instrument(skip_all, fields(flow = flow.as_str()))]
pub async fn list(
    broker: &Broker,
    topology: &Topology,
    flow: Flow,
    limit: usize,
) -> Result<ParkedList, OpsError> {
    let mut scan = Scan::open(broker, &topology.parked_queue(flow)).await?;
    let mut by_reason = BTreeMap::new();
    let mut messages = Vec::new();
    while let Some(delivery) = scan.next().await? {
        let message = decode(&delivery.properties, &delivery.data);
        let reason = message.reason.clone().unwrap_or_else(|| "unknown".into());
        *by_reason.entry(reason).or_insert(0) += 1;
        messages.push(message);
    }
    scan.release(broker, 0).await?;
    let total = messages.len() as u64;
    // Stable: messages without a parking time keep queue order, after the dated ones.
    messages.sort_by_key(|m| {
        let at = m
            .parked_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        (at.is_none(), at)
    });
    messages.truncate(limit);
    Ok(ParkedList {
        total,
        by_reason,
        oldest_first: messages,
    })
}

/// The parked message with this event id, if any. Removes nothing.
#[tracing::instrument(skip_all, fields(flow = flow.as_str(), event_id))]
pub async fn show(
    broker: &Broker,
    topology: &Topology,
    flow: Flow,
    event_id: &str,
) -> Result<Option<ParkedMessage>, OpsError> {
    let mut scan = Scan::open(broker, &topology.parked_queue(flow)).await?;
    let mut found = None;
    while let Some(delivery) = scan.next().await? {
        let message = decode(&delivery.properties, &delivery.data);
        if message.event_id.as_deref() == Some(event_id) {
            found = Some(message);
            break;
        }
    }
    scan.release(broker, 0).await?;
    Ok(found)
}

/// Republish the selected messages to the flow's work queue (confirmed), then remove
/// them from parked. Copies drop `x-error*` and `x-parked-at`, restart at `x-attempt` 0
/// and carry `x-replayed-at` and `x-replay-id` (one id per call).
/// A copy the broker did not confirm leaves its message parked and the call fails with
/// [`OpsError::Unconfirmed`] after trying every other selected message.
#[tracing::instrument(skip_all, fields(flow = flow.as_str(), replay_id))]
pub async fn replay(
    broker: &Broker,
    publisher: &Publisher,
    topology: &Topology,
    flow: Flow,
    filter: &ParkedFilter,
) -> Result<ParkedOutcome, OpsError> {
    filter.validate()?;
    let work = topology.work_queue(flow);
    let stamp = ReplayStamp {
        id: uuid::Uuid::new_v4().to_string(),
        at: Utc::now(),
    };
    tracing::Span::current().record("replay_id", stamp.id.as_str());

    let mut scan = Scan::open(broker, &topology.parked_queue(flow)).await?;
    let mut matched = 0_u64;
    let mut tally = Tally::default();
    // Dropping the set (a cancelled call) aborts the copies in flight; their messages
    // are still unacked and go back to parked with the channel.
    let mut in_flight = JoinSet::new();
    while let Some(delivery) = scan.next().await? {
        if !filter.matches(&decode(&delivery.properties, &delivery.data)) {
            continue;
        }
        matched += 1;
        while in_flight.len() >= MAX_IN_FLIGHT {
            if let Some(done) = in_flight.join_next().await {
                tally.add(done);
            }
        }
        let copy = replay_copy(&work, &delivery, &stamp);
        let publisher = publisher.clone();
        let acker = delivery.acker;
        in_flight.spawn(copy_then_ack(publisher, copy, acker).in_current_span());
    }
    while let Some(done) = in_flight.join_next().await {
        tally.add(done);
    }
    let seen = scan.seen();
    scan.release(broker, tally.moved).await?;

    let outcome = ParkedOutcome {
        matched,
        moved: tally.moved,
        kept: seen - tally.moved,
    };
    tracing::info!(
        matched,
        moved = outcome.moved,
        kept = outcome.kept,
        "parked replay done"
    );
    if tally.unacked > 0 {
        return Err(OpsError::broker_state(format!(
            "{} replayed message(s) could not be removed from parked; they will be replayed again by the next replay",
            tally.unacked
        )));
    }
    if tally.unconfirmed > 0 {
        return Err(OpsError::Unconfirmed {
            unconfirmed: tally.unconfirmed,
        });
    }
    Ok(outcome)
}

/// Remove the selected messages from parked for good.
#[tracing::instrument(skip_all, fields(flow = flow.as_str()))]
pub async fn purge(
    broker: &Broker,
    topology: &Topology,
    flow: Flow,
    filter: &ParkedFilter,
) -> Result<ParkedOutcome, OpsError> {
    filter.validate()?;
    let mut scan = Scan::open(broker, &topology.parked_queue(flow)).await?;
    let mut outcome = ParkedOutcome::default();
    while let Some(delivery) = scan.next().await? {
        if !filter.matches(&decode(&delivery.properties, &delivery.data)) {
            outcome.kept += 1;
            continue;
        }
        outcome.matched += 1;
        match delivery.acker.ack(BasicAckOptions::default()).await {
            Ok(true) => outcome.moved += 1,
            Ok(false) => {
                return Err(OpsError::broker_state(
                    "the channel closed during the purge",
                ));
            }
            Err(e) => return Err(OpsError::broker("cannot remove a purged message", e)),
        }
    }
    scan.release(broker, outcome.moved).await?;
    tracing::info!(
        matched = outcome.matched,
        purged = outcome.moved,
        kept = outcome.kept,
        "parked purge done"
    );
    Ok(outcome)
}

struct ReplayStamp {
    id: String,
    at: DateTime<Utc>,
}

/// Publish the copy (confirmed), and only then ack the parked original.
async fn copy_then_ack(
    publisher: Publisher,
    copy: OutgoingMessage,
    acker: Acker,
) -> Result<(), Step> {
    if let Err(e) = publisher.publish(&copy).await {
        tracing::warn!(
            event_id = ?copy.properties.message_id(),
            error.kind = e.kind(),
            error.message = %error_chain(&e),
            "replayed copy not confirmed; the message stays parked"
        );
        return Err(Step::Publish);
    }
    match acker.ack(BasicAckOptions::default()).await {
        Ok(true) => Ok(()),
        _ => Err(Step::Ack),
    }
}

/// Where a replayed message's copy-then-ack stopped.
enum Step {
    Publish,
    Ack,
}

#[derive(Default)]
struct Tally {
    moved: u64,
    unconfirmed: u64,
    unacked: u64,
}

impl Tally {
    fn add(&mut self, done: Result<Result<(), Step>, tokio::task::JoinError>) {
        match done {
            Ok(Ok(())) => self.moved += 1,
            Ok(Err(Step::Ack)) => self.unacked += 1,
            Ok(Err(Step::Publish)) | Err(_) => self.unconfirmed += 1,
        }
    }
}

/// The work-queue copy of a parked message: same body and properties, the failure
/// headers removed, a fresh attempt count, and the replay's id and time.
fn replay_copy(work: &str, delivery: &Delivery, stamp: &ReplayStamp) -> OutgoingMessage {
    OutgoingMessage::copy_to(
        work,
        delivery.data.clone(),
        &delivery.properties,
        |headers| {
            headers.clear_failure();
            headers.mark_replayed(&stamp.id, stamp.at);
        },
    )
}
