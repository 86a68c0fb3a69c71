//! `POST /webhooks/{platform}/{connection}`, once [`crate::admit`] admitted it and a
//! concurrency slot is held: read the body → verify → parse → normalize → publish →
//! `202 {"event_id"}` once the broker confirmed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use assetrelay_contract::amqp::header as amqp_header;
use assetrelay_contract::envelope::Normalized;
use assetrelay_contract::{CloudEvent, Platform, new_traceparent, valid_traceparent};
use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError};
use serde_json::json;

use crate::problem::{ApiError, Outcome};
use crate::state::{Admitted, AppState};
use crate::telemetry_names::{IN_FLIGHT, PUBLISH_SECONDS, VERIFICATION_FAILURES};

pub async fn receive(
    State(state): State<AppState>,
    Extension(admitted): Extension<Admitted>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let _in_flight = InFlight::enter();
    match handle(&state, &admitted, &headers, body).await {
        Ok((outcome, event_id)) => {
            let mut response =
                (StatusCode::ACCEPTED, Json(json!({ "event_id": event_id }))).into_response();
            response.extensions_mut().insert(Outcome(outcome));
            response
        }
        Err(error) => {
            if let ApiError::Unauthorized(e) = &error {
                metrics::counter!(VERIFICATION_FAILURES, "platform" => admitted.platform.as_str(), "connection" => admitted.connection.name.clone(), "reason" => e.reason().as_str()).increment(1);
            }
            error.into_response()
        }
    }
}

/// One deadline, `ingress.request_timeout_ms`, for the whole request. Where it passes
/// decides the answer: still reading the body is the sender's fault (408); publishing
/// or waiting for the confirm is ours (503, retry later).
async fn handle(
    state: &AppState,
    admitted: &Admitted,
    headers: &HeaderMap,
    body: Body,
) -> Result<(&'static str, String), ApiError> {
    let timeout_ms = state.settings.request_timeout_ms;
    let body_read = AtomicBool::new(false);
    let steps = steps(state, admitted, headers, body, &body_read);
    match tokio::time::timeout(Duration::from_millis(timeout_ms), steps).await {
        Ok(result) => result,
        Err(_) if body_read.load(Ordering::Relaxed) => Err(ApiError::Timeout {
            retry_after_secs: state.settings.retry_after_secs,
        }),
        Err(_) => Err(ApiError::RequestTimeout {
            after_ms: timeout_ms,
        }),
    }
}

async fn steps(
    state: &AppState,
    admitted: &Admitted,
    headers: &HeaderMap,
    body: Body,
    body_read: &AtomicBool,
) -> Result<(&'static str, String), ApiError> {
    let body = read(body, state.settings.body_limit_bytes).await?;
    body_read.store(true, Ordering::Relaxed);

    let platform = admitted.platform;
    admitted
        .connection
        .verifier(platform)
        .verify(headers, &body, chrono::Utc::now().timestamp())
        .map_err(ApiError::Unauthorized)?;

    let normalized: Normalized = match platform {
        Platform::PhotoShelter => assetrelay_photoshelter::webhook::normalize(&body),
        Platform::Smintio => assetrelay_smintio::webhook::normalize(&body),
    }
    .map_err(ApiError::Payload)?;

    let traceparent = headers
        .get(amqp_header::TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_traceparent(v))
        .map_or_else(new_traceparent, str::to_owned);
    let event =
        CloudEvent::from_normalized(platform, &admitted.connection.name, normalized, traceparent);

    if state.dedup.contains(&event.id) {
        return Ok(("duplicate", event.id));
    }
    publish(state, &event).await?;
    state.dedup.insert(event.id.clone());
    tracing::info!(event_id = %event.id, routing_key = %event.routing_key(), subject = ?event.subject, "event published");
    Ok(("accepted", event.id))
}

/// The body, as limited by `RequestBodyLimitLayer` (a declared length over the limit
/// never gets here; a longer chunked body fails while reading).
async fn read(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    match body.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if caused_by::<LengthLimitError>(&e) => Err(ApiError::PayloadTooLarge { limit }),
        Err(e) => {
            tracing::debug!(error.message = %e, "request body unreadable");
            Err(ApiError::UnreadableBody)
        }
    }
}

fn caused_by<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<E>() {
            return true;
        }
        next = e.source();
    }
    false
}

async fn publish(state: &AppState, event: &CloudEvent) -> Result<(), ApiError> {
    let started = Instant::now();
    let result = state
        .publisher
        .publish_event(&state.topology, event, PRODUCER)
        .await;
    let outcome = match &result {
        Ok(()) => "confirmed",
        Err(e) => e.kind(),
    };
    metrics::histogram!(PUBLISH_SECONDS, "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
    result.map_err(|e| {
        tracing::warn!(error.kind = e.kind(), error.message = %assetrelay_broker::connection::error_chain(&e), event_id = %event.id, "publish failed");
        ApiError::BrokerUnavailable { retry_after_secs: state.settings.retry_after_secs }
    })
}

/// The AMQP `app_id` of the events the ingress publishes.
const PRODUCER: &str = "assetrelay-ingress";

/// Counts a request in the in-flight gauge while it holds a concurrency slot; the drop
/// also runs when the request is abandoned (client gone, shutdown).
struct InFlight(metrics::Gauge);

impl InFlight {
    fn enter() -> Self {
        let gauge = metrics::gauge!(IN_FLIGHT);
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
