//! Configuration of one Smint.io connection: tenant URLs, OAuth client, refresh token,
//! data-adapter push target, timeouts and the retry policy.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::error::ConfigError;

/// Default header carrying our data-adapter signature (contract; Smint.io's recipe uses
/// `X-My-Signature`, the real name is arranged with Smint.io).
pub const DEFAULT_SIGNATURE_HEADER: &str = "X-Assetrelay-Signature";
/// Default header carrying the Unix timestamp that is signed with the body.
pub const DEFAULT_TIMESTAMP_HEADER: &str = "X-Assetrelay-Timestamp";
/// Page size both Smint.io SDKs use for the license-purchase-transaction feed.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// Everything one client (one connection) needs. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Identity server, `https://{tenant}.smint.io` (DOC: SDK source); `/connect/token` is
    /// appended.
    pub identity_url: Url,
    /// CLAPI-C base, `https://{tenant}.clapi.smint.io/consumer/v1` (DOC: SDK source).
    pub clapi_url: Url,
    /// OAuth client id issued by Smint.io.
    pub client_id: String,
    /// OAuth client secret issued by Smint.io.
    pub client_secret: SecretString,
    /// The refresh token the authorization-code flow produced (done once, interactively).
    /// Used only while the client's [`TokenStore`](super::TokenStore) holds none: the
    /// server rotates it on every refresh and the store keeps the newest one.
    pub refresh_token: SecretString,
    /// Where our Portals data-adapter changes go; `None` disables the push.
    pub adapter: Option<AdapterConfig>,
    /// Timeout of one API request (connect + answer + body).
    pub timeout: Duration,
    /// Refresh the access token this long before it expires, so no call races its expiry.
    pub token_refresh_margin: Duration,
    /// In-process retries of 429 and transport failures.
    pub retry: RetryPolicy,
    /// After an `invalid_grant`, how long to wait for another client of the connection to
    /// save the token it rotated ours into (it gets its answer at about the moment we get
    /// our refusal, and saves it right after).
    pub rotation_wait: Duration,
}

impl ClientConfig {
    /// A connection to the given URLs (production: `https://{tenant}.smint.io` and
    /// `https://{tenant}.clapi.smint.io/consumer/v1`; the sandbox serves both under one
    /// origin) with default timeouts and retries.
    pub fn new(
        identity_url: Url,
        clapi_url: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
        refresh_token: SecretString,
    ) -> Self {
        Self {
            identity_url,
            clapi_url,
            client_id: client_id.into(),
            client_secret,
            refresh_token,
            adapter: None,
            timeout: Duration::from_secs(30),
            token_refresh_margin: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            rotation_wait: Duration::from_secs(5),
        }
    }

    pub fn with_adapter(mut self, adapter: AdapterConfig) -> Self {
        self.adapter = Some(adapter);
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The Portals data adapter that receives our changes (URL arranged with Smint.io).
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    /// The adapter's webhook URL (ASSUMED: `/portals/data-adapter/webhook` in the sandbox).
    pub webhook_url: Url,
    /// HMAC key; its UTF-8 bytes are the key, as in Smint.io's recipe.
    pub signing_secret: SecretString,
    pub signature_header: String,
    pub timestamp_header: String,
}

impl AdapterConfig {
    /// An adapter with the default header names.
    pub fn new(webhook_url: Url, signing_secret: SecretString) -> Self {
        Self {
            webhook_url,
            signing_secret,
            signature_header: DEFAULT_SIGNATURE_HEADER.into(),
            timestamp_header: DEFAULT_TIMESTAMP_HEADER.into(),
        }
    }
}

/// In-process retry of 429 and transport failures, as Smint.io's SDKs do (Polly /
/// resilience4j: 5 tries, waiting `2^n` seconds). Longer waits belong to the broker's
/// retry tiers, so a `Retry-After` beyond `max_retry_after` is returned to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in total, including the first (SDKs: 5).
    pub max_attempts: usize,
    /// Wait before the first retry; doubles each time (SDKs: 2 s, then 4, 8, 16).
    pub base_delay: Duration,
    /// Longest `Retry-After` we wait for in-process.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retry at all: every failure goes straight back to the caller.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// `base` with `segments` appended, each percent-encoded, keeping every segment of `base`
/// (`Url::join` would drop the last one when `base` has no trailing slash, losing `/v1`).
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Result<Url, ConfigError> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| ConfigError::NotABase {
            scheme: base.scheme().to_owned(),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn joins_paths_without_losing_the_version_segment() {
        let base = Url::parse("https://acme.clapi.smint.io/consumer/v1").unwrap();
        assert_eq!(
            endpoint(&base, &["sync", "generic-metadata"])
                .unwrap()
                .as_str(),
            "https://acme.clapi.smint.io/consumer/v1/sync/generic-metadata"
        );
        assert_eq!(
            endpoint(&base, &["cpt", "a/b"]).unwrap().as_str(),
            "https://acme.clapi.smint.io/consumer/v1/cpt/a%2Fb"
        );
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let config = ClientConfig::new(
            Url::parse("https://acme.smint.io").unwrap(),
            Url::parse("https://acme.clapi.smint.io/consumer/v1").unwrap(),
            "id",
            secret("top-secret-1"),
            secret("top-secret-2"),
        )
        .with_adapter(AdapterConfig::new(
            Url::parse("https://adapter.example/hook").unwrap(),
            secret("top-secret-3"),
        ));
        let debug = format!("{config:?}");
        assert!(!debug.contains("top-secret"), "{debug}");
    }
}
