//! The concurrency guard and the fallbacks (`/healthz`, `/readyz` and `/metrics` come
//! from `assetrelay_telemetry::endpoints`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::problem::ApiError;
use crate::state::AppState;
use crate::telemetry_names::IN_FLIGHT;

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
