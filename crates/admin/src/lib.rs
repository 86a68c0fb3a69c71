//! The admin HTTP API: archive replay (with dry run), parked messages, queue depths and
//! consumer counts per flow (the broker), and asset timelines (the store), behind
//! bearer-token authentication. It runs as its own
//! binary on its own listener: the public webhook listener of the ingress never serves an
//! admin route, and the ingress process holds no admin credentials.
//!
//! Routes are described in `docs/admin-openapi.yaml`, which is also served at
//! `GET /openapi.yaml`. The operator console (HTML, [`console`]) is served on the same
//! listener at `/`, signed in with the same tokens (docs/console.md).

mod auth;
mod console;
mod extract;
mod problem;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_store::{Store, StoreError};
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use auth::Tokens;
pub use console::{CONTENT_SECURITY_POLICY, Console};
pub use problem::Problem;
pub use routes::{Access, OPERATION_TIMEOUT, READ_TIMEOUT, ROUTES, Route};

/// Request bodies (parked selections, replay filters) are small JSON; a larger one is
/// answered 413 before it is read.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../../../docs/admin-openapi.yaml");

/// What every handler needs.
#[derive(Clone)]
pub struct AdminState {
    pub broker: Broker,
    pub publisher: Publisher,
    pub topology: Topology,
    pub tokens: Arc<Tokens>,
    /// Asset timelines are read from here (`[store] url`), and console sessions and the
    /// operator action log are kept here.
    pub store: Store,
    /// The operator console's settings, connection summaries and running operations.
    pub console: Arc<Console>,
}

/// The admin service, ready to serve.
pub struct Admin {
    state: AdminState,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "admin.tokens is empty: the admin API refuses to start without a bearer token (set ASSETRELAY_ADMIN__TOKENS or [admin] tokens = [{{ env = \"…\" }}])"
    )]
    NoTokens,
    /// The URL is shown without its password.
    #[error("cannot open the store at {url}")]
    Store {
        url: String,
        #[source]
        source: StoreError,
    },
}

impl Admin {
    /// Open the store (migrating it if `[store] migrate_on_start`, as every binary does)
    /// and connect to the broker (no topology declaration: the admin only reads and
    /// republishes).
    pub async fn build(config: &Config) -> Result<Self, BuildError> {
        let tokens = Tokens::new(config.admin.tokens.iter().map(|t| t.expose().to_owned()));
        if tokens.is_empty() {
            return Err(BuildError::NoTokens);
        }
        let store = Store::connect(&config.store)
            .await
            .map_err(|source| BuildError::Store {
                url: config.store.url.to_string(),
                source,
            })?;
        let broker = Broker::start(
            BrokerSettings::from_config(&config.broker, "assetrelay-admin"),
            None,
        );
        let publisher = Publisher::new(
            broker.clone(),
            config.broker.publisher_channels,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        Ok(Self {
            state: AdminState {
                broker,
                publisher,
                topology: Topology::from_config(&config.topology),
                tokens: Arc::new(tokens),
                store,
                console: Arc::new(Console::from_config(config)),
            },
        })
    }

    pub fn broker(&self) -> &Broker {
        &self.state.broker
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn router(&self) -> Router {
        routes::router(self.state.clone())
    }

    /// Serve until `shutdown`.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        self.state.broker.close().await;
        self.state.store.close().await;
        served
    }
}
