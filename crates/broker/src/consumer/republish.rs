//! The retry tier of a failed message, and its retry and parked copies: same body and
//! properties, plus the contract's headers that say why, when and how often.

use std::time::Duration;

use assetrelay_contract::OutgoingMessage;
use assetrelay_contract::amqp::Parking;
use chrono::{DateTime, Utc};
use lapin::BasicProperties;

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
    queue: &str,
    body: &[u8],
    properties: &BasicProperties,
    next_attempt: u32,
    class: &str,
    now: DateTime<Utc>,
) -> OutgoingMessage {
    OutgoingMessage::copy_to(queue, body.to_vec(), properties, |headers| {
        headers.mark_retry(next_attempt, class, now)
    })
}

/// A copy for the flow's parked queue, for a person to inspect.
pub(super) fn parked_message(
    queue: &str,
    body: &[u8],
    properties: &BasicProperties,
    parking: &Parking<'_>,
    now: DateTime<Utc>,
) -> OutgoingMessage {
    OutgoingMessage::copy_to(queue, body.to_vec(), properties, |headers| {
        headers.mark_parked(parking, now)
    })
}

#[cfg(test)]
mod tests {
    use assetrelay_contract::amqp::{Headers, header, text_headers};

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
    fn a_retry_copy_counts_the_attempt_and_keeps_the_first_sighting() {
        let mut original = Headers::default();
        original.set_text(header::FIRST_SEEN, "2020-01-01T00:00:00.000Z");
        original.set_number(header::DELIVERY_COUNT, 2);
        original.set_text(header::CONNECTION, "c1");
        let properties = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_headers(original.into_table());

        let copy = retry_message(
            "q.retry.5s",
            b"{}",
            &properties,
            3,
            "platform_5xx",
            Utc::now(),
        );

        let headers = text_headers(&copy.properties);
        assert_eq!(copy.exchange, "");
        assert_eq!(copy.routing_key, "q.retry.5s");
        assert_eq!(copy.properties.message_id(), &Some("m-1".into()));
        assert_eq!(copy.properties.delivery_mode(), &Some(2));
        assert_eq!(headers[header::ATTEMPT], "3");
        assert_eq!(headers[header::LAST_ERROR], "platform_5xx");
        assert_eq!(headers[header::FIRST_SEEN], "2020-01-01T00:00:00.000Z");
        assert_eq!(headers[header::CONNECTION], "c1");
        assert!(!headers.contains_key(header::DELIVERY_COUNT));
    }
}
