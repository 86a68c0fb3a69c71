//! What every flow handler holds: the connections, the expiry scheduler and the per-asset
//! ordering, plus the one way an event finds its connection.

use std::sync::Arc;

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::consumer::HandlerError;
use assetrelay_contract::CloudEvent;

use crate::shared::connections::{Connection, Connections};
use crate::shared::failure::FlowError;
use crate::shared::scheduler::ExpiryScheduler;
use crate::shared::serial::PerAsset;

pub struct FlowContext {
    pub connections: Arc<Connections>,
    pub scheduler: ExpiryScheduler,
    pub serial: PerAsset,
}

impl FlowContext {
    pub fn new(connections: Arc<Connections>, scheduler: ExpiryScheduler) -> Self {
        Self {
            connections,
            scheduler,
            serial: PerAsset::default(),
        }
    }

    /// The connection the event belongs to; one that is not configured for the flows is a
    /// permanent failure (the message is parked with the reason).
    pub fn connection(&self, event: &CloudEvent) -> Result<Arc<Connection>, FlowError> {
        self.connections
            .get(&event.assetrelayconnection)
            .map_err(|e| HandlerError::permanent("connection_not_configured", error_chain(&*e)))
    }
}
