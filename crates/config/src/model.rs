//! The typed configuration. Every field has a default except connections and secrets.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use assetrelay_signature::HmacScheme;
use serde::Deserialize;

use crate::Secret;
pub use crate::admin::*;
pub use crate::endpoint::*;
pub use crate::flows::*;
pub use crate::platform::*;
pub use crate::rules::*;
pub use crate::sources::*;
pub use crate::store::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub broker: BrokerConfig,
    #[serde(default)]
    pub topology: TopologyConfig,
    #[serde(default)]
    pub ingress: IngressConfig,
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    #[serde(default)]
    pub flows: FlowsConfig,
    #[serde(default)]
    pub admin: AdminConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub sources: SourcesConfig,
    /// Connections (tenants) by name; the name appears in webhook paths and routing keys.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerConfig {
    /// AMQP URL, parsed at load. Holds credentials: prefer `ASSETRELAY_BROKER__URL` in
    /// production. Only its host, port and vhost are ever shown.
    pub url: AmqpUrl,
    /// Confirm-mode channels kept open for publishing.
    pub publisher_channels: usize,
    /// Upper bound of the reconnect backoff, in milliseconds.
    pub reconnect_max_delay_ms: u64,
    /// How long a publish may wait for the broker's confirm, in milliseconds.
    pub confirm_timeout_ms: u64,
    /// RabbitMQ management HTTP API (`rabbitmq_management` plugin), with credentials:
    /// `assetrelay topology check` reads queue types, arguments, bindings and policies
    /// from it. Parsed at load; only its scheme, host, port and path are ever shown.
    pub management_url: ManagementUrl,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            url: literal(AmqpUrl::parse("amqp://guest:guest@127.0.0.1:5672/%2f")),
            publisher_channels: 8,
            reconnect_max_delay_ms: 5_000,
            confirm_timeout_ms: 5_000,
            management_url: literal(ManagementUrl::parse("http://guest:guest@127.0.0.1:15672")),
        }
    }
}

/// A default URL written above: it parses (the config tests load the defaults).
#[allow(clippy::expect_used)]
fn literal<T>(parsed: Result<T, UrlError>) -> T {
    parsed.expect("the default broker URLs parse")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopologyConfig {
    /// Prefix of every exchange and queue name (`<prefix>.events`, `<prefix>.<flow>`, …).
    pub prefix: String,
    /// Declare the topology when a binary starts (idempotent).
    pub declare_on_start: bool,
    /// Delays of the retry tiers, in seconds, shortest first.
    pub retry_tiers_secs: Vec<u64>,
    /// Delays of the expiry scheduler tiers, in seconds.
    pub scheduler_tiers_secs: Vec<u64>,
    /// Quorum `x-delivery-limit`: the poison-message safety net.
    pub delivery_limit: u32,
    /// Archive stream retention (`x-max-age`, e.g. `7D`, `12h`).
    pub archive_max_age: String,
}

impl Default for TopologyConfig {
    fn default() -> Self {
        Self {
            prefix: "assetrelay".into(),
            declare_on_start: true,
            retry_tiers_secs: vec![5, 30, 300, 3_600],
            scheduler_tiers_secs: vec![10, 60, 600, 3_600, 21_600],
            delivery_limit: 20,
            archive_max_age: "7D".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngressConfig {
    pub listen: SocketAddr,
    /// Largest accepted webhook body, enforced while reading.
    pub body_limit_bytes: usize,
    /// Whole-request deadline, including the broker confirm.
    pub request_timeout_ms: u64,
    /// Requests handled at once; more are answered 503 with `Retry-After`.
    pub concurrency_limit: usize,
    /// How long a delivery id is remembered to answer a platform retry without republishing.
    pub dedup_window_secs: u64,
    /// Most delivery ids remembered (oldest forgotten first).
    pub dedup_capacity: usize,
    /// `Retry-After` sent with 503 answers, in seconds.
    pub retry_after_secs: u64,
}

impl Default for IngressConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 1024 * 1024,
            request_timeout_ms: 10_000,
            concurrency_limit: 512,
            dedup_window_secs: 600,
            dedup_capacity: 100_000,
            retry_after_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `pretty` for people, `json` for log shippers.
    pub log_format: LogFormat,
    /// `tracing` filter directives, e.g. `info,assetrelay_broker=debug`; `RUST_LOG` wins.
    pub log_filter: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// One tenant: a PhotoShelter organization paired with a Smint.io tenant.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    pub photoshelter: PhotoShelterConnection,
    pub smintio: SmintioConnection,
    /// Approval, region and distribution rules.
    #[serde(default)]
    pub rules: ConnectionRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeName {
    StandardWebhooks,
    Hmac,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookVerification {
    pub scheme: SchemeName,
    /// Every active secret; several during a rotation.
    pub secrets: Vec<Secret>,
    /// Accepted clock difference in either direction (Standard Webhooks scheme).
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
    /// Header names, algorithm and encoding (required for scheme `hmac`).
    #[serde(default)]
    pub hmac: Option<HmacScheme>,
}

fn default_tolerance() -> u64 {
    assetrelay_signature::DEFAULT_TOLERANCE_SECS
}
