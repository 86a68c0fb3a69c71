//! Layering (defaults → file → environment) and validation that names the bad key.

use std::collections::BTreeMap;
use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Toml};

use crate::env::EnvMap;
use crate::secret::ResolveError;
use crate::{
    AmqpUrl, Config, ManagementUrl, SchemeName, StoreUrl, UrlError, VerifierError,
    WebhookVerification,
};

/// Why the configuration cannot be used. Each variant names the key it is about; the
/// underlying cause, if any, is the [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Parse or type errors; figment's message names the key and the source.
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    /// A value that breaks a rule of ours (a range, a name, a required table).
    #[error("invalid configuration at `{key}`: {problem}")]
    Invalid { key: String, problem: &'static str },
    #[error("invalid configuration at `{key}`: cannot resolve the secret")]
    Secret {
        key: String,
        #[source]
        source: ResolveError,
    },
    #[error("invalid configuration at `{key}`: not a usable key")]
    Key {
        key: String,
        #[source]
        source: assetrelay_signature::SecretError,
    },
    /// A broker URL that does not parse; neither message nor cause repeats it.
    #[error("invalid configuration at `{key}`: not a usable URL")]
    Url {
        key: &'static str,
        #[source]
        source: UrlError,
    },
    #[error("configuration file `{0}` does not exist")]
    MissingFile(String),
}

fn invalid(key: impl Into<String>, problem: &'static str) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        problem,
    }
}

fn secret(key: impl Into<String>) -> impl FnOnce(ResolveError) -> ConfigError {
    let key = key.into();
    |source| ConfigError::Secret { key, source }
}

/// Load `file` (if given) layered with `ASSETRELAY_*` variables from `env`, resolve secrets
/// and validate.
pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::MissingFile(path.display().to_string()));
        }
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(EnvMap(env.clone()));
    check_url(&figment, "broker.url", AmqpUrl::parse)?;
    check_url(&figment, "broker.management_url", ManagementUrl::parse)?;
    check_url(&figment, "store.url", StoreUrl::parse)?;
    let mut config: Config = figment.extract().map_err(Box::new)?;
    validate(&mut config, env)?;
    Ok(config)
}

/// Parse a URL before the whole extraction does: through serde its error would reach us
/// as text only, with the cause gone.
fn check_url<T>(
    figment: &Figment,
    key: &'static str,
    parse: fn(&str) -> Result<T, UrlError>,
) -> Result<(), ConfigError> {
    if let Some(text) = figment.find_value(key).ok().and_then(|v| v.into_string()) {
        parse(&text).map_err(|source| ConfigError::Url { key, source })?;
    }
    Ok(())
}

fn validate(config: &mut Config, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
    if !is_name(&config.topology.prefix, true) {
        return Err(invalid(
            "topology.prefix",
            "use lower-case letters, digits, `-`, `_` and `.`",
        ));
    }
    if config.topology.retry_tiers_secs.is_empty() || config.topology.retry_tiers_secs.contains(&0)
    {
        return Err(invalid(
            "topology.retry_tiers_secs",
            "needs at least one tier, each > 0",
        ));
    }
    if config.topology.scheduler_tiers_secs.contains(&0) {
        return Err(invalid(
            "topology.scheduler_tiers_secs",
            "each tier must be > 0",
        ));
    }
    if !valid_max_age(&config.topology.archive_max_age) {
        return Err(invalid(
            "topology.archive_max_age",
            "write <number><unit>, unit one of Y M D h m s (e.g. 7D)",
        ));
    }
    if !(1..=43_200).contains(&config.admin.console.session_minutes) {
        return Err(invalid(
            "admin.console.session_minutes",
            "must be between 1 and 43200 (30 days)",
        ));
    }
    if config.broker.publisher_channels == 0 {
        return Err(invalid("broker.publisher_channels", "must be at least 1"));
    }
    if config.ingress.concurrency_limit == 0 {
        return Err(invalid("ingress.concurrency_limit", "must be at least 1"));
    }
    if config.ingress.body_limit_bytes == 0 {
        return Err(invalid("ingress.body_limit_bytes", "must be at least 1"));
    }
    if config.flows.prefetch == 0 {
        return Err(invalid("flows.prefetch", "must be at least 1"));
    }
    if config.flows.concurrency == 0 {
        return Err(invalid("flows.concurrency", "must be at least 1"));
    }
    if config.store.max_connections == 0 {
        return Err(invalid("store.max_connections", "must be at least 1"));
    }
    if config.store.statement_timeout_ms == 0 {
        return Err(invalid("store.statement_timeout_ms", "must be at least 1"));
    }
    if config.store.history_retention_days == 0 {
        return Err(invalid(
            "store.history_retention_days",
            "must be at least 1 day",
        ));
    }
    for (i, token) in config.admin.tokens.iter_mut().enumerate() {
        token
            .resolve(env)
            .map_err(secret(format!("admin.tokens[{i}]")))?;
        if token.expose().len() < 16 {
            return Err(invalid(
                format!("admin.tokens[{i}]"),
                "an admin token needs at least 16 characters",
            ));
        }
    }
    for (name, connection) in &mut config.connections {
        if !is_name(name, false) {
            return Err(invalid(
                format!("connections.{name}"),
                "connection names use lower-case letters, digits, `-` and `_` (they appear in routing keys)",
            ));
        }
        let ps = format!("connections.{name}.photoshelter");
        let smint = format!("connections.{name}.smintio");
        check_webhook(&format!("{ps}.webhook"), &connection.photoshelter.webhook)?;
        check_webhook(&format!("{smint}.webhook"), &connection.smintio.webhook)?;
        let mut secrets = connection.photoshelter.secrets_mut(&ps);
        secrets.extend(connection.smintio.secrets_mut(&smint));
        for (key, secret) in secrets {
            secret.resolve(env).map_err(self::secret(key))?;
        }
        validate_webhook_keys(&format!("{ps}.webhook"), &connection.photoshelter.webhook)?;
        validate_webhook_keys(&format!("{smint}.webhook"), &connection.smintio.webhook)?;
        if let Some(api) = &connection.photoshelter.api {
            check_photoshelter_auth(&format!("{ps}.api.auth"), &api.auth)?;
        }
        check_poll(&format!("{ps}.poll"), &connection.photoshelter.poll)?;
        check_sync(&format!("{smint}.sync"), &connection.smintio.sync)?;
        if connection.photoshelter.reconcile.interval_secs == 0 {
            return Err(invalid(
                format!("{ps}.reconcile.interval_secs"),
                "must be at least 1",
            ));
        }
        if let Some(gallery) = &connection.rules.distribution.gallery
            && gallery.trim().is_empty()
        {
            return Err(invalid(
                format!("connections.{name}.rules.distribution.gallery"),
                "name a gallery id (G0000…) or leave it out",
            ));
        }
        let previews = &connection.rules.previews;
        for (key, size) in [
            ("thumbnail_size", &previews.thumbnail_size),
            ("large_size", &previews.large_size),
        ] {
            if !crate::PreviewRules::is_size(size) {
                return Err(invalid(
                    format!("connections.{name}.rules.previews.{key}"),
                    "write WxH in pixels, e.g. \"300x300\" (each side 1 to 10000)",
                ));
            }
        }
    }
    Ok(())
}

fn check_photoshelter_auth(key: &str, auth: &crate::PhotoShelterAuth) -> Result<(), ConfigError> {
    let crate::PhotoShelterAuth::Oauth {
        access_token,
        refresh_token,
        client_id,
        client_secret,
        ..
    } = auth
    else {
        return Ok(());
    };
    if access_token.is_none() && refresh_token.is_none() {
        return Err(invalid(
            key,
            "mode = \"oauth\" needs access_token, refresh_token (with client_id and client_secret), or both",
        ));
    }
    if refresh_token.is_some() && (client_id.is_none() || client_secret.is_none()) {
        return Err(invalid(
            key,
            "a refresh_token needs the client_id and client_secret it was issued to",
        ));
    }
    Ok(())
}

fn check_poll(key: &str, poll: &crate::PhotoShelterPoll) -> Result<(), ConfigError> {
    if poll.interval_secs == 0 {
        return Err(invalid(
            format!("{key}.interval_secs"),
            "must be at least 1",
        ));
    }
    if poll.overlap_secs > 86_400 {
        return Err(invalid(
            format!("{key}.overlap_secs"),
            "must be at most 86400 (a day)",
        ));
    }
    if !(1..=1000).contains(&poll.page_size) {
        return Err(invalid(format!("{key}.page_size"), "must be 1 to 1000"));
    }
    Ok(())
}

fn check_sync(key: &str, sync: &crate::SmintioSync) -> Result<(), ConfigError> {
    for (field, value) in [
        ("interval_secs", sync.interval_secs),
        ("request_check_secs", sync.request_check_secs),
    ] {
        if value == 0 {
            return Err(invalid(format!("{key}.{field}"), "must be at least 1"));
        }
    }
    if !(1..=1000).contains(&sync.page_size) {
        return Err(invalid(format!("{key}.page_size"), "must be 1 to 1000"));
    }
    if let Some(pusher) = &sync.pusher
        && (pusher.app_key.trim().is_empty() || pusher.cluster.trim().is_empty())
    {
        return Err(invalid(
            format!("{key}.pusher"),
            "app_key and cluster must not be empty",
        ));
    }
    Ok(())
}

fn check_webhook(key: &str, webhook: &WebhookVerification) -> Result<(), ConfigError> {
    if webhook.secrets.is_empty() {
        return Err(invalid(
            format!("{key}.secrets"),
            "at least one secret is required",
        ));
    }
    if webhook.scheme == SchemeName::Hmac {
        let scheme = webhook
            .hmac
            .as_ref()
            .ok_or_else(|| invalid(format!("{key}.hmac"), "scheme `hmac` needs an [hmac] table"))?;
        scheme
            .check()
            .map_err(|p| invalid(format!("{key}.hmac"), p))?;
    }
    Ok(())
}

/// The secrets must make keys of the scheme (e.g. `whsec_<base64>`); checked after
/// resolution by building the verifier the ingress will build.
fn validate_webhook_keys(key: &str, webhook: &WebhookVerification) -> Result<(), ConfigError> {
    match webhook.verifier() {
        Ok(_) => Ok(()),
        Err(VerifierError::Key { index, source }) => Err(ConfigError::Key {
            key: format!("{key}.secrets[{index}]"),
            source,
        }),
        Err(VerifierError::MissingHmacTable) => Err(invalid(
            format!("{key}.hmac"),
            "scheme `hmac` needs an [hmac] table",
        )),
    }
}

fn is_name(name: &str, allow_dots: bool) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b == b'-'
                || b == b'_'
                || (allow_dots && b == b'.')
        })
}

fn valid_max_age(text: &str) -> bool {
    let Some(unit) = text.chars().last() else {
        return false;
    };
    let digits = &text[..text.len() - unit.len_utf8()];
    "YMDhms".contains(unit)
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits != "0"
}
