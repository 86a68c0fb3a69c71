//! The Smint.io license purchase transactions of one connection, as CLAPI-C's feed serves
//! them. CLAPI-C has no "get one transaction" call (research §2.1): changes are read from a
//! continuation feed. Each process keeps its own cursor and the latest state of the
//! transactions it has read, and reads forward whenever a flow needs a transaction.
//!
//! The feed is read with the client's [`FeedPager`](assetrelay_smintio::client::FeedPager),
//! which ends a read at a page that does not advance instead of re-reading it. The states
//! are kept in a bounded LRU cache: the feed lists changes oldest first, so the licenses
//! least recently changed or asked for go first. An evicted license can only be found
//! again by reading the feed from the beginning; that happens on a miss, and only once the
//! cache has evicted something, so a license that is simply not in the feed yet costs no
//! full read. A restart re-reads the feed from the beginning, as Smint.io's own connectors
//! do on a first sync.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use assetrelay_smintio::client::{
    DEFAULT_PAGE_SIZE, FeedPage, FeedPager, LicensePurchaseTransaction, SmintioClient,
};
use moka::future::Cache;
use moka::policy::EvictionPolicy;
use tokio::sync::Mutex;

use crate::shared::calls::timed;
use crate::shared::failure::{FlowError, from_smintio};

/// Transactions kept per connection: a few KiB each, so some tens of MiB at most.
pub const DEFAULT_CAPACITY: u64 = 10_000;

pub struct LicenseFeed {
    connection: String,
    client: Arc<SmintioClient>,
    /// Where the next read starts. Held for a whole read, so the reads of one connection
    /// take turns instead of fetching the same pages at once.
    cursor: Mutex<Option<String>>,
    latest: Cache<String, LicensePurchaseTransaction>,
    /// Whether the cache ever dropped a transaction for room: only then can a miss mean
    /// "evicted" rather than "not in the feed".
    evicted: Arc<AtomicBool>,
}

impl LicenseFeed {
    pub fn new(connection: &str, client: Arc<SmintioClient>) -> Self {
        Self::with_capacity(connection, client, DEFAULT_CAPACITY)
    }

    /// A feed that keeps at most `capacity` transactions.
    pub fn with_capacity(connection: &str, client: Arc<SmintioClient>, capacity: u64) -> Self {
        let evicted = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&evicted);
        let latest = Cache::builder()
            .max_capacity(capacity)
            .eviction_policy(EvictionPolicy::lru())
            .eviction_listener(move |_, _, cause| {
                if cause.was_evicted() {
                    flag.store(true, Ordering::Relaxed);
                }
            })
            .build();
        Self {
            connection: connection.to_owned(),
            client,
            cursor: Mutex::new(None),
            latest,
            evicted,
        }
    }

    /// Read the feed up to its end; returns the transactions that changed, each once in
    /// its latest state, in the order of their last change. A first read after a start
    /// returns every transaction of the tenant.
    pub async fn refresh(&self) -> Result<Vec<LicensePurchaseTransaction>, FlowError> {
        let mut cursor = self.cursor.lock().await;
        let mut pager = self.client.feed(cursor.clone(), DEFAULT_PAGE_SIZE);
        let mut changed = Vec::new();
        while let Some(page) = next_page(&mut pager).await? {
            for lpt in page.transactions {
                self.latest.insert(lpt.uuid.clone(), lpt.clone()).await;
                changed.push(lpt);
            }
            // The cursor moves only after the page is stored, so a failure re-reads it.
            *cursor = page.continuation;
        }
        *cursor = pager.continuation().map(str::to_owned);
        drop(cursor);
        if !changed.is_empty() {
            tracing::debug!(connection = %self.connection, changed = changed.len(), "license feed read");
        }
        Ok(latest_of_each(changed))
    }

    /// The current state of one transaction, reading the feed forward first (and from the
    /// beginning when the cache may have evicted it).
    pub async fn get(&self, uuid: &str) -> Result<Option<LicensePurchaseTransaction>, FlowError> {
        self.refresh().await?;
        if let Some(lpt) = self.cached(uuid).await {
            return Ok(Some(lpt));
        }
        if !self.evicted.load(Ordering::Relaxed) {
            return Ok(None);
        }
        self.read_from_the_beginning(uuid).await
    }

    /// The state of one transaction as of the last read, without reading the feed.
    pub async fn cached(&self, uuid: &str) -> Option<LicensePurchaseTransaction> {
        self.latest.get(uuid).await
    }

    /// Read the whole feed for the latest state of `uuid`, leaving the cursor alone.
    async fn read_from_the_beginning(
        &self,
        uuid: &str,
    ) -> Result<Option<LicensePurchaseTransaction>, FlowError> {
        let _turn = self.cursor.lock().await;
        tracing::debug!(connection = %self.connection, license = uuid, "license not cached; reading the feed from the beginning");
        let mut pager = self.client.feed(None, DEFAULT_PAGE_SIZE);
        let mut found = None;
        while let Some(page) = next_page(&mut pager).await? {
            if let Some(lpt) = page.transactions.into_iter().rfind(|l| l.uuid == uuid) {
                found = Some(lpt);
            }
        }
        if let Some(lpt) = &found {
            self.latest.insert(uuid.to_owned(), lpt.clone()).await;
        }
        Ok(found)
    }
}

async fn next_page(pager: &mut FeedPager<'_>) -> Result<Option<FeedPage>, FlowError> {
    timed(
        "smintio",
        "license_purchase_transactions",
        pager.next_page(),
    )
    .await
    .map_err(|e| from_smintio(&e))
}

/// Each uuid once, at its last position, with its last state.
fn latest_of_each(changed: Vec<LicensePurchaseTransaction>) -> Vec<LicensePurchaseTransaction> {
    let mut seen = HashSet::new();
    let mut latest: Vec<_> = changed
        .into_iter()
        .rev()
        .filter(|lpt| seen.insert(lpt.uuid.clone()))
        .collect();
    latest.reverse();
    latest
}

#[cfg(test)]
#[path = "license_feed_tests.rs"]
mod tests;
