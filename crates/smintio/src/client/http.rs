//! Sending, status classification, error bodies and the in-process retry shared by every
//! Smint.io call.

use std::future::Future;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{RequestBuilder, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::config::RetryPolicy;
use super::error::{Error, Operation};

/// Longest error detail we keep; bodies are the server's, their length is not ours to trust.
const MAX_DETAIL: usize = 200;

/// Send `request` with the trace context of the delivery being handled; any non-2xx
/// answer becomes [`Error::Status`]. Every Smint.io request goes through here.
pub(crate) async fn send(operation: Operation, request: RequestBuilder) -> Result<Response, Error> {
    let response = request
        .headers(assetrelay_http_failure::trace::outbound_headers())
        .send()
        .await
        .map_err(|e| Error::from_reqwest(operation, e))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(status_error(operation, response).await)
    }
}

/// Read a 2xx body as JSON of type `T`.
pub(crate) async fn decode_json<T: DeserializeOwned>(
    operation: Operation,
    response: Response,
) -> Result<T, Error> {
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::from_reqwest(operation, e))?;
    serde_json::from_slice(&body).map_err(|source| Error::Decode { operation, source })
}

/// Error bodies we understand: CLAPI/Portals `{"error_code", "error_message"}` and OAuth
/// `{"error", "error_description"}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

async fn status_error(operation: Operation, response: Response) -> Error {
    let status = response.status();
    let retry_after = assetrelay_http_failure::retry_after(response.headers());
    // An unreadable error body does not change the classification; the status decides.
    let detail = response
        .bytes()
        .await
        .ok()
        .and_then(|body| error_detail(&body));
    Error::Status {
        operation,
        status,
        retry_after,
        detail,
    }
}

fn error_detail(body: &[u8]) -> Option<String> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let joined = match (
        parsed.error_code.or(parsed.error),
        parsed.error_message.or(parsed.error_description),
    ) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code,
        (None, Some(message)) => message,
        (None, None) => return None,
    };
    Some(joined.chars().take(MAX_DETAIL).collect())
}

/// Run `attempt` until it succeeds, fails with an error not retried in-process, or the
/// policy is exhausted. Waits double from `base_delay`; a `Retry-After` replaces the
/// computed wait, and one longer than `max_retry_after` ends the retries so the caller's
/// broker tier does the waiting.
pub(crate) async fn with_retry<T, F, Fut>(policy: &RetryPolicy, attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.base_delay)
        .with_factor(2.0)
        .without_max_delay()
        .with_max_times(policy.max_attempts.saturating_sub(1));
    let max_retry_after = policy.max_retry_after;
    attempt
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(Error::is_retried_in_process)
        .adjust(move |err, next| match (next, err.retry_after()) {
            (None, _) => None,
            (Some(_), Some(wait)) if wait > max_retry_after => None,
            (Some(_), Some(wait)) => Some(wait),
            (Some(computed), None) => Some(computed),
        })
        .notify(|err, wait| tracing::warn!(error.message = %err, wait_ms = wait.as_millis() as u64, "retrying Smint.io call"))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_error_code_and_message_of_a_body() {
        assert_eq!(
            error_detail(
                br#"{"error_code":"not_found","error_message":"no such LPT","trace":"x"}"#
            )
            .as_deref(),
            Some("not_found: no such LPT")
        );
        assert_eq!(
            error_detail(br#"{"error":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(error_detail(b"<html>oops</html>"), None);
    }
}
