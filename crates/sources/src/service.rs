//! Building every configured source from the configuration and running them together.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::{Config, ConnectionChanges};
use assetrelay_store::{Store, StoreError};
use assetrelay_telemetry::reload::count_reload;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use assetrelay_smintio::client::RetryPolicy;

use crate::lease::{SourceLease, holder_name, lease_name};
use crate::photoshelter::reconcile::Reconciler;
use crate::photoshelter::{PollContext, Poller, SOURCE};
use crate::runner::Schedule;
use crate::smintio::{self, PusherSubscription, SyncContext, Syncer};
use assetrelay_contract::source::PHOTOSHELTER_RECONCILE;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot open the store")]
    Store(#[source] StoreError),
    #[error("cannot build the PhotoShelter client of connection `{connection}`")]
    Client {
        connection: String,
        #[source]
        source: assetrelay_photoshelter::client::Error,
    },
    #[error("cannot build the Smint.io client of connection `{connection}`")]
    SmintioClient {
        connection: String,
        #[source]
        source: assetrelay_smintio::client::Error,
    },
}

/// A connection's reconciliation and when it runs.
pub(crate) struct Reconciling {
    pub(crate) reconciler: Reconciler,
    pub(crate) lease: SourceLease,
    pub(crate) interval: Duration,
}

/// Every enabled source of every connection, on one broker connection and one store.
pub struct Sources {
    set: SourceSet,
    shared: Shared,
    broker: Broker,
    reloads: Option<watch::Receiver<Arc<Config>>>,
}

/// What every source of the process shares, to build them again on a reload.
struct Shared {
    store: Store,
    publisher: Publisher,
    topology: Topology,
    holder: String,
    lease_ttl: Duration,
}

/// The sources of one configuration.
pub(crate) struct SourceSet {
    pub(crate) pollers: Vec<Poller>,
    pub(crate) reconcilers: Vec<Reconciling>,
    pub(crate) syncers: Vec<Syncer>,
}

impl Sources {
    /// One PhotoShelter poller per connection with `photoshelter.poll.enabled` and a
    /// `photoshelter.api`, one Smint.io sync per connection with `smintio.sync.enabled`
    /// and a `smintio.api`. The broker connects in the background (publishes fail, and
    /// watermarks stay, until it is up).
    pub async fn build(config: &Config) -> Result<Self, BuildError> {
        let store = Store::connect(&config.store)
            .await
            .map_err(BuildError::Store)?;
        let topology = Topology::from_config(&config.topology);
        let broker = Broker::start(
            BrokerSettings::from_config(&config.broker, "assetrelay-sources"),
            config.topology.declare_on_start.then(|| topology.clone()),
        );
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        let shared = Shared {
            store,
            publisher,
            topology,
            holder: holder_name(),
            lease_ttl: Duration::from_secs(config.sources.lease_secs.max(3)),
        };
        Ok(Self {
            set: SourceSet::build(config, &shared)?,
            shared,
            broker,
            reloads: None,
        })
    }

    /// Follow every configuration `reloads` brings (SIGHUP): when its `[connections]`
    /// differ, the new sources are built, the running ones stop (leases released, as at
    /// shutdown) and the new ones start; a set that cannot be built refuses the reload.
    #[must_use]
    pub fn with_reloads(mut self, reloads: watch::Receiver<Arc<Config>>) -> Self {
        self.reloads = Some(reloads);
        self
    }
}

impl SourceSet {
    fn build(config: &Config, shared: &Shared) -> Result<Self, BuildError> {
        let Shared {
            store,
            publisher,
            topology,
            holder,
            lease_ttl,
        } = shared;
        let lease_ttl = *lease_ttl;
        let mut pollers = Vec::new();
        let mut reconcilers = Vec::new();
        for (name, connection) in &config.connections {
            let poll = &connection.photoshelter.poll;
            let reconcile = &connection.photoshelter.reconcile;
            if !poll.enabled && !reconcile.enabled {
                continue;
            }
            let Some(api) = &connection.photoshelter.api else {
                tracing::warn!(connection = %name, "photoshelter.poll or .reconcile is enabled but photoshelter.api is not configured; neither runs");
                continue;
            };
            let client = assetrelay_clients::photoshelter(api, name, store).map_err(|source| {
                BuildError::Client {
                    connection: name.clone(),
                    source,
                }
            })?;
            let context = PollContext {
                connection: name.clone(),
                org_id: assetrelay_clients::photoshelter_org_id(api).to_owned(),
                client: Arc::new(client),
                publisher: publisher.clone(),
                topology: topology.clone(),
                store: store.clone(),
                // At most a day: the configuration refuses more.
                overlap: chrono::Duration::seconds(
                    i64::try_from(poll.overlap_secs.min(86_400)).unwrap_or(86_400),
                ),
                page_size: poll.page_size,
                watched_galleries: watched_galleries(name, &connection.rules),
                watched_collections: connection.rules.collections().into_iter().collect(),
            };
            let lease = SourceLease::new(
                store.clone(),
                lease_name(name, SOURCE),
                holder.clone(),
                lease_ttl,
            );
            if reconcile.enabled {
                reconcilers.push(Reconciling {
                    reconciler: Reconciler::new(context.clone(), connection.rules.clone()),
                    lease: SourceLease::new(
                        store.clone(),
                        lease_name(name, PHOTOSHELTER_RECONCILE),
                        holder.clone(),
                        lease_ttl,
                    ),
                    interval: Duration::from_secs(reconcile.interval_secs),
                });
            }
            if poll.enabled {
                pollers.push(Poller {
                    context,
                    lease,
                    interval: Duration::from_secs(poll.interval_secs),
                });
            }
        }
        let mut syncers = Vec::new();
        for (name, connection) in &config.connections {
            let sync = &connection.smintio.sync;
            if !sync.enabled {
                continue;
            }
            let Some(api) = &connection.smintio.api else {
                tracing::warn!(connection = %name, "smintio.sync is enabled but smintio.api is not configured; not syncing");
                continue;
            };
            let client = assetrelay_clients::smintio(api, name, store, RetryPolicy::default())
                .map_err(|source| BuildError::SmintioClient {
                    connection: name.clone(),
                    source,
                })?;
            let client = Arc::new(client);
            let pusher = sync.pusher.as_ref().and_then(|settings| {
                PusherSubscription::from_settings(name, settings, Arc::clone(&client))
                    .map(|p| p.reporting_to(store.clone(), holder.clone()))
            });
            let context = SyncContext {
                connection: name.clone(),
                client,
                publisher: publisher.clone(),
                topology: topology.clone(),
                store: store.clone(),
                page_size: sync.page_size,
            };
            let lease = SourceLease::new(
                store.clone(),
                lease_name(name, smintio::SOURCE),
                holder.clone(),
                lease_ttl,
            );
            let schedule = Schedule {
                interval: Duration::from_secs(sync.interval_secs),
                at_start: sync.at_start,
                request_check: Some((store.clone(), Duration::from_secs(sync.request_check_secs))),
                nudges: None,
            };
            syncers.push(Syncer {
                context,
                lease,
                schedule,
                pusher,
            });
        }
        Ok(Self {
            pollers,
            reconcilers,
            syncers,
        })
    }
}

impl Sources {
    /// How many PhotoShelter pollers run.
    pub fn poller_count(&self) -> usize {
        self.set.pollers.len()
    }

    /// How many PhotoShelter reconciliations run.
    pub fn reconciler_count(&self) -> usize {
        self.set.reconcilers.len()
    }

    /// How many Smint.io syncs run.
    pub fn syncer_count(&self) -> usize {
        self.set.syncers.len()
    }

    /// Run every source until `shutdown`, serving `/metrics`, `/healthz` and `/readyz`
    /// (ready while the broker and the store are) on `ops` if given; each source releases
    /// its lease, then the broker and the store are closed.
    pub async fn run(self, ops: Option<TcpListener>, shutdown: CancellationToken) {
        let Self {
            set,
            shared,
            broker,
            reloads,
        } = self;
        let ops_task = ops.map(|listener| {
            let checks = vec![
                broker.readiness_check(),
                assetrelay_store::readiness_probe(shared.store.clone(), shutdown.clone()),
            ];
            let router: axum::Router = assetrelay_telemetry::endpoints::router(checks);
            let token = shutdown.clone();
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router)
                    .with_graceful_shutdown(token.cancelled_owned())
                    .await
                {
                    tracing::error!(error.message = %e, "the operations listener failed");
                }
            })
        });
        let mut running = set.start(&shutdown);
        if let Some(mut reloads) = reloads {
            let mut config = Arc::clone(&reloads.borrow_and_update());
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    changed = reloads.changed() => {
                        if changed.is_err() {
                            shutdown.cancelled().await;
                            break;
                        }
                        let new = Arc::clone(&reloads.borrow_and_update());
                        if let Some(set) = reload(&config, &new, &shared) {
                            running.stop().await;
                            running = set.start(&shutdown);
                            config = new;
                        }
                    }
                }
            }
        }
        shutdown.cancelled().await;
        running.stop().await;
        if let Some(task) = ops_task {
            let _ = task.await;
        }
        broker.close().await;
        shared.store.close().await;
    }
}

/// The sources of `new`, when its connections differ from `running`'s and they can be
/// built; counted and logged either way.
fn reload(running: &Config, new: &Config, shared: &Shared) -> Option<SourceSet> {
    let changes = ConnectionChanges::between(running, new);
    if changes.is_empty() {
        count_reload("unchanged");
        tracing::info!("configuration reloaded: no connection changed");
        return None;
    }
    match SourceSet::build(new, shared) {
        Ok(set) => {
            count_reload("applied");
            tracing::info!(%changes, pollers = set.pollers.len(), syncs = set.syncers.len(), "connections reloaded: the sources restart; sections other than [connections] need a restart");
            Some(set)
        }
        Err(e) => {
            count_reload("refused");
            tracing::error!(error.message = %error_chain(&e), "configuration reload refused; the running sources stay");
            None
        }
    }
}

/// The gallery ids of `rules` (approval, regions) whose membership the poller watches;
/// a gallery named by its name is matched by the flows but cannot be watched.
fn watched_galleries(connection: &str, rules: &assetrelay_config::ConnectionRules) -> Vec<String> {
    let mut wanted = rules.approval.galleries.clone();
    for region in &rules.regions {
        wanted.extend(region.when.galleries.iter().cloned());
    }
    let (ids, names) = crate::photoshelter::galleries::watchable(&wanted);
    if !names.is_empty() {
        tracing::warn!(%connection, ?names, "rules name galleries by name: adding media to them or removing it is seen only when the media changes; name them by id (G…) to have the poller watch them");
    }
    ids
}
