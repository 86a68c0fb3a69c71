//! `POST /webhooks/{platform}/{connection}`: verify → parse → normalize → publish →
//! `202 {"event_id"}` once the broker confirmed.

use std::time::{Duration, Instant};

use assetrelay_contract::amqp::header as amqp_header;
use assetrelay_contract::envelope::Normalized;
use assetrelay_contract::{CloudEvent, Platform, new_traceparent, valid_traceparent};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::telemetry_names::{PUBLISH_SECONDS, REQUESTS, VERIFICATION_FAILURES};

/// Labels for metrics: the path's names only once they are known to be configured, so a
/// caller cannot create unbounded label values.
struct Labels {
    platform: &'static str,
    connection: String,
}

pub async fn receive(
    State(state): State<AppState>,
    Path((platform, connection)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut labels = Labels {
        platform: "unknown",
        connection: "unknown".into(),
    };
    let deadline = Duration::from_millis(state.settings.request_timeout_ms);
    let outcome = tokio::time::timeout(
        deadline,
        handle(&state, &platform, &connection, &headers, body, &mut labels),
    )
    .await
    .unwrap_or(Err(ApiError::Timeout {
        retry_after_secs: state.settings.retry_after_secs,
    }));
    let (outcome_label, response) = match outcome {
        Ok((label, event_id)) => (
            label,
            (StatusCode::ACCEPTED, Json(json!({ "event_id": event_id }))).into_response(),
        ),
        Err(error) => {
            if let ApiError::Unauthorized(e) = &error {
                metrics::counter!(VERIFICATION_FAILURES, "platform" => labels.platform, "connection" => labels.connection.clone(), "reason" => e.reason().as_str()).increment(1);
            }
            tracing::info!(platform = labels.platform, connection = %labels.connection, outcome = error.slug(), "webhook refused");
            (error.slug(), error.into_response())
        }
    };
    metrics::counter!(REQUESTS, "platform" => labels.platform, "connection" => labels.connection, "outcome" => outcome_label).increment(1);
    response
}

async fn handle(
    state: &AppState,
    platform: &str,
    connection: &str,
    headers: &HeaderMap,
    body: Body,
    labels: &mut Labels,
) -> Result<(&'static str, String), ApiError> {
    let platform: Platform = platform.parse().map_err(|_| ApiError::UnknownPlatform)?;
    let verifiers = state
        .connections
        .get(connection)
        .ok_or(ApiError::UnknownConnection)?;
    *labels = Labels {
        platform: platform.as_str(),
        connection: connection.to_owned(),
    };

    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = read_limited(headers, body, state.settings.body_limit_bytes).await?;

    let verifier = match platform {
        Platform::PhotoShelter => &verifiers.photoshelter,
        Platform::Smintio => &verifiers.smintio,
    };
    verifier
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
    let event = CloudEvent::from_normalized(platform, connection, normalized, traceparent);

    if state.dedup.contains(&event.id) {
        return Ok(("duplicate", event.id));
    }
    publish(state, &event).await?;
    state.dedup.insert(event.id.clone());
    tracing::info!(event_id = %event.id, routing_key = %event.routing_key(), subject = ?event.subject, "event published");
    Ok(("accepted", event.id))
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

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Read at most `limit` bytes: a declared length over the limit is refused before
/// reading, and a chunked body is cut off as soon as it passes the limit.
async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::PayloadTooLarge { limit })
        }
        Err(_) => Err(ApiError::UnreadableBody),
    }
}
