//! The one error type of the Smint.io client. Every failure is classified here, once, as
//! *transient* (worth retrying later: timeouts, connection failures, 5xx, 408, 429) or
//! *permanent* (other 4xx, bodies we cannot decode, bad configuration), so the flows can
//! route it to a retry tier or to `parked` without looking at HTTP details (DESIGN §6.3).
//!
//! No variant carries a secret: URLs are stripped from transport errors (a binary's
//! `download_url` is itself a credential) and error bodies are reduced to the
//! platform's error code and message.

use std::time::Duration;

use reqwest::StatusCode;

/// What the client was doing when it failed; part of every error message.
pub type Operation = &'static str;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request or the response did not complete within the configured timeout.
    #[error("{operation}: timed out")]
    Timeout { operation: Operation },

    /// No connection could be made (DNS, refused, TLS handshake, reset while sending).
    #[error("{operation}: connection failed: {source}")]
    Connect {
        operation: Operation,
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke while the response body was being read.
    #[error("{operation}: transfer failed: {source}")]
    Transfer {
        operation: Operation,
        #[source]
        source: reqwest::Error,
    },

    /// The server answered with a non-success status.
    #[error("{operation}: HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        operation: Operation,
        status: StatusCode,
        /// `Retry-After` of a 429/503 answer, in seconds form (HTTP-dates are converted).
        retry_after: Option<Duration>,
        /// The platform's error code and message (`error_code: error_message`, or the
        /// OAuth `error`), never the raw body.
        detail: Option<String>,
    },

    /// A 2xx answer whose body is not what the (assumed) API shape says.
    #[error("{operation}: undecodable response body: {source}")]
    Decode {
        operation: Operation,
        #[source]
        source: serde_json::Error,
    },

    /// Our own request body could not be serialized.
    #[error("{operation}: cannot encode the request body: {source}")]
    Encode {
        operation: Operation,
        #[source]
        source: serde_json::Error,
    },

    /// Writing a downloaded binary to the caller's sink failed.
    #[error("{operation}: writing the download failed: {source}")]
    Sink {
        operation: Operation,
        #[source]
        source: std::io::Error,
    },

    /// The configuration cannot work (bad URL, empty secret, header name not valid).
    #[error("invalid Smint.io client configuration: {0}")]
    Config(String),

    /// A request could not be built or sent for a reason that retrying will not fix.
    #[error("{operation}: request failed: {source}")]
    Request {
        operation: Operation,
        #[source]
        source: reqwest::Error,
    },
}

impl Error {
    /// Worth retrying later: timeouts, connection and transfer failures, 5xx, 408, 429,
    /// and failures of the local sink (a full disk may be freed; the remote is fine).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Transfer { .. }
            | Self::Sink { .. } => true,
            Self::Status { status, .. } => assetrelay_http_failure::is_transient_status(*status),
            Self::Decode { .. } | Self::Encode { .. } | Self::Config(_) | Self::Request { .. } => {
                false
            }
        }
    }

    /// The HTTP status when the server answered with one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A 401/403 from an API call: the access token was refused.
    pub(crate) fn is_auth_refused(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        )
    }

    /// Retried inside one call, as Smint.io's SDKs do: 429 and transport failures.
    /// Other transient errors (5xx) go back to the caller, whose broker retry tiers wait
    /// longer than a request should be held.
    pub(crate) fn is_retried_in_process(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Connect { .. } => true,
            Self::Status { status, .. } => *status == StatusCode::TOO_MANY_REQUESTS,
            _ => false,
        }
    }

    /// Classify a reqwest error raised while sending or reading. URLs are dropped because
    /// pre-signed download URLs must not reach logs.
    pub(crate) fn from_reqwest(operation: Operation, err: reqwest::Error) -> Self {
        let source = err.without_url();
        if source.is_timeout() {
            Self::Timeout { operation }
        } else if source.is_connect() {
            Self::Connect { operation, source }
        } else if source.is_body() || source.is_decode() {
            Self::Transfer { operation, source }
        } else if source.is_request() {
            // Sending failed after the connection was made (e.g. reset); the server
            // may not have seen it, so it is as retryable as a connect failure.
            Self::Connect { operation, source }
        } else {
            Self::Request { operation, source }
        }
    }
}

/// The shared classification flows act on (DESIGN §6.3).
impl assetrelay_http_failure::Failure for Error {
    fn is_transient(&self) -> bool {
        Error::is_transient(self)
    }
    fn status(&self) -> Option<StatusCode> {
        Error::status(self)
    }
    fn retry_after(&self) -> Option<Duration> {
        Error::retry_after(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_error(code: u16) -> Error {
        Error::Status {
            operation: "test",
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
            detail: None,
        }
    }

    #[test]
    fn classifies_each_status_class() {
        for code in [500, 502, 503, 504, 408, 429] {
            assert!(status_error(code).is_transient(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 410, 422] {
            assert!(!status_error(code).is_transient(), "{code}");
        }
    }

    #[test]
    fn an_undecodable_body_is_permanent() {
        let source = serde_json::from_str::<u8>("x").unwrap_err();
        assert!(
            !Error::Decode {
                operation: "test",
                source
            }
            .is_transient()
        );
    }

    #[test]
    fn only_429_and_transport_failures_are_retried_in_process() {
        assert!(status_error(429).is_retried_in_process());
        assert!(Error::Timeout { operation: "t" }.is_retried_in_process());
        assert!(!status_error(503).is_retried_in_process());
        assert!(!status_error(400).is_retried_in_process());
    }

    #[test]
    fn shows_the_platform_detail_in_the_message() {
        let err = Error::Status {
            operation: "token refresh",
            status: StatusCode::BAD_REQUEST,
            retry_after: None,
            detail: Some("invalid_grant".into()),
        };
        assert_eq!(
            err.to_string(),
            "token refresh: HTTP 400 Bad Request: invalid_grant"
        );
    }
}
