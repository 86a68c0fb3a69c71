//! What a parked message says about itself: its AMQP headers and properties, with the
//! CloudEvent body filling in what the headers lack.

use std::collections::BTreeMap;

use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::types::AMQPValue;
use assetrelay_contract::header;
use chrono::{DateTime, SecondsFormat, Utc};

use super::ParkedMessage;

/// Reason of a message the broker dead-lettered itself when its `x-death` entry names none.
pub const DELIVERY_LIMIT: &str = "delivery_limit";

pub(crate) fn decode(properties: &BasicProperties, data: &[u8]) -> ParkedMessage {
    let table = properties
        .headers()
        .as_ref()
        .map(|h| h.inner().clone())
        .unwrap_or_default();
    let headers: BTreeMap<String, String> = table
        .iter()
        .filter(|(name, _)| name.as_str() != header::DELIVERY_COUNT)
        .map(|(name, value)| (name.to_string(), text(value)))
        .collect();
    let body = serde_json::from_slice(data)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(data).into_owned()));
    let from_body = |field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_owned);
    let header = |name: &str| headers.get(name).cloned();

    // The consumer parks with `x-error`; a message the broker dead-lettered (delivery
    // limit) has only `x-death`, newest entry first.
    let death = table.get(header::DEATH).and_then(first_death);
    let (reason, detail, parked_at) = match (header(header::ERROR), death) {
        (Some(error), _) => (
            Some(error),
            header(header::ERROR_DETAIL),
            header(header::PARKED_AT),
        ),
        (None, Some(death)) => (
            Some(death.reason.unwrap_or_else(|| DELIVERY_LIMIT.to_owned())),
            death
                .queue
                .map(|queue| format!("dead-lettered by the broker from `{queue}`")),
            death.time,
        ),
        (None, None) => (
            None,
            header(header::ERROR_DETAIL),
            header(header::PARKED_AT),
        ),
    };

    ParkedMessage {
        event_id: properties
            .message_id()
            .as_ref()
            .map(|id| id.to_string())
            .or_else(|| from_body("id")),
        subject: header(header::SUBJECT).or_else(|| from_body("subject")),
        connection: header(header::CONNECTION).or_else(|| from_body("assetrelayconnection")),
        event_type: properties
            .kind()
            .as_ref()
            .map(|t| t.to_string())
            .or_else(|| from_body("type")),
        reason,
        detail,
        status: header(header::STATUS),
        attempts: header(header::ATTEMPTS).and_then(|a| a.parse().ok()),
        first_seen: header(header::FIRST_SEEN),
        parked_at,
        headers,
        body,
    }
}

struct Death {
    reason: Option<String>,
    queue: Option<String>,
    time: Option<String>,
}

fn first_death(value: &AMQPValue) -> Option<Death> {
    let AMQPValue::FieldArray(entries) = value else {
        return None;
    };
    let Some(AMQPValue::FieldTable(entry)) = entries.as_slice().first() else {
        return None;
    };
    let field = |name: &str| entry.inner().get(name).map(text);
    Some(Death {
        reason: field("reason"),
        queue: field("queue"),
        time: field("time"),
    })
}

/// A header value as one line of text: strings as they are, anything else as JSON.
pub(crate) fn text(value: &AMQPValue) -> String {
    match to_json(value) {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// An AMQP field value as JSON; timestamps (seconds) become RFC 3339 strings.
pub(crate) fn to_json(value: &AMQPValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        AMQPValue::Boolean(b) => Value::Bool(*b),
        AMQPValue::ShortShortInt(n) => (*n).into(),
        AMQPValue::ShortShortUInt(n) => (*n).into(),
        AMQPValue::ShortInt(n) => (*n).into(),
        AMQPValue::ShortUInt(n) => (*n).into(),
        AMQPValue::LongInt(n) => (*n).into(),
        AMQPValue::LongUInt(n) => (*n).into(),
        AMQPValue::LongLongInt(n) => (*n).into(),
        AMQPValue::Float(n) => {
            serde_json::Number::from_f64(f64::from(*n)).map_or(Value::Null, Value::Number)
        }
        AMQPValue::Double(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        AMQPValue::DecimalValue(d) => {
            let value = f64::from(d.value) / 10_f64.powi(i32::from(d.scale));
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
        }
        AMQPValue::ShortString(s) => Value::String(s.to_string()),
        AMQPValue::LongString(s) => {
            Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
        }
        AMQPValue::ByteArray(b) => {
            Value::String(String::from_utf8_lossy(b.as_slice()).into_owned())
        }
        AMQPValue::FieldArray(items) => {
            Value::Array(items.as_slice().iter().map(to_json).collect())
        }
        AMQPValue::FieldTable(table) => Value::Object(
            table
                .inner()
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
        AMQPValue::Timestamp(secs) => i64::try_from(*secs)
            .ok()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .map_or_else(
                || (*secs).into(),
                |t| Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            ),
        AMQPValue::Void => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assetrelay_broker::lapin::types::{FieldArray, FieldTable, LongString};

    fn long(s: &str) -> AMQPValue {
        AMQPValue::LongString(LongString::from(s))
    }

    #[test]
    fn a_message_parked_by_the_consumer_takes_its_reason_from_x_error() {
        let mut headers = FieldTable::default();
        headers.insert(header::ERROR.into(), long("not_found"));
        headers.insert(header::ERROR_DETAIL.into(), long("asset gone"));
        headers.insert(header::STATUS.into(), AMQPValue::LongLongInt(404));
        headers.insert(header::ATTEMPTS.into(), AMQPValue::LongLongInt(3));
        headers.insert(header::PARKED_AT.into(), long("2024-01-01T00:00:00.000Z"));
        headers.insert(header::DELIVERY_COUNT.into(), AMQPValue::LongLongInt(4));
        let properties = BasicProperties::default()
            .with_message_id("evt-1".into())
            .with_headers(headers);
        let body = br#"{"id":"evt-1","type":"photoshelter.asset.updated","subject":"I0001","assetrelayconnection":"c1"}"#;

        let message = decode(&properties, body);

        assert_eq!(message.event_id.as_deref(), Some("evt-1"));
        assert_eq!(message.reason.as_deref(), Some("not_found"));
        assert_eq!(message.detail.as_deref(), Some("asset gone"));
        assert_eq!(message.status.as_deref(), Some("404"));
        assert_eq!(message.attempts, Some(3));
        assert_eq!(message.subject.as_deref(), Some("I0001"));
        assert_eq!(message.connection.as_deref(), Some("c1"));
        assert_eq!(
            message.event_type.as_deref(),
            Some("photoshelter.asset.updated")
        );
        assert!(!message.headers.contains_key(header::DELIVERY_COUNT));
    }

    #[test]
    fn a_message_the_broker_dead_lettered_takes_its_reason_from_x_death() {
        let mut death = FieldTable::default();
        death.insert("reason".into(), long("delivery_limit"));
        death.insert("queue".into(), long("p.to-smint"));
        death.insert("time".into(), AMQPValue::Timestamp(1_700_000_000));
        let mut headers = FieldTable::default();
        headers.insert(
            header::DEATH.into(),
            AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::FieldTable(death)])),
        );
        let properties = BasicProperties::default().with_headers(headers);

        let message = decode(&properties, b"not json");

        assert_eq!(message.reason.as_deref(), Some(DELIVERY_LIMIT));
        assert_eq!(
            message.parked_at.as_deref(),
            Some("2023-11-14T22:13:20.000Z")
        );
        assert_eq!(message.body, serde_json::json!("not json"));
        assert_eq!(message.event_id, None);
    }
}
