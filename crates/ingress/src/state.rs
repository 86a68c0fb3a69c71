//! The state every handler shares, and what the admission step hands the handler.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use assetrelay_broker::{Broker, Publisher, Topology};
use assetrelay_config::IngressConfig;
use assetrelay_contract::Platform;
use assetrelay_signature::Verifier;

use crate::dedup::DeliveryCache;

/// One configured connection: its name and its verifiers, per platform.
pub struct Connection {
    pub name: String,
    pub photoshelter: Verifier,
    pub smintio: Verifier,
}

impl Connection {
    pub fn verifier(&self, platform: Platform) -> &Verifier {
        match platform {
            Platform::PhotoShelter => &self.photoshelter,
            Platform::Smintio => &self.smintio,
        }
    }
}

/// Shared by every handler. One `Arc`: axum clones the state for every extractor and
/// middleware of every request, and `Topology` alone holds four heap values.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The configured connections by name. A reload swaps the whole map; a request admitted
/// before keeps the `Arc<Connection>` it was given, so it finishes under the old one.
pub type ConnectionMap = HashMap<String, Arc<Connection>>;

pub struct Shared {
    pub(crate) connections: RwLock<Arc<ConnectionMap>>,
    pub(crate) publisher: Publisher,
    pub(crate) broker: Broker,
    pub(crate) topology: Topology,
    pub(crate) dedup: DeliveryCache,
    pub(crate) settings: IngressConfig,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Shared {
    /// The connection named `name`, as configured now.
    pub fn connection(&self, name: &str) -> Option<Arc<Connection>> {
        let map = self
            .connections
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(name).cloned()
    }

    /// Use `connections` from now on.
    pub fn replace_connections(&self, connections: ConnectionMap) {
        let mut map = self
            .connections
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *map = Arc::new(connections);
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A request whose path names a served platform and a configured connection, with a
/// JSON content type: set by [`crate::admit`] for the handler.
#[derive(Clone)]
pub struct Admitted {
    pub platform: Platform,
    pub connection: Arc<Connection>,
}
