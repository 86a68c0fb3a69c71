//! What the consumer runner tells about each delivery, against the real RabbitMQ: its span,
//! its log lines, its metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::consumer::{Decision, Observer, Settlement};
use assetrelay_broker::{ConsumerSettings, Delivery, Handled, HandlerError};
use assetrelay_contract::header;
use assetrelay_http_failure::calls::{self, PlatformCall};
use support::capture::{Metrics, traces};
use support::{FLOW, Seen, TestBed, handler, recording, settings};
use tracing::Level;
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
            (header::CONNECTION, "c1"),
            (header::SUBJECT, "asset-9"),
            (header::TRACEPARENT, traceparent),
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
                b"skip" => Ok(Handled::Skipped("told_to")),
                b"invalid" => Err(HandlerError::permanent("invalid_event", "no asset id")),
                b"flaky" => Err(HandlerError::transient("platform_5xx", "HTTP 503")),
                _ => Ok(Handled::Ok),
            }),
        )
        .await;

    bed.publish("1", b"ok", &[(header::CONNECTION, "c1")]).await;
    bed.publish("2", b"skip", &[(header::CONNECTION, "c1")])
        .await;
    bed.publish("3", b"invalid", &[]).await;
    bed.publish("4", b"flaky", &[(header::CONNECTION, "c2")])
        .await;
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

/// Collects what the runner reports, in order.
#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<Settlement>>);

impl Observer for Collect {
    fn settled(&self, settlement: Settlement) -> futures::future::BoxFuture<'_, ()> {
        self.0.lock().unwrap().push(settlement);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn the_observer_hears_every_decision_with_its_reason_tier_and_platform_calls() {
    let bed = TestBed::start(&[1]).await;
    let seen = Seen::default();
    let observer = Arc::new(Collect::default());
    let broker = bed.broker_at(&assetrelay_testkit::amqp_url()).await;
    let consumer = bed.run_observed(
        broker,
        ConsumerSettings {
            max_retries: 1,
            ..settings()
        },
        recording(&seen, |d| {
            calls::record(PlatformCall {
                platform: "photoshelter",
                operation: "media",
                status: "ok".into(),
                duration: Duration::from_millis(1),
            });
            match d.body.as_slice() {
                b"skip" => Ok(Handled::Skipped("unchanged")),
                b"invalid" => Err(HandlerError::permanent("invalid_event", "no asset id")),
                b"flaky" => Err(HandlerError::transient("platform_5xx", "HTTP 503")),
                _ => Ok(Handled::Ok),
            }
        }),
        Some(observer.clone()),
    );

    for (id, body) in [("1", "ok"), ("2", "skip"), ("3", "invalid"), ("4", "flaky")] {
        bed.publish(id, body.as_bytes(), &[]).await;
    }
    assert_eq!(bed.wait_ready(&bed.parked(), 2).await, 2);
    consumer.stop().await.unwrap();

    let settled = observer.0.lock().unwrap().clone();
    let of = |id: &str| -> Vec<Decision> {
        settled
            .iter()
            .filter(|s| s.delivery.message_id.as_deref() == Some(id))
            .map(|s| s.decision.clone())
            .collect()
    };
    assert_eq!(of("1"), [Decision::Written]);
    assert_eq!(
        of("2"),
        [Decision::Skipped {
            reason: "unchanged"
        }]
    );
    assert!(
        matches!(&of("3")[..], [Decision::Parked { error, attempts: 1 }] if error.class == "invalid_event"),
        "{:?}",
        of("3")
    );
    match &of("4")[..] {
        [
            Decision::Retried {
                error,
                next_attempt: 1,
                delay,
            },
            Decision::Parked { attempts: 2, .. },
        ] => {
            assert_eq!(error.class, "platform_5xx");
            assert_eq!(*delay, Duration::from_secs(1), "the test bed's only tier");
        }
        other => panic!("flaky: {other:?}"),
    }
    assert_eq!(settled.len(), 5);
    for settlement in settled.iter() {
        assert_eq!(settlement.flow, FLOW);
        assert_eq!(
            settlement
                .calls
                .iter()
                .map(|c| c.operation)
                .collect::<Vec<_>>(),
            ["media"],
            "the handler's call reaches the observer"
        );
    }
    bed.finish().await;
}
