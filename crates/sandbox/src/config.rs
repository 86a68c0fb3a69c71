//! Sandbox configuration: where webhooks go, how they are signed, which credentials the
//! simulated platforms accept, and the knobs that make a run reproducible (seed, state file).
//!
//! Every default is a *dev* value from the shared contract, so `SandboxConfig::default()`
//! and `assetrelay-sandbox` without flags work against a dev assetrelay out of the box.
//! Secrets are `SecretString`s: `Debug` prints them redacted.

use std::path::PathBuf;

use assetrelay_signature::HmacScheme;
use secrecy::SecretString;
use serde::Deserialize;

/// Dev Standard Webhooks secret for webhooks the simulated PhotoShelter sends.
pub const DEV_PHOTOSHELTER_WEBHOOK_SECRET: &str =
    "whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA==";
/// Dev Standard Webhooks secret for webhooks the simulated Smint.io sends.
pub const DEV_SMINTIO_WEBHOOK_SECRET: &str = "whsec_ZGV2LXNtaW50aW8td2ViaG9vay1zZWNyZXQtMDAwMA==";

/// Everything a sandbox instance needs. Build it with `Default`, [`SandboxConfig::for_tests`],
/// from JSON/TOML via serde, or from the binary's flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// assetrelay ingress origin, e.g. `http://127.0.0.1:8080`; webhooks go to
    /// `{ingress_url}/webhooks/{platform}/{connection}`. `None`: webhooks are recorded as
    /// not sent.
    pub ingress_url: Option<String>,
    /// Connection name used in the webhook URL.
    pub connection: String,
    /// How webhooks from the simulated PhotoShelter are signed.
    pub photoshelter_webhook: WebhookSigning,
    /// How webhooks from the simulated Smint.io are signed.
    pub smintio_webhook: WebhookSigning,
    /// Attempts per webhook delivery (first try included) before giving up.
    pub webhook_max_attempts: u32,
    /// Delay before the first retry; doubled after each failed attempt.
    pub webhook_initial_backoff_ms: u64,
    /// Upper bound of the retry delay.
    pub webhook_max_backoff_ms: u64,
    /// Per-attempt HTTP timeout of a webhook delivery.
    pub webhook_timeout_ms: u64,
    /// Credentials the simulated PhotoShelter accepts.
    pub photoshelter: PhotoShelterCredentials,
    /// Credentials the simulated Smint.io accepts.
    pub smintio: SmintioCredentials,
    /// How the simulated Smint.io data adapter verifies pushes it receives.
    pub data_adapter: DataAdapterConfig,
    /// Seed of the fault-injection RNG (and of anything else random), so a run reproduces.
    pub seed: u64,
    /// Id space of this instance: sandboxes with different values never generate the
    /// same PhotoShelter id or Smint.io uuid (see [`crate::ids`]). 0 keeps the
    /// historical ids.
    pub id_seed: u16,
    /// JSON file holding the platforms' state: loaded on start, saved on stop.
    pub state_file: Option<PathBuf>,
    /// Lifetime of issued access/auth tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Whether the platforms send webhooks at all. `false` is how the real ones behave
    /// (neither documents outgoing webhooks to us): nothing is sent, each delivery is
    /// recorded as `disabled`. Flipped at run time by `POST /_sandbox/webhooks/switch`.
    pub webhooks_enabled: bool,
    /// The Pusher Channels app of the simulated Smint.io (research/smintio.md §3.1).
    pub pusher: PusherSettings,
    /// Concurrent PhotoShelter sessions per user: a login beyond it ends the user's
    /// oldest session (PhotoShelter "enforces a maximum number of concurrent sessions
    /// for any given user"; the number and what happens at it are undocumented, both
    /// ASSUMED).
    pub max_sessions_per_user: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            ingress_url: None,
            connection: "demo".into(),
            photoshelter_webhook: WebhookSigning::standard(DEV_PHOTOSHELTER_WEBHOOK_SECRET),
            smintio_webhook: WebhookSigning::standard(DEV_SMINTIO_WEBHOOK_SECRET),
            webhook_max_attempts: 5,
            webhook_initial_backoff_ms: 500,
            webhook_max_backoff_ms: 30_000,
            webhook_timeout_ms: 5_000,
            photoshelter: PhotoShelterCredentials::default(),
            smintio: SmintioCredentials::default(),
            data_adapter: DataAdapterConfig::default(),
            seed: 0,
            id_seed: 0,
            state_file: None,
            token_lifetime_secs: 3_600,
            webhooks_enabled: true,
            pusher: PusherSettings::default(),
            max_sessions_per_user: 25,
        }
    }
}

impl SandboxConfig {
    /// Dev credentials, no ingress URL, fixed seed, and short retry delays so tests that
    /// exercise webhook retries finish quickly.
    pub fn for_tests() -> Self {
        Self {
            seed: 42,
            webhook_initial_backoff_ms: 10,
            webhook_max_backoff_ms: 100,
            webhook_timeout_ms: 2_000,
            ..Self::default()
        }
    }

    /// The signing of one platform's outgoing webhooks.
    pub fn webhook_signing(&self, platform: crate::Platform) -> &WebhookSigning {
        match platform {
            crate::Platform::PhotoShelter => &self.photoshelter_webhook,
            crate::Platform::Smintio => &self.smintio_webhook,
        }
    }
}

/// How outgoing webhooks are signed.
#[derive(Debug, Clone, Deserialize)]
// Unknown keys are refused by `HmacScheme` itself; `deny_unknown_fields` cannot be
// combined with `flatten` here.
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum WebhookSigning {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64>`.
    StandardWebhooks {
        /// `whsec_<base64>`; the decoded bytes are the key.
        secret: SecretString,
    },
    /// A generic HMAC scheme (header names, encoding, signed content).
    Hmac {
        #[serde(flatten)]
        scheme: HmacScheme,
        /// Used as the raw bytes of the string.
        secret: SecretString,
    },
}

impl WebhookSigning {
    /// Standard Webhooks with the given `whsec_` secret.
    pub fn standard(secret: &str) -> Self {
        Self::StandardWebhooks {
            secret: SecretString::from(secret),
        }
    }
}

/// PhotoShelter credentials (contract dev defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoShelterCredentials {
    /// Value expected in `X-PS-Api-Key`.
    pub api_key: SecretString,
    /// Login email.
    pub email: String,
    /// Login password.
    pub password: SecretString,
    /// The one organization the sandbox hosts.
    pub org_id: String,
    /// A static OAuth bearer token accepted like a session token (one issued before the
    /// sandbox started, by a flow it does not simulate).
    pub oauth_token: SecretString,
    /// The OAuth client `POST /psapi/v4.0/oauth/token` accepts.
    pub oauth_client_id: String,
    pub oauth_client_secret: SecretString,
    /// The refresh token an authorization-code grant gave (valid until its first use:
    /// each grant rotates it).
    pub oauth_refresh_token: SecretString,
}

impl Default for PhotoShelterCredentials {
    fn default() -> Self {
        Self {
            api_key: "ps-dev-api-key".into(),
            email: "dev@example.com".into(),
            password: "dev-password".into(),
            org_id: "O0000DEVORG00001".into(),
            oauth_token: "ps-dev-oauth-token".into(),
            oauth_client_id: "ps-dev-oauth-client".into(),
            oauth_client_secret: "ps-dev-oauth-secret".into(),
            oauth_refresh_token: "ps-dev-refresh-token".into(),
        }
    }
}

/// Smint.io credentials (contract dev defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmintioCredentials {
    /// Tenant id (the `{tenant}` of `https://{tenant}.smint.io`).
    pub tenant: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: SecretString,
    /// The refresh token the sandbox accepts initially.
    pub refresh_token: SecretString,
    /// Whether `refresh_token` stays valid after it was used. A real OAuth server consumes
    /// it on first use like every refresh token, which is the default: assetrelay's flows
    /// share the rotated token through the store. `true` is a sandbox-only convenience for
    /// clients that keep no rotated token (a hand-written script against the sandbox).
    pub reusable_refresh_token: bool,
}

impl Default for SmintioCredentials {
    fn default() -> Self {
        Self {
            tenant: "devtenant".into(),
            client_id: "assetrelay-dev".into(),
            client_secret: "dev-client-secret".into(),
            refresh_token: "dev-refresh-token".into(),
            reusable_refresh_token: false,
        }
    }
}

/// The Pusher Channels app behind Smint.io's push notifications: the WebSocket endpoint
/// `/app/{app_key}` and the channel auth route check against these.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PusherSettings {
    /// The app key clients connect with; the default is Smint.io's real one (DOC: SDK
    /// source, `PusherService`), so a client configured for production needs only its URL
    /// changed.
    pub app_key: String,
    /// The app secret the channel signatures are made with (Smint.io's is not public;
    /// this is a dev value).
    pub app_secret: SecretString,
    /// The tenant's `ChannelId` (issued per customer): its channel is
    /// `private-2-{channel_id}`.
    pub channel_id: i64,
    /// `activity_timeout` told to clients in `pusher:connection_established`, in
    /// seconds: how long they stay silent before pinging (pusher.com says 120).
    pub activity_timeout_secs: u64,
}

impl Default for PusherSettings {
    fn default() -> Self {
        Self {
            app_key: "32f31c26a83e09dc401b".into(),
            app_secret: "dev-pusher-app-secret".into(),
            channel_id: 1,
            activity_timeout_secs: 120,
        }
    }
}

impl PusherSettings {
    /// The tenant's channel, `private-2-{channel_id}` (DOC: SDK source).
    pub fn channel(&self) -> String {
        format!("private-2-{}", self.channel_id)
    }
}

/// Verification of pushes into the simulated Smint.io data adapter: HMAC-SHA256 hex over
/// `"{timestamp}.{body}"` (Smint.io's recipe), header names configurable.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataAdapterConfig {
    /// Shared secret, used as the raw bytes of the string.
    pub secret: SecretString,
    /// Header carrying the hex signature.
    pub signature_header: String,
    /// Header carrying the Unix timestamp (seconds).
    pub timestamp_header: String,
    /// Accepted clock difference, in seconds.
    pub tolerance_secs: u64,
}

impl Default for DataAdapterConfig {
    fn default() -> Self {
        Self {
            secret: "dev-adapter-secret".into(),
            signature_header: "X-Assetrelay-Signature".into(),
            timestamp_header: "X-Assetrelay-Timestamp".into(),
            tolerance_secs: 300,
        }
    }
}

impl DataAdapterConfig {
    /// The signature scheme as `assetrelay-signature` understands it.
    pub fn scheme(&self) -> HmacScheme {
        let mut scheme =
            HmacScheme::timestamp_dot_body(&self.signature_header, &self.timestamp_header);
        scheme.tolerance_secs = self.tolerance_secs;
        scheme
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assetrelay_signature::SignedContent;

    #[test]
    fn a_generic_hmac_signing_is_read_from_flat_json() {
        let json = r#"{"photoshelter_webhook": {"type": "hmac", "signature_header": "X-Sig",
            "timestamp_header": "X-Ts", "signed_content": "timestamp.body", "secret": "s3cr3t"}}"#;

        let config: SandboxConfig = serde_json::from_str(json).unwrap();

        let WebhookSigning::Hmac { scheme, .. } = &config.photoshelter_webhook else {
            panic!("expected hmac, got {:?}", config.photoshelter_webhook);
        };
        assert_eq!(scheme.signature_header, "X-Sig");
        assert_eq!(scheme.signed_content, SignedContent::TimestampDotBody);
        assert_eq!(config.connection, "demo", "unset keys keep their defaults");
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let debug = format!("{:?}", SandboxConfig::default());

        for secret in [
            "ps-dev-api-key",
            "dev-password",
            "dev-client-secret",
            "dev-adapter-secret",
            "dev-pusher-app-secret",
            "ZGV2",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = serde_json::from_str::<SandboxConfig>(r#"{"conection": "x"}"#).unwrap_err();

        assert!(error.to_string().contains("conection"), "{error}");
    }
}
