//! A message's header table and the edits its copies need.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

use super::header;
use crate::Flow;

/// `x-error-detail` is cut to this many bytes (on a char boundary).
pub const MAX_DETAIL_BYTES: usize = 1024;

/// The headers of a message, to read and edit before publishing it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(BTreeMap<ShortString, AMQPValue>);

/// Why a message is parked: what [`Headers::mark_parked`] records.
#[derive(Debug, Clone, Copy)]
pub struct Parking<'a> {
    pub class: &'a str,
    /// Human text, no secrets; cut to [`MAX_DETAIL_BYTES`].
    pub detail: &'a str,
    pub status: Option<u16>,
    /// Deliveries made, the last one included.
    pub attempts: u32,
    pub flow: Flow,
}

impl Headers {
    /// The headers of a received (or built) message.
    pub fn of(properties: &BasicProperties) -> Self {
        Self(
            properties
                .headers()
                .as_ref()
                .map(|h| h.inner().clone())
                .unwrap_or_default(),
        )
    }

    /// Set a text header (as an AMQP long string: RabbitMQ's table parser rejects
    /// lapin's short-string tag).
    pub fn set_text(&mut self, name: &str, value: &str) {
        self.0.insert(name.into(), text(value));
    }

    pub fn set_number(&mut self, name: &str, value: i64) {
        self.0.insert(name.into(), AMQPValue::LongLongInt(value));
    }

    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A header's value as text, if it is a string or a number.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).and_then(header_text)
    }

    /// Drop what the broker adds to a delivered message (its redelivery count, a stream
    /// offset): a copy is a new message.
    pub fn drop_broker_bookkeeping(&mut self) {
        self.remove(header::DELIVERY_COUNT);
        self.remove(header::STREAM_OFFSET);
    }

    /// A retry copy: delivered again as attempt `next_attempt`; the first failure's time
    /// is kept from an earlier attempt.
    pub fn mark_retry(&mut self, next_attempt: u32, class: &str, now: DateTime<Utc>) {
        self.set_number(header::ATTEMPT, next_attempt.into());
        self.set_text(header::LAST_ERROR, class);
        self.first_seen(now);
    }

    /// A parked copy, for a person to inspect: the reason headers.
    pub fn mark_parked(&mut self, parking: &Parking<'_>, now: DateTime<Utc>) {
        self.first_seen(now);
        self.set_text(header::ERROR, parking.class);
        self.set_text(
            header::ERROR_DETAIL,
            truncate(parking.detail, MAX_DETAIL_BYTES),
        );
        if let Some(status) = parking.status {
            self.set_number(header::STATUS, status.into());
        }
        self.set_number(header::ATTEMPTS, parking.attempts.into());
        self.set_text(header::FLOW, parking.flow.as_str());
        self.set_text(header::PARKED_AT, &rfc3339(now));
    }

    /// A re-driven parked message starts over: reasons and retry state removed.
    pub fn clear_failure(&mut self) {
        for name in [
            header::ERROR,
            header::ERROR_DETAIL,
            header::STATUS,
            header::ATTEMPTS,
            header::FLOW,
            header::PARKED_AT,
            header::LAST_ERROR,
        ] {
            self.remove(name);
        }
        self.set_number(header::ATTEMPT, 0);
    }

    /// An archived event replayed as new: no retry state carries over.
    pub fn forget_attempts(&mut self) {
        self.remove(header::ATTEMPT);
        self.remove(header::FIRST_SEEN);
        self.remove(header::LAST_ERROR);
    }

    /// A replayed copy (archive replay or parked re-drive): which replay republished it,
    /// and when.
    pub fn mark_replayed(&mut self, replay_id: &str, now: DateTime<Utc>) {
        self.remove(header::MARKER);
        self.set_text(header::REPLAY_ID, replay_id);
        self.set_text(header::REPLAYED_AT, &rfc3339(now));
    }

    pub fn into_table(self) -> FieldTable {
        FieldTable::from(self.0)
    }

    fn first_seen(&mut self, now: DateTime<Utc>) {
        if !self.contains(header::FIRST_SEEN) {
            self.set_text(header::FIRST_SEEN, &rfc3339(now));
        }
    }
}

/// A header value as text: strings and numbers; `None` for tables, arrays, bytes,
/// booleans and void.
pub fn header_text(value: &AMQPValue) -> Option<String> {
    Some(match value {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.to_string(),
        AMQPValue::ShortShortInt(n) => n.to_string(),
        AMQPValue::ShortShortUInt(n) => n.to_string(),
        AMQPValue::ShortInt(n) => n.to_string(),
        AMQPValue::ShortUInt(n) => n.to_string(),
        AMQPValue::LongInt(n) => n.to_string(),
        AMQPValue::LongUInt(n) => n.to_string(),
        AMQPValue::LongLongInt(n) => n.to_string(),
        AMQPValue::Timestamp(n) => n.to_string(),
        AMQPValue::Float(n) => n.to_string(),
        AMQPValue::Double(n) => n.to_string(),
        _ => return None,
    })
}

/// Every string or number header of a message, as text.
pub fn text_headers(properties: &BasicProperties) -> BTreeMap<String, String> {
    properties
        .headers()
        .iter()
        .flat_map(|table| table.inner())
        .filter_map(|(name, value)| Some((name.to_string(), header_text(value)?)))
        .collect()
}

/// At most `max` bytes of `s`, cut on a char boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original() -> Headers {
        let mut h = Headers::default();
        h.set_text(header::CONNECTION, "c1");
        h.set_text(header::FIRST_SEEN, "2020-01-01T00:00:00.000Z");
        h.set_number(header::DELIVERY_COUNT, 2);
        h
    }

    #[test]
    fn a_retry_counts_the_attempt_and_keeps_the_first_sighting() {
        let mut h = original();
        h.drop_broker_bookkeeping();
        h.mark_retry(3, "platform_5xx", Utc::now());
        assert_eq!(h.text(header::ATTEMPT).as_deref(), Some("3"));
        assert_eq!(h.text(header::LAST_ERROR).as_deref(), Some("platform_5xx"));
        assert_eq!(
            h.text(header::FIRST_SEEN).as_deref(),
            Some("2020-01-01T00:00:00.000Z")
        );
        assert_eq!(h.text(header::CONNECTION).as_deref(), Some("c1"));
        assert!(!h.contains(header::DELIVERY_COUNT));
    }

    #[test]
    fn parking_records_every_reason_and_clearing_removes_them_all() {
        let mut h = Headers::default();
        let detail = "é".repeat(MAX_DETAIL_BYTES);
        h.mark_parked(
            &Parking {
                class: "smintio_400",
                detail: &detail,
                status: Some(400),
                attempts: 2,
                flow: Flow::ToSmint,
            },
            Utc::now(),
        );
        assert_eq!(h.text(header::ERROR).as_deref(), Some("smintio_400"));
        assert_eq!(h.text(header::STATUS).as_deref(), Some("400"));
        assert_eq!(h.text(header::ATTEMPTS).as_deref(), Some("2"));
        assert_eq!(h.text(header::FLOW).as_deref(), Some("to-smint"));
        assert!(h.text(header::ERROR_DETAIL).unwrap().len() <= MAX_DETAIL_BYTES);
        assert!(h.contains(header::PARKED_AT) && h.contains(header::FIRST_SEEN));

        h.clear_failure();
        for gone in [
            header::ERROR,
            header::ERROR_DETAIL,
            header::STATUS,
            header::ATTEMPTS,
            header::FLOW,
            header::PARKED_AT,
        ] {
            assert!(!h.contains(gone), "{gone}");
        }
        assert_eq!(h.text(header::ATTEMPT).as_deref(), Some("0"));
        assert!(h.contains(header::FIRST_SEEN), "the first sighting stays");
    }

    #[test]
    fn a_replayed_copy_starts_over_and_names_its_replay() {
        let mut h = original();
        h.set_number(header::ATTEMPT, 4);
        h.forget_attempts();
        h.mark_replayed("r-1", Utc::now());
        assert_eq!(h.text(header::REPLAY_ID).as_deref(), Some("r-1"));
        assert!(h.contains(header::REPLAYED_AT));
        assert!(!h.contains(header::ATTEMPT) && !h.contains(header::FIRST_SEEN));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(truncate("aé", 2), "a");
    }

    #[test]
    fn only_strings_and_numbers_read_as_text() {
        let mut table = FieldTable::default();
        table.insert("a".into(), text("x"));
        table.insert("b".into(), AMQPValue::Timestamp(1_700_000_000));
        table.insert("c".into(), AMQPValue::FieldArray(Default::default()));
        let headers = text_headers(&BasicProperties::default().with_headers(table));
        assert_eq!(headers.get("a").map(String::as_str), Some("x"));
        assert_eq!(headers.get("b").map(String::as_str), Some("1700000000"));
        assert!(!headers.contains_key("c"));
    }
}
