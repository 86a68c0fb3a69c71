//! Writes into the Smint.io data adapter, skipping those that would change nothing.
//!
//! The adapter is write-only (research §3.2: Smint.io offers no read of what an adapter
//! pushed), so "the target already holds it" (DESIGN §6.6) is judged from the asset
//! ledger in the store: the fingerprint of the last push per PhotoShelter media item,
//! shared by every replica and kept across restarts. to-smint and lifecycle both write
//! Smint.io assets, so both read and record the same row (flow `to-smint`: the ledger
//! describes a target, whichever flow wrote it). Callers hold the asset's turn.
//!
//! A push whose ledger record fails (store down after the push) is retried as a whole: one
//! idempotent re-push, since updates and deletions are upserts keyed by `ExternalId`.

use std::sync::Arc;

use assetrelay_contract::{Flow, Platform};
use assetrelay_mapping::fingerprint::fingerprint;
use assetrelay_smintio::client::{AssetDataObject, Change, SmintioClient};
use assetrelay_store::{AssetKey, LedgerEntry, LedgerWrite, Recorded, SourceVersion, Store};

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_smintio, from_store};

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Written,
    Unchanged,
}

/// The fingerprint recorded for a deletion.
const DELETED: &str = "deleted";

/// An asset update Smint.io does not hold yet, with its fingerprint.
pub struct PendingUpdate {
    asset: AssetDataObject,
    print: String,
}

pub struct SmintPusher {
    connection: String,
    client: Arc<SmintioClient>,
    store: Store,
}

impl SmintPusher {
    pub fn new(connection: &str, client: Arc<SmintioClient>, store: Store) -> Self {
        Self {
            connection: connection.to_owned(),
            client,
            store,
        }
    }

    /// The ledger row of PhotoShelter media `media_id`: what Smint.io holds for it.
    pub async fn held(&self, media_id: &str) -> Result<Option<LedgerEntry>, FlowError> {
        self.store
            .ledger(&self.key(media_id))
            .await
            .map_err(|e| from_store("read the asset ledger", &e))
    }

    /// The update to push for `asset`, or `None` when Smint.io already holds exactly
    /// this data.
    pub fn prepare(
        &self,
        held: Option<&LedgerEntry>,
        asset: AssetDataObject,
    ) -> Option<PendingUpdate> {
        self.prepare_refreshing(held, asset, None)
    }

    /// [`Self::prepare`], but an unchanged asset pushed longer than `max_age` ago is pushed
    /// again (its rendition links may have expired).
    pub fn prepare_refreshing(
        &self,
        held: Option<&LedgerEntry>,
        asset: AssetDataObject,
        max_age: Option<std::time::Duration>,
    ) -> Option<PendingUpdate> {
        let print = fingerprint(&asset);
        let fresh = |h: &LedgerEntry| {
            max_age.is_none_or(|age| {
                let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
                chrono::Utc::now().timestamp_millis() - h.updated_at_ms < age_ms
            })
        };
        if held.is_some_and(|h| h.fingerprint == print && fresh(h)) {
            return None;
        }
        Some(PendingUpdate { asset, print })
    }

    /// Create or replace the asset, then record it with the source version it came from.
    pub async fn push_update(
        &self,
        pending: PendingUpdate,
        source: SourceVersion,
    ) -> Result<(), FlowError> {
        let id = pending.asset.external_id.clone();
        self.push(&[Change::update(id.clone(), pending.asset)])
            .await?;
        self.record(&id, pending.print, source).await
    }

    /// Remove the asset from Smint.io (idempotent), unless the ledger says it is gone.
    pub async fn delete(
        &self,
        held: Option<&LedgerEntry>,
        media_id: &str,
        source: SourceVersion,
    ) -> Result<Pushed, FlowError> {
        if held.is_some_and(|h| h.fingerprint == DELETED) {
            return Ok(Pushed::Unchanged);
        }
        self.push(&[Change::deletion(media_id)]).await?;
        self.record(media_id, DELETED.to_owned(), source).await?;
        Ok(Pushed::Written)
    }

    async fn push(&self, changes: &[Change]) -> Result<(), FlowError> {
        timed("smintio", "push_changes", self.client.push_changes(changes))
            .await
            .map(|_| ())
            .map_err(|e| from_smintio(&e))
    }

    async fn record(
        &self,
        media_id: &str,
        print: String,
        source: SourceVersion,
    ) -> Result<(), FlowError> {
        let write = LedgerWrite {
            target_ids: vec![media_id.to_owned()],
            fingerprint: print,
            source,
            outcome: "written".to_owned(),
        };
        let recorded = self
            .store
            .record_write(&self.key(media_id), &write)
            .await
            .map_err(|e| from_store("record the push in the asset ledger", &e))?;
        let Recorded::Stale { current } = recorded else {
            return Ok(());
        };
        // Only possible when a turn outlived its lease: Smint.io now holds this older
        // state. Record that truth (at a version just above the newer row, so it applies),
        // then fail the delivery, so its retry pushes the newest state again instead of
        // finding the newer fingerprint recorded and skipping.
        tracing::warn!(
            connection = %self.connection,
            %media_id,
            ?source,
            newer = ?current.source,
            "pushed a state older than the ledger's; pushing the newest again"
        );
        let truth = LedgerWrite {
            source: SourceVersion {
                modified_ms: current.source.modified_ms,
                read_ms: current.source.read_ms.saturating_add(1),
            },
            ..write
        };
        self.store
            .record_write(&self.key(media_id), &truth)
            .await
            .map_err(|e| from_store("record the push in the asset ledger", &e))?;
        Err(assetrelay_broker::consumer::HandlerError::transient(
            "stale_write",
            format!("a newer state of {media_id} was written meanwhile; writing it again"),
        ))
    }

    /// The ledger key of PhotoShelter media `media_id` in this connection.
    pub fn key(&self, media_id: &str) -> AssetKey {
        AssetKey::new(
            &self.connection,
            Flow::ToSmint.as_str(),
            Platform::PhotoShelter.to_string(),
            media_id,
        )
    }
}
