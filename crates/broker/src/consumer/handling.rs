//! One delivery: its span, the handler in its own task (inside the message's trace
//! context, which the platform clients send on), then ack, retry or park, and the metrics.

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use assetrelay_contract::OutgoingMessage;
use assetrelay_contract::amqp::{MAX_DETAIL_BYTES, Parking, header, text_headers, truncate};
use assetrelay_http_failure::calls::{self, CallLog};
use assetrelay_http_failure::trace::{self, TraceContext};
use chrono::Utc;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::{Acker, BasicProperties};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::task::AbortOnDropHandle;
use tracing::{Instrument, Span};

use super::republish;
use super::{Decision, Delivery, FailureKind, Handled, Handler, HandlerError, Settlement, Shared};
use crate::connection::error_chain;

/// What became of a delivery: the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Skipped,
    Retried,
    Parked,
    /// The retry/parked copy could not be published; the original went back to the queue.
    Requeued,
}

impl Outcome {
    fn of(decision: &Decision) -> Self {
        match decision {
            Decision::Written => Self::Ok,
            Decision::Skipped { .. } => Self::Skipped,
            Decision::Retried { .. } => Self::Retried,
            Decision::Parked { .. } => Self::Parked,
            Decision::Requeued { .. } => Self::Requeued,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Skipped => "skipped",
            Self::Retried => "retried",
            Self::Parked => "parked",
            Self::Requeued => "requeued",
        }
    }
}

/// Handle one delivery to the end; `_permit` is one of the consumer's `concurrency` slots.
pub(super) async fn process<H: Handler>(
    shared: Arc<Shared<H>>,
    raw: lapin::message::Delivery,
    _permit: OwnedSemaphorePermit,
) {
    let lapin::message::Delivery {
        routing_key,
        redelivered,
        properties,
        data,
        acker,
        ..
    } = raw;
    let delivery = Arc::new(to_delivery(
        data,
        routing_key.to_string(),
        redelivered,
        &properties,
    ));
    let flow = shared.flow.as_str();
    let connection = delivery
        .header(header::CONNECTION)
        .unwrap_or("unknown")
        .to_owned();
    let span = delivery_span(flow, &delivery);
    let _in_flight = InFlight::start(flow);

    let log = CallLog::new();
    let (decision, handler_time) = async {
        let started = Instant::now();
        let result = call(&shared, delivery.clone(), Span::current(), log.clone()).await;
        let handler_time = started.elapsed();
        let decision = settle(&shared, &delivery, &properties, &acker, result).await;
        (decision, handler_time)
    }
    .instrument(span.clone())
    .await;
    let outcome = Outcome::of(&decision);

    metrics::histogram!(
        "assetrelay_flow_handler_seconds",
        "flow" => flow,
        "outcome" => outcome.as_str(),
    )
    .record(handler_time.as_secs_f64());
    metrics::counter!(
        "assetrelay_flow_messages_total",
        "flow" => flow,
        "connection" => connection,
        "outcome" => outcome.as_str(),
    )
    .increment(1);
    if let Some(observer) = &shared.observer {
        let settlement = Settlement {
            flow: shared.flow,
            delivery,
            decision,
            duration: handler_time,
            calls: log.calls(),
        };
        observer.settled(settlement).instrument(span).await;
    }
}

/// Run the handler in a task of its own: a panic then fails this message only (a
/// `JoinError`), and dropping the handle (timeout, shutdown abort) aborts the handler.
/// The trace context is set inside that task, as task-locals do not cross a spawn.
async fn call<H: Handler>(
    shared: &Shared<H>,
    delivery: Arc<Delivery>,
    span: Span,
    log: CallLog,
) -> Result<Handled, HandlerError> {
    let handler = shared.handler.clone();
    let limit = shared.settings.handler_timeout;
    let context = TraceContext::from_headers(
        delivery.header(header::TRACEPARENT),
        delivery.header(header::TRACESTATE),
    );
    let task = AbortOnDropHandle::new(tokio::spawn(
        calls::scope(
            log,
            trace::scope(context, async move { handler.handle(&delivery).await }),
        )
        .instrument(span),
    ));
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) if e.is_panic() => Err(HandlerError::transient(
            "panic",
            panic_message(e.into_panic()),
        )),
        Ok(Err(_)) => Err(HandlerError::transient(
            "cancelled",
            "the handler task was cancelled",
        )),
        Err(_) => Err(HandlerError::transient(
            "timeout",
            format!("the handler ran longer than {limit:?}"),
        )),
    }
}

/// Ack after success; after a failure, ack only once the retry or parked copy is confirmed.
async fn settle<H: Handler>(
    shared: &Shared<H>,
    delivery: &Delivery,
    properties: &BasicProperties,
    acker: &Acker,
    result: Result<Handled, HandlerError>,
) -> Decision {
    let error = match result {
        Ok(handled) => {
            let decision = match handled {
                Handled::Ok => Decision::Written,
                Handled::Skipped(reason) => Decision::Skipped { reason },
            };
            tracing::debug!(outcome = decision.as_str(), "handled");
            ack(acker).await;
            return decision;
        }
        Err(error) => error,
    };
    let (copy, plan) = plan(shared, delivery, properties, &error);
    let detail = truncate(&error.detail, MAX_DETAIL_BYTES);
    if let Err(e) = shared.publisher.publish(&copy).await {
        tracing::warn!(
            error.class = %error.class,
            queue = %copy.routing_key,
            publish.error = %error_chain(&e),
            "cannot republish the failed message; returning it to the queue"
        );
        // requeue=true: lapin's default (false) would dead-letter or drop it.
        let requeued = acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await;
        if !matches!(requeued, Ok(true)) {
            tracing::warn!("nack failed; the broker will redeliver the message");
        }
        return Decision::Requeued { error };
    }
    let next_attempt = delivery.attempt.saturating_add(1);
    match plan {
        Plan::Retry { .. } => tracing::info!(
            error.class = %error.class,
            error.detail = %detail,
            status = error.status,
            queue = %copy.routing_key,
            next_attempt,
            "failed; retrying later"
        ),
        Plan::Park => tracing::info!(
            error.class = %error.class,
            error.detail = %detail,
            status = error.status,
            queue = %copy.routing_key,
            attempts = next_attempt,
            "failed; parked"
        ),
    }
    ack(acker).await;
    match plan {
        Plan::Retry { delay } => Decision::Retried {
            error,
            next_attempt,
            delay,
        },
        Plan::Park => Decision::Parked {
            error,
            attempts: next_attempt,
        },
    }
}

/// Where the copy of a failed message goes.
enum Plan {
    Retry { delay: std::time::Duration },
    Park,
}

/// The copy to publish for a failed message and where it goes.
fn plan<H>(
    shared: &Shared<H>,
    delivery: &Delivery,
    properties: &BasicProperties,
    error: &HandlerError,
) -> (OutgoingMessage, Plan) {
    let topology = &shared.topology;
    let flow = shared.flow;
    let now = Utc::now();
    let next_attempt = delivery.attempt.saturating_add(1);
    let exhausted =
        error.kind == FailureKind::Transient && next_attempt > shared.settings.max_retries;
    let tier = match error.kind {
        FailureKind::Transient if !exhausted => republish::retry_tier(
            &topology.retry_tiers_secs,
            delivery.attempt,
            error.retry_after,
        ),
        _ => None,
    };
    if let Some(tier) = tier {
        let copy = republish::retry_message(
            &topology.retry_queue(flow, tier),
            &delivery.body,
            properties,
            next_attempt,
            &error.class,
            now,
        );
        return (
            copy,
            Plan::Retry {
                delay: std::time::Duration::from_secs(tier),
            },
        );
    }
    let detail = match error.kind {
        FailureKind::Permanent => error.detail.clone(),
        FailureKind::Transient => format!("retries exhausted: {}", error.detail),
    };
    let parking = Parking {
        class: &error.class,
        detail: &detail,
        status: error.status,
        attempts: next_attempt,
        flow,
    };
    let copy = republish::parked_message(
        &topology.parked_queue(flow),
        &delivery.body,
        properties,
        &parking,
        now,
    );
    (copy, Plan::Park)
}

async fn ack(acker: &Acker) {
    match acker.ack(BasicAckOptions::default()).await {
        Ok(true) => {}
        // The channel died (the broker requeues the message and redelivers it).
        Ok(false) => tracing::warn!("cannot ack: the channel is gone; expect a redelivery"),
        Err(e) => tracing::warn!(
            error.message = %error_chain(&e),
            "cannot ack; expect a redelivery"
        ),
    }
}

fn delivery_span(flow: &str, delivery: &Delivery) -> Span {
    tracing::info_span!(
        "delivery",
        otel.kind = "consumer",
        messaging.system = "rabbitmq",
        messaging.operation = "process",
        flow,
        event_id = delivery.message_id.as_deref(),
        connection = delivery.header(header::CONNECTION),
        subject = delivery.header(header::SUBJECT),
        attempt = delivery.attempt,
        traceparent = delivery.header(header::TRACEPARENT),
    )
}

fn to_delivery(
    body: Vec<u8>,
    routing_key: String,
    redelivered: bool,
    properties: &BasicProperties,
) -> Delivery {
    let headers = text_headers(properties);
    let attempt = headers
        .get(header::ATTEMPT)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    Delivery {
        body,
        routing_key,
        message_id: properties.message_id().as_ref().map(|id| id.to_string()),
        headers,
        attempt,
        redelivered,
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the handler panicked: {}", truncate(&text, 200))
}

/// The in-flight gauge, kept right even when the task is aborted mid-way.
struct InFlight(&'static str);

impl InFlight {
    fn start(flow: &'static str) -> Self {
        metrics::gauge!("assetrelay_flow_in_flight", "flow" => flow).increment(1.0);
        Self(flow)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("assetrelay_flow_in_flight", "flow" => self.0).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use assetrelay_contract::Headers;
    use lapin::types::AMQPValue;

    use super::*;

    #[test]
    fn headers_are_stringified_and_the_attempt_is_read() {
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, "c1");
        headers.set_number(header::ATTEMPT, 2);
        let mut table = headers.into_table();
        table.insert(header::DUE_AT.into(), AMQPValue::Timestamp(1_700_000_000));
        table.insert(
            header::DEATH.into(),
            AMQPValue::FieldArray(Default::default()),
        );
        let properties = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_headers(table);

        let delivery = to_delivery(b"{}".to_vec(), "rk".into(), true, &properties);

        assert_eq!(delivery.header(header::CONNECTION), Some("c1"));
        assert_eq!(delivery.header(header::DUE_AT), Some("1700000000"));
        assert_eq!(delivery.header(header::DEATH), None);
        assert_eq!(delivery.attempt, 2);
        assert_eq!(delivery.message_id.as_deref(), Some("m-1"));
        assert!(delivery.redelivered);
    }

    #[test]
    fn a_panic_payload_becomes_the_detail() {
        let detail = panic_message(Box::new("boom"));
        assert_eq!(detail, "the handler panicked: boom");
        let detail = panic_message(Box::new(String::from("bang")));
        assert_eq!(detail, "the handler panicked: bang");
    }
}
