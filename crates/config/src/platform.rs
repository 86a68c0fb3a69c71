//! The platform side of a connection: how its webhooks are verified and, for the flows,
//! how its API is reached. Field names follow the clients' own configuration.

use serde::Deserialize;
use url::Url;

use crate::{PhotoShelterPoll, PhotoShelterReconcile, Secret, SmintioSync, WebhookVerification};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoShelterConnection {
    /// How inbound webhooks from PhotoShelter (or its relay) are verified.
    pub webhook: WebhookVerification,
    /// The PhotoShelter API of this organization; needed by the flows, not the ingress.
    #[serde(default)]
    pub api: Option<PhotoShelterApi>,
    /// How `assetrelay-sources` polls this organization's media (it needs `api`).
    #[serde(default)]
    pub poll: PhotoShelterPoll,
    /// How often `assetrelay-sources` reconciles Smint.io with this library.
    #[serde(default)]
    pub reconcile: PhotoShelterReconcile,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoShelterApi {
    /// Origin, e.g. `https://www.photoshelter.com`; `/psapi/...` is appended.
    pub base_url: Url,
    /// `X-PS-Api-Key`, sent on every call.
    pub api_key: Secret,
    /// A separate key for v3 calls, if PhotoShelter issued version-specific keys.
    #[serde(default)]
    pub v3_api_key: Option<Secret>,
    pub auth: PhotoShelterAuth,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// How long the flows and the sources keep the galleries of the collections the
    /// rules name (`rules.approval.collections`) before reading them again; a failed
    /// read keeps the old list.
    #[serde(default = "default_collections_refresh_secs")]
    pub collections_refresh_secs: u64,
}

fn default_collections_refresh_secs() -> u64 {
    60
}

/// `mode = "token"` (v3 login as a user, then into the organization) or `mode = "oauth"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum PhotoShelterAuth {
    Token {
        email: String,
        password: Secret,
        org_id: String,
    },
    /// OAuth 2.0 (v4). `access_token` alone is used until PhotoShelter refuses it; with
    /// `refresh_token`, `client_id` and `client_secret` the client renews it through the
    /// refresh-token grant, and the newest refresh token lives in the store (credential
    /// `photoshelter_refresh_token`), shared by every replica.
    Oauth {
        #[serde(default)]
        access_token: Option<Secret>,
        #[serde(default)]
        refresh_token: Option<Secret>,
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        client_secret: Option<Secret>,
        /// The registered redirect URI, sent with the refresh grant as PhotoShelter's own
        /// importer does.
        #[serde(default)]
        redirect_uri: Option<String>,
        org_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmintioConnection {
    /// How inbound webhooks from Smint.io (or its relay) are verified.
    pub webhook: WebhookVerification,
    /// The Smint.io tenant's APIs; needed by the flows, not the ingress.
    #[serde(default)]
    pub api: Option<SmintioApi>,
    /// How `assetrelay-sources` reads this tenant's license feed (it needs `api`).
    #[serde(default)]
    pub sync: SmintioSync,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmintioApi {
    /// Identity server, `https://{tenant}.smint.io` (`/connect/token` is appended).
    pub identity_url: Url,
    /// CLAPI-C base, `https://{tenant}.clapi.smint.io/consumer/v1`.
    pub clapi_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    /// The stored refresh token that seeds the OAuth session (authorization-code flow done once).
    pub refresh_token: Secret,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// How long the flows keep the tenant's generic metadata (the names of the keys in
    /// licenses) before reading it again; a failed refresh keeps the old copy.
    #[serde(default = "default_metadata_refresh_secs")]
    pub metadata_refresh_secs: u64,
    /// The Portals data adapter that receives our `AssetUpdate`/`AssetDeletion` changes.
    #[serde(default)]
    pub adapter: Option<SmintioAdapter>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmintioAdapter {
    /// The adapter's webhook URL, as arranged with Smint.io.
    pub webhook_url: Url,
    /// HMAC-SHA256 key over `"{timestamp}.{body}"`.
    pub secret: Secret,
    #[serde(default = "default_signature_header")]
    pub signature_header: String,
    #[serde(default = "default_timestamp_header")]
    pub timestamp_header: String,
}

fn default_timeout_ms() -> u64 {
    30_000
}
fn default_metadata_refresh_secs() -> u64 {
    3600
}
fn default_signature_header() -> String {
    "X-Assetrelay-Signature".into()
}
fn default_timestamp_header() -> String {
    "X-Assetrelay-Timestamp".into()
}

fn webhook_secrets<'a>(
    key: &str,
    webhook: &'a mut WebhookVerification,
) -> Vec<(String, &'a mut Secret)> {
    webhook
        .secrets
        .iter_mut()
        .enumerate()
        .map(|(i, s)| (format!("{key}.webhook.secrets[{i}]"), s))
        .collect()
}

impl PhotoShelterConnection {
    /// Every secret with its configuration key, for resolution and validation.
    pub(crate) fn secrets_mut(&mut self, key: &str) -> Vec<(String, &mut Secret)> {
        let mut out = webhook_secrets(key, &mut self.webhook);
        if let Some(api) = &mut self.api {
            out.push((format!("{key}.api.api_key"), &mut api.api_key));
            if let Some(v3) = &mut api.v3_api_key {
                out.push((format!("{key}.api.v3_api_key"), v3));
            }
            match &mut api.auth {
                PhotoShelterAuth::Token { password, .. } => {
                    out.push((format!("{key}.api.auth.password"), password))
                }
                PhotoShelterAuth::Oauth {
                    access_token,
                    refresh_token,
                    client_secret,
                    ..
                } => {
                    let named = [
                        ("access_token", access_token),
                        ("refresh_token", refresh_token),
                        ("client_secret", client_secret),
                    ];
                    for (name, secret) in named {
                        if let Some(secret) = secret {
                            out.push((format!("{key}.api.auth.{name}"), secret));
                        }
                    }
                }
            }
        }
        out
    }
}

impl SmintioConnection {
    pub(crate) fn secrets_mut(&mut self, key: &str) -> Vec<(String, &mut Secret)> {
        let mut out = webhook_secrets(key, &mut self.webhook);
        if let Some(api) = &mut self.api {
            out.push((format!("{key}.api.client_secret"), &mut api.client_secret));
            out.push((format!("{key}.api.refresh_token"), &mut api.refresh_token));
            if let Some(adapter) = &mut api.adapter {
                out.push((format!("{key}.api.adapter.secret"), &mut adapter.secret));
            }
        }
        out
    }
}
