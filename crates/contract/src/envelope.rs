//! The CloudEvents 1.0 envelope (structured JSON mode) of DESIGN §4.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::{EventType, Platform, event_id_for_delivery};

pub const SPEC_VERSION: &str = "1.0";
/// Media type of a structured-mode JSON CloudEvent, also the AMQP `content_type`.
pub const CLOUDEVENTS_CONTENT_TYPE: &str = "application/cloudevents+json";

/// One normalized event. Field order is the serialization order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub specversion: String,
    pub id: String,
    /// `<platform>/<connection>`.
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The platform asset id (or license purchase transaction uuid); absent for
    /// notifications that name no asset, such as Smint.io's feed ping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(with = "rfc3339")]
    pub time: DateTime<Utc>,
    pub datacontenttype: String,
    /// Extension attribute: the connection (tenant) the event belongs to.
    pub assetrelayconnection: String,
    /// Extension attribute: W3C trace context, propagated to consumers and outbound calls.
    pub traceparent: String,
    pub data: EventData,
}

/// The event's `data`: thin by design (DESIGN §2.2); consumers fetch current state,
/// except where the platform has no call that reads one item ([`SourceState`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    pub platform: Platform,
    pub asset_id: Option<String>,
    /// What the platform said happened: `platform_event` plus the ids it named.
    pub change: serde_json::Map<String, serde_json::Value>,
    /// Delivery facts that help debugging and replay, never needed for correctness.
    pub hint: serde_json::Map<String, serde_json::Value>,
    /// The item's state as a source read it. Only where it cannot be fetched again:
    /// CLAPI-C serves license purchase transactions from a feed and has no "get one"
    /// call, so the Smint.io sync carries each one it reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SourceState>,
}

/// An item's state as read from its platform, and when: two states of one item are
/// ordered by the platform's own modification time, then by this read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceState {
    #[serde(with = "rfc3339")]
    pub read_at: DateTime<Utc>,
    /// The item as the platform served it (for Smint.io: one
    /// `SyncLicensePurchaseTransaction` of the feed).
    pub body: serde_json::Value,
}

/// What a platform webhook told us, before it becomes an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub delivery_id: String,
    pub event_type: EventType,
    pub subject: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub change: serde_json::Map<String, serde_json::Value>,
}

impl CloudEvent {
    /// Build the envelope for a normalized platform event. The id is stable per delivery.
    pub fn from_normalized(
        platform: Platform,
        connection: &str,
        normalized: Normalized,
        traceparent: String,
    ) -> Self {
        let mut hint = serde_json::Map::new();
        hint.insert("delivery_id".into(), normalized.delivery_id.clone().into());
        Self {
            specversion: SPEC_VERSION.into(),
            id: event_id_for_delivery(platform.as_str(), connection, &normalized.delivery_id),
            source: format!("{}/{connection}", platform.as_str()),
            event_type: normalized.event_type,
            subject: normalized.subject.clone(),
            time: normalized.occurred_at,
            datacontenttype: "application/json".into(),
            assetrelayconnection: connection.into(),
            traceparent,
            data: EventData {
                platform,
                asset_id: normalized.subject,
                change: normalized.change,
                hint,
                state: None,
            },
        }
    }

    /// `<platform>.<connection>.<type>`, e.g. `photoshelter.demo.asset.updated`.
    pub fn routing_key(&self) -> String {
        format!(
            "{}.{}.{}",
            self.data.platform.as_str(),
            self.assetrelayconnection,
            self.event_type.as_str()
        )
    }

    /// The structured-mode JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain structs, strings and JSON maps cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

mod rfc3339 {
    use super::*;

    pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CloudEvent {
        let mut change = serde_json::Map::new();
        change.insert("platform_event".into(), "media.updated".into());
        CloudEvent::from_normalized(
            Platform::PhotoShelter,
            "demo",
            Normalized {
                delivery_id: "d-1".into(),
                event_type: EventType::AssetUpdated,
                subject: Some("I0000abcdEFGH123".into()),
                occurred_at: DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc),
                change,
            },
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        )
    }

    #[test]
    fn routing_key_is_platform_connection_type() {
        assert_eq!(sample().routing_key(), "photoshelter.demo.asset.updated");
    }

    #[test]
    fn serializes_as_a_structured_cloudevent() {
        let json: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        assert_eq!(json["specversion"], "1.0");
        assert_eq!(json["type"], "asset.updated");
        assert_eq!(json["source"], "photoshelter/demo");
        assert_eq!(json["subject"], "I0000abcdEFGH123");
        assert_eq!(json["time"], "2026-11-29T10:00:00Z");
        assert_eq!(json["assetrelayconnection"], "demo");
        assert_eq!(json["data"]["platform"], "photoshelter");
        assert_eq!(json["data"]["change"]["platform_event"], "media.updated");
        assert_eq!(json["data"]["hint"]["delivery_id"], "d-1");
    }

    #[test]
    fn a_carried_state_round_trips_and_is_absent_when_none() {
        let plain: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        assert!(plain["data"].get("state").is_none());

        let mut event = sample();
        event.data.state = Some(SourceState {
            read_at: event.time,
            body: serde_json::json!({"uuid": "L1", "version": 2}),
        });
        let json: serde_json::Value = serde_json::from_slice(&event.to_json()).unwrap();
        assert_eq!(json["data"]["state"]["read_at"], "2026-11-29T10:00:00Z");
        assert_eq!(json["data"]["state"]["body"]["version"], 2);
        let back: CloudEvent = serde_json::from_slice(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn round_trips_through_json() {
        let event = sample();
        let back: CloudEvent = serde_json::from_slice(&event.to_json()).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn extension_attribute_names_follow_the_cloudevents_naming_rule() {
        let json: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        for key in json.as_object().unwrap().keys() {
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{key}"
            );
            assert!(key.len() <= 20, "{key}");
        }
    }
}
