//! The platform clients and rules of every configured connection, built once at start.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::connection::error_chain;
use assetrelay_config::{Config, ConnectionRules};
use assetrelay_photoshelter::client as ps;
use assetrelay_smintio::client::{self as smintio, RetryPolicy, SmintioClient};
use assetrelay_store::Store;

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
        let mut by_name = BTreeMap::new();
        let mut unusable = BTreeMap::new();
        for name in config.connections.keys() {
            match build(config, name, store) {
                Ok(connection) => {
                    by_name.insert(name.clone(), Arc::new(connection));
                }
                Err(e) => {
                    tracing::warn!(connection = %name, error.message = %error_chain(&e), "connection not usable by the flows");
                    unusable.insert(name.clone(), Arc::new(e));
                }
            }
        }
        Self { by_name, unusable }
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

    Ok(Connection {
        name: name.to_owned(),
        rules: connection.rules.clone(),
        photoshelter: Arc::new(photoshelter),
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
}
