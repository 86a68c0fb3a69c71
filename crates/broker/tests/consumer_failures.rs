//! How the consumer runner handles a failing handler, against the real RabbitMQ: retries
//! through the tiers, parking with the reason headers, a panic, a timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use assetrelay_broker::{ConsumerSettings, Handled, HandlerError};
use assetrelay_contract::header;
use support::{FLOW, Seen, TestBed, handler, recording, settings};
#[tokio::test]
async fn a_transient_failure_comes_back_through_the_retry_queue_as_the_next_attempt() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            settings(),
            recording(&seen, |d| match d.attempt {
                0 => Err(HandlerError::transient("platform_5xx", "HTTP 503")),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;

    bed.publish("evt-1", b"{\"a\":1}", &[(header::CONNECTION, "c1")])
        .await;
    let seen = seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    let (first, retry) = (&seen[0], &seen[1]);
    assert_eq!(first.attempt, 0);
    assert_eq!(retry.attempt, 1);
    assert_eq!(retry.header(header::ATTEMPT), Some("1"));
    assert_eq!(retry.header(header::LAST_ERROR), Some("platform_5xx"));
    assert!(
        retry
            .header(header::FIRST_SEEN)
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(retry.header(header::CONNECTION), Some("c1"));
    assert_eq!(retry.message_id.as_deref(), Some("evt-1"));
    assert_eq!(retry.body, b"{\"a\":1}");
    assert_eq!(bed.ready(&bed.work()).await, 0);
    assert_eq!(bed.ready(&bed.retry(1)).await, 0);
    assert_eq!(bed.ready(&bed.parked()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn a_transient_failure_is_parked_once_the_retries_are_exhausted() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            ConsumerSettings {
                max_retries: 1,
                ..settings()
            },
            recording(&seen, |_| {
                Err(HandlerError::transient("platform_5xx", "HTTP 503").with_status(503))
            }),
        )
        .await;

    bed.publish("evt-1", b"{}", &[]).await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    consumer.stop().await.unwrap();

    let attempts: Vec<_> = seen.all().iter().map(|d| d.attempt).collect();
    assert_eq!(attempts, [0, 1]);
    let parked = bed.take(&bed.parked()).await.expect("a parked message");
    assert_eq!(parked.header(header::ERROR), Some("platform_5xx"));
    assert_eq!(
        parked.header(header::ERROR_DETAIL),
        Some("retries exhausted: HTTP 503")
    );
    assert_eq!(parked.header(header::STATUS), Some("503"));
    assert_eq!(parked.header(header::ATTEMPTS), Some("2"));
    assert_eq!(parked.header(header::FLOW), Some(FLOW.as_str()));
    assert!(parked.header(header::FIRST_SEEN).is_some());
    assert!(parked.header(header::PARKED_AT).is_some());
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn retry_after_picks_the_smallest_tier_that_waits_long_enough() {
    let bed = TestBed::start(&[1, 3]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            settings(),
            recording(&seen, |d| match d.attempt {
                0 => Err(HandlerError::transient("rate_limited", "HTTP 429")
                    .with_retry_after(Some(Duration::from_secs(2)))),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;

    bed.publish("evt-1", b"{}", &[]).await;
    assert_eq!(bed.wait_ready(&bed.retry(3), 1).await, 1);
    assert_eq!(bed.ready(&bed.retry(1)).await, 0);
    let seen = seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    assert_eq!(seen[1].attempt, 1);
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn a_permanent_failure_is_parked_at_once_with_the_error_headers() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let long_detail = "é".repeat(1_000); // 2,000 bytes
    let detail = long_detail.clone();
    let consumer = bed
        .run(
            settings(),
            recording(&seen, move |_| {
                Err(HandlerError::permanent("invalid_event", detail.clone()).with_status(422))
            }),
        )
        .await;

    bed.publish("evt-1", b"{\"x\":1}", &[(header::CONNECTION, "c1")])
        .await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    consumer.stop().await.unwrap();

    assert_eq!(seen.all().len(), 1);
    let parked = bed.take(&bed.parked()).await.expect("a parked message");
    assert_eq!(parked.body, b"{\"x\":1}");
    assert_eq!(parked.properties.message_id(), &Some("evt-1".into()));
    assert_eq!(
        parked.properties.content_type(),
        &Some("application/json".into())
    );
    assert_eq!(parked.properties.timestamp(), &Some(1_700_000_000));
    assert_eq!(parked.properties.delivery_mode(), &Some(2));
    assert_eq!(parked.header(header::ERROR), Some("invalid_event"));
    let stored = parked.header(header::ERROR_DETAIL).unwrap();
    assert_eq!(stored.len(), 1_024);
    assert!(long_detail.starts_with(stored));
    assert_eq!(parked.header(header::STATUS), Some("422"));
    assert_eq!(parked.header(header::ATTEMPTS), Some("1"));
    assert_eq!(parked.header(header::FLOW), Some(FLOW.as_str()));
    assert_eq!(parked.header(header::CONNECTION), Some("c1"));
    assert!(parked.header(header::FIRST_SEEN).is_some());
    assert!(parked.header(header::PARKED_AT).is_some());
    assert_eq!(bed.ready(&bed.work()).await, 0);
    assert_eq!(bed.ready(&bed.retry(1)).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn a_message_whose_retry_copy_cannot_be_published_goes_back_to_the_queue() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let answer_calls = calls.clone();
    let consumer = bed
        .run(
            settings(),
            recording(&seen, move |_| {
                match answer_calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(HandlerError::transient("platform_5xx", "HTTP 502")),
                    _ => Ok(Handled::Ok),
                }
            }),
        )
        .await;
    // Without its retry queue the copy is unroutable, so its publish fails. (Deleted after
    // the consumer's connection declared the topology, which would recreate it.)
    bed.broker
        .channel()
        .await
        .unwrap()
        .queue_delete(bed.retry(1).as_str().into(), Default::default())
        .await
        .unwrap();

    bed.publish("evt-1", b"{}", &[]).await;
    let seen = seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    assert_eq!(seen[1].message_id.as_deref(), Some("evt-1"));
    assert!(seen[1].redelivered, "the original came back");
    assert_eq!(seen[1].attempt, 0, "not counted as a retry");
    assert_eq!(bed.ready(&bed.work()).await, 0);
    assert_eq!(bed.ready(&bed.parked()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_message_and_the_consumer_keeps_running() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            ConsumerSettings {
                max_retries: 1,
                ..settings()
            },
            recording(&seen, |d| {
                assert!(d.body != b"boom", "boom");
                Ok(Handled::Ok)
            }),
        )
        .await;

    bed.publish("bad", b"boom", &[]).await;
    bed.publish("good-1", b"{}", &[]).await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    bed.publish("good-2", b"{}", &[]).await;
    seen.wait_for_id("good-2").await;
    assert!(!consumer.handle.is_finished(), "the consumer stopped");
    consumer.stop().await.unwrap();

    let parked = bed.take(&bed.parked()).await.expect("a parked message");
    assert_eq!(parked.properties.message_id(), &Some("bad".into()));
    assert_eq!(parked.header(header::ERROR), Some("panic"));
    assert_eq!(
        parked.header(header::ERROR_DETAIL),
        Some("retries exhausted: the handler panicked: boom")
    );
    assert_eq!(parked.header(header::ATTEMPTS), Some("2"));
    let handled: BTreeSet<_> = seen
        .all()
        .iter()
        .filter_map(|d| d.message_id.clone())
        .collect();
    assert!(handled.contains("good-1") && handled.contains("good-2"));
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

/// Notes whether the handler future was dropped before it finished.
struct AbortWitness(Arc<AtomicBool>);

impl Drop for AbortWitness {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_handler_running_past_the_timeout_fails_as_a_transient_timeout() {
    let bed = TestBed::start(&[1]).await;
    let aborted = Arc::new(AtomicBool::new(false));
    let witness = aborted.clone();
    let consumer = bed
        .run(
            ConsumerSettings {
                max_retries: 0,
                handler_timeout: Duration::from_millis(200),
                ..settings()
            },
            handler(move |_| {
                let witness = AbortWitness(witness.clone());
                async move {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    std::mem::forget(witness);
                    Ok(Handled::Ok)
                }
            }),
        )
        .await;

    bed.publish("slow", b"{}", &[]).await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    consumer.stop().await.unwrap();

    let parked = bed.take(&bed.parked()).await.expect("a parked message");
    assert_eq!(parked.header(header::ERROR), Some("timeout"));
    assert!(
        parked
            .header(header::ERROR_DETAIL)
            .is_some_and(|d| d.starts_with("retries exhausted: the handler ran longer than")),
        "{:?}",
        parked.header(header::ERROR_DETAIL)
    );
    assert!(
        aborted.load(Ordering::SeqCst),
        "the handler was not aborted"
    );
    bed.finish().await;
}
