//! One flow as a running service: broker connection, store, the flow's consumer, and the
//! operations listener (`/metrics`, `/healthz`, `/readyz`: ready when both the broker and
//! the store answer). The binaries and `assetrelay dev` both run flows through this.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use assetrelay_broker::consumer::{Consumer, ConsumerSettings};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::{Config, FlowsConfig};
use assetrelay_contract::Flow;
use assetrelay_store::{OutcomeWriter, Store, WriterOptions};
use assetrelay_telemetry::reload::follow_connection_reloads;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::lifecycle::Lifecycle;
use crate::shared::connections::{Connections, LiveConnections};
use crate::shared::context::FlowContext;
use crate::shared::history::History;
use crate::shared::scheduler::ExpiryScheduler;
use crate::shared::turn::holder_name;
use crate::to_photoshelter::ToPhotoshelter;
use crate::to_smint::ToSmint;

/// A flow ready to run.
pub struct FlowService {
    flow: Flow,
    broker: Broker,
    publisher: Publisher,
    topology: Topology,
    settings: ConsumerSettings,
    connections: Arc<LiveConnections>,
    store: Store,
    retention_days: u32,
    asset_lease: Duration,
    reloads: Option<watch::Receiver<Arc<Config>>>,
}

/// How often history older than the retention is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

impl FlowService {
    /// Connect to the broker (declaring the topology if configured) and the store
    /// (migrating it if configured), and build the clients.
    pub async fn build(flow: Flow, config: &Config) -> anyhow::Result<Self> {
        let store = Store::connect(&config.store)
            .await
            .with_context(|| format!("cannot open the store at {}", config.store.url))?;
        let topology = Topology::from_config(&config.topology);
        let name = format!("assetrelay-{}", flow.as_str());
        let broker = Broker::start(
            BrokerSettings::from_config(&config.broker, &name),
            config.topology.declare_on_start.then(|| topology.clone()),
        );
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        let connections = Connections::from_config(config, &store);
        if connections.is_empty() {
            anyhow::bail!(
                "no connection has both [connections.<name>.photoshelter.api] and [connections.<name>.smintio.api]: the flows have nothing to write to"
            );
        }
        Ok(Self {
            flow,
            broker,
            publisher,
            topology,
            settings: consumer_settings(&config.flows),
            connections: Arc::new(LiveConnections::new(connections)),
            store,
            retention_days: config.store.history_retention_days,
            asset_lease: Duration::from_secs(config.flows.asset_lease_secs.max(1)),
            reloads: None,
        })
    }

    /// Apply the `[connections]` of every configuration `reloads` brings (SIGHUP).
    #[must_use]
    pub fn with_reloads(mut self, reloads: watch::Receiver<Arc<Config>>) -> Self {
        self.reloads = Some(reloads);
        self
    }

    /// The flow's operations listener address from config.
    pub fn metrics_listen(flow: Flow, config: &Config) -> std::net::SocketAddr {
        match flow {
            Flow::ToSmint => config.flows.to_smint.metrics_listen,
            Flow::ToPhotoshelter => config.flows.to_photoshelter.metrics_listen,
            Flow::Lifecycle => config.flows.lifecycle.metrics_listen,
        }
    }

    /// Consume until `shutdown`; then finish in-flight deliveries and close.
    pub async fn run(
        mut self,
        ops: Option<TcpListener>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let checks = vec![
            self.broker.readiness_check(),
            assetrelay_store::readiness_probe(self.store.clone(), shutdown.clone()),
        ];
        let ops_task = ops.map(|listener| {
            let router: axum::Router = assetrelay_telemetry::endpoints::router(checks);
            let token = shutdown.clone();
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await
            })
        });
        let reloader = self.reloads.take().map(|reloads| {
            let (connections, store) = (Arc::clone(&self.connections), self.store.clone());
            // A connection that cannot be built is kept as unusable, as at start: the
            // reload itself is never refused here.
            tokio::spawn(follow_connection_reloads(reloads, move |new, changes| {
                connections.reload(new, &store, changes);
                Ok::<_, std::convert::Infallible>(())
            }))
        });
        let scheduler = ExpiryScheduler::new(self.publisher.clone(), self.topology.clone());
        let flow = self.flow;
        let ctx = FlowContext::new(
            Arc::clone(&self.connections),
            scheduler,
            self.store.clone(),
            holder_name(flow.as_str()),
            self.asset_lease,
        );
        let (writer, writer_task) =
            OutcomeWriter::spawn(self.store.clone(), WriterOptions::default());
        let history: Arc<dyn assetrelay_broker::consumer::Observer> =
            Arc::new(History::new(writer));
        let pruner = assetrelay_store::spawn_pruner(
            self.store.clone(),
            self.retention_days,
            PRUNE_EVERY,
            shutdown.clone(),
        );
        tracing::info!(flow = flow.as_str(), queue = %self.topology.work_queue(flow), store = self.store.backend_name(), "flow starting");
        let result = match flow {
            Flow::ToSmint => {
                let handler = Arc::new(ToSmint::new(ctx));
                self.consumer(handler, history).run(shutdown).await
            }
            Flow::ToPhotoshelter => {
                let handler = Arc::new(ToPhotoshelter::new(ctx));
                self.consumer(handler, history).run(shutdown).await
            }
            Flow::Lifecycle => {
                let handler = Arc::new(Lifecycle::new(ctx));
                self.consumer(handler, history).run(shutdown).await
            }
        };
        // The consumer (and with it the last writer handle) is gone: the writer flushes
        // what it holds and ends.
        let _ = writer_task.await;
        if let Some(task) = reloader {
            task.abort();
        }
        self.connections.current().logout().await;
        pruner.abort();
        if let Some(task) = ops_task {
            let _ = task.await;
        }
        self.broker.close().await;
        result.with_context(|| format!("flow {} stopped with an error", flow.as_str()))?;
        tracing::info!(flow = flow.as_str(), "flow stopped cleanly");
        Ok(())
    }

    fn consumer<H: assetrelay_broker::consumer::Handler>(
        &self,
        handler: Arc<H>,
        history: Arc<dyn assetrelay_broker::consumer::Observer>,
    ) -> Consumer<H> {
        Consumer::new(
            self.broker.clone(),
            self.publisher.clone(),
            self.topology.clone(),
            self.flow,
            self.settings.clone(),
            handler,
        )
        .with_observer(history)
    }
}

fn consumer_settings(flows: &FlowsConfig) -> ConsumerSettings {
    ConsumerSettings {
        prefetch: flows.prefetch,
        concurrency: flows.concurrency,
        max_retries: flows.max_retries,
        handler_timeout: Duration::from_millis(flows.handler_timeout_ms),
        shutdown_grace: Duration::from_millis(flows.shutdown_grace_ms),
    }
}
