//! Settings of the flow consumers (`assetrelay-to-smint`, `-to-photoshelter`, `-lifecycle`).

use std::net::SocketAddr;

use serde::Deserialize;

/// `[flows]`: shared consumer settings and one table per flow for its listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowsConfig {
    /// Unacknowledged deliveries the broker sends each consumer (`basic_qos`).
    pub prefetch: u16,
    /// Deliveries one process handles at once.
    pub concurrency: usize,
    /// Transient failures are retried through the retry tiers at most this often, then parked.
    pub max_retries: u32,
    /// A handler running longer than this counts as a transient failure.
    pub handler_timeout_ms: u64,
    /// On SIGTERM, how long in-flight deliveries may take to finish.
    pub shutdown_grace_ms: u64,
    /// An asset's turn (the store lease around one delivery's read-compare-write) and an
    /// upload claim last this long unless renewed; the holder renews the turn every third
    /// of it. A replica that dies holding one blocks that asset for at most this long (its
    /// deliveries are retried meanwhile).
    pub asset_lease_secs: u64,
    /// `/metrics`, `/healthz` and `/readyz` of each flow binary.
    pub to_smint: FlowListener,
    pub to_photoshelter: FlowListener,
    pub lifecycle: FlowListener,
}

impl Default for FlowsConfig {
    fn default() -> Self {
        Self {
            prefetch: 32,
            concurrency: 16,
            max_retries: 8,
            handler_timeout_ms: 120_000,
            shutdown_grace_ms: 30_000,
            asset_lease_secs: 15,
            to_smint: FlowListener::on(9101),
            to_photoshelter: FlowListener::on(9102),
            lifecycle: FlowListener::on(9103),
        }
    }
}

/// Where a flow binary serves its operations endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowListener {
    pub metrics_listen: SocketAddr,
}

impl FlowListener {
    fn on(port: u16) -> Self {
        Self {
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}
