//! Every error answer is RFC 9457 `application/problem+json`. Variants document their
//! status; internal causes are logged where they happen, never sent.

use assetrelay_contract::PayloadError;
use assetrelay_signature::VerifyError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404: the path names a platform we do not serve.
    #[error("unknown platform")]
    UnknownPlatform,
    /// 404: the path names no configured connection.
    #[error("unknown connection")]
    UnknownConnection,
    /// 404: no such route.
    #[error("not found")]
    NotFound,
    /// 405: the route exists for another method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 415: the body is not declared as JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 413: the body is larger than the limit (checked while reading).
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 400: the body could not be read.
    #[error("unreadable body")]
    UnreadableBody,
    /// 408: the body did not arrive within the deadline. The sender's fault (or its
    /// network's), so not a 503: that would say the broker is down.
    #[error("request timeout")]
    RequestTimeout { after_ms: u64 },
    /// 401: missing or bad signature, or timestamp outside the tolerance.
    #[error("signature verification failed")]
    Unauthorized(VerifyError),
    /// 400 (malformed, missing field) or 422 (unknown or unsupported event).
    #[error("invalid payload")]
    Payload(PayloadError),
    /// 503: the broker is unreachable, nacked, or could not route the message.
    #[error("broker unavailable")]
    BrokerUnavailable { retry_after_secs: u64 },
    /// 503: too many requests in flight on this instance.
    #[error("over capacity")]
    OverCapacity { retry_after_secs: u64 },
    /// 503: the publish or its confirm did not complete within the request deadline.
    #[error("timed out")]
    Timeout { retry_after_secs: u64 },
}

/// The metrics `outcome` of an answer (`accepted`, `duplicate` or a problem slug), set
/// by whoever made the answer and read where requests are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome(pub &'static str);

#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnknownPlatform | Self::UnknownConnection | Self::NotFound => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Payload(
                PayloadError::UnknownEvent(_) | PayloadError::UnsupportedEvent { .. },
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Payload(_) => StatusCode::BAD_REQUEST,
            Self::BrokerUnavailable { .. } | Self::OverCapacity { .. } | Self::Timeout { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// Stable short name: the problem `type` suffix and the metrics `outcome` label.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::UnknownPlatform => "unknown_platform",
            Self::UnknownConnection => "unknown_connection",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnreadableBody => "unreadable_body",
            Self::RequestTimeout { .. } => "request_timeout",
            Self::Unauthorized(_) => "unauthorized",
            Self::Payload(PayloadError::UnknownEvent(_)) => "unknown_event",
            Self::Payload(PayloadError::UnsupportedEvent { .. }) => "unsupported_event",
            Self::Payload(_) => "invalid_payload",
            Self::BrokerUnavailable { .. } => "broker_unavailable",
            Self::OverCapacity { .. } => "over_capacity",
            Self::Timeout { .. } => "timeout",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::UnknownPlatform => "Unknown platform",
            Self::UnknownConnection => "Unknown connection",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::PayloadTooLarge { .. } => "Payload too large",
            Self::UnreadableBody => "Unreadable body",
            Self::RequestTimeout { .. } => "Request timeout",
            Self::Unauthorized(_) => "Signature verification failed",
            Self::Payload(PayloadError::UnknownEvent(_)) => "Unknown event",
            Self::Payload(PayloadError::UnsupportedEvent { .. }) => "Unsupported event",
            Self::Payload(_) => "Invalid payload",
            Self::BrokerUnavailable { .. } => "Broker unavailable",
            Self::OverCapacity { .. } => "Over capacity",
            Self::Timeout { .. } => "Timed out",
        }
    }

    /// Safe to send: built from our own texts and field names only, never from secrets,
    /// expected signatures or internal error messages.
    fn detail(&self) -> String {
        match self {
            Self::UnknownPlatform => {
                "the platform in the path must be `photoshelter` or `smintio`".into()
            }
            Self::UnknownConnection => "no connection with this name is configured".into(),
            Self::NotFound => "no such route".into(),
            Self::MethodNotAllowed => "this route does not accept that method".into(),
            Self::UnsupportedMediaType => {
                "send the webhook with `Content-Type: application/json`".into()
            }
            Self::PayloadTooLarge { limit } => {
                format!("the body exceeds the limit of {limit} bytes")
            }
            Self::UnreadableBody => "the request body could not be read".into(),
            Self::RequestTimeout { after_ms } => {
                format!("the request body did not arrive within {after_ms} ms")
            }
            Self::Unauthorized(e) => e.to_string(),
            Self::Payload(e) => e.to_string(),
            Self::BrokerUnavailable { .. } => {
                "the event could not be stored durably; retry later".into()
            }
            Self::OverCapacity { .. } => "too many requests in flight; retry later".into(),
            Self::Timeout { .. } => "the event could not be confirmed in time; retry later".into(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::BrokerUnavailable { retry_after_secs }
            | Self::OverCapacity { retry_after_secs }
            | Self::Timeout { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            kind: format!("urn:assetrelay:problem:{}", self.slug()),
            title: self.title(),
            status: status.as_u16(),
            detail: self.detail(),
        };
        let mut response = (status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(Outcome(self.slug()));
        response
    }
}
