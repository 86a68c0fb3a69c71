//! What every flow handler holds: the connections, the expiry scheduler, the store and
//! the per-asset turns, plus the one way an event finds its connection.

use std::sync::Arc;

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::consumer::HandlerError;
use assetrelay_contract::CloudEvent;
use assetrelay_store::Store;

use crate::shared::connections::{Connection, LiveConnections};
use crate::shared::failure::FlowError;
use crate::shared::scheduler::ExpiryScheduler;
use crate::shared::turn::Turns;

pub struct FlowContext {
    /// Swapped by a configuration reload; see [`LiveConnections`].
    pub connections: Arc<LiveConnections>,
    pub scheduler: ExpiryScheduler,
    pub store: Store,
    /// This process's name in the store (leases, claims).
    pub holder: String,
    /// How long a turn or an upload claim of a process that died stays held.
    pub lease_ttl: std::time::Duration,
    pub turns: Turns,
}

impl FlowContext {
    /// `lease_ttl`: how long a turn or claim of a process that died stays held (a live
    /// holder renews its turns).
    pub fn new(
        connections: Arc<LiveConnections>,
        scheduler: ExpiryScheduler,
        store: Store,
        holder: String,
        lease_ttl: std::time::Duration,
    ) -> Self {
        Self {
            turns: Turns::new(store.clone(), holder.clone(), lease_ttl),
            connections,
            scheduler,
            store,
            holder,
            lease_ttl,
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
