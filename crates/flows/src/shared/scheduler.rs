//! The expiry scheduler (DESIGN §5, use case 7): an `asset.expired` event due at time T
//! hops through the broker's delay queues (`<prefix>.scheduler.<tier>`, each dead-lettering
//! into the lifecycle queue) until T has come, so an asset leaves active use on time even
//! when no platform sends a webhook. Nothing sleeps in process; a restart loses nothing.
//!
//! Each hop picks the longest tier that does not overshoot T, so the event arrives at most
//! one shortest-tier delay (10 s by default) after T.

use assetrelay_broker::consumer::HandlerError;
use assetrelay_broker::{Publisher, Topology};
use assetrelay_contract::{
    CloudEvent, EventData, EventType, Flow, OutgoingMessage, Platform, header,
};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::shared::failure::FlowError;

#[derive(Clone)]
pub struct ExpiryScheduler {
    publisher: Publisher,
    topology: Topology,
}

impl ExpiryScheduler {
    pub fn new(publisher: Publisher, topology: Topology) -> Self {
        Self {
            publisher,
            topology,
        }
    }

    /// Make sure lifecycle hears about `asset_id` expiring at `due`. Confirmed before it returns.
    pub async fn schedule(
        &self,
        connection: &str,
        platform: Platform,
        asset_id: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), FlowError> {
        let event = expiry_event(connection, platform, asset_id, due, now);
        self.hop(&event, due, now).await
    }

    /// Hand lifecycle media `old`, which media `by` replaces (use case 7): lifecycle reads
    /// both, and when `by` still names `old`, takes `old` out of active use on both
    /// sides. Published straight to lifecycle's work queue (not through the events
    /// exchange: to-smint must not expose `old` again meanwhile); confirmed before it
    /// returns. One id per (connection, old, by): sent again, it is the same event.
    pub async fn replaced(
        &self,
        connection: &str,
        old: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), FlowError> {
        let mut event = expiry_event(connection, Platform::PhotoShelter, old, now, now);
        event.id = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("assetrelay:replaced\n{connection}\n{old}\n{by}").as_bytes(),
        )
        .to_string();
        event.event_type = EventType::AssetArchived;
        event
            .data
            .change
            .insert("platform_event".into(), "replaced".into());
        event.data.change.remove("due_at");
        event
            .data
            .hint
            .insert(REPLACED_BY.into(), by.to_owned().into());
        self.hop(&event, now, now).await
    }

    /// Send `event` (already carrying its due time) one hop closer to `due`.
    pub async fn hop(
        &self,
        event: &CloudEvent,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), FlowError> {
        // Rounded up, so a hop never delivers the event before it is due.
        let remaining_ms = (due - now).num_milliseconds();
        let remaining = if remaining_ms <= 0 {
            0
        } else {
            (remaining_ms + 999) / 1000
        };
        let queue = match self.tier_for(remaining) {
            Some(tier) => self.topology.scheduler_queue(tier),
            None => self.topology.work_queue(Flow::Lifecycle),
        };
        let message = OutgoingMessage::for_event(event, "", &queue, PRODUCER).with_header(
            header::DUE_AT,
            &due.to_rfc3339_opts(SecondsFormat::Millis, true),
        );
        self.publisher.publish(&message).await.map_err(|e| {
            HandlerError::transient(
                "schedule_failed",
                format!("could not schedule the expiry of {}: {e}", event.id),
            )
        })?;
        tracing::debug!(event_id = %event.id, %due, %queue, "expiry scheduled");
        Ok(())
    }

    fn tier_for(&self, remaining: i64) -> Option<u64> {
        tier_for(&self.topology, remaining)
    }
}

/// The longest tier not beyond `remaining` seconds; the shortest if all are; `None` when
/// the event is due now (or no tiers are configured).
fn tier_for(topology: &Topology, remaining: i64) -> Option<u64> {
    if remaining <= 0 {
        return None;
    }
    let remaining = remaining.unsigned_abs();
    let tiers = &topology.scheduler_tiers_secs;
    tiers
        .iter()
        .copied()
        .filter(|&t| t <= remaining)
        .max()
        .or_else(|| tiers.iter().copied().min())
}

/// The hint of a lifecycle event naming the media that replaces its subject.
pub const REPLACED_BY: &str = "replaced_by";

/// The due time of a scheduled delivery, if it is one.
pub fn due_at(headers: &std::collections::BTreeMap<String, String>) -> Option<DateTime<Utc>> {
    headers
        .get(header::DUE_AT)
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn expiry_event(
    connection: &str,
    platform: Platform,
    asset_id: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CloudEvent {
    let due_text = due.to_rfc3339_opts(SecondsFormat::Secs, true);
    // Stable per asset and due time: scheduling the same expiry twice yields one id.
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("assetrelay:scheduler\n{platform}\n{connection}\n{asset_id}\n{due_text}")
            .as_bytes(),
    )
    .to_string();
    let mut change = serde_json::Map::new();
    change.insert("platform_event".into(), "scheduled_expiry".into());
    change.insert("due_at".into(), due_text.into());
    let mut hint = serde_json::Map::new();
    hint.insert(
        "scheduled_at".into(),
        now.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
    );
    CloudEvent {
        specversion: assetrelay_contract::SPEC_VERSION.into(),
        id,
        source: format!("{platform}/{connection}"),
        // A PhotoShelter media item's rights end; a Smint.io license's term ends.
        event_type: match platform {
            Platform::PhotoShelter => EventType::AssetExpired,
            Platform::Smintio => EventType::LicenseExpired,
        },
        subject: Some(asset_id.to_owned()),
        time: due,
        datacontenttype: "application/json".into(),
        assetrelayconnection: connection.to_owned(),
        traceparent: assetrelay_contract::new_traceparent(),
        data: EventData {
            platform,
            asset_id: Some(asset_id.to_owned()),
            change,
            hint,
            state: None,
        },
    }
}

/// The AMQP `app_id` of scheduled expiries.
const PRODUCER: &str = "assetrelay-scheduler";

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(scheduler_tiers: Vec<u64>, remaining: i64) -> Option<u64> {
        // The tier choice does not depend on the broker; exercise it on the topology alone.
        let topology = Topology {
            prefix: "t".into(),
            retry_tiers_secs: vec![5],
            scheduler_tiers_secs: scheduler_tiers,
            delivery_limit: 20,
            archive_max_age: "1h".into(),
        };
        tier_for(&topology, remaining)
    }

    #[test]
    fn takes_the_longest_tier_that_does_not_overshoot() {
        let t = vec![10, 60, 600, 3600, 21600];
        assert_eq!(pick(t.clone(), 7 * 24 * 3600), Some(21600));
        assert_eq!(pick(t.clone(), 3599), Some(600));
        assert_eq!(pick(t.clone(), 60), Some(60));
        assert_eq!(pick(t.clone(), 11), Some(10));
    }

    #[test]
    fn waits_one_shortest_tier_when_less_remains_and_none_when_due() {
        let t = vec![10, 60];
        assert_eq!(pick(t.clone(), 3), Some(10));
        assert_eq!(pick(t.clone(), 0), None);
        assert_eq!(pick(t, -5), None);
        assert_eq!(pick(vec![], 100), None);
    }

    #[test]
    fn reads_the_due_time_header() {
        let headers = [(
            header::DUE_AT.to_owned(),
            "2026-11-29T10:00:00.250Z".to_owned(),
        )]
        .into();
        assert_eq!(
            due_at(&headers).map(|t| t.timestamp_millis()),
            Some(
                DateTime::parse_from_rfc3339("2026-11-29T10:00:00.250Z")
                    .unwrap()
                    .timestamp_millis()
            )
        );
        assert_eq!(due_at(&Default::default()), None);
    }
}
