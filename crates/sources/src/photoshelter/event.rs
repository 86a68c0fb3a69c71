//! A polled change as the canonical event: the same type and shape the ingress makes of a
//! PhotoShelter `media.updated` webhook (`assetrelay_photoshelter::webhook`), so every flow,
//! replay and metric treats both alike.

use assetrelay_contract::{CloudEvent, EventType, Normalized, Platform, new_traceparent};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Map;

use super::watermark::Change;

/// The `hint.source` of polled events (and the cursor's name).
pub const SOURCE: &str = assetrelay_contract::source::PHOTOSHELTER_POLL;

/// The delivery id of a polled change: `poll/<media id>@<modification time>`. The event id
/// is the UUIDv5 of (platform, connection, this), so it is stable per (connection, media
/// id, modification time): a re-poll, another replica or a restart yields the same id.
pub fn delivery_id(change: &Change) -> String {
    let at = change.modified_at.map_or_else(
        || "unknown".to_owned(),
        |t| t.to_rfc3339_opts(SecondsFormat::Micros, true),
    );
    format!("poll/{}@{at}", change.media_id)
}

/// The `asset.updated` event of `change` in organization `org_id`. The flows fetch the
/// item's current state, so a change the poller cannot classify further is an update.
pub fn change_event(
    connection: &str,
    org_id: &str,
    change: &Change,
    now: DateTime<Utc>,
) -> CloudEvent {
    let mut data = Map::new();
    data.insert("platform_event".into(), "media.updated".into());
    data.insert("org_id".into(), org_id.into());
    let normalized = Normalized {
        delivery_id: delivery_id(change),
        event_type: EventType::AssetUpdated,
        subject: Some(change.media_id.clone()),
        occurred_at: change.modified_at.unwrap_or(now),
        change: data,
    };
    let mut event = CloudEvent::from_normalized(
        Platform::PhotoShelter,
        connection,
        normalized,
        new_traceparent(),
    );
    event.data.hint.insert("source".into(), SOURCE.into());
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, micros: i64) -> Change {
        Change {
            media_id: id.into(),
            modified_at: DateTime::from_timestamp_micros(1_800_000_000_000_000 + micros),
        }
    }

    #[test]
    fn the_id_is_stable_per_connection_media_and_modification_time() {
        let now = Utc::now();
        let a = change_event("demo", "O1", &change("I1", 1), now);
        let b = change_event(
            "demo",
            "O1",
            &change("I1", 1),
            now + chrono::Duration::hours(1),
        );
        assert_eq!(a.id, b.id);
        for other in [
            change_event("acme", "O1", &change("I1", 1), now),
            change_event("demo", "O1", &change("I2", 1), now),
            change_event("demo", "O1", &change("I1", 2), now),
        ] {
            assert_ne!(a.id, other.id);
        }
    }

    #[test]
    fn has_the_shape_of_a_normalized_media_updated_webhook() {
        let event = change_event("demo", "O0000DEVORG00001", &change("I1", 0), Utc::now());
        assert_eq!(event.event_type, EventType::AssetUpdated);
        assert_eq!(event.routing_key(), "photoshelter.demo.asset.updated");
        assert_eq!(event.source, "photoshelter/demo");
        assert_eq!(event.subject.as_deref(), Some("I1"));
        assert_eq!(event.data.asset_id.as_deref(), Some("I1"));
        assert_eq!(event.data.change["platform_event"], "media.updated");
        assert_eq!(event.data.change["org_id"], "O0000DEVORG00001");
        assert_eq!(event.data.hint["source"], SOURCE);
        assert_eq!(Some(event.time), change("I1", 0).modified_at);
    }

    #[test]
    fn the_delivery_id_keeps_microseconds() {
        assert_ne!(delivery_id(&change("I1", 1)), delivery_id(&change("I1", 2)));
        assert!(delivery_id(&change("I1", 1)).starts_with("poll/I1@"));
    }
}
