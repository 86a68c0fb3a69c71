//! Building the service from configuration, the router, and running it until shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::dedup::DeliveryCache;
use crate::state::{AppState, ConnectionVerifiers};
use crate::{ops, webhook};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("connection `{connection}`, platform `{platform}`: cannot build the webhook verifier")]
    Verifier {
        connection: String,
        platform: &'static str,
        #[source]
        source: assetrelay_config::VerifierError,
    },
}

/// The ingress, built and connected (in the background) but not yet serving.
pub struct Ingress {
    state: AppState,
}

impl Ingress {
    /// Build from configuration and start connecting to the broker. Needs a Tokio runtime.
    pub fn build(config: &Config) -> Result<Self, BuildError> {
        // Installs the process-wide Prometheus recorder if no one has yet.
        assetrelay_telemetry::metrics_handle();
        let mut connections = HashMap::new();
        for (name, connection) in &config.connections {
            let verifier =
                |platform: &'static str, webhook: &assetrelay_config::WebhookVerification| {
                    webhook.verifier().map_err(|source| BuildError::Verifier {
                        connection: name.clone(),
                        platform,
                        source,
                    })
                };
            connections.insert(
                name.clone(),
                ConnectionVerifiers {
                    photoshelter: verifier("photoshelter", &connection.photoshelter.webhook)?,
                    smintio: verifier("smintio", &connection.smintio.webhook)?,
                },
            );
        }
        let topology = Topology::from_config(&config.topology);
        let broker = Broker::start(
            BrokerSettings::from_config(&config.broker, "assetrelay-ingress"),
            config.topology.declare_on_start.then(|| topology.clone()),
        );
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        let settings = &config.ingress;
        let state = AppState {
            connections: Arc::new(connections),
            publisher,
            broker,
            topology,
            dedup: Arc::new(DeliveryCache::new(
                Duration::from_secs(settings.dedup_window_secs),
                settings.dedup_capacity,
            )),
            settings: Arc::new(settings.clone()),
            in_flight: ops::semaphore(settings.concurrency_limit),
        };
        Ok(Self { state })
    }

    pub fn broker(&self) -> &Broker {
        &self.state.broker
    }

    /// The whole HTTP surface; tests drive it with `oneshot` or over a real listener.
    pub fn router(&self) -> Router {
        let webhooks = Router::new()
            .route("/webhooks/{platform}/{connection}", post(webhook::receive))
            .route_layer(from_fn_with_state(
                self.state.clone(),
                ops::limit_concurrency,
            ));
        Router::new()
            .merge(webhooks)
            .merge(assetrelay_telemetry::endpoints::router(vec![
                self.state.broker.readiness_check(),
            ]))
            .fallback(ops::not_found)
            .method_not_allowed_fallback(ops::method_not_allowed)
            // Refusals (4xx/503) are logged once, with their reason, by the handlers.
            .layer(
                TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(Level::DEBUG)),
            )
            .with_state(self.state.clone())
    }

    /// Serve until `shutdown` is cancelled; then stop accepting, let in-flight requests
    /// finish (their publishes and confirms included), and close the broker connection.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "ingress listening");
        }
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await?;
        tracing::info!("in-flight requests finished; closing the broker connection");
        self.state.broker.close().await;
        Ok(())
    }
}
