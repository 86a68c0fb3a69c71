//! The consumer runner against the real RabbitMQ (`AMQP_URL`, else 127.0.0.1:5672), one
//! topology per test, deleted however it ends: competing consumers, acks, a lost
//! connection, shutdown. Failures: `consumer_failures.rs`; spans, logs and metrics:
//! `consumer_telemetry.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use assetrelay_broker::{Broker, ConsumerSettings, Delivery, Handled, HandlerError};
use assetrelay_testkit::{ChaosProxy, wait_until};
use support::{PATIENCE, Seen, TestBed, handler, recording, settings};

fn ok(_: &Delivery) -> Result<Handled, HandlerError> {
    Ok(Handled::Ok)
}
#[tokio::test]
async fn two_consumers_on_one_queue_share_the_messages_and_handle_each_once() {
    let bed = TestBed::start(&[1]).await;
    let seen = [Seen::default(), Seen::default()];
    let one_at_a_time = ConsumerSettings {
        prefetch: 1,
        concurrency: 1,
        ..settings()
    };
    let slow = |seen: &Seen| {
        let seen = seen.clone();
        handler(move |d: Delivery| {
            seen.push(&d);
            async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                Ok(Handled::Ok)
            }
        })
    };
    let a = bed.run(one_at_a_time.clone(), slow(&seen[0])).await;
    let b = bed.run(one_at_a_time, slow(&seen[1])).await;
    assert_eq!(bed.wait_consumers(&bed.work(), 2).await, 2);

    for i in 0..20 {
        bed.publish(&format!("m-{i}"), b"{}", &[]).await;
    }
    wait_until("the two consumers saw 20 deliveries", PATIENCE, || async {
        seen[0].all().len() + seen[1].all().len() >= 20
    })
    .await
    .unwrap();
    a.stop().await.unwrap();
    b.stop().await.unwrap();

    let (first, second) = (seen[0].all(), seen[1].all());
    let ids: Vec<_> = first
        .iter()
        .chain(&second)
        .map(|d| d.message_id.clone())
        .collect();
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), 20, "each message handled once: {ids:?}");
    assert_eq!(unique.len(), 20);
    assert!(
        !first.is_empty() && !second.is_empty(),
        "{} / {}",
        first.len(),
        second.len()
    );
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn handled_and_skipped_messages_are_acked() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            settings(),
            recording(&seen, |d| match d.body.as_slice() {
                b"skip" => Ok(Handled::Skipped("told_to")),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;

    bed.publish("a", b"ok", &[]).await;
    bed.publish("b", b"skip", &[]).await;
    seen.wait_for(2).await;
    // Unacked messages would go back to the queue when the consumer's channel closes.
    consumer.stop().await.unwrap();

    assert_eq!(bed.ready(&bed.work()).await, 0);
    assert_eq!(bed.ready(&bed.parked()).await, 0);
    assert_eq!(bed.ready(&bed.retry(1)).await, 0);
    assert_eq!(seen.all().len(), 2);
    bed.finish().await;
}

/// Wait until `broker` has lost connection `before`, restore the proxy, and wait until the
/// consumer is back on the work queue.
async fn reconnect(bed: &TestBed, proxy: &ChaosProxy, broker: &Broker, before: Option<u64>) {
    wait_until("the cut is noticed", PATIENCE, || async {
        broker.generation() != before
    })
    .await
    .unwrap();
    proxy.restore();
    assert!(broker.wait_ready(PATIENCE).await, "no reconnect");
    assert!(broker.generation() > before, "{:?}", broker.generation());
    assert_eq!(bed.wait_consumers(&bed.work(), 1).await, 1);
}

#[tokio::test]
async fn after_losing_the_connection_the_consumer_resumes_and_handles_new_messages() {
    let bed = TestBed::start(&[1]).await;
    let proxy = ChaosProxy::to_broker().await;
    let broker = bed.broker_at(&proxy.amqp_url()).await;
    let seen = Seen::default();
    let consumer = bed.run_on(broker.clone(), settings(), recording(&seen, ok));
    bed.publish("before", b"{}", &[]).await;
    seen.wait_for(1).await;
    let before = broker.generation();

    proxy.cut();
    reconnect(&bed, &proxy, &broker, before).await;
    bed.publish("after", b"{}", &[]).await;
    seen.wait_for_id("after").await;
    consumer.stop().await.unwrap();

    // At least once, not exactly once: the cut can land before the broker has the ack of
    // "before", which then comes again after the reconnect.
    let ids = seen.ids();
    assert!(
        ids.iter()
            .all(|id| matches!(id.as_deref(), Some("before" | "after"))),
        "{ids:?}"
    );
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

/// The cut lands while "before" is in its handler, so its ack cannot reach the broker:
/// the broker keeps the message and delivers it again once the consumer is back.
#[tokio::test]
async fn a_message_whose_ack_is_lost_in_a_cut_is_handled_again_after_the_reconnect() {
    let bed = TestBed::start(&[1]).await;
    let proxy = Arc::new(ChaosProxy::to_broker().await);
    let broker = bed.broker_at(&proxy.amqp_url()).await;
    let before = broker.generation();
    let seen = Seen::default();
    let cut_once = Arc::new(AtomicBool::new(false));
    let (recorder, cutter, watched) = (seen.clone(), proxy.clone(), broker.clone());
    let consumer = bed.run_on(
        broker.clone(),
        settings(),
        handler(move |d: Delivery| {
            recorder.push(&d);
            let cut = !cut_once.swap(true, Ordering::SeqCst);
            let (proxy, broker) = (cutter.clone(), watched.clone());
            async move {
                if cut {
                    proxy.cut();
                    // Answer only once the connection is known lost: the ack has no way left.
                    wait_until("the cut is noticed", PATIENCE, || async {
                        broker.generation() != before
                    })
                    .await
                    .unwrap();
                }
                Ok(Handled::Ok)
            }
        }),
    );
    bed.publish("before", b"{}", &[]).await;
    seen.wait_for(1).await;
    reconnect(&bed, &proxy, &broker, before).await;
    bed.publish("after", b"{}", &[]).await;
    seen.wait_for_id("after").await;
    let again = || seen.all().into_iter().filter(|d| d.redelivered).count();
    wait_until("before is delivered again", PATIENCE, || async {
        again() > 0
    })
    .await
    .unwrap();
    consumer.stop().await.unwrap();

    let deliveries = seen.all();
    let redelivered: Vec<_> = deliveries.iter().filter(|d| d.redelivered).collect();
    assert!(
        redelivered
            .iter()
            .all(|d| d.message_id.as_deref() == Some("before")),
        "{:?}",
        seen.ids()
    );
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn shutdown_lets_the_in_flight_handler_finish_and_returns_the_prefetched_messages() {
    let bed = TestBed::start(&[1]).await;
    let started = Seen::default();
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let recorder = started.clone();
    let consumer = bed
        .run(
            ConsumerSettings {
                prefetch: 5,
                concurrency: 1,
                ..settings()
            },
            handler(move |d: Delivery| {
                recorder.push(&d);
                let done = done.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    done.fetch_add(1, Ordering::SeqCst);
                    Ok(Handled::Ok)
                }
            }),
        )
        .await;
    for i in 0..5 {
        bed.publish(&format!("m-{i}"), b"{}", &[]).await;
    }
    started.wait_for(1).await;
    // All five are with the consumer: one in the handler, four prefetched.
    assert_eq!(bed.wait_ready(&bed.work(), 0).await, 0);

    consumer.stop().await.unwrap();

    let handled = finished.load(Ordering::SeqCst);
    assert_eq!(
        handled, 1,
        "the in-flight handler finished, no other started"
    );
    assert_eq!(started.all().len(), 1);
    assert_eq!(
        bed.wait_ready(&bed.work(), 4).await,
        4,
        "prefetched ones returned"
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_handler_outlasting_the_shutdown_grace_is_aborted_and_its_message_returned() {
    let bed = TestBed::start(&[1]).await;
    let started = Seen::default();
    let recorder = started.clone();
    let consumer = bed
        .run(
            ConsumerSettings {
                shutdown_grace: Duration::from_millis(200),
                ..settings()
            },
            handler(move |d: Delivery| {
                recorder.push(&d);
                async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(Handled::Ok)
                }
            }),
        )
        .await;
    bed.publish("stuck", b"{}", &[]).await;
    started.wait_for(1).await;

    let stopping = tokio::time::Instant::now();
    consumer.stop().await.unwrap();

    assert!(stopping.elapsed() < Duration::from_secs(5));
    assert_eq!(bed.wait_ready(&bed.work(), 1).await, 1);
    bed.finish().await;
}
