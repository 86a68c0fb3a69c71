//! Messages to publish: an event's message, and copies of received messages.

use chrono::Utc;
use lapin::BasicProperties;

use super::{Headers, header};
use crate::{CLOUDEVENTS_CONTENT_TYPE, CloudEvent};

/// One message to publish.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// `""` is the default exchange: `routing_key` is then a queue name.
    pub exchange: String,
    pub routing_key: String,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
}

impl OutgoingMessage {
    /// The message of `event` (DESIGN §4): the structured-mode JSON body; `message_id` =
    /// event id, `content_type`, persistent, `timestamp`, `type`, `app_id` = `producer`;
    /// headers `x-connection`, `traceparent` and, when the event has one, `x-subject`.
    pub fn for_event(
        event: &CloudEvent,
        exchange: &str,
        routing_key: &str,
        producer: &str,
    ) -> Self {
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, &event.assetrelayconnection);
        headers.set_text(header::TRACEPARENT, &event.traceparent);
        if let Some(subject) = &event.subject {
            headers.set_text(header::SUBJECT, subject);
        }
        Self {
            exchange: exchange.to_owned(),
            routing_key: routing_key.to_owned(),
            body: event.to_json(),
            properties: BasicProperties::default()
                .with_message_id(event.id.as_str().into())
                .with_content_type(CLOUDEVENTS_CONTENT_TYPE.into())
                .with_delivery_mode(PERSISTENT)
                .with_timestamp(u64::try_from(Utc::now().timestamp()).unwrap_or_default())
                .with_type(event.event_type.as_str().into())
                .with_app_id(producer.into())
                .with_headers(headers.into_table()),
        }
    }

    /// A copy of a received message for `queue`, through the default exchange: the same
    /// body and properties, persistent (so it survives a broker restart), without the
    /// broker's bookkeeping headers, and with `edit` applied to its headers. Retries,
    /// parking, parked re-drives and archive replays all republish through this.
    pub fn copy_to(
        queue: &str,
        body: Vec<u8>,
        properties: &BasicProperties,
        edit: impl FnOnce(&mut Headers),
    ) -> Self {
        let mut headers = Headers::of(properties);
        headers.drop_broker_bookkeeping();
        edit(&mut headers);
        Self {
            exchange: String::new(),
            routing_key: queue.to_owned(),
            body,
            properties: properties
                .clone()
                .with_delivery_mode(PERSISTENT)
                .with_headers(headers.into_table()),
        }
    }

    /// Add or replace a text header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let mut headers = Headers::of(&self.properties);
        headers.set_text(name, value);
        self.properties = self.properties.with_headers(headers.into_table());
        self
    }
}

/// AMQP `delivery_mode` 2.
const PERSISTENT: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amqp::text_headers;
    use crate::{EventType, Normalized, Platform};

    fn event(subject: Option<&str>) -> CloudEvent {
        CloudEvent::from_normalized(
            Platform::PhotoShelter,
            "demo",
            Normalized {
                delivery_id: "d-1".into(),
                event_type: EventType::AssetUpdated,
                subject: subject.map(str::to_owned),
                occurred_at: Utc::now(),
                change: Default::default(),
            },
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        )
    }

    #[test]
    fn an_event_message_carries_the_contract_properties_and_headers() {
        let event = event(Some("I1"));
        let m = OutgoingMessage::for_event(
            &event,
            "p.events",
            "photoshelter.demo.asset.updated",
            "test",
        );
        let p = &m.properties;
        assert_eq!(
            p.message_id().as_ref().map(|s| s.as_str()),
            Some(event.id.as_str())
        );
        assert_eq!(
            p.content_type().as_ref().map(|s| s.as_str()),
            Some(CLOUDEVENTS_CONTENT_TYPE)
        );
        assert_eq!(p.delivery_mode(), &Some(2));
        assert_eq!(p.kind().as_ref().map(|s| s.as_str()), Some("asset.updated"));
        assert_eq!(p.app_id().as_ref().map(|s| s.as_str()), Some("test"));
        let headers = text_headers(p);
        assert_eq!(headers[header::CONNECTION], "demo");
        assert_eq!(headers[header::SUBJECT], "I1");
        assert_eq!(headers[header::TRACEPARENT], event.traceparent);
        let back: CloudEvent = serde_json::from_slice(&m.body).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn an_event_without_subject_has_no_subject_header() {
        let m = OutgoingMessage::for_event(&event(None), "x", "k", "test");
        assert!(!text_headers(&m.properties).contains_key(header::SUBJECT));
    }

    #[test]
    fn a_copy_goes_to_its_queue_persistent_without_broker_bookkeeping() {
        let mut h = Headers::default();
        h.set_number(header::DELIVERY_COUNT, 3);
        h.set_number(header::STREAM_OFFSET, 17);
        h.set_text(header::CONNECTION, "c1");
        let original = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_headers(h.into_table());

        let copy = OutgoingMessage::copy_to("q.retry.5s", b"{}".to_vec(), &original, |h| {
            h.set_text(header::LAST_ERROR, "x")
        });

        assert_eq!(
            (copy.exchange.as_str(), copy.routing_key.as_str()),
            ("", "q.retry.5s")
        );
        assert_eq!(copy.properties.message_id(), &Some("m-1".into()));
        assert_eq!(copy.properties.delivery_mode(), &Some(2));
        let headers = text_headers(&copy.properties);
        assert_eq!(headers[header::CONNECTION], "c1");
        assert_eq!(headers[header::LAST_ERROR], "x");
        assert!(!headers.contains_key(header::DELIVERY_COUNT));
        assert!(!headers.contains_key(header::STREAM_OFFSET));
    }
}
