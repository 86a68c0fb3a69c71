//! The consumer runner against the real RabbitMQ on 127.0.0.1:5672 (AMQP_URL overrides),
//! one topology prefix per test, deleted at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use assetrelay_broker::{ConsumerSettings, Delivery, Handled, HandlerError};
use support::capture::{Metrics, traces};
use support::proxy::ChaosProxy;
use support::{FLOW, PATIENCE, Seen, TestBed, handler, recording, settings};
use tracing::Level;

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
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while seen[0].all().len() + seen[1].all().len() < 20 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
                b"skip" => Ok(Handled::Skipped),
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

    bed.publish("evt-1", b"{\"a\":1}", &[("x-connection", "c1")])
        .await;
    let seen = seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    let (first, retry) = (&seen[0], &seen[1]);
    assert_eq!(first.attempt, 0);
    assert_eq!(retry.attempt, 1);
    assert_eq!(retry.header("x-attempt"), Some("1"));
    assert_eq!(retry.header("x-last-error"), Some("platform_5xx"));
    assert!(
        retry
            .header("x-first-seen")
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(retry.header("x-connection"), Some("c1"));
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
    let parked = bed.take(&bed.parked()).await;
    assert_eq!(parked.header("x-error"), Some("platform_5xx"));
    assert_eq!(
        parked.header("x-error-detail"),
        Some("retries exhausted: HTTP 503")
    );
    assert_eq!(parked.header("x-status"), Some("503"));
    assert_eq!(parked.header("x-attempts"), Some("2"));
    assert_eq!(parked.header("x-flow"), Some(FLOW.as_str()));
    assert!(parked.header("x-first-seen").is_some());
    assert!(parked.header("x-parked-at").is_some());
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

    bed.publish("evt-1", b"{\"x\":1}", &[("x-connection", "c1")])
        .await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    consumer.stop().await.unwrap();

    assert_eq!(seen.all().len(), 1);
    let parked = bed.take(&bed.parked()).await;
    assert_eq!(parked.body, b"{\"x\":1}");
    assert_eq!(parked.properties.message_id(), &Some("evt-1".into()));
    assert_eq!(
        parked.properties.content_type(),
        &Some("application/json".into())
    );
    assert_eq!(parked.properties.timestamp(), &Some(1_700_000_000));
    assert_eq!(parked.properties.delivery_mode(), &Some(2));
    assert_eq!(parked.header("x-error"), Some("invalid_event"));
    let stored = parked.header("x-error-detail").unwrap();
    assert_eq!(stored.len(), 1_024);
    assert!(long_detail.starts_with(stored));
    assert_eq!(parked.header("x-status"), Some("422"));
    assert_eq!(parked.header("x-attempts"), Some("1"));
    assert_eq!(parked.header("x-flow"), Some(FLOW.as_str()));
    assert_eq!(parked.header("x-connection"), Some("c1"));
    assert!(parked.header("x-first-seen").is_some());
    assert!(parked.header("x-parked-at").is_some());
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
    bed.admin
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
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !seen
        .all()
        .iter()
        .any(|d| d.message_id.as_deref() == Some("good-2"))
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!consumer.handle.is_finished(), "the consumer stopped");
    consumer.stop().await.unwrap();

    let parked = bed.take(&bed.parked()).await;
    assert_eq!(parked.properties.message_id(), &Some("bad".into()));
    assert_eq!(parked.header("x-error"), Some("panic"));
    assert_eq!(
        parked.header("x-error-detail"),
        Some("retries exhausted: the handler panicked: boom")
    );
    assert_eq!(parked.header("x-attempts"), Some("2"));
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

    let parked = bed.take(&bed.parked()).await;
    assert_eq!(parked.header("x-error"), Some("timeout"));
    assert!(
        parked
            .header("x-error-detail")
            .is_some_and(|d| d.starts_with("retries exhausted: the handler ran longer than")),
        "{:?}",
        parked.header("x-error-detail")
    );
    assert!(
        aborted.load(Ordering::SeqCst),
        "the handler was not aborted"
    );
    bed.finish().await;
}

#[tokio::test]
async fn after_losing_the_connection_the_consumer_resumes_and_handles_new_messages() {
    let bed = TestBed::start(&[1]).await;
    let proxy = ChaosProxy::start("127.0.0.1:5672".parse().unwrap()).await;
    let broker = bed.broker_at(&proxy.amqp_url()).await;
    let seen = Seen::default();
    let consumer = bed.run_on(broker.clone(), settings(), recording(&seen, ok));
    bed.publish("before", b"{}", &[]).await;
    seen.wait_for(1).await;
    let before = broker.generation().unwrap();

    proxy.cut();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while broker.generation() == Some(before) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_ne!(broker.generation(), Some(before), "the cut went unnoticed");
    proxy.restore();
    assert!(broker.wait_ready(PATIENCE).await);
    assert_eq!(bed.wait_consumers(&bed.work(), 1).await, 1);
    bed.publish("after", b"{}", &[]).await;
    let seen = seen.wait_for(2).await;
    consumer.stop().await.unwrap();

    assert_eq!(seen[1].message_id.as_deref(), Some("after"));
    assert!(broker.generation().is_none_or(|g| g > before));
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

#[tokio::test]
async fn each_delivery_runs_in_a_span_with_flow_event_connection_subject_attempt_and_traceparent() {
    let traces = traces();
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let recorder = seen.clone();
    let consumer = bed
        .run(
            settings(),
            handler(move |d: Delivery| {
                recorder.push(&d);
                tracing::info!("inside the handler");
                async { Ok(Handled::Ok) }
            }),
        )
        .await;
    let event_id = format!("{}-evt", bed.topology.prefix);
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    bed.publish(
        &event_id,
        b"{}",
        &[
            ("x-connection", "c1"),
            ("x-subject", "asset-9"),
            ("traceparent", traceparent),
        ],
    )
    .await;
    seen.wait_for(1).await;
    consumer.stop().await.unwrap();

    let spans = traces.spans("delivery", &event_id);
    assert_eq!(spans.len(), 1, "{spans:?}");
    for (name, value) in [
        ("flow", FLOW.as_str()),
        ("connection", "c1"),
        ("subject", "asset-9"),
        ("attempt", "0"),
        ("traceparent", traceparent),
    ] {
        assert_eq!(
            spans[0].fields.get(name).map(String::as_str),
            Some(value),
            "field {name}"
        );
    }
    assert_eq!(
        traces.events("inside the handler", &event_id).len(),
        1,
        "the handler runs inside the span"
    );
    bed.finish().await;
}

#[tokio::test]
async fn retries_and_parking_are_logged_at_info_with_the_class_and_successes_at_debug() {
    let traces = traces();
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            ConsumerSettings {
                max_retries: 1,
                ..settings()
            },
            recording(&seen, |d| match d.body.as_slice() {
                b"bad" => Err(HandlerError::transient("platform_5xx", "HTTP 503")),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;
    let good = format!("{}-good", bed.topology.prefix);
    let bad = format!("{}-bad", bed.topology.prefix);

    bed.publish(&good, b"good", &[]).await;
    bed.publish(&bad, b"bad", &[]).await;
    assert_eq!(bed.wait_ready(&bed.parked(), 1).await, 1);
    consumer.stop().await.unwrap();

    let only = |message: &str, event_id: &str| {
        let mut events = traces.events(message, event_id);
        assert_eq!(events.len(), 1, "{message:?} events: {events:?}");
        events.remove(0)
    };
    let retried = only("failed; retrying later", &bad);
    assert_eq!(retried.level, Level::INFO);
    assert_eq!(retried.fields["error.class"], "platform_5xx");
    assert_eq!(retried.fields["error.detail"], "HTTP 503");
    let parked = only("failed; parked", &bad);
    assert_eq!(parked.level, Level::INFO);
    assert_eq!(parked.fields["error.class"], "platform_5xx");
    assert_eq!(
        parked.fields["error.detail"], "HTTP 503",
        "the log has the handler's own detail"
    );
    assert_eq!(only("handled", &good).level, Level::DEBUG);
    bed.finish().await;
}

#[tokio::test]
async fn messages_are_counted_by_flow_connection_and_outcome() {
    let metrics = Metrics::default();
    let _guard = metrics::set_default_local_recorder(&metrics);
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let consumer = bed
        .run(
            ConsumerSettings {
                max_retries: 1,
                ..settings()
            },
            recording(&seen, |d| match d.body.as_slice() {
                b"skip" => Ok(Handled::Skipped),
                b"invalid" => Err(HandlerError::permanent("invalid_event", "no asset id")),
                b"flaky" => Err(HandlerError::transient("platform_5xx", "HTTP 503")),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;

    bed.publish("1", b"ok", &[("x-connection", "c1")]).await;
    bed.publish("2", b"skip", &[("x-connection", "c1")]).await;
    bed.publish("3", b"invalid", &[]).await;
    bed.publish("4", b"flaky", &[("x-connection", "c2")]).await;
    assert_eq!(bed.wait_ready(&bed.parked(), 2).await, 2);
    consumer.stop().await.unwrap();

    let total = |connection: &str, outcome: &str| {
        metrics.counter(&format!(
            "assetrelay_flow_messages_total{{flow={},connection={connection},outcome={outcome}}}",
            FLOW.as_str()
        ))
    };
    assert_eq!(total("c1", "ok"), 1, "{:?}", metrics.counters());
    assert_eq!(total("c1", "skipped"), 1);
    assert_eq!(total("unknown", "parked"), 1);
    assert_eq!(total("c2", "retried"), 1);
    assert_eq!(total("c2", "parked"), 1);
    let seconds = |outcome: &str| {
        metrics.histogram(&format!(
            "assetrelay_flow_handler_seconds{{flow={},outcome={outcome}}}",
            FLOW.as_str()
        ))
    };
    assert_eq!(seconds("ok").len(), 1);
    assert_eq!(seconds("parked").len(), 2);
    assert_eq!(seconds("retried").len(), 1);
    let in_flight = format!("assetrelay_flow_in_flight{{flow={}}}", FLOW.as_str());
    assert_eq!(metrics.gauge(&in_flight), Some(0.0));
    bed.finish().await;
}
