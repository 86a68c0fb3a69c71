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
    #[error("{operation}: connection failed")]
    Connect {
        operation: Operation,
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke while the response body was being read.
    #[error("{operation}: transfer failed")]
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
    #[error("{operation}: undecodable response body")]
    Decode {
        operation: Operation,
        #[source]
        source: serde_json::Error,
    },

    /// Our own request body could not be serialized.
    #[error("{operation}: cannot encode the request body")]
    Encode {
        operation: Operation,
        #[source]
        source: serde_json::Error,
    },

    /// The configuration cannot work; the source says what is wrong.
    #[error("invalid Smint.io client configuration")]
    Config(#[from] ConfigError),

    /// The refresh-token store could not be read or written (transient: the store may
    /// come back; the refresh is not attempted without it).
    #[error(transparent)]
    TokenStore(#[from] assetrelay_tokens::TokenStoreError),

    /// A request could not be built or sent for a reason that retrying will not fix.
    #[error("{operation}: request failed")]
    Request {
        operation: Operation,
        #[source]
        source: reqwest::Error,
    },
}

/// What is wrong with a client configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A data-adapter header name (`signature_header`, `timestamp_header`) is not one.
    #[error("`{name}` is not a valid header name")]
    HeaderName {
        name: String,
        #[source]
        source: reqwest::header::InvalidHeaderName,
    },
    /// The data-adapter signing secret cannot be a key (it is empty).
    #[error("the data-adapter signing secret cannot be used")]
    SigningSecret {
        #[source]
        source: assetrelay_signature::SecretError,
    },
    /// A push was asked of a client configured without a data adapter.
    #[error("no data-adapter webhook is configured")]
    NoAdapter,
    /// The HTTP client (TLS backend, connection pool) could not be set up.
    #[error("the HTTP client cannot be built")]
    HttpClient {
        #[source]
        source: reqwest::Error,
    },
    /// A configured URL cannot have paths appended (e.g. `mailto:`); only its scheme is
    /// named, as the rest of a URL may hold credentials.
    #[error("a `{scheme}:` URL cannot be a base URL")]
    NotABase { scheme: String },
}

impl Error {
    /// Worth retrying later: timeouts, connection and transfer failures, 5xx, 408, 429.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Transfer { .. }
            | Self::TokenStore(_) => true,
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

    /// The identity server refused the refresh token (RFC 6749 §5.2 `invalid_grant`):
    /// unknown, revoked, or already used (rotated) by another client.
    pub(crate) fn is_invalid_grant(&self) -> bool {
        match self {
            Self::Status {
                status,
                detail: Some(detail),
                ..
            } => {
                *status == StatusCode::BAD_REQUEST
                    && detail.split(':').next() == Some("invalid_grant")
            }
            _ => false,
        }
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

    /// Every message in the chain, outermost first, as a log line joins them.
    fn chain(err: &dyn std::error::Error) -> Vec<String> {
        let mut out = vec![err.to_string()];
        let mut next = err.source();
        while let Some(cause) = next {
            out.push(cause.to_string());
            next = cause.source();
        }
        out
    }

    #[test]
    fn says_what_failed_and_leaves_the_cause_to_the_source_chain() {
        let source = serde_json::from_str::<u8>("x").unwrap_err();
        let cause = source.to_string();
        let err = Error::Decode {
            operation: "get generic metadata",
            source,
        };

        assert_eq!(
            err.to_string(),
            "get generic metadata: undecodable response body"
        );
        let line = chain(&err).join(": ");
        assert_eq!(line.matches(&cause).count(), 1, "{line}");
    }

    #[tokio::test]
    async fn a_connection_failure_prints_its_cause_once() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = closed.local_addr().unwrap();
        drop(closed);
        let refused = reqwest::Client::new()
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap_err();

        let err = Error::from_reqwest("token refresh", refused);

        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert_eq!(err.to_string(), "token refresh: connection failed");
        let cause = std::error::Error::source(&err).unwrap().to_string();
        let line = chain(&err).join(": ");
        assert_eq!(line.matches(&cause).count(), 1, "{line}");
    }

    #[test]
    fn a_configuration_error_names_the_problem_and_keeps_its_cause() {
        let source = reqwest::header::HeaderName::try_from("bad header").unwrap_err();
        let err = Error::from(ConfigError::HeaderName {
            name: "bad header".into(),
            source,
        });

        assert_eq!(
            chain(&err),
            [
                "invalid Smint.io client configuration",
                "`bad header` is not a valid header name",
                "invalid HTTP header name",
            ]
        );
    }
}
