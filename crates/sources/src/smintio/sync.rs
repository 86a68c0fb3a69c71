//! One sync: read the feed from the stored continuation, publish one confirmed event per
//! transaction of a page, and only then store the page's continuation (research §3.1: the
//! SDKs persist it "only after the batch commit"). A failure leaves the stored position
//! at the last page that was wholly confirmed, so the next sync reads the rest again.

use std::sync::Arc;

use assetrelay_broker::{Publisher, Topology};
use assetrelay_smintio::client::{LicensePurchaseTransaction, SmintioClient};
use assetrelay_store::Store;
use chrono::Utc;
use futures::StreamExt;

use super::event::{SOURCE, license_event};
use crate::PollError;

/// Confirms awaited at once (as the poller's).
const PUBLISH_CONCURRENCY: usize = 32;

/// Everything one connection's sync needs.
#[derive(Clone)]
pub struct SyncContext {
    pub connection: String,
    pub client: Arc<SmintioClient>,
    pub publisher: Publisher,
    pub topology: Topology,
    pub store: Store,
    pub page_size: u32,
}

/// Where a sync starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The stored continuation (the feed's beginning when none is stored).
    Stored,
    /// The feed's beginning, whatever is stored (`assetrelay sync --full`).
    Beginning,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncOutcome {
    /// Pages that held transactions.
    pub pages: usize,
    /// Events published and confirmed (one per transaction read).
    pub published: usize,
    /// The stored continuation after the sync.
    pub continuation: Option<String>,
}

impl SyncContext {
    /// The stored continuation, if any.
    pub async fn continuation(&self) -> Result<Option<String>, PollError> {
        Ok(self.store.cursor(&self.connection, SOURCE).await?)
    }

    /// Run one sync (see the module docs).
    pub async fn sync_once(&self, start: Start) -> Result<SyncOutcome, PollError> {
        self.sync_with(start, |_| {}).await
    }

    /// [`Self::sync_once`], calling `on_page` with the number of transactions of each
    /// page once it is confirmed and its continuation stored (for a progress bar).
    pub async fn sync_with(
        &self,
        start: Start,
        mut on_page: impl FnMut(usize) + Send,
    ) -> Result<SyncOutcome, PollError> {
        let stored = self.continuation().await?;
        let from = match start {
            Start::Stored => stored.clone(),
            Start::Beginning => None,
        };
        let mut pager = self.client.feed(from, self.page_size);
        let mut outcome = SyncOutcome {
            continuation: stored,
            ..SyncOutcome::default()
        };
        while let Some(page) = pager.next_page().await.map_err(PollError::Feed)? {
            let count = page.transactions.len();
            self.publish_page(page.transactions).await?;
            outcome.pages += 1;
            outcome.published += count;
            self.store_position(&mut outcome, page.continuation).await?;
            on_page(count);
        }
        // An empty last page still moves the position (research §3.1).
        self.store_position(&mut outcome, pager.continuation().map(str::to_owned))
            .await?;
        Ok(outcome)
    }

    async fn publish_page(
        &self,
        transactions: Vec<LicensePurchaseTransaction>,
    ) -> Result<(), PollError> {
        let read_at = Utc::now();
        let mut confirms = futures::stream::iter(transactions)
            .map(|lpt| self.publish(lpt, read_at))
            .buffer_unordered(PUBLISH_CONCURRENCY);
        while let Some(confirmed) = confirms.next().await {
            confirmed?;
        }
        Ok(())
    }

    async fn publish(
        &self,
        lpt: LicensePurchaseTransaction,
        read_at: chrono::DateTime<Utc>,
    ) -> Result<(), PollError> {
        let event = license_event(&self.connection, &lpt, read_at);
        crate::publish_confirmed(&self.publisher, &self.topology, &event).await?;
        tracing::debug!(event_id = %event.id, license = %lpt.uuid, version = lpt.version, "license state published");
        Ok(())
    }

    async fn store_position(
        &self,
        outcome: &mut SyncOutcome,
        next: Option<String>,
    ) -> Result<(), PollError> {
        if let Some(next) = next
            && outcome.continuation.as_deref() != Some(next.as_str())
        {
            self.store
                .set_cursor(&self.connection, SOURCE, &next)
                .await?;
            outcome.continuation = Some(next);
        }
        Ok(())
    }
}
