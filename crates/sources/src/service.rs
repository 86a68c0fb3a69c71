//! Building every configured source from the configuration and running them together.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::{Config, PhotoShelterApi, PhotoShelterAuth};
use assetrelay_photoshelter::client::{Auth, Client, ClientConfig};
use assetrelay_store::{Store, StoreError};
use secrecy::SecretString;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::lease::{DEFAULT_TTL, SourceLease, holder_name, lease_name};
use crate::photoshelter::{PollContext, Poller, SOURCE};

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
}

/// Every enabled source of every connection, on one broker connection and one store.
pub struct Sources {
    pollers: Vec<Poller>,
    broker: Broker,
    store: Store,
}

impl Sources {
    /// One PhotoShelter poller per connection with `photoshelter.poll.enabled` and a
    /// `photoshelter.api`. The broker connects in the background (publishes fail, and
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
        let holder = holder_name();
        let mut pollers = Vec::new();
        for (name, connection) in &config.connections {
            let poll = &connection.photoshelter.poll;
            if !poll.enabled {
                continue;
            }
            let Some(api) = &connection.photoshelter.api else {
                tracing::warn!(connection = %name, "photoshelter.poll is enabled but photoshelter.api is not configured; not polling");
                continue;
            };
            let client = photoshelter_client(api).map_err(|source| BuildError::Client {
                connection: name.clone(),
                source,
            })?;
            let context = PollContext {
                connection: name.clone(),
                org_id: org_id(api).to_owned(),
                client: Arc::new(client),
                publisher: publisher.clone(),
                topology: topology.clone(),
                store: store.clone(),
                // At most a day: the configuration refuses more.
                overlap: chrono::Duration::seconds(
                    i64::try_from(poll.overlap_secs.min(86_400)).unwrap_or(86_400),
                ),
                page_size: poll.page_size,
            };
            let lease = SourceLease::new(
                store.clone(),
                lease_name(name, SOURCE),
                holder.clone(),
                DEFAULT_TTL,
            );
            pollers.push(Poller {
                context,
                lease,
                interval: Duration::from_secs(poll.interval_secs),
            });
        }
        Ok(Self {
            pollers,
            broker,
            store,
        })
    }

    /// How many pollers run.
    pub fn poller_count(&self) -> usize {
        self.pollers.len()
    }

    /// Run every poller until `shutdown`; each releases its lease, then the broker and
    /// the store are closed.
    pub async fn run(self, shutdown: CancellationToken) {
        if self.pollers.is_empty() {
            tracing::warn!(
                "no connection has photoshelter.poll enabled with an api; idle until shutdown"
            );
        }
        let mut tasks = JoinSet::new();
        for poller in self.pollers {
            tasks.spawn(poller.run(shutdown.clone()));
        }
        while let Some(joined) = tasks.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error.message = %e, "a poller ended abnormally");
            }
        }
        shutdown.cancelled().await;
        self.broker.close().await;
        self.store.close().await;
    }
}

fn org_id(api: &PhotoShelterApi) -> &str {
    match &api.auth {
        PhotoShelterAuth::Token { org_id, .. } | PhotoShelterAuth::Oauth { org_id, .. } => org_id,
    }
}

/// The client of a connection's `photoshelter.api`, as the flows build it.
pub fn photoshelter_client(
    api: &PhotoShelterApi,
) -> Result<Client, assetrelay_photoshelter::client::Error> {
    let secret = |s: &assetrelay_config::Secret| SecretString::from(s.expose().to_owned());
    let auth = match &api.auth {
        PhotoShelterAuth::Token {
            email,
            password,
            org_id,
        } => Auth::Token {
            email: email.clone(),
            password: secret(password),
            org_id: org_id.clone(),
        },
        PhotoShelterAuth::Oauth {
            access_token,
            org_id,
        } => Auth::OAuth {
            access_token: secret(access_token),
            org_id: org_id.clone(),
        },
    };
    let mut config = ClientConfig::new(api.base_url.clone(), secret(&api.api_key), auth);
    config.v3_api_key = api.v3_api_key.as_ref().map(secret);
    config.timeout = Duration::from_millis(api.timeout_ms);
    Client::new(config)
}
