//! The operations endpoints every binary serves, in one place:
//!
//! - `GET /healthz`: 200 `{"status":"ok"}` while the process runs (liveness);
//! - `GET /readyz`: 200 `{"status":"ready"}` when the process can do its work, else 503
//!   problem+json naming what it lacks, with `Retry-After` (readiness: a load balancer
//!   stops sending it traffic, a rollout waits);
//! - `GET /metrics`: every metric in the Prometheus text format.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

/// What a process needs before it is ready: each check returns the name of a missing
/// dependency (`"broker"`, `"store"`, …), or `None` when it is there.
pub type ReadinessCheck = Arc<dyn Fn() -> Option<&'static str> + Send + Sync>;

/// Seconds a caller is asked to wait before it asks again while not ready.
const RETRY_AFTER_SECS: u64 = 5;

/// The three routes, for merging into a binary's router (or serving on their own).
pub fn router<S: Clone + Send + Sync + 'static>(checks: Vec<ReadinessCheck>) -> Router<S> {
    let checks = Arc::new(checks);
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/readyz",
            get(move || {
                let checks = Arc::clone(&checks);
                async move { readyz(&checks) }
            }),
        )
        .route("/metrics", get(metrics))
}

/// `GET /healthz`, for binaries that build their routes themselves.
pub async fn healthz() -> Response {
    (StatusCode::OK, axum::Json(json!({ "status": "ok" }))).into_response()
}

/// `GET /readyz` over `checks`, for binaries that build their routes themselves.
pub fn readyz(checks: &[ReadinessCheck]) -> Response {
    let missing: Vec<&str> = checks.iter().filter_map(|check| check()).collect();
    if missing.is_empty() {
        return (StatusCode::OK, axum::Json(json!({ "status": "ready" }))).into_response();
    }
    let problem = json!({
        "type": "urn:assetrelay:problem:not_ready",
        "title": "Not ready",
        "status": 503,
        "detail": format!("not ready: {} unavailable", missing.join(", ")),
        "unavailable": missing,
    });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(problem)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

/// `GET /metrics`, for binaries that build their routes themselves.
pub async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::render_metrics(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get(router: Router, path: &str) -> (StatusCode, Option<String>, serde_json::Value) {
        let response = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            kind,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn ready_when_every_check_passes() {
        let up: ReadinessCheck = Arc::new(|| None);
        let (status, _, body) = get(router(vec![up]), "/readyz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "ready");
    }

    #[tokio::test]
    async fn not_ready_names_what_is_missing_as_problem_json() {
        let broker: ReadinessCheck = Arc::new(|| Some("broker"));
        let store: ReadinessCheck = Arc::new(|| None);
        let (status, kind, body) = get(router(vec![broker, store]), "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(kind.as_deref(), Some("application/problem+json"));
        assert_eq!(body["type"], "urn:assetrelay:problem:not_ready");
        assert_eq!(body["unavailable"], json!(["broker"]));
    }

    #[tokio::test]
    async fn healthz_answers_regardless_of_readiness() {
        let down: ReadinessCheck = Arc::new(|| Some("broker"));
        let (status, _, _) = get(router(vec![down]), "/healthz").await;
        assert_eq!(status, StatusCode::OK);
    }
}
