//! The Smint.io API client: one [`SmintioClient`] per connection (tenant).
//!
//! - [`config`]: tenant URLs, OAuth client, data-adapter target, timeouts, retry policy.
//! - [`error`]: the one [`Error`] type, classified transient / permanent.
//! - [`model`]: CLAPI-C and Portals wire models.
//! - `auth`: OAuth2 refresh-token grant with a cached, proactively refreshed access token.
//! - [`token_store`]: [`TokenStore`], where the rotated refresh token is shared between
//!   clients, restarts and replicas, and [`MemoryTokenStore`].
//! - `clapi`: generic metadata, one page of the license-purchase-transaction feed, binaries.
//! - `feed`: [`FeedPager`], reading the feed page by page without re-reading a page forever.
//! - `adapter`: pushing `AssetUpdate` / `AssetDeletion` changes to our Portals data adapter.
//! - `http`: sending (with the delivery's trace context), error bodies, `Retry-After`,
//!   in-process retry (backon).
//!
//! Which endpoints are documented and which are assumed is listed in
//! `docs/platforms.md`; each path in the code names its source.

mod adapter;
mod auth;
mod clapi;
pub mod config;
pub mod error;
mod feed;
mod http;
pub mod model;
/// The rotated refresh token's store ([`TokenStore`], [`MemoryTokenStore`]), from
/// `assetrelay-tokens`, which the PhotoShelter client shares.
pub use assetrelay_tokens::store as token_store;

use std::sync::Arc;

use secrecy::SecretString;

pub use assetrelay_tokens::{
    MemoryTokenStore, StoreFuture, StoredToken, SwapOutcome, TokenStore, TokenStoreError,
};
pub use config::{AdapterConfig, ClientConfig, DEFAULT_PAGE_SIZE, RetryPolicy};
pub use error::{ConfigError, Error};
pub use feed::{FeedPage, FeedPager};
pub use model::*;

use adapter::AdapterPush;
use auth::Auth;

/// A Smint.io client. Cloning is cheap and shares the token cache and connection pool.
#[derive(Clone)]
pub struct SmintioClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    auth: Auth,
    adapter: Option<AdapterPush>,
}

impl std::fmt::Debug for SmintioClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmintioClient")
            .field("identity_url", &self.inner.config.identity_url.as_str())
            .field("clapi_url", &self.inner.config.clapi_url.as_str())
            .field("client_id", &self.inner.config.client_id)
            .finish_non_exhaustive()
    }
}

impl SmintioClient {
    /// Build the client with its own [`MemoryTokenStore`]: the rotated refresh token
    /// lives as long as this client (and its clones). Fails only on configuration that
    /// cannot work.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_token_store(config, Arc::new(MemoryTokenStore::new()))
    }

    /// Build the client around a shared token store: every client of the connection
    /// (other flows, replicas, the next start) presents the newest refresh token.
    pub fn with_token_store(
        config: ClientConfig,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            // Between reads as well: a body that stalls half-way fails too.
            .read_timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("assetrelay-smintio/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ConfigError::HttpClient { source })?;
        // DOC (SDK source): `https://{tenant}.smint.io/connect/token`.
        let token_url = config::endpoint(&config.identity_url, &["connect", "token"])?;
        let auth = Auth::new(token_url, &config, store);
        let adapter = config.adapter.as_ref().map(AdapterPush::new).transpose()?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                auth,
                adapter,
            }),
        })
    }

    /// The refresh token this client will present next (the token store's newest, once
    /// the client has refreshed).
    pub async fn current_refresh_token(&self) -> SecretString {
        self.inner.auth.refresh_token().await
    }

    /// Successful token refreshes since the client was built (for metrics and tests).
    pub fn token_refreshes(&self) -> u64 {
        self.inner.auth.refreshes()
    }
}
