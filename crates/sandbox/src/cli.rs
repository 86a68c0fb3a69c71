//! Command-line flags of the `assetrelay-sandbox` binary. Every flag has an
//! `ASSETRELAY_SANDBOX_*` environment variable; secrets are best passed that way (flags
//! show up in process listings). Unset flags keep the dev defaults of [`SandboxConfig`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use secrecy::SecretString;

use crate::config::{SandboxConfig, WebhookSigning};

/// Simulated PhotoShelter and Smint.io (API surfaces, signed webhooks, fault injection).
#[derive(Debug, Parser)]
#[command(name = "assetrelay-sandbox", version, about)]
pub struct Cli {
    /// Address to listen on.
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_LISTEN",
        default_value = "127.0.0.1:8090"
    )]
    pub listen: SocketAddr,
    /// assetrelay ingress origin; webhooks go to {URL}/webhooks/{platform}/{connection}.
    /// Without it webhooks are recorded but not sent.
    #[arg(long, env = "ASSETRELAY_SANDBOX_INGRESS_URL")]
    pub ingress_url: Option<String>,
    /// Connection name in webhook URLs [default: demo].
    #[arg(long, env = "ASSETRELAY_SANDBOX_CONNECTION")]
    pub connection: Option<String>,
    /// Seed of the fault-injection RNG, so runs reproduce [default: 0].
    #[arg(long, env = "ASSETRELAY_SANDBOX_SEED")]
    pub seed: Option<u64>,
    /// Concurrent PhotoShelter sessions per user; a login beyond it ends the oldest
    /// [default: 25].
    #[arg(long, env = "ASSETRELAY_SANDBOX_MAX_SESSIONS_PER_USER")]
    pub max_sessions_per_user: Option<usize>,
    /// Id space: sandboxes with different values never generate the same ids [default: 0].
    #[arg(long, env = "ASSETRELAY_SANDBOX_ID_SEED")]
    pub id_seed: Option<u16>,
    /// JSON state file: loaded on start (if present), saved on stop.
    #[arg(long, env = "ASSETRELAY_SANDBOX_STATE_FILE")]
    pub state_file: Option<PathBuf>,
    /// Whether the platforms send webhooks: `off` behaves as the real platforms do (no
    /// webhooks; Smint.io still notifies over Pusher) [default: on].
    #[arg(long, env = "ASSETRELAY_SANDBOX_WEBHOOKS", value_enum)]
    pub webhooks: Option<Switch>,
    /// Log as JSON lines instead of text (filter with RUST_LOG).
    #[arg(long, env = "ASSETRELAY_SANDBOX_LOG_JSON")]
    pub log_json: bool,

    /// Standard Webhooks secret (whsec_…) for PhotoShelter webhooks [default: dev secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_PHOTOSHELTER_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub photoshelter_webhook_secret: Option<SecretString>,
    /// Standard Webhooks secret (whsec_…) for Smint.io webhooks [default: dev secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_SMINTIO_WEBHOOK_SECRET",
        hide_env_values = true
    )]
    pub smintio_webhook_secret: Option<SecretString>,
    /// Attempts per webhook (first try included) [default: 5].
    #[arg(long, env = "ASSETRELAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS")]
    pub webhook_max_attempts: Option<u32>,
    /// First retry delay in ms, doubled per attempt [default: 500].
    #[arg(long, env = "ASSETRELAY_SANDBOX_WEBHOOK_INITIAL_BACKOFF_MS")]
    pub webhook_initial_backoff_ms: Option<u64>,
    /// Upper bound of the webhook retry delay in ms [default: 30000].
    #[arg(long, env = "ASSETRELAY_SANDBOX_WEBHOOK_MAX_BACKOFF_MS")]
    pub webhook_max_backoff_ms: Option<u64>,
    /// Per-attempt webhook timeout in ms [default: 5000].
    #[arg(long, env = "ASSETRELAY_SANDBOX_WEBHOOK_TIMEOUT_MS")]
    pub webhook_timeout_ms: Option<u64>,
    /// Lifetime of issued access/auth tokens in seconds [default: 3600].
    #[arg(long, env = "ASSETRELAY_SANDBOX_TOKEN_LIFETIME_SECS")]
    pub token_lifetime_secs: Option<u64>,

    /// PhotoShelter API key accepted in X-PS-Api-Key [default: ps-dev-api-key].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PS_API_KEY", hide_env_values = true)]
    pub ps_api_key: Option<SecretString>,
    /// PhotoShelter login email [default: dev@example.com].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PS_EMAIL")]
    pub ps_email: Option<String>,
    /// PhotoShelter login password [default: dev-password].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PS_PASSWORD", hide_env_values = true)]
    pub ps_password: Option<SecretString>,
    /// PhotoShelter organization id [default: O0000DEVORG00001].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PS_ORG_ID")]
    pub ps_org_id: Option<String>,
    /// PhotoShelter OAuth bearer token accepted [default: ps-dev-oauth-token].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_PS_OAUTH_TOKEN",
        hide_env_values = true
    )]
    pub ps_oauth_token: Option<SecretString>,
    /// OAuth client the token endpoint accepts [default: ps-dev-oauth-client].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PS_OAUTH_CLIENT_ID")]
    pub ps_oauth_client_id: Option<String>,
    /// Its secret [default: ps-dev-oauth-secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_PS_OAUTH_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub ps_oauth_client_secret: Option<SecretString>,
    /// The first refresh token the token endpoint accepts (each grant rotates it)
    /// [default: ps-dev-refresh-token].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_PS_OAUTH_REFRESH_TOKEN",
        hide_env_values = true
    )]
    pub ps_oauth_refresh_token: Option<SecretString>,

    /// Smint.io tenant [default: devtenant].
    #[arg(long, env = "ASSETRELAY_SANDBOX_SMINTIO_TENANT")]
    pub smintio_tenant: Option<String>,
    /// Smint.io OAuth client id [default: assetrelay-dev].
    #[arg(long, env = "ASSETRELAY_SANDBOX_SMINTIO_CLIENT_ID")]
    pub smintio_client_id: Option<String>,
    /// Smint.io OAuth client secret [default: dev-client-secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_SMINTIO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub smintio_client_secret: Option<SecretString>,
    /// Smint.io refresh token accepted initially [default: dev-refresh-token].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_SMINTIO_REFRESH_TOKEN",
        hide_env_values = true
    )]
    pub smintio_refresh_token: Option<SecretString>,

    /// Pusher app key of the simulated Smint.io [default: 32f31c26a83e09dc401b, Smint.io's].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PUSHER_APP_KEY")]
    pub pusher_app_key: Option<String>,
    /// Pusher app secret the channel signatures are made with [default: dev-pusher-app-secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_PUSHER_APP_SECRET",
        hide_env_values = true
    )]
    pub pusher_app_secret: Option<SecretString>,
    /// The tenant's Smint.io ChannelId; its channel is private-2-{id} [default: 1].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PUSHER_CHANNEL_ID")]
    pub pusher_channel_id: Option<i64>,
    /// activity_timeout told to Pusher clients, in seconds [default: 120].
    #[arg(long, env = "ASSETRELAY_SANDBOX_PUSHER_ACTIVITY_TIMEOUT_SECS")]
    pub pusher_activity_timeout_secs: Option<u64>,

    /// Data-adapter HMAC secret (raw string bytes) [default: dev-adapter-secret].
    #[arg(
        long,
        env = "ASSETRELAY_SANDBOX_ADAPTER_SECRET",
        hide_env_values = true
    )]
    pub adapter_secret: Option<SecretString>,
    /// Data-adapter signature header [default: X-Assetrelay-Signature].
    #[arg(long, env = "ASSETRELAY_SANDBOX_ADAPTER_SIGNATURE_HEADER")]
    pub adapter_signature_header: Option<String>,
    /// Data-adapter timestamp header [default: X-Assetrelay-Timestamp].
    #[arg(long, env = "ASSETRELAY_SANDBOX_ADAPTER_TIMESTAMP_HEADER")]
    pub adapter_timestamp_header: Option<String>,
    /// Data-adapter signature tolerance in seconds [default: 300].
    #[arg(long, env = "ASSETRELAY_SANDBOX_ADAPTER_TOLERANCE_SECS")]
    pub adapter_tolerance_secs: Option<u64>,
}

impl Cli {
    /// The configuration: dev defaults, overridden by every flag given.
    pub fn config(&self) -> SandboxConfig {
        let mut c = SandboxConfig::default();
        set(&mut c.ingress_url, self.ingress_url.clone().map(Some));
        set(&mut c.connection, self.connection.clone());
        set(&mut c.seed, self.seed);
        set(&mut c.max_sessions_per_user, self.max_sessions_per_user);
        set(&mut c.id_seed, self.id_seed);
        set(&mut c.state_file, self.state_file.clone().map(Some));
        set(
            &mut c.webhooks_enabled,
            self.webhooks.map(|w| w == Switch::On),
        );
        let standard = |s: &SecretString| WebhookSigning::StandardWebhooks { secret: s.clone() };
        set(
            &mut c.photoshelter_webhook,
            self.photoshelter_webhook_secret.as_ref().map(standard),
        );
        set(
            &mut c.smintio_webhook,
            self.smintio_webhook_secret.as_ref().map(standard),
        );
        set(&mut c.webhook_max_attempts, self.webhook_max_attempts);
        set(
            &mut c.webhook_initial_backoff_ms,
            self.webhook_initial_backoff_ms,
        );
        set(&mut c.webhook_max_backoff_ms, self.webhook_max_backoff_ms);
        set(&mut c.webhook_timeout_ms, self.webhook_timeout_ms);
        set(&mut c.token_lifetime_secs, self.token_lifetime_secs);
        set(&mut c.photoshelter.api_key, self.ps_api_key.clone());
        set(&mut c.photoshelter.email, self.ps_email.clone());
        set(&mut c.photoshelter.password, self.ps_password.clone());
        set(&mut c.photoshelter.org_id, self.ps_org_id.clone());
        set(&mut c.photoshelter.oauth_token, self.ps_oauth_token.clone());
        set(
            &mut c.photoshelter.oauth_client_id,
            self.ps_oauth_client_id.clone(),
        );
        set(
            &mut c.photoshelter.oauth_client_secret,
            self.ps_oauth_client_secret.clone(),
        );
        set(
            &mut c.photoshelter.oauth_refresh_token,
            self.ps_oauth_refresh_token.clone(),
        );
        set(&mut c.smintio.tenant, self.smintio_tenant.clone());
        set(&mut c.smintio.client_id, self.smintio_client_id.clone());
        set(
            &mut c.smintio.client_secret,
            self.smintio_client_secret.clone(),
        );
        set(
            &mut c.smintio.refresh_token,
            self.smintio_refresh_token.clone(),
        );
        set(&mut c.pusher.app_key, self.pusher_app_key.clone());
        set(&mut c.pusher.app_secret, self.pusher_app_secret.clone());
        set(&mut c.pusher.channel_id, self.pusher_channel_id);
        set(
            &mut c.pusher.activity_timeout_secs,
            self.pusher_activity_timeout_secs,
        );
        set(&mut c.data_adapter.secret, self.adapter_secret.clone());
        set(
            &mut c.data_adapter.signature_header,
            self.adapter_signature_header.clone(),
        );
        set(
            &mut c.data_adapter.timestamp_header,
            self.adapter_timestamp_header.clone(),
        );
        set(
            &mut c.data_adapter.tolerance_secs,
            self.adapter_tolerance_secs,
        );
        c
    }
}

/// `on` / `off`, as flags and the control API spell a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_seed_flag_sets_the_id_space() {
        let cli = Cli::try_parse_from(["assetrelay-sandbox", "--id-seed", "2"]).unwrap();

        assert_eq!(cli.config().id_seed, 2);
    }

    #[test]
    fn webhooks_are_on_unless_switched_off() {
        let default = Cli::try_parse_from(["assetrelay-sandbox"]).unwrap();
        let off = Cli::try_parse_from(["assetrelay-sandbox", "--webhooks", "off"]).unwrap();

        assert!(default.config().webhooks_enabled);
        assert!(!off.config().webhooks_enabled);
        assert!(Cli::try_parse_from(["assetrelay-sandbox", "--webhooks", "maybe"]).is_err());
    }

    #[test]
    fn the_pusher_flags_set_the_app_and_channel() {
        let cli = Cli::try_parse_from([
            "assetrelay-sandbox",
            "--pusher-app-key",
            "k",
            "--pusher-channel-id",
            "7",
            "--pusher-activity-timeout-secs",
            "5",
        ])
        .unwrap();

        let pusher = cli.config().pusher;

        assert_eq!(pusher.app_key, "k");
        assert_eq!(pusher.channel(), "private-2-7");
        assert_eq!(pusher.activity_timeout_secs, 5);
    }

    #[test]
    fn an_id_seed_beyond_u16_is_refused() {
        let parsed = Cli::try_parse_from(["assetrelay-sandbox", "--id-seed", "65536"]);

        assert!(parsed.is_err());
    }
}
