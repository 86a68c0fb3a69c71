//! Why a poll or a sync ended without moving its position past what it had not
//! published. Every variant leaves the stored position where the last confirmed work
//! put it, so the next run reads the rest again.

use assetrelay_broker::PublishError;
use assetrelay_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// Reading or writing the stored position failed.
    #[error("the store failed")]
    Store(#[from] StoreError),
    /// The stored position is not one this poller wrote (edited by hand?). It is not
    /// overwritten: delete it to start from now (`assetrelay` cursor reset, issue 11).
    #[error("the stored position of `{source_name}` is unreadable")]
    Cursor {
        source_name: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// Listing the changed media failed (transient or permanent, as the client classified).
    #[error("listing the changed media failed")]
    List(#[source] assetrelay_photoshelter::client::Error),
    /// Reading one media item failed (the reconciliation's reads).
    #[error("reading a PhotoShelter media item failed")]
    Read(#[source] assetrelay_photoshelter::client::Error),
    /// Reading the Smint.io license feed failed.
    #[error("reading the Smint.io license feed failed")]
    Feed(#[source] assetrelay_smintio::client::Error),
    /// An event was not confirmed by the broker.
    #[error("event {event_id} was not confirmed")]
    Publish {
        event_id: String,
        #[source]
        source: PublishError,
    },
}

impl PollError {
    /// Short label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Store(_) => "store",
            Self::Cursor { .. } => "cursor",
            Self::List(_) => "list",
            Self::Read(_) => "read",
            Self::Feed(_) => "feed",
            Self::Publish { .. } => "publish",
        }
    }
}
