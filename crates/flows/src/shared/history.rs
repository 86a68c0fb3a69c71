//! The outcome history: every settled delivery becomes one row in the store (two for a
//! replayed message: the replay, then its decision), which `assetrelay trace` and the
//! admin API answer from. Rows go through the store's batching writer; a delivery waits
//! only when the writer is behind (backpressure, never a dropped row while it works).

use assetrelay_broker::consumer::{Decision, Observer, Settlement};
use assetrelay_contract::CloudEvent;
use assetrelay_contract::amqp::header;
use assetrelay_http_failure::calls::PlatformCall;
use assetrelay_store::{Decision as Recorded, Outcome, OutcomeWriter};
use futures::future::BoxFuture;

/// Writes each [`Settlement`] to the outcome history.
pub struct History {
    writer: OutcomeWriter,
}

impl History {
    pub fn new(writer: OutcomeWriter) -> Self {
        Self { writer }
    }
}

/// The operations that change a platform: the "target call" of a written decision.
const WRITES: &[&str] = &[
    "push_changes",
    "upload",
    "update_iptc",
    "update_media",
    "set_media_visibility",
    "remove_from_gallery",
];

impl Observer for History {
    fn settled(&self, settlement: Settlement) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            for outcome in outcomes(&settlement, chrono::Utc::now().timestamp_millis()) {
                if self.writer.record(outcome).await.is_err() {
                    tracing::warn!("the outcome writer has stopped: history row lost");
                }
            }
        })
    }
}

/// The history rows of one settlement, decided at `at_ms`.
pub fn outcomes(settlement: &Settlement, at_ms: i64) -> Vec<Outcome> {
    let delivery = &settlement.delivery;
    let event: Option<CloudEvent> = serde_json::from_slice(&delivery.body).ok();
    let header = |name| delivery.header(name).unwrap_or_default().to_owned();
    let event_at_ms = event.as_ref().map(|e| e.time.timestamp_millis());
    let (event_id, event_type, connection, platform, asset_id) = match &event {
        Some(e) => (
            e.id.clone(),
            e.event_type.to_string(),
            e.assetrelayconnection.clone(),
            e.data.platform.to_string(),
            e.subject.clone().unwrap_or_default(),
        ),
        // Not an event (it is parked as such): keep what the headers say.
        None => (
            delivery.message_id.clone().unwrap_or_default(),
            String::new(),
            header(header::CONNECTION),
            String::new(),
            header(header::SUBJECT),
        ),
    };
    let (target_call, target_status) = target_call(&settlement.calls);
    let (decision, reason, tier) = match &settlement.decision {
        Decision::Written => (Recorded::Written, None, None),
        Decision::Skipped { reason } => (Recorded::Skipped, Some((*reason).to_owned()), None),
        Decision::Retried { error, delay, .. } => (
            Recorded::Retried,
            Some(error.to_string()),
            Some(i32::try_from(delay.as_secs()).unwrap_or(i32::MAX)),
        ),
        Decision::Parked { error, .. } => (Recorded::Parked, Some(error.to_string()), None),
        // Back in its queue: it is delivered again and decided then.
        Decision::Requeued { error } => {
            (Recorded::Retried, Some(format!("requeued: {error}")), None)
        }
    };
    let row = |decision, reason, tier, target_call, target_status, duration_ms| Outcome {
        at_ms,
        event_id: event_id.clone(),
        event_type: event_type.clone(),
        event_at_ms,
        flow: settlement.flow.as_str().to_owned(),
        connection: connection.clone(),
        platform: platform.clone(),
        asset_id: asset_id.clone(),
        decision,
        reason,
        tier,
        target_call,
        target_status,
        duration_ms,
    };
    let mut rows = Vec::with_capacity(2);
    // A replay or re-drive starts the message over at attempt 0 with its replay id.
    if delivery.attempt == 0
        && let Some(replay) = delivery.header(header::REPLAY_ID)
    {
        rows.push(row(
            Recorded::Replayed,
            Some(format!("replay {replay}")),
            None,
            None,
            None,
            0,
        ));
    }
    rows.push(row(
        decision,
        reason,
        tier,
        target_call,
        target_status,
        i64::try_from(settlement.duration.as_millis()).unwrap_or(i64::MAX),
    ));
    rows
}

/// The call a decision rests on: the last failed call, else the last write, else the
/// last call; as `platform.operation` and its status (`ok`, an HTTP status, `transport`).
fn target_call(calls: &[PlatformCall]) -> (Option<String>, Option<String>) {
    let call = calls
        .iter()
        .rev()
        .find(|c| c.status != "ok")
        .or_else(|| calls.iter().rev().find(|c| WRITES.contains(&c.operation)))
        .or_else(|| calls.last());
    match call {
        Some(c) => (
            Some(format!("{}.{}", c.platform, c.operation)),
            Some(c.status.clone()),
        ),
        None => (None, None),
    }
}
