//! OAuth 2.0 bearer tokens: the configured access token until it expires or PhotoShelter
//! refuses it (401), then the refresh-token grant, `POST /psapi/v4.0/oauth/token`
//! [CLIENT `S-importer` library.js; the path is SPEC-DRAFT], its answer `access_token`,
//! `refresh_token`, `expires_in`.
//!
//! One lock per client: concurrent calls that find the token expired or refused share one
//! grant. Whether PhotoShelter rotates refresh tokens is not documented; a refresh token
//! in the answer is swapped into the connection's store (`assetrelay_tokens`), so every
//! replica presents the newest, and a client refused with `invalid_grant` takes the one
//! another client just saved, as with Smint.io.

use std::sync::atomic::Ordering;
use std::time::Duration;

use assetrelay_tokens::RefreshState;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use super::config::{Auth, OAuthRefresh};
use super::error::Error;
use super::transport::{Api, dispatch, finish};
use super::{Client, Result};

const TOKEN: &str = "POST /psapi/v4.0/oauth/token";
/// Renew this long before `expires_in` runs out, so a call does not leave with a token
/// that expires on the way.
const MARGIN: Duration = Duration::from_secs(60);
/// How long a client refused with `invalid_grant` waits for another client's rotation.
const ROTATION_WAIT: Duration = Duration::from_secs(5);

/// The bearer a client holds.
#[derive(Default)]
pub(crate) struct Bearer {
    access: Option<SecretString>,
    /// None: unknown (the configured token), used until refused.
    expires_at: Option<Instant>,
    /// Increases with every token; a refusal names the one it saw.
    generation: u64,
    rotation: Option<RefreshState>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Client {
    /// The access token to send, renewing it first when it expired; with its generation.
    pub(crate) async fn bearer(&self) -> Result<(u64, SecretString)> {
        let Auth::OAuth {
            access_token,
            refresh,
            ..
        } = &self.config.auth
        else {
            return Err(Error::config("bearer auth without OAuth credentials"));
        };
        let mut held = self.bearer.lock().await;
        if held.generation == 0 && held.access.is_none() {
            held.access = access_token.clone();
            held.generation = 1;
        }
        let fresh = held
            .expires_at
            .is_none_or(|at| Instant::now() + MARGIN < at);
        if let Some(access) = held.access.clone().filter(|_| fresh) {
            return Ok((held.generation, access));
        }
        let Some(refresh) = refresh else {
            return match held.access.clone() {
                Some(access) => Ok((held.generation, access)),
                None => Err(Error::config(
                    "no OAuth access token and no refresh configured",
                )),
            };
        };
        self.renew(&mut held, refresh).await
    }

    /// PhotoShelter refused the token of `generation` (401): forget it, unless a newer one
    /// replaced it meanwhile. Whether a renewal can follow (a refresh is configured).
    pub(crate) async fn bearer_refused(&self, generation: u64) -> bool {
        let Auth::OAuth { refresh, .. } = &self.config.auth else {
            return false;
        };
        if refresh.is_none() {
            return false;
        }
        let mut held = self.bearer.lock().await;
        if held.generation == generation {
            held.access = None;
        }
        true
    }

    async fn renew(
        &self,
        held: &mut Bearer,
        refresh: &OAuthRefresh,
    ) -> Result<(u64, SecretString)> {
        let store = refresh.store.as_ref();
        let rotation = held
            .rotation
            .get_or_insert_with(|| RefreshState::new(refresh.refresh_token.clone()));
        rotation.take_newer(store).await?;
        let presented = rotation.version;
        let answer = match self.grant(refresh, &rotation.refresh).await {
            Ok(answer) => answer,
            Err(refused) if is_invalid_grant(&refused) => {
                if !rotation
                    .wait_for_rotation(store, presented, ROTATION_WAIT)
                    .await?
                {
                    return Err(refused);
                }
                tracing::info!(
                    "the PhotoShelter refresh token was rotated by another client; using its token"
                );
                self.grant(refresh, &rotation.refresh).await?
            }
            Err(other) => return Err(other),
        };
        rotation
            .save_rotated(store, answer.refresh_token, "photoshelter")
            .await;
        let access = SecretString::from(answer.access_token);
        held.access = Some(access.clone());
        held.expires_at = answer
            .expires_in
            .map(|secs| Instant::now() + Duration::from_secs(secs));
        held.generation += 1;
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(expires_in_secs = ?answer.expires_in, "renewed the PhotoShelter access token");
        Ok((held.generation, access))
    }

    async fn grant(&self, refresh: &OAuthRefresh, token: &SecretString) -> Result<TokenAnswer> {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose_secret()),
            ("client_id", refresh.client_id.as_str()),
            ("client_secret", refresh.client_secret.expose_secret()),
        ];
        if let Some(uri) = &refresh.redirect_uri {
            form.push(("redirect_uri", uri.as_str()));
        }
        let request = self
            .http
            .post(self.url("/psapi/v4.0/oauth/token"))
            .timeout(self.config.timeout)
            .header("X-PS-Api-Key", self.api_key_header(Api::V4)?)
            .form(&form);
        let answer = finish(TOKEN, dispatch(TOKEN, request).await?).await?;
        serde_json::from_value(answer.json(TOKEN)?).map_err(|e| Error::Decode {
            endpoint: TOKEN,
            status: answer.status,
            reason: "no access_token in the answer",
            source: Some(Box::new(e)),
        })
    }

    /// How many refresh-token grants this client made.
    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }
}

/// RFC 6749 §5.2: the refresh token is invalid, expired, revoked or already used. The
/// body's `error` reads as the message (`envelope::error_info`).
fn is_invalid_grant(error: &Error) -> bool {
    matches!(error, Error::Http { status, code, message, .. }
        if *status == StatusCode::BAD_REQUEST
            && [code, message].iter().any(|v| v.as_deref() == Some("invalid_grant")))
}
