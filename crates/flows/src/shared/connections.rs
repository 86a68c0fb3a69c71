//! The platform clients and rules of every configured connection: built at start, and
//! again for the connections a configuration reload adds or changes ([`LiveConnections`]).

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use assetrelay_broker::connection::error_chain;
use assetrelay_config::{Config, ConnectionChanges, ConnectionRules};
use assetrelay_photoshelter::client as ps;
use assetrelay_smintio::client::{self as smintio, RetryPolicy, SmintioClient};
use assetrelay_store::Store;

use crate::shared::collections::Collections;
use crate::shared::license_feed::LicenseFeed;
use crate::shared::smint_push::SmintPusher;
use crate::shared::tenant_metadata::TenantMetadata;

/// One tenant as the flows use it.
pub struct Connection {
    pub name: String,
    pub rules: ConnectionRules,
    pub photoshelter: Arc<ps::Client>,
    pub smintio: Arc<SmintioClient>,
    /// Data-adapter pushes, judged against the asset ledger.
    pub smint_push: SmintPusher,
    /// The CLAPI-C license feed, read forward from where this process left off.
    pub licenses: LicenseFeed,
    /// The names of the keys in licenses (rights text).
    pub metadata: TenantMetadata,
    /// The galleries of the collections the rules name.
    pub collections: Collections,
}

/// Why a connection cannot be used by the flows.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(
        "connection `{connection}`: {what} is not configured (set [connections.{connection}.{what}])"
    )]
    Missing {
        connection: String,
        what: &'static str,
    },
    #[error("connection `{connection}`: the PhotoShelter client cannot be built")]
    Photoshelter {
        connection: String,
        #[source]
        source: ps::Error,
    },
    #[error("connection `{connection}`: the Smint.io client cannot be built")]
    Smintio {
        connection: String,
        #[source]
        source: smintio::Error,
    },
    #[error("connection `{connection}` is not configured")]
    NotConfigured { connection: String },
}

/// Every connection that has both platform APIs configured.
pub struct Connections {
    by_name: BTreeMap<String, Arc<Connection>>,
    /// Connections named in config that cannot be used, with the reason.
    unusable: BTreeMap<String, Arc<ConnectionError>>,
}

impl Connections {
    /// Build the clients. A connection without API sections is kept as *unusable*: its
    /// events are parked with the reason instead of failing the whole process.
    pub fn from_config(config: &Config, store: &Store) -> Self {
        Self::rebuilt(&Self::none(), config, store, &ConnectionChanges::default()).0
    }

    fn none() -> Self {
        Self {
            by_name: BTreeMap::new(),
            unusable: BTreeMap::new(),
        }
    }

    /// The connections of `config`, keeping those of `self` that `changes` leaves as they
    /// were (their clients, sessions and caches go on); also the connections of `self`
    /// that are replaced or gone, to be logged out once no delivery holds them.
    fn rebuilt(
        &self,
        config: &Config,
        store: &Store,
        changes: &ConnectionChanges,
    ) -> (Self, Vec<Arc<Connection>>) {
        let mut next = Self::none();
        for name in config.connections.keys() {
            if !changes.rebuilds(name) {
                if let Some(kept) = self.by_name.get(name) {
                    next.by_name.insert(name.clone(), Arc::clone(kept));
                    continue;
                }
                if let Some(kept) = self.unusable.get(name) {
                    next.unusable.insert(name.clone(), Arc::clone(kept));
                    continue;
                }
            }
            match build(config, name, store) {
                Ok(connection) => {
                    next.by_name.insert(name.clone(), Arc::new(connection));
                }
                Err(e) => {
                    tracing::warn!(connection = %name, error.message = %error_chain(&e), "connection not usable by the flows");
                    next.unusable.insert(name.clone(), Arc::new(e));
                }
            }
        }
        let retired = self
            .by_name
            .iter()
            .filter(|(name, old)| {
                next.by_name
                    .get(*name)
                    .is_none_or(|new| !Arc::ptr_eq(old, new))
            })
            .map(|(_, old)| Arc::clone(old))
            .collect();
        (next, retired)
    }

    /// The connection, or why it cannot be used.
    pub fn get(&self, name: &str) -> Result<Arc<Connection>, Arc<ConnectionError>> {
        if let Some(c) = self.by_name.get(name) {
            return Ok(Arc::clone(c));
        }
        Err(self.unusable.get(name).cloned().unwrap_or_else(|| {
            Arc::new(ConnectionError::NotConfigured {
                connection: name.to_owned(),
            })
        }))
    }

    /// Whether no connection can be used by the flows.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Give back every PhotoShelter login session (a user's concurrent sessions are
    /// capped); at shutdown, after the last delivery.
    pub async fn logout(&self) {
        for (name, connection) in &self.by_name {
            if let Err(e) = connection.photoshelter.logout().await {
                tracing::warn!(connection = %name, error.message = %error_chain(&e), "PhotoShelter logout failed; the session times out on its own");
            }
        }
    }
}

/// The connections the flows use now. A configuration reload replaces the set; a
/// delivery that started before keeps the `Arc<Connection>` it took and finishes under
/// the old one, whose PhotoShelter session is given back once the last such delivery is
/// done.
pub struct LiveConnections {
    current: RwLock<Arc<Connections>>,
}

/// How often a replaced connection is checked for deliveries still holding it.
const RETIRE_CHECK: Duration = Duration::from_millis(500);

impl LiveConnections {
    pub fn new(connections: Connections) -> Self {
        Self {
            current: RwLock::new(Arc::new(connections)),
        }
    }

    pub fn current(&self) -> Arc<Connections> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }

    /// The connection, or why it cannot be used.
    pub fn get(&self, name: &str) -> Result<Arc<Connection>, Arc<ConnectionError>> {
        self.current().get(name)
    }

    /// Apply `config`'s connections (`changes` against the running ones). A connection
    /// that cannot be built is kept as unusable, as at start: its events are parked with
    /// the reason, the others go on.
    pub fn reload(&self, config: &Config, store: &Store, changes: &ConnectionChanges) {
        let (next, retired) = self.current().rebuilt(config, store, changes);
        {
            let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
            *current = Arc::new(next);
        }
        for connection in retired {
            tokio::spawn(log_out_when_unused(connection));
        }
    }
}

/// A delivery is bounded by the handler timeout; past this a replaced connection's
/// session is given back even if something still holds it.
const RETIRE_AFTER: Duration = Duration::from_secs(600);

async fn log_out_when_unused(connection: Arc<Connection>) {
    let started = tokio::time::Instant::now();
    while Arc::strong_count(&connection) > 1 && started.elapsed() < RETIRE_AFTER {
        tokio::time::sleep(RETIRE_CHECK).await;
    }
    if let Err(e) = connection.photoshelter.logout().await {
        tracing::warn!(connection = %connection.name, error.message = %error_chain(&e), "PhotoShelter logout of a replaced connection failed; the session times out on its own");
    }
}

fn build(config: &Config, name: &str, store: &Store) -> Result<Connection, ConnectionError> {
    let connection = &config.connections[name];
    let missing = |what| ConnectionError::Missing {
        connection: name.to_owned(),
        what,
    };
    let ps_api = connection
        .photoshelter
        .api
        .as_ref()
        .ok_or_else(|| missing("photoshelter.api"))?;
    let smint_api = connection
        .smintio
        .api
        .as_ref()
        .ok_or_else(|| missing("smintio.api"))?;

    let photoshelter = assetrelay_clients::photoshelter(ps_api, name, store).map_err(|source| {
        ConnectionError::Photoshelter {
            connection: name.to_owned(),
            source,
        }
    })?;
    if smint_api.adapter.is_none() {
        return Err(missing("smintio.api.adapter"));
    }
    let smintio = Arc::new(
        assetrelay_clients::smintio(smint_api, name, store, IN_PROCESS_RETRY).map_err(
            |source| ConnectionError::Smintio {
                connection: name.to_owned(),
                source,
            },
        )?,
    );

    let photoshelter = Arc::new(photoshelter);
    Ok(Connection {
        name: name.to_owned(),
        rules: connection.rules.clone(),
        collections: Collections::new(
            Arc::clone(&photoshelter),
            Duration::from_secs(ps_api.collections_refresh_secs.max(1)),
        ),
        photoshelter,
        smint_push: SmintPusher::new(name, Arc::clone(&smintio), store.clone()),
        licenses: LicenseFeed::new(name, Arc::clone(&smintio)),
        metadata: TenantMetadata::new(
            Arc::clone(&smintio),
            Duration::from_secs(smint_api.metadata_refresh_secs.max(1)),
        ),
        smintio,
    })
}

/// A few quick in-process retries; longer waits belong to the broker's retry tiers
/// (DESIGN §6.3), which do not hold a delivery while waiting.
const IN_PROCESS_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(200),
    max_retry_after: Duration::from_secs(5),
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;

    fn example() -> Config {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
        assetrelay_config::load(Some(&file), &BTreeMap::new()).unwrap()
    }

    /// A throw-away SQLite store: building connections only keeps a handle to it.
    async fn store() -> Store {
        let mut config = example().store;
        let file = std::env::temp_dir().join(format!(
            "connections-test-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        config.url = assetrelay_config::StoreUrl::sqlite(file);
        Store::connect(&config).await.unwrap()
    }

    #[tokio::test]
    async fn an_unusable_connection_keeps_the_client_error_as_its_source() {
        let mut config = example();
        let api = config
            .connections
            .get_mut("demo")
            .unwrap()
            .smintio
            .api
            .as_mut();
        api.unwrap().adapter.as_mut().unwrap().signature_header = "bad header".into();

        let connections = Connections::from_config(&config, &store().await);
        let err = connections.get("demo").err().unwrap();

        assert!(matches!(*err, ConnectionError::Smintio { .. }), "{err:?}");
        assert_eq!(
            error_chain(&*err),
            "connection `demo`: the Smint.io client cannot be built: \
             invalid Smint.io client configuration: `bad header` is not a valid header name: \
             invalid HTTP header name"
        );
    }

    #[tokio::test]
    async fn an_unknown_connection_is_named_as_not_configured() {
        let connections = Connections::from_config(&example(), &store().await);

        let err = connections.get("nope").err().unwrap();

        assert_eq!(err.to_string(), "connection `nope` is not configured");
        assert!(connections.get("demo").is_ok());
    }

    #[tokio::test]
    async fn a_reload_keeps_unchanged_connections_and_rebuilds_changed_ones() {
        let store = store().await;
        let running = example();
        let live = LiveConnections::new(Connections::from_config(&running, &store));
        let before = live.get("demo").unwrap();

        live.reload(
            &running,
            &store,
            &ConnectionChanges::between(&running, &running),
        );
        assert!(
            Arc::ptr_eq(&before, &live.get("demo").unwrap()),
            "unchanged: kept"
        );

        let mut rotated = running.clone();
        let demo = rotated.connections.get_mut("demo").unwrap();
        let mut without_api = demo.clone();
        demo.rules.distribution.allow_restrictive = !demo.rules.distribution.allow_restrictive;
        without_api.photoshelter.api = None;
        rotated.connections.insert("client_b".into(), without_api);
        live.reload(
            &rotated,
            &store,
            &ConnectionChanges::between(&running, &rotated),
        );
        let after = live.get("demo").unwrap();
        assert!(!Arc::ptr_eq(&before, &after), "changed: built again");
        assert_eq!(
            after.rules.distribution.allow_restrictive,
            !before.rules.distribution.allow_restrictive
        );
        assert!(
            matches!(
                *live.get("client_b").err().unwrap(),
                ConnectionError::Missing { .. }
            ),
            "added without an API: unusable, with the reason"
        );

        live.reload(
            &running,
            &store,
            &ConnectionChanges::between(&rotated, &running),
        );
        assert!(matches!(
            *live.get("client_b").err().unwrap(),
            ConnectionError::NotConfigured { .. }
        ));
    }
}
