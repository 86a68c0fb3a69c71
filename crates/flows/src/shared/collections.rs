//! Approval and region rules may name PhotoShelter collections: the galleries inside them
//! count as named (use case 1). A media item lists its galleries, not their collections,
//! so the flows read each named collection's galleries from PhotoShelter and keep them for
//! `photoshelter.api.collections_refresh_secs`; a failed refresh keeps the old list (with
//! a warning), and with none yet the delivery is retried.

use std::borrow::Cow;
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
    held: Mutex<Option<(Instant, Arc<CollectionGalleries>)>>,
}

impl Collections {
    pub fn new(client: Arc<Client>, refresh: Duration) -> Self {
        Self {
            client,
            refresh,
            held: Mutex::new(None),
        }
    }

    /// `rules` with the galleries of their collections listed beside their galleries;
    /// `rules` themselves when they name no collection.
    pub async fn expand<'r>(
        &self,
        rules: &'r ConnectionRules,
    ) -> Result<Cow<'r, ConnectionRules>, FlowError> {
        let wanted = rules.collections();
        if wanted.is_empty() {
            return Ok(Cow::Borrowed(rules));
        }
        let mut held = self.held.lock().await;
        let fresh = held
            .as_ref()
            .filter(|(at, _)| at.elapsed() < self.refresh)
            .map(|(_, galleries)| Arc::clone(galleries));
        let galleries = match fresh {
            Some(galleries) => galleries,
            None => match self.read(&wanted).await {
                Ok(galleries) => {
                    let galleries = Arc::new(galleries);
                    *held = Some((Instant::now(), Arc::clone(&galleries)));
                    galleries
                }
                Err(e) => match held.as_ref() {
                    Some((_, old)) => {
                        tracing::warn!(error.message = %e.detail, "cannot read the rules' PhotoShelter collections; judging by the list read before");
                        Arc::clone(old)
                    }
                    None => return Err(e),
                },
            },
        };
        Ok(Cow::Owned(rules.with_collection_galleries(&galleries)))
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
