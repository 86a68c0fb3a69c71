//! The state every handler shares.

use std::collections::HashMap;
use std::sync::Arc;

use assetrelay_broker::{Broker, Publisher, Topology};
use assetrelay_config::IngressConfig;
use assetrelay_signature::Verifier;
use tokio::sync::Semaphore;

use crate::dedup::DeliveryCache;

/// The verifiers of one connection, per platform.
pub struct ConnectionVerifiers {
    pub photoshelter: Verifier,
    pub smintio: Verifier,
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) connections: Arc<HashMap<String, ConnectionVerifiers>>,
    pub(crate) publisher: Publisher,
    pub(crate) broker: Broker,
    pub(crate) topology: Topology,
    pub(crate) dedup: Arc<DeliveryCache>,
    pub(crate) settings: Arc<IngressConfig>,
    pub(crate) in_flight: Arc<Semaphore>,
}
