//! One poll: list the media modified since the watermark minus the overlap, publish one
//! confirmed event per change not yet published, then — only when every event was
//! confirmed — store the advanced watermark.

use std::collections::BTreeSet;
use std::sync::Arc;

use assetrelay_broker::{Publisher, Topology};
use assetrelay_photoshelter::client::Client;
use assetrelay_store::Store;
use chrono::{Duration, Utc};
use futures::StreamExt;

use super::event::{SOURCE, change_event};
use super::watermark::{Change, Watermark};

use crate::error::PollError;

/// Confirms awaited at once: a poll after an import can hold thousands of changes, and
/// one confirm round trip each, in turn, would make it as slow as their sum.
const PUBLISH_CONCURRENCY: usize = 32;

/// Everything one connection's poll needs.
#[derive(Clone)]
pub struct PollContext {
    pub connection: String,
    /// The organization the client works in (`org_id` of the events).
    pub org_id: String,
    pub client: Arc<Client>,
    pub publisher: Publisher,
    pub topology: Topology,
    pub store: Store,
    pub overlap: Duration,
    pub page_size: u32,
    /// Gallery ids whose membership each poll compares (`galleries`): the approval and
    /// region galleries of the connection's rules.
    pub watched_galleries: Vec<String>,
    /// Collection ids the rules name: the galleries inside them are watched too, read
    /// again on every poll (a gallery moved into one counts from the next poll).
    pub watched_collections: Vec<String>,
}

/// What a poll did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    /// Changes the listing returned (the overlap included).
    pub listed: usize,
    /// Pages of the listing read (the last, short or empty, included).
    pub pages: usize,
    /// Events published and confirmed.
    pub published: usize,
    /// The stored position after the poll.
    pub watermark: Watermark,
}

impl PollContext {
    /// The stored position, or where polling starts when there is none.
    pub async fn watermark(&self) -> Result<Option<Watermark>, PollError> {
        match self.store.cursor(&self.connection, SOURCE).await? {
            None => Ok(None),
            Some(text) => Watermark::parse(&text)
                .map(Some)
                .map_err(|source| PollError::Cursor {
                    source_name: SOURCE,
                    source,
                }),
        }
    }

    /// Run one poll (see the module docs).
    pub async fn poll_once(&self) -> Result<PollOutcome, PollError> {
        let stored = self.watermark().await?;
        let now = Utc::now();
        let current = stored
            .clone()
            .unwrap_or_else(|| Watermark::start(now, self.overlap));
        let listed = self
            .client
            .media_modified_since_paged(current.since(self.overlap), self.page_size)
            .await
            .map_err(PollError::List)?;
        let per_page = usize::try_from(self.page_size.max(1)).unwrap_or(usize::MAX);
        let pages = listed.len() / per_page + 1;
        // An item modified while the listing was paged can be listed twice.
        let changes: BTreeSet<Change> = listed
            .into_iter()
            .map(|m| Change {
                media_id: m.id,
                modified_at: m.modified_at,
            })
            .collect();
        let fresh: Vec<Change> = changes
            .iter()
            .filter(|c| !current.has_seen(c))
            .cloned()
            .collect();
        let published = fresh.len();
        let mut confirms = futures::stream::iter(fresh)
            .map(|change| self.publish(change, now))
            .buffer_unordered(PUBLISH_CONCURRENCY);
        while let Some(confirmed) = confirms.next().await {
            confirmed?;
        }
        drop(confirms);
        let advanced = current.advanced(&changes, self.overlap);
        // The first poll stores where it started even when it found nothing: otherwise
        // each poll would start from its own `now` and a pause would lose what changed.
        if stored.as_ref() != Some(&advanced) {
            self.store
                .set_cursor(&self.connection, SOURCE, &advanced.to_text())
                .await?;
        }
        // Membership changes the listing cannot show, after the watermark is safe.
        let joined_or_left = self.watch_galleries().await?;
        Ok(PollOutcome {
            listed: changes.len(),
            pages,
            published: published + joined_or_left,
            watermark: advanced,
        })
    }

    async fn publish(&self, change: Change, now: chrono::DateTime<Utc>) -> Result<(), PollError> {
        let event = change_event(&self.connection, &self.org_id, &change, now);
        crate::publish_confirmed(&self.publisher, &self.topology, &event).await?;
        tracing::debug!(event_id = %event.id, subject = %change.media_id, "polled change published");
        Ok(())
    }
}
