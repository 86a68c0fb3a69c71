//! One handler at a time per source asset, across every replica of every flow (DESIGN
//! §6.5): the read-compare-write of an asset happens inside its *turn*, so two deliveries
//! about one asset can never interleave and write older state last, and two replicas can
//! never both decide "not there yet" and both upload.
//!
//! A turn is the in-process lock of the asset (waiters in this process queue there
//! instead of polling the store) plus a store lease `asset/<connection>/<platform>/<id>`
//! (`flows.asset_lease_secs`), renewed every third of its TTL while the turn lasts. The
//! runner aborts a handler at its timeout, which drops the turn, stops the renewal and
//! releases the lease; a process that dies holding one leaves it to expire, and until then
//! that asset's deliveries are retried (`asset_busy`), never handled twice at once. A
//! holder that cannot renew (the store unreachable) may lose the turn while it works; the
//! ledger's compare-and-set then keeps the newer state and the delivery is retried.

use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::consumer::HandlerError;
use assetrelay_contract::Platform;
use assetrelay_store::{Acquired, AssetKey, LedgerEntry, Store};
use tokio::sync::OwnedMutexGuard;
use tokio_util::task::AbortOnDropHandle;

use crate::shared::failure::{FlowError, from_store};
use crate::shared::serial::PerAsset;

/// How long a delivery waits for another replica's turn on the same asset before it
/// gives up and is retried later (a normal turn lasts a few platform calls).
const WAIT_FOR_TURN: Duration = Duration::from_secs(10);
/// How often a waiting delivery asks the store again.
const POLL: Duration = Duration::from_millis(20);

/// Hands out turns; one per flow process.
pub struct Turns {
    store: Store,
    holder: String,
    lease_ttl: Duration,
    local: PerAsset,
}

/// The turn on one asset; released when dropped.
pub struct Turn {
    store: Store,
    name: String,
    holder: String,
    _renewal: AbortOnDropHandle<()>,
    _local: OwnedMutexGuard<()>,
}

impl Turns {
    /// `holder` names this process in the store (unique per process); `lease_ttl` is
    /// how long a turn outlives a holder that stopped renewing it.
    pub fn new(store: Store, holder: String, lease_ttl: Duration) -> Self {
        Self {
            store,
            holder,
            lease_ttl,
            local: PerAsset::default(),
        }
    }

    /// Wait for the turn on `asset_id` of `platform` in `connection`.
    pub async fn take(
        &self,
        connection: &str,
        platform: Platform,
        asset_id: &str,
    ) -> Result<Turn, FlowError> {
        Ok(self.wait(connection, platform, asset_id, None).await?.0)
    }

    /// [`Self::take`], and then the ledger row of `ledger`, read once the turn is ours
    /// (one store round trip on PostgreSQL for both).
    pub async fn take_reading(
        &self,
        connection: &str,
        platform: Platform,
        asset_id: &str,
        ledger: &AssetKey,
    ) -> Result<(Turn, Option<LedgerEntry>), FlowError> {
        self.wait(connection, platform, asset_id, Some(ledger))
            .await
    }

    async fn wait(
        &self,
        connection: &str,
        platform: Platform,
        asset_id: &str,
        ledger: Option<&AssetKey>,
    ) -> Result<(Turn, Option<LedgerEntry>), FlowError> {
        let name = format!("asset/{connection}/{platform}/{asset_id}");
        let local = self.local.lock(name.clone()).await;
        let deadline = Instant::now() + WAIT_FOR_TURN;
        loop {
            let acquired = match ledger {
                Some(key) => self
                    .store
                    .try_acquire_lease_reading(&name, &self.holder, self.lease_ttl, key)
                    .await
                    .map_err(|e| from_store("take the asset's turn and read its ledger", &e))?,
                None => {
                    let taken = self
                        .store
                        .try_acquire_lease(&name, &self.holder, self.lease_ttl)
                        .await
                        .map_err(|e| from_store("take the asset's turn", &e))?;
                    if taken {
                        Acquired::Taken { ledger: None }
                    } else {
                        Acquired::HeldElsewhere
                    }
                }
            };
            if let Acquired::Taken { ledger } = acquired {
                let renewal = AbortOnDropHandle::new(tokio::spawn(renew(
                    self.store.clone(),
                    name.clone(),
                    self.holder.clone(),
                    self.lease_ttl,
                )));
                let turn = Turn {
                    store: self.store.clone(),
                    name,
                    holder: self.holder.clone(),
                    _renewal: renewal,
                    _local: local,
                };
                return Ok((turn, ledger));
            }
            if Instant::now() >= deadline {
                let holder = self.store.lease_holder(&name).await.ok().flatten();
                return Err(HandlerError::transient(
                    "asset_busy",
                    format!(
                        "another replica has held {name} for more than {WAIT_FOR_TURN:?} (holder {})",
                        holder.map_or_else(|| "unknown".to_owned(), |l| l.holder)
                    ),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Keep the lease while the turn lasts (aborted when the turn is dropped).
async fn renew(store: Store, name: String, holder: String, ttl: Duration) {
    let every = (ttl / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        match store.try_acquire_lease(&name, &holder, ttl).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(lease = %name, "the asset's turn was lost to another replica while held");
                return;
            }
            Err(e) => {
                tracing::warn!(lease = %name, error.message = %error_chain(&e), "cannot renew the asset's turn");
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let (store, name, holder) = (
            self.store.clone(),
            std::mem::take(&mut self.name),
            std::mem::take(&mut self.holder),
        );
        // Drop cannot wait; the release must not be lost when the handler was aborted,
        // so it runs as its own task. If it fails, the lease simply expires.
        let release = async move {
            if let Err(e) = store.release_lease(&name, &holder).await {
                tracing::warn!(lease = %name, error.message = %error_chain(&e), "cannot release the asset's turn; it expires by itself");
            }
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(release);
        }
    }
}

/// A name for this process in the store: flow, host, pid and a random part (a restarted
/// process with a reused pid is still someone else).
pub fn holder_name(flow: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{flow}/{host}/{}/{}", std::process::id(), &random[..8])
}

/// Turns are shared by every delivery of a flow.
pub type SharedTurns = Arc<Turns>;
