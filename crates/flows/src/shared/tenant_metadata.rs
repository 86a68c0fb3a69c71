//! The Smint.io tenant's generic metadata (the names of the keys in licenses), read once
//! per `smintio.api.metadata_refresh_secs` per process, as the SDKs sync it on their timer
//! (research/smintio.md §3). to-photoshelter writes rights text with it.
//!
//! A failed refresh keeps the copy already held (names change rarely; a rights text with
//! an hour-old name beats none) and is tried again a minute later. Without any copy a
//! transient failure (5xx, 429, network) fails the delivery as transient: it is retried
//! rather than writing raw keys. A permanent one (the tenant answers 4xx: no such
//! endpoint, no permission) would fail every license forever, so the keys are written as
//! they are, with a warning, and the names are tried again a minute later; the text then
//! changes with the next event of the license.

use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_smintio::client::{GenericMetadata, SmintioClient};
use tokio::sync::Mutex;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_smintio};

/// How soon a failed refresh is tried again while an older copy is used.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

pub struct TenantMetadata {
    client: Arc<SmintioClient>,
    refresh: Duration,
    /// The copy and when it is next read again. One lock: concurrent deliveries that find
    /// it due wait for one read, not one each.
    held: Mutex<Option<(Instant, Arc<GenericMetadata>)>>,
}

impl TenantMetadata {
    pub fn new(client: Arc<SmintioClient>, refresh: Duration) -> Self {
        Self {
            client,
            refresh,
            held: Mutex::new(None),
        }
    }

    pub async fn get(&self) -> Result<Arc<GenericMetadata>, FlowError> {
        let mut held = self.held.lock().await;
        if let Some((due, metadata)) = held.as_ref()
            && Instant::now() < *due
        {
            return Ok(Arc::clone(metadata));
        }
        match timed(
            "smintio",
            "generic_metadata",
            self.client.generic_metadata(),
        )
        .await
        {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                *held = Some((Instant::now() + self.refresh, Arc::clone(&fresh)));
                Ok(fresh)
            }
            Err(e) => match held.as_mut() {
                Some((due, metadata)) => {
                    tracing::warn!(error.message = %e, "reading the Smint.io generic metadata failed; keeping the copy held");
                    *due = Instant::now() + RETRY_AFTER_FAILURE;
                    Ok(Arc::clone(metadata))
                }
                None if e.is_transient() => Err(from_smintio(&e)),
                None => {
                    tracing::warn!(error.message = %e, "the Smint.io generic metadata cannot be read; rights text names keys as they are");
                    let keys_only = Arc::new(GenericMetadata::default());
                    *held = Some((Instant::now() + RETRY_AFTER_FAILURE, Arc::clone(&keys_only)));
                    Ok(keys_only)
                }
            },
        }
    }
}
