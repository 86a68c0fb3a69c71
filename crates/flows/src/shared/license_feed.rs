//! The Smint.io license purchase transactions of one connection, as CLAPI-C's feed serves
//! them. CLAPI-C has no "get one transaction" call (research §2.1): changes are read from a
//! continuation feed. Each process keeps its own cursor and the latest state of every
//! transaction it has read, and reads forward whenever a flow needs a transaction.
//!
//! Memory grows with the number of transactions in the tenant (a few KiB each); a restart
//! re-reads the feed from the beginning, which is what Smint.io's own connectors do on a
//! first sync.

use std::collections::HashMap;
use std::sync::Arc;

use assetrelay_smintio::client::{DEFAULT_PAGE_SIZE, LicensePurchaseTransaction, SmintioClient};
use tokio::sync::Mutex;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_smintio};

#[derive(Default)]
struct FeedState {
    continuation: Option<String>,
    latest: HashMap<String, LicensePurchaseTransaction>,
}

pub struct LicenseFeed {
    connection: String,
    client: Arc<SmintioClient>,
    state: Mutex<FeedState>,
}

impl LicenseFeed {
    pub fn new(connection: &str, client: Arc<SmintioClient>) -> Self {
        Self {
            connection: connection.to_owned(),
            client,
            state: Mutex::new(FeedState::default()),
        }
    }

    /// Read the feed up to its end; returns the uuids that changed, in feed order.
    pub async fn refresh(&self) -> Result<Vec<String>, FlowError> {
        let mut state = self.state.lock().await;
        let mut changed = Vec::new();
        loop {
            let page = timed(
                "smintio",
                "license_purchase_transactions",
                self.client.license_purchase_transactions(
                    state.continuation.as_deref(),
                    DEFAULT_PAGE_SIZE,
                ),
            )
            .await
            .map_err(|e| from_smintio(&e))?;
            // The cursor moves only after the page is stored, so a failure re-reads it.
            for lpt in page.license_purchase_transactions {
                changed.push(lpt.uuid.clone());
                state.latest.insert(lpt.uuid.clone(), lpt);
            }
            if page.continuation_uuid.is_some() {
                state.continuation = page.continuation_uuid;
            }
            if page.count == 0 {
                break;
            }
        }
        if !changed.is_empty() {
            tracing::debug!(connection = %self.connection, changed = changed.len(), "license feed read");
        }
        Ok(changed)
    }

    /// The current state of one transaction, reading the feed forward first.
    pub async fn get(&self, uuid: &str) -> Result<Option<LicensePurchaseTransaction>, FlowError> {
        self.refresh().await?;
        Ok(self.cached(uuid).await)
    }

    /// The state of one transaction as of the last read, without reading the feed.
    pub async fn cached(&self, uuid: &str) -> Option<LicensePurchaseTransaction> {
        self.state.lock().await.latest.get(uuid).cloned()
    }
}
