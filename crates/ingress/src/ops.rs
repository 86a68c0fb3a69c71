//! Health, readiness, metrics, the concurrency guard and the fallbacks.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::telemetry_names::{BROKER_READY, IN_FLIGHT};

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "status": "ok" })),
    )
}

/// `GET /readyz`: 200 only while the broker connection is up, so a load balancer stops
/// sending webhooks we could not store.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ready = state.broker.is_ready();
    metrics::gauge!(BROKER_READY).set(if ready { 1.0 } else { 0.0 });
    if ready {
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ready" })),
        )
            .into_response()
    } else {
        ApiError::BrokerUnavailable {
            retry_after_secs: state.settings.retry_after_secs,
        }
        .into_response()
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!(BROKER_READY).set(if state.broker.is_ready() { 1.0 } else { 0.0 });
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        assetrelay_telemetry::render_metrics(),
    )
}

/// Refuse (503 + Retry-After) rather than queue when `concurrency_limit` requests are in
/// flight: the platforms retry, and memory stays bounded.
pub async fn limit_concurrency(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = Arc::clone(&state.in_flight).try_acquire_owned() else {
        return ApiError::OverCapacity {
            retry_after_secs: state.settings.retry_after_secs,
        }
        .into_response();
    };
    let gauge = metrics::gauge!(IN_FLIGHT);
    gauge.increment(1.0);
    let response = next.run(request).await;
    gauge.decrement(1.0);
    response
}

pub async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

pub async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

pub fn semaphore(limit: usize) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(limit))
}
