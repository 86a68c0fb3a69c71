//! The one error type of the PhotoShelter client.
//!
//! Every failure is classified once, here, as *transient* (the broker retries it later) or
//! *permanent* (the message is parked), following DESIGN §6.3. Error text never carries
//! secrets: endpoints are path templates, reqwest errors are stripped of their URL, and
//! server messages are truncated.

use std::time::Duration;

use reqwest::StatusCode;

/// The cause of a decoding or configuration failure, whatever library raised it.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// A failed PhotoShelter call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request did not complete within the configured timeout.
    #[error("PhotoShelter {endpoint}: timed out")]
    Timeout {
        /// Method and path template of the call, e.g. `GET /psapi/v4.0/media/{media_id}`.
        endpoint: &'static str,
    },
    /// No connection could be established (refused, DNS, TLS handshake).
    #[error("PhotoShelter {endpoint}: connection failed")]
    Connect {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// The transport error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// The connection broke while sending or receiving (reset, truncated body).
    #[error("PhotoShelter {endpoint}: transport error")]
    Transport {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// The transport error (its URL removed).
        #[source]
        source: reqwest::Error,
    },
    /// PhotoShelter answered with a non-success HTTP status.
    #[error("PhotoShelter {endpoint}: HTTP {status}{}", describe(code.as_deref(), message.as_deref()))]
    Http {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The error id from the body (`ApiKeyInvalidException`, ...), if any.
        code: Option<String>,
        /// The error title/detail/message from the body (truncated), if any.
        message: Option<String>,
        /// The `Retry-After` delay, when the answer carried one.
        retry_after: Option<Duration>,
    },
    /// A 2xx v3 answer whose envelope says `"status" != "ok"`.
    #[error("PhotoShelter {endpoint}: call failed{}", describe(code.as_deref(), Some(message)))]
    Api {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// The error code from the body, if any.
        code: Option<String>,
        /// The error message from the body (truncated).
        message: String,
    },
    /// The answer could not be decoded into what the call expects.
    #[error("PhotoShelter {endpoint}: undecodable response (HTTP {status}): {reason}")]
    Decode {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// The HTTP status of the undecodable answer.
        status: StatusCode,
        /// What was wrong with it.
        reason: &'static str,
        /// Why, when a decoder said so (the JSON parser, the transport).
        #[source]
        source: Option<Cause>,
    },
    /// The local upload source could not be read (missing file, permission denied).
    #[error("upload source could not be read")]
    Source(#[source] std::io::Error),
    /// The client configuration or a call's parameters cannot work (HTTP client, header
    /// value, content type).
    #[error("invalid PhotoShelter client configuration: {problem}")]
    Config {
        /// What cannot work.
        problem: &'static str,
        /// Why, when a library said so.
        #[source]
        source: Option<Cause>,
    },
    /// A listing has more items than the client pages through in one call (a poller
    /// should fall back to a full reconciliation).
    #[error("PhotoShelter {endpoint}: listing exceeds {limit} items")]
    LimitExceeded {
        /// Method and path template of the call.
        endpoint: &'static str,
        /// How many items the client reads at most.
        limit: usize,
    },
    /// A media item kept changing while it was read: every bracket of base, parts and
    /// base again saw two different bases (see `client::snapshot`). Transient: the item
    /// was being edited, and a later read finds it at rest.
    #[error("PhotoShelter media changed during each of {attempts} reads; no consistent snapshot")]
    InconsistentRead {
        /// Brackets tried.
        attempts: u32,
    },
    /// An id passed by the caller is not a PhotoShelter id (it would change the path).
    #[error("invalid PhotoShelter {what} id")]
    InvalidId {
        /// Which id (`media`, `gallery`, `organization`).
        what: &'static str,
    },
    /// The store of the rotated OAuth refresh token failed. Transient: it holds the one
    /// token every client of the connection must present.
    #[error("the PhotoShelter refresh-token store failed")]
    TokenStore(#[from] assetrelay_tokens::TokenStoreError),
}

impl Error {
    /// Whether retrying later may succeed: timeouts, connection failures, 5xx, 408, 429,
    /// an item edited throughout its read.
    /// Everything else (other 4xx, undecodable bodies, bad input) is permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout { .. }
            | Error::Connect { .. }
            | Error::Transport { .. }
            | Error::InconsistentRead { .. }
            | Error::TokenStore(_) => true,
            Error::Http { status, .. } => assetrelay_http_failure::is_transient_status(*status),
            Error::Api { .. }
            | Error::Decode { .. }
            | Error::Source(_)
            | Error::Config { .. }
            | Error::LimitExceeded { .. }
            | Error::InvalidId { .. } => false,
        }
    }

    /// The HTTP status PhotoShelter answered, when there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long PhotoShelter asked us to wait (`Retry-After` on 429/503).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error id of the body (e.g. `ResourceNotFoundException`), when there was one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Http { code, .. } | Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// A configuration problem without a further cause.
    pub(crate) fn config(problem: &'static str) -> Self {
        Error::Config {
            problem,
            source: None,
        }
    }

    /// A configuration problem a library reported.
    pub(crate) fn config_from(problem: &'static str, source: impl Into<Cause>) -> Self {
        Error::Config {
            problem,
            source: Some(source.into()),
        }
    }

    /// An answer that lacks what the call expects.
    pub(crate) fn missing(
        endpoint: &'static str,
        status: StatusCode,
        reason: &'static str,
    ) -> Self {
        Error::Decode {
            endpoint,
            status,
            reason,
            source: None,
        }
    }

    /// Maps a reqwest error (never carrying its URL, which could hold a pre-signed token).
    pub(crate) fn from_reqwest(endpoint: &'static str, err: reqwest::Error) -> Self {
        let source = err.without_url();
        if source.is_timeout() {
            Error::Timeout { endpoint }
        } else if source.is_connect() {
            Error::Connect { endpoint, source }
        } else if source.is_decode() {
            Error::Decode {
                endpoint,
                status: source.status().unwrap_or(StatusCode::OK),
                reason: "the body could not be decoded",
                source: Some(Box::new(source)),
            }
        } else {
            Error::Transport { endpoint, source }
        }
    }
}

fn describe(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(" ({c}: {m})"),
        (Some(c), None) => format!(" ({c})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
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

    fn http(status: u16) -> Error {
        Error::Http {
            endpoint: "GET /x",
            status: StatusCode::from_u16(status).unwrap(),
            code: None,
            message: None,
            retry_after: None,
        }
    }

    #[test]
    fn classifies_statuses_as_the_design_says() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(http(s).is_transient(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 415, 422] {
            assert!(!http(s).is_transient(), "{s}");
        }
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
    fn an_undecodable_body_keeps_the_parser_error_as_its_source_and_prints_it_once() {
        let answer = crate::client::transport::Answer {
            status: StatusCode::OK,
            body: bytes::Bytes::from_static(b"<html>maintenance</html>"),
        };

        let err = answer.json("GET /x").unwrap_err();

        assert_eq!(
            err.to_string(),
            "PhotoShelter GET /x: undecodable response (HTTP 200 OK): the body is not JSON"
        );
        let cause = std::error::Error::source(&err)
            .expect("the parser error is kept")
            .to_string();
        let line = chain(&err).join(": ");
        assert_eq!(line.matches(&cause).count(), 1, "{line}");
    }

    #[test]
    fn a_bad_header_value_is_a_configuration_error_with_its_cause() {
        let secret = secrecy::SecretString::from("line\nbreak".to_owned());

        let err = crate::client::transport::secret_header(&secret).unwrap_err();

        let chain = chain(&err);
        assert_eq!(
            chain[0],
            "invalid PhotoShelter client configuration: a credential is not a valid header value"
        );
        assert_eq!(chain.len(), 2, "{chain:?}");
        assert!(!chain.join(" ").contains("break"), "no secret: {chain:?}");
    }
}
