//! Building the service from configuration, the router, and running it until shutdown.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_telemetry::reload::follow_connection_reloads;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::HeaderName;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::util::MapRequestLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::admit::{CONNECTION_NAME_MAX, admit, is_connection_name};
use crate::dedup::DeliveryCache;
use crate::state::{AppState, Connection, ConnectionMap, Shared};
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
    #[error(
        "connection `{0}`: the ingress serves names of 1 to {CONNECTION_NAME_MAX} characters `[a-z0-9_-]`"
    )]
    ConnectionName(String),
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
        let connections = connections_from(config)?;
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
        let state = AppState::new(Shared {
            connections: RwLock::new(Arc::new(connections)),
            publisher,
            broker,
            topology,
            dedup: DeliveryCache::new(
                Duration::from_secs(settings.dedup_window_secs),
                settings.dedup_capacity,
            ),
            settings: settings.clone(),
        });
        Ok(Self { state })
    }

    /// Apply every configuration `reloads` brings (SIGHUP): the connections' verifiers
    /// are built first and swapped in whole; a connection that cannot be built refuses
    /// the reload and the running set stays. Ends when the sender is gone.
    pub fn follow_reloads(&self, reloads: watch::Receiver<Arc<Config>>) {
        let state = self.state.clone();
        tokio::spawn(follow_connection_reloads(reloads, move |new, _changes| {
            state.replace_connections(connections_from(new)?);
            Ok::<_, BuildError>(())
        }));
    }

    pub fn broker(&self) -> &Broker {
        &self.state.broker
    }

    /// The whole HTTP surface; tests drive it with `oneshot` or over a real listener.
    ///
    /// The webhook route, outermost first: admission (404, 415; counts every answer),
    /// a concurrency slot or 503, the body limit (413, a declared length before reading),
    /// then the handler. Around every route: request id, span, request id on the answer.
    pub fn router(&self) -> Router {
        let settings = &self.state.settings;
        let webhook = post(webhook::receive).route_layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(self.state.clone(), admit))
                .layer(HandleErrorLayer::new(ops::over_capacity(
                    settings.retry_after_secs,
                )))
                .layer(LoadShedLayer::new())
                .layer(ConcurrencyLimitLayer::new(settings.concurrency_limit))
                .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes)),
        );
        let request_id = HeaderName::from_static(ops::REQUEST_ID);
        Router::new()
            .route("/webhooks/{platform}/{connection}", webhook)
            .merge(assetrelay_telemetry::endpoints::router(vec![
                self.state.broker.readiness_check(),
            ]))
            .fallback(ops::not_found)
            .method_not_allowed_fallback(ops::method_not_allowed)
            .layer(PropagateRequestIdLayer::new(request_id.clone()))
            // Refusals (4xx/503) are logged once, with their reason, by the admission step.
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(ops::request_span)
                    .on_failure(DefaultOnFailure::new().level(Level::DEBUG)),
            )
            .layer(SetRequestIdLayer::new(request_id, ops::MakeRequestId))
            .layer(MapRequestLayer::new(ops::sanitize_request_id))
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

/// Every connection's verifiers; a bad name or secret fails the whole set.
fn connections_from(config: &Config) -> Result<ConnectionMap, BuildError> {
    let mut connections = HashMap::new();
    for (name, connection) in &config.connections {
        if !is_connection_name(name) {
            return Err(BuildError::ConnectionName(name.clone()));
        }
        let verifier = |platform: &'static str,
                        webhook: &assetrelay_config::WebhookVerification| {
            webhook.verifier().map_err(|source| BuildError::Verifier {
                connection: name.clone(),
                platform,
                source,
            })
        };
        connections.insert(
            name.clone(),
            Arc::new(Connection {
                name: name.clone(),
                photoshelter: verifier("photoshelter", &connection.photoshelter.webhook)?,
                smintio: verifier("smintio", &connection.smintio.webhook)?,
            }),
        );
    }
    Ok(connections)
}
