//! Client configuration: where PhotoShelter is, which key, how to log in.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_tokens::TokenStore;
use secrecy::SecretString;

/// How the client authenticates the user (on top of the API key, sent on every call).
#[derive(Debug, Clone)]
pub enum Auth {
    /// v3 token login (`POST /psapi/v3/mem/authenticate`, `mode=token` \[DOC\]) followed by
    /// organization authentication \[DOC\]. The token is sent as `X-PS-Auth-Token`; on a 401
    /// the client logs in again once and repeats the call.
    Token {
        /// User e-mail.
        email: String,
        /// User password.
        password: SecretString,
        /// Organization `O0000…` to authenticate into.
        org_id: String,
    },
    /// OAuth 2.0, sent as `Authorization: Bearer` [CLIENT `S-importer`, `S-oauthtester`].
    /// With `refresh`, the client renews the access token through the refresh-token grant
    /// (research §1.2) when it expires or PhotoShelter answers 401, and repeats the call
    /// once; without, a 401 is returned to the caller.
    OAuth {
        /// An access token to start with (without `refresh`, the only one).
        access_token: Option<SecretString>,
        /// How to renew it.
        refresh: Option<OAuthRefresh>,
        /// Organization `O0000…` used to filter listings.
        org_id: String,
    },
}

/// The refresh-token grant of `POST /psapi/v4.0/oauth/token` [CLIENT `S-importer`
/// library.js]: `grant_type=refresh_token`, `refresh_token`, `client_id`, `client_secret`,
/// `redirect_uri`, with the v4 `X-PS-Api-Key`.
#[derive(Clone)]
pub struct OAuthRefresh {
    pub client_id: String,
    pub client_secret: SecretString,
    /// The registered redirect URI, sent with the grant as the importer does.
    pub redirect_uri: Option<String>,
    /// The refresh token configured; it only seeds an empty `store`.
    pub refresh_token: SecretString,
    /// Where the newest refresh token lives for every client of the connection (whether
    /// PhotoShelter rotates it is not documented; a rotated one is saved, ASSUMED).
    pub store: Arc<dyn TokenStore>,
}

impl std::fmt::Debug for OAuthRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthRefresh")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The organization this connection works in.
    pub fn org_id(&self) -> &str {
        match self {
            Auth::Token { org_id, .. } | Auth::OAuth { org_id, .. } => org_id,
        }
    }
}

/// Everything a [`super::Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Origin of the API, e.g. `https://www.photoshelter.com`; `/psapi/...` is appended.
    pub base_url: url::Url,
    /// The `X-PS-Api-Key`, sent on every v4 call (and v3 calls unless `v3_api_key` is set).
    pub api_key: SecretString,
    /// A separate key for v3 calls: the sources suggest keys are version-specific
    /// (research §1.1); `None` uses `api_key`.
    pub v3_api_key: Option<SecretString>,
    /// User authentication.
    pub auth: Auth,
    /// Timeout of an ordinary call (connect + answer).
    pub timeout: Duration,
    /// Timeout of an upload (the whole transfer).
    pub upload_timeout: Duration,
    /// How many times a 429 is retried in-process (0 disables).
    pub rate_limit_retries: usize,
    /// Longest `Retry-After` waited in-process; longer waits go back to the caller as a
    /// transient error (the broker's retry tiers wait, DESIGN §6.3).
    pub max_inline_retry_after: Duration,
}

impl ClientConfig {
    /// A configuration with default timeouts (30 s call, 30 min upload) and in-process
    /// 429 handling (2 retries, waits up to 5 s).
    pub fn new(base_url: url::Url, api_key: SecretString, auth: Auth) -> Self {
        ClientConfig {
            base_url,
            api_key,
            v3_api_key: None,
            auth,
            timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(30 * 60),
            rate_limit_retries: 2,
            max_inline_retry_after: Duration::from_secs(5),
        }
    }
}
