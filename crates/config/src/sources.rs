//! What `assetrelay-sources` does per connection (`[connections.<c>.photoshelter.poll]`,
//! `[connections.<c>.smintio.sync]`) and where it serves its operations endpoints
//! (`[sources]`).

use std::net::SocketAddr;

use serde::Deserialize;
use url::Url;

/// `[sources]`: the sources binary's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesConfig {
    /// `/metrics`, `/healthz` and `/readyz` of `assetrelay-sources`.
    pub metrics_listen: SocketAddr,
    /// A (connection, source) lease lasts this long unless renewed (every third of it):
    /// when the active replica dies, a standby takes over within this plus one interval.
    pub lease_secs: u64,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        Self {
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 9104)),
            lease_secs: 30,
        }
    }
}

/// `[connections.<c>.photoshelter.poll]`: the modified-since poller of `assetrelay-sources`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhotoShelterPoll {
    /// Poll this connection (only where `photoshelter.api` is configured).
    pub enabled: bool,
    /// Time between the starts of two polls, in seconds.
    pub interval_secs: u64,
    /// Each poll re-reads changes this far behind the stored watermark, in seconds, so
    /// that equal or second-truncated modification times, commit lag and clock skew on
    /// PhotoShelter's side lose nothing. Items already published are remembered with the
    /// watermark, so the overlap costs a re-read, not a repeated event.
    pub overlap_secs: u64,
    /// `per_page` of the media listing (the v4 draft allows 50..=500).
    pub page_size: u32,
}

impl Default for PhotoShelterPoll {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 60,
            // Five intervals: a change is stamped when it starts (an upload's
            // modification time can precede the moment it becomes listable by minutes),
            // v4 times are known only to the second, and the servers' clocks are not ours.
            overlap_secs: 300,
            page_size: 500,
        }
    }
}

/// `[connections.<c>.photoshelter.reconcile]`: the periodic reconciliation of what the
/// ledger says is exposed in Smint.io with PhotoShelter's current library.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhotoShelterReconcile {
    /// Reconcile this connection (only where `photoshelter.api` is configured).
    pub enabled: bool,
    /// Time between two reconciliations, in seconds (the first one interval after start).
    pub interval_secs: u64,
}

impl Default for PhotoShelterReconcile {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 86_400,
        }
    }
}

/// `[connections.<c>.smintio.sync]`: reading the CLAPI-C license feed from the stored
/// continuation, as Smint.io's own connectors do (research §3.1): on a timer, at start,
/// and at once when Pusher or a webhook ping says the feed changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmintioSync {
    /// Read this tenant's feed (only where `smintio.api` is configured).
    pub enabled: bool,
    /// Time between two timed syncs, in seconds (the .NET SDK: 30 min).
    pub interval_secs: u64,
    /// Sync when the source starts (or takes the lease over), before the first interval.
    pub at_start: bool,
    /// Transactions per feed page (the SDKs ask for 10; CLAPI-C's cap is not documented).
    pub page_size: u32,
    /// How often a standby or idle source looks in the store for a sync requested by a
    /// webhook ping (`global-transaction-history-update`), in seconds.
    pub request_check_secs: u64,
    /// The Pusher subscription that announces feed changes; absent: timer and pings only.
    pub pusher: Option<SmintioPusher>,
}

impl Default for SmintioSync {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_secs: 1_800,
            at_start: true,
            page_size: 10,
            request_check_secs: 2,
            pusher: None,
        }
    }
}

/// `[connections.<c>.smintio.sync.pusher]`: Smint.io's Pusher Channels app and the
/// tenant's private channel `private-2-{channel_id}` (research §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmintioPusher {
    /// Off: no subscription (as the SDKs do for `channel_id < 0`).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// The channel id Smint.io issued to the customer.
    pub channel_id: i64,
    #[serde(default = "default_pusher_app_key")]
    pub app_key: String,
    #[serde(default = "default_pusher_cluster")]
    pub cluster: String,
    /// A WebSocket origin instead of `wss://ws-{cluster}.pusher.com` (the sandbox's).
    #[serde(default)]
    pub url: Option<Url>,
    /// Seconds to wait before reconnecting after a network error (the Java SDK: 30).
    #[serde(default = "default_reconnect_secs")]
    pub reconnect_secs: u64,
}

fn default_reconnect_secs() -> u64 {
    30
}

impl SmintioPusher {
    /// Smint.io's own app and cluster, channel `private-2-{channel_id}`, default timings.
    pub fn for_channel(channel_id: i64) -> Self {
        Self {
            enabled: true,
            channel_id,
            app_key: default_pusher_app_key(),
            cluster: default_pusher_cluster(),
            url: None,
            reconnect_secs: default_reconnect_secs(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_pusher_app_key() -> String {
    "32f31c26a83e09dc401b".into()
}
fn default_pusher_cluster() -> String {
    "eu".into()
}
