//! Approval and region rules may name PhotoShelter collections: the galleries inside them
//! count as named (use case 1). A media item lists its galleries, not their collections,
//! so the flows read each named collection's galleries from PhotoShelter and keep them for
//! `photoshelter.api.collections_refresh_secs`; a failed refresh keeps the old list (with
//! a warning), and with none yet the delivery is retried.

use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_config::{CollectionGalleries, ConnectionRules};
use assetrelay_photoshelter::client::Client;
use tokio::sync::Mutex;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_photoshelter};

pub struct Collections {
    client: Arc<Client>,
    refresh: Duration,
    /// The connection's rules with their collections' galleries listed, and when those
    /// were read: built once per refresh, not per delivery (a connection's rules change
    /// only by a reload, which builds a new connection).
    held: Mutex<Option<(Instant, Arc<ConnectionRules>)>>,
}

/// The rules a delivery judges by: the connection's own, or those expanded with the
/// galleries of their collections.
pub enum JudgedRules<'r> {
    Own(&'r ConnectionRules),
    Expanded(Arc<ConnectionRules>),
}

impl std::ops::Deref for JudgedRules<'_> {
    type Target = ConnectionRules;

    fn deref(&self) -> &ConnectionRules {
        match self {
            Self::Own(rules) => rules,
            Self::Expanded(rules) => rules,
        }
    }
}

impl Collections {
    pub fn new(client: Arc<Client>, refresh: Duration) -> Self {
        Self {
            client,
            refresh,
            held: Mutex::new(None),
        }
    }

    /// `rules` (the connection's) with the galleries of their collections listed beside
    /// their galleries; `rules` themselves when they name no collection.
    pub async fn expand<'r>(
        &self,
        rules: &'r ConnectionRules,
    ) -> Result<JudgedRules<'r>, FlowError> {
        let wanted = rules.collections();
        if wanted.is_empty() {
            return Ok(JudgedRules::Own(rules));
        }
        let mut held = self.held.lock().await;
        if let Some((at, expanded)) = held.as_ref()
            && at.elapsed() < self.refresh
        {
            return Ok(JudgedRules::Expanded(Arc::clone(expanded)));
        }
        match self.read(&wanted).await {
            Ok(galleries) => {
                let expanded = Arc::new(rules.with_collection_galleries(&galleries));
                *held = Some((Instant::now(), Arc::clone(&expanded)));
                Ok(JudgedRules::Expanded(expanded))
            }
            Err(e) => match held.as_ref() {
                Some((_, old)) => {
                    tracing::warn!(error.message = %e.detail, "cannot read the rules' PhotoShelter collections; judging by the list read before");
                    Ok(JudgedRules::Expanded(Arc::clone(old)))
                }
                None => Err(e),
            },
        }
    }

    async fn read(
        &self,
        wanted: &std::collections::BTreeSet<String>,
    ) -> Result<CollectionGalleries, FlowError> {
        let mut galleries = CollectionGalleries::new();
        for collection in wanted {
            let inside = timed(
                "photoshelter",
                "collection_galleries",
                self.client.collection_galleries(collection),
            )
            .await
            .map_err(|e| from_photoshelter(&e))?;
            galleries.insert(collection.clone(), inside);
        }
        Ok(galleries)
    }
}
