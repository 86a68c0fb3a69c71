//! What the router wraps every request in (request id, span) and the answers no handler
//! gives: over capacity, no such route, wrong method. `/healthz`, `/readyz` and `/metrics`
//! come from `assetrelay_telemetry::endpoints`.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use tower::BoxError;
use tower_http::request_id::RequestId;

use crate::problem::ApiError;

/// The request id header, set on every request (kept from the caller when it sends a
/// sound one) and echoed on every answer.
pub const REQUEST_ID: &str = "x-request-id";

/// Longest caller-chosen request id kept; a longer or odd one is replaced by a UUID, so a
/// caller cannot put what it likes into our spans and answers.
const REQUEST_ID_MAX: usize = 64;

/// `LoadShedLayer` refuses when every `ConcurrencyLimitLayer` slot is taken: 503 with
/// `Retry-After` rather than a queue, since the platforms retry and memory stays bounded.
pub fn over_capacity(
    retry_after_secs: u64,
) -> impl Fn(BoxError) -> std::future::Ready<Response> + Clone {
    move |_overloaded| {
        std::future::ready(ApiError::OverCapacity { retry_after_secs }.into_response())
    }
}

/// Drops a caller's `x-request-id` that is not 1 to 64 visible ASCII characters, so
/// `SetRequestIdLayer` makes a fresh one.
pub fn sanitize_request_id(mut request: Request) -> Request {
    let sound = |v: &HeaderValue| {
        (1..=REQUEST_ID_MAX).contains(&v.len()) && v.as_bytes().iter().all(u8::is_ascii_graphic)
    };
    if request.headers().get(REQUEST_ID).is_some_and(|v| !sound(v)) {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// A random (v4) UUID per request, from the thread-local generator: `MakeRequestUuid`
/// asks the OS for every one, a system call per webhook.
#[derive(Clone, Copy)]
pub struct MakeRequestId;

impl tower_http::request_id::MakeRequestId for MakeRequestId {
    fn make_request_id<B>(&mut self, _: &http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut buffer = uuid::Uuid::encode_buffer();
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut buffer))
            .ok()
            .map(RequestId::new)
    }
}

/// The span of one request: the route's template (`/webhooks/{platform}/{connection}`),
/// never the raw path, whose segments come from the internet; and the request id.
pub fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok());
    tracing::info_span!(
        "request",
        http.request.method = %request.method(),
        http.route = route,
        request_id,
    )
}

pub async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

pub async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}
