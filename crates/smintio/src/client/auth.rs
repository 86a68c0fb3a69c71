//! OAuth2 access tokens for CLAPI-C: the refresh-token grant against
//! `{identity}/connect/token` (DOC: SDK source, `SmintIoAuthenticationRefresherImpl.cs`).
//!
//! One cached access token per client, refreshed `token_refresh_margin` before it expires
//! and whenever an API call was refused with 401/403. The lock is held across a refresh,
//! so one client refreshes once at a time and concurrent callers share that refresh.
//!
//! The server rotates refresh tokens (the SDKs store the returned one every time) and
//! refuses a used one with `invalid_grant`, so the newest lives in the [`TokenStore`]
//! shared by every client of the connection. Before each refresh the client takes the
//! stored token when it is newer than its own (another client rotated it, or this is a
//! new start; the configured token only seeds an empty store), and after each refresh
//! it swaps the rotated token in from the version it presented. When two clients
//! present the same token at once, the server grants one: the winner's swap succeeds,
//! and the loser, refused with `invalid_grant`, waits for that swap, takes the winner's
//! token and refreshes once more with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::Error;
use super::config::ClientConfig;
use super::http::{decode_json, send};
use assetrelay_tokens::{RefreshState, TokenStore};

const OPERATION: &str = "token refresh";
/// Lifetime assumed when the server omits `expires_in` (not documented; research "Unknown" #4).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// A token handed to a caller, with the generation that lets it report a refusal.
pub(crate) struct IssuedToken {
    pub(crate) value: SecretString,
    generation: u64,
}

struct Cached {
    value: SecretString,
    expires_at: Instant,
    generation: u64,
}

struct TokenState {
    access: Option<Cached>,
    /// The refresh token to present next, and its version in the store.
    rotation: RefreshState,
    generation: u64,
}

pub(crate) struct Auth {
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    margin: Duration,
    timeout: Duration,
    rotation_wait: Duration,
    store: Arc<dyn TokenStore>,
    state: Mutex<TokenState>,
    refreshes: AtomicU64,
}

/// The token endpoint's answer (fields as in `RefreshTokenResultModel.cs` plus the
/// standard `expires_in`).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Auth {
    pub(crate) fn new(token_url: Url, config: &ClientConfig, store: Arc<dyn TokenStore>) -> Self {
        Self {
            token_url,
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            margin: config.token_refresh_margin,
            timeout: config.timeout,
            rotation_wait: config.rotation_wait,
            store,
            state: Mutex::new(TokenState {
                access: None,
                rotation: RefreshState::new(config.refresh_token.clone()),
                generation: 0,
            }),
            refreshes: AtomicU64::new(0),
        }
    }

    /// A token valid for at least the margin, refreshing first when needed.
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<IssuedToken, Error> {
        let mut state = self.state.lock().await;
        if let Some(cached) = &state.access
            && Instant::now() + self.margin < cached.expires_at
        {
            return Ok(IssuedToken {
                value: cached.value.clone(),
                generation: cached.generation,
            });
        }
        self.refresh(http, &mut state).await
    }

    /// The server refused `token`: forget it unless a newer one replaced it meanwhile.
    pub(crate) async fn refused(&self, token: &IssuedToken) {
        let mut state = self.state.lock().await;
        if state
            .access
            .as_ref()
            .is_some_and(|c| c.generation == token.generation)
        {
            state.access = None;
        }
    }

    /// The newest refresh token (rotated by the server on every refresh).
    pub(crate) async fn refresh_token(&self) -> SecretString {
        self.state.lock().await.rotation.refresh.clone()
    }

    /// How many refresh-token grants succeeded since the client was built.
    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    async fn refresh(
        &self,
        http: &reqwest::Client,
        state: &mut TokenState,
    ) -> Result<IssuedToken, Error> {
        let store = self.store.as_ref();
        state.rotation.take_newer(store).await?;
        let presented = state.rotation.version;
        let answer = match self.grant(http, &state.rotation.refresh).await {
            Ok(answer) => answer,
            Err(refused) if refused.is_invalid_grant() => {
                let rotated = state
                    .rotation
                    .wait_for_rotation(store, presented, self.rotation_wait)
                    .await?;
                if !rotated {
                    return Err(refused);
                }
                tracing::info!(
                    "the Smint.io refresh token was rotated by another client; using its token"
                );
                self.grant(http, &state.rotation.refresh).await?
            }
            Err(other) => return Err(other),
        };
        state
            .rotation
            .save_rotated(store, answer.refresh_token, "smintio")
            .await;
        let lifetime = answer
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        state.generation += 1;
        let value = SecretString::from(answer.access_token);
        state.access = Some(Cached {
            value: value.clone(),
            expires_at: Instant::now() + lifetime,
            generation: state.generation,
        });
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            expires_in_secs = lifetime.as_secs(),
            "refreshed the Smint.io access token"
        );
        Ok(IssuedToken {
            value,
            generation: state.generation,
        })
    }

    /// One refresh-token grant.
    async fn grant(
        &self,
        http: &reqwest::Client,
        refresh_token: &SecretString,
    ) -> Result<TokenResponse, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let request = http
            .post(self.token_url.clone())
            .form(&form)
            .timeout(self.timeout);
        let response = send(OPERATION, request).await?;
        decode_json(OPERATION, response).await
    }
}
