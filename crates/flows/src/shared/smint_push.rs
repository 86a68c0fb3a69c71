//! Writes into the Smint.io data adapter, skipping those that would change nothing.
//!
//! The adapter is write-only (research §3.2: Smint.io offers no read of what an adapter
//! pushed), so "the target already holds it" (DESIGN §6.6) is judged from what *this
//! process* last pushed for the asset: a fingerprint per asset, forgotten after
//! [`REMEMBER_FOR`]. A miss (another replica pushed, the entry expired, a restart) only
//! costs one idempotent re-push: updates and deletions are upserts keyed by `ExternalId`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_mapping::fingerprint::fingerprint;
use assetrelay_smintio::client::{AssetDataObject, Change, SmintioClient};
use tokio::sync::Mutex;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_smintio};

/// How long a pushed fingerprint is trusted.
pub const REMEMBER_FOR: Duration = Duration::from_secs(600);
/// Entries kept at most; the oldest half is dropped beyond it.
const CAPACITY: usize = 100_000;

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Written,
    Unchanged,
}

const DELETED: &str = "deleted";

/// An asset update this process has not pushed yet, with its fingerprint.
pub struct PendingUpdate {
    asset: AssetDataObject,
    print: String,
}

pub struct SmintPusher {
    connection: String,
    client: Arc<SmintioClient>,
    last: Mutex<HashMap<String, (String, Instant)>>,
}

impl SmintPusher {
    pub fn new(connection: &str, client: Arc<SmintioClient>) -> Self {
        Self {
            connection: connection.to_owned(),
            client,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// The update to push for `asset`, or `None` when this process pushed exactly this
    /// data recently (nothing would change).
    pub async fn prepare(&self, asset: AssetDataObject) -> Option<PendingUpdate> {
        let print = fingerprint(&asset);
        if self.holds(&asset.external_id, &print).await {
            return None;
        }
        Some(PendingUpdate { asset, print })
    }

    /// Create or replace the asset, and remember that this process pushed it.
    pub async fn push_update(&self, pending: PendingUpdate) -> Result<(), FlowError> {
        let id = pending.asset.external_id.clone();
        self.push(&[Change::update(id.clone(), pending.asset)])
            .await?;
        self.remember(id, pending.print).await;
        Ok(())
    }

    /// Remove the asset from Smint.io (idempotent), unless this process already did.
    pub async fn delete(&self, asset_id: &str) -> Result<Pushed, FlowError> {
        if self.holds(asset_id, DELETED).await {
            return Ok(Pushed::Unchanged);
        }
        self.push(&[Change::deletion(asset_id)]).await?;
        self.remember(asset_id.to_owned(), DELETED.to_owned()).await;
        Ok(Pushed::Written)
    }

    async fn push(&self, changes: &[Change]) -> Result<(), FlowError> {
        timed("smintio", "push_changes", self.client.push_changes(changes))
            .await
            .map(|_| ())
            .map_err(|e| from_smintio(&e))
    }

    async fn holds(&self, id: &str, print: &str) -> bool {
        let last = self.last.lock().await;
        matches!(last.get(id), Some((p, at)) if p == print && at.elapsed() < REMEMBER_FOR)
    }

    async fn remember(&self, id: String, print: String) {
        let mut last = self.last.lock().await;
        if last.len() >= CAPACITY {
            let mut ages: Vec<Instant> = last.values().map(|(_, at)| *at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            last.retain(|_, (_, at)| *at > cutoff);
            tracing::debug!(connection = %self.connection, "push record trimmed");
        }
        last.insert(id, (print, Instant::now()));
    }
}
