//! Sending one call: credentials, the delivery's trace context, re-login (token auth) or
//! token renewal (OAuth with a refresh) on 401, short 429 retries, classification.

use std::future::Future;
use std::time::Duration;

use backon::{ConstantBuilder, Retryable};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::config::Auth;
use super::envelope;
use super::error::Error;
use super::{Client, Result};

/// Which API generation a path belongs to (decides the API key and the envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    V3,
    V4,
}

/// A successful answer.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Answer {
    /// The JSON body; an empty body (204) reads as `null`.
    pub fn json(&self, endpoint: &'static str) -> Result<Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            endpoint,
            status: self.status,
            reason: "the body is not JSON",
            source: Some(Box::new(e)),
        })
    }

    /// The `data` of a v3 envelope.
    pub fn v3_data(&self, endpoint: &'static str) -> Result<Value> {
        envelope::v3_data(self.json(endpoint)?).map_err(|(code, message)| Error::Api {
            endpoint,
            code,
            message,
        })
    }
}

/// Sends one request with the trace context of the delivery being handled. Every
/// PhotoShelter request, the login and the upload source included, goes through here.
pub(crate) async fn dispatch(endpoint: &'static str, request: RequestBuilder) -> Result<Response> {
    request
        .headers(assetrelay_http_failure::trace::outbound_headers())
        .send()
        .await
        .map_err(|e| Error::from_reqwest(endpoint, e))
}

pub(crate) fn secret_header(value: &SecretString) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value.expose_secret())
        .map_err(|e| Error::config_from("a credential is not a valid header value", e))?;
    header.set_sensitive(true);
    Ok(header)
}

impl Client {
    pub(crate) fn api_key_header(&self, api: Api) -> Result<HeaderValue> {
        let key = match (api, &self.config.v3_api_key) {
            (Api::V3, Some(v3)) => v3,
            _ => &self.config.api_key,
        };
        secret_header(key)
    }

    /// Sends a call built by `build` (called again for every repetition, so streamed
    /// bodies are re-opened). Re-logs in once on 401 with token auth; retries 429 with a
    /// short `Retry-After` up to the configured count; classifies every failure.
    pub(crate) async fn send<F, Fut>(
        &self,
        api: Api,
        endpoint: &'static str,
        build: F,
    ) -> Result<Answer>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<RequestBuilder>>,
    {
        let cap = self.config.max_inline_retry_after;
        let policy = ConstantBuilder::default()
            .with_delay(Duration::ZERO)
            .with_max_times(self.config.rate_limit_retries);
        (|| self.send_once(api, endpoint, &build))
            .retry(policy)
            .when(|e: &Error| {
                e.status() == Some(StatusCode::TOO_MANY_REQUESTS)
                    && e.retry_after().is_some_and(|d| d <= cap)
            })
            // `dur` is None once the attempts are used up: stop then.
            .adjust(|e: &Error, dur| dur.and(e.retry_after()))
            .await
    }

    async fn send_once<F, Fut>(&self, api: Api, endpoint: &'static str, build: &F) -> Result<Answer>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<RequestBuilder>>,
    {
        let mut renewed = false;
        loop {
            let (generation, headers) = self.credentials(api).await?;
            let response = dispatch(endpoint, build().await?.headers(headers)).await?;
            if response.status() == StatusCode::UNAUTHORIZED && !renewed {
                renewed = true;
                match &self.config.auth {
                    Auth::Token { .. } => {
                        tracing::info!(endpoint, "PhotoShelter answered 401; logging in again");
                        self.relogin(generation).await?;
                        continue;
                    }
                    Auth::OAuth { .. } if self.bearer_refused(generation).await => {
                        tracing::info!(
                            endpoint,
                            "PhotoShelter answered 401; renewing the access token"
                        );
                        continue;
                    }
                    Auth::OAuth { .. } => {}
                }
            }
            return finish(endpoint, response).await;
        }
    }

    /// The API key plus the user credential for one call, and the session generation it
    /// came from (so a 401 re-login can tell whether someone else already renewed it).
    async fn credentials(&self, api: Api) -> Result<(u64, HeaderMap)> {
        let mut headers = HeaderMap::new();
        headers.insert("X-PS-Api-Key", self.api_key_header(api)?);
        match &self.config.auth {
            Auth::OAuth { .. } => {
                let (generation, access) = self.bearer().await?;
                let bearer = SecretString::from(format!("Bearer {}", access.expose_secret()));
                headers.insert(AUTHORIZATION, secret_header(&bearer)?);
                Ok((generation, headers))
            }
            Auth::Token { .. } => {
                let (generation, token) = self.token().await?;
                headers.insert("X-PS-Auth-Token", secret_header(&token)?);
                Ok((generation, headers))
            }
        }
    }
}

/// Turns a response into an [`Answer`] or a classified [`Error`].
pub(crate) async fn finish(endpoint: &'static str, response: Response) -> Result<Answer> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| assetrelay_http_failure::parse_retry_after(v, chrono::Utc::now()));
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::from_reqwest(endpoint, e))?;
    if status.is_success() {
        return Ok(Answer { status, body });
    }
    let (code, message) = envelope::error_info(&body);
    Err(Error::Http {
        endpoint,
        status,
        code,
        message,
        retry_after,
    })
}
