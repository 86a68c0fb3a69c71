//! The retry and parked copies of a failed message: same body and properties, plus the
//! headers that say why, when and how often.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

use super::HandlerError;
use crate::{Flow, OutgoingMessage};

/// `x-error-detail` is cut to this many bytes (on a char boundary).
pub(super) const MAX_DETAIL_BYTES: usize = 1024;

/// The retry tier (seconds) for a message that failed on `attempt` (0 = first delivery):
/// one tier per attempt, the last repeating; a `Retry-After` picks the smallest tier that
/// waits at least that long, or the largest. `None` if there are no tiers.
pub(super) fn retry_tier(
    tiers: &[u64],
    attempt: u32,
    retry_after: Option<Duration>,
) -> Option<u64> {
    match retry_after {
        Some(wait) => tiers
            .iter()
            .copied()
            .filter(|&tier| Duration::from_secs(tier) >= wait)
            .min()
            .or_else(|| tiers.iter().copied().max()),
        None => {
            let index = usize::try_from(attempt).unwrap_or(usize::MAX);
            tiers.get(index).or_else(|| tiers.last()).copied()
        }
    }
}

/// A copy for `retry_queue`, to be delivered again as attempt `next_attempt`.
pub(super) fn retry_message(
    queue: String,
    body: &[u8],
    properties: &BasicProperties,
    next_attempt: u32,
    class: &str,
    now: DateTime<Utc>,
) -> OutgoingMessage {
    let mut headers = carried_headers(properties, now);
    headers.insert("x-attempt".into(), number(next_attempt.into()));
    headers.insert("x-last-error".into(), text(class));
    copy(queue, body, properties, headers)
}

/// What a parked message records about its failure.
pub(super) struct Parking<'a> {
    pub error: &'a HandlerError,
    /// `error.detail`, possibly with a prefix (e.g. `retries exhausted: `).
    pub detail: &'a str,
    /// Deliveries so far, this one included.
    pub attempts: u32,
    pub flow: Flow,
}

/// A copy for the flow's parked queue, for a person to inspect.
pub(super) fn parked_message(
    queue: String,
    body: &[u8],
    properties: &BasicProperties,
    parking: &Parking<'_>,
    now: DateTime<Utc>,
) -> OutgoingMessage {
    let mut headers = carried_headers(properties, now);
    headers.insert("x-error".into(), text(&parking.error.class));
    headers.insert(
        "x-error-detail".into(),
        text(truncate(parking.detail, MAX_DETAIL_BYTES)),
    );
    if let Some(status) = parking.error.status {
        headers.insert("x-status".into(), number(status.into()));
    }
    headers.insert("x-attempts".into(), number(parking.attempts.into()));
    headers.insert("x-flow".into(), text(parking.flow.as_str()));
    headers.insert("x-parked-at".into(), text(&rfc3339(now)));
    copy(queue, body, properties, headers)
}

/// The original headers minus the broker's delivery count (the copy is a new message),
/// with `x-first-seen` set unless an earlier attempt already set it.
fn carried_headers(
    properties: &BasicProperties,
    now: DateTime<Utc>,
) -> BTreeMap<ShortString, AMQPValue> {
    let mut headers = properties
        .headers()
        .as_ref()
        .map(|h| h.inner().clone())
        .unwrap_or_default();
    headers.remove("x-delivery-count");
    headers
        .entry("x-first-seen".into())
        .or_insert_with(|| text(&rfc3339(now)));
    headers
}

/// Through the default exchange straight to `queue`; persistent, so the copy survives a
/// broker restart (a quorum queue keeps the delivery mode when it dead-letters).
fn copy(
    queue: String,
    body: &[u8],
    properties: &BasicProperties,
    headers: BTreeMap<ShortString, AMQPValue>,
) -> OutgoingMessage {
    OutgoingMessage {
        exchange: String::new(),
        routing_key: queue,
        body: body.to_vec(),
        properties: properties
            .clone()
            .with_delivery_mode(2)
            .with_headers(FieldTable::from(headers)),
    }
}

/// At most `max` bytes of `s`, cut on a char boundary.
pub(super) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn text(value: &str) -> AMQPValue {
    // Long strings: RabbitMQ's table parser rejects lapin's short-string tag.
    AMQPValue::LongString(LongString::from(value))
}

fn number(value: i64) -> AMQPValue {
    AMQPValue::LongLongInt(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_attempt_takes_the_next_tier_and_the_last_one_repeats() {
        let tiers = [5, 30, 300];
        assert_eq!(retry_tier(&tiers, 0, None), Some(5));
        assert_eq!(retry_tier(&tiers, 1, None), Some(30));
        assert_eq!(retry_tier(&tiers, 2, None), Some(300));
        assert_eq!(retry_tier(&tiers, 7, None), Some(300));
        assert_eq!(retry_tier(&[], 0, None), None);
    }

    #[test]
    fn retry_after_picks_the_smallest_tier_that_waits_long_enough() {
        let tiers = [5, 30, 300];
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(retry_tier(&tiers, 2, secs(0)), Some(5));
        assert_eq!(retry_tier(&tiers, 0, secs(5)), Some(5));
        assert_eq!(
            retry_tier(&tiers, 0, Some(Duration::from_millis(5_001))),
            Some(30)
        );
        assert_eq!(retry_tier(&tiers, 0, secs(3_600)), Some(300));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        // "é" is two bytes: cutting at 2 would split it.
        assert_eq!(truncate("aé", 2), "a");
    }

    #[test]
    fn a_retry_copy_counts_the_attempt_and_keeps_the_first_sighting() {
        let mut original = FieldTable::default();
        original.insert("x-first-seen".into(), text("2020-01-01T00:00:00.000Z"));
        original.insert("x-delivery-count".into(), number(2));
        original.insert("x-connection".into(), text("c1"));
        let properties = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_headers(original);

        let copy = retry_message(
            "q.retry.5s".into(),
            b"{}",
            &properties,
            3,
            "platform_5xx",
            Utc::now(),
        );

        let headers = copy.properties.headers().clone().unwrap_or_default();
        let headers = headers.inner();
        assert_eq!(copy.exchange, "");
        assert_eq!(copy.routing_key, "q.retry.5s");
        assert_eq!(copy.properties.message_id(), &Some("m-1".into()));
        assert_eq!(copy.properties.delivery_mode(), &Some(2));
        assert_eq!(headers.get("x-attempt"), Some(&number(3)));
        assert_eq!(headers.get("x-last-error"), Some(&text("platform_5xx")));
        assert_eq!(
            headers.get("x-first-seen"),
            Some(&text("2020-01-01T00:00:00.000Z"))
        );
        assert_eq!(headers.get("x-connection"), Some(&text("c1")));
        assert!(!headers.contains_key("x-delivery-count"));
    }
}
