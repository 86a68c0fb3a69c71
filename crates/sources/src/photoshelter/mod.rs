//! The PhotoShelter poller of one connection.
//!
//! - `watermark`: the stored position and the changes already published in the overlap.
//! - `event`: a change as the canonical `asset.updated` event, with its stable id.
//! - `poll`: one poll (list → publish confirmed → store the watermark).
//! - `galleries`: the watched galleries' membership (approval by gallery).
//! - `reconcile`: the ledger's exposed items against the library (deleted, expired, revoked).
//!
//! [`Poller::run`] polls every interval while it holds the connection's lease, renews the
//! lease between polls, waits as a standby otherwise, and releases it on shutdown.

pub mod event;
pub mod galleries;
pub mod poll;
pub mod reconcile;
pub mod watermark;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use event::SOURCE;
pub use poll::{PollContext, PollOutcome};
pub use watermark::{Change, Watermark};

use crate::PollError;
use crate::lease::SourceLease;
use crate::runner::{self, RunReport, Schedule, Source};

pub struct Poller {
    pub context: PollContext,
    pub lease: SourceLease,
    pub interval: Duration,
}

impl Poller {
    /// Poll until `shutdown`; a poll in progress is dropped then (its watermark is not
    /// stored, so the next holder reads the same changes again).
    pub async fn run(self, shutdown: CancellationToken) {
        let connection = self.context.connection.clone();
        runner::run(
            self.context,
            connection,
            self.lease,
            Schedule::every(self.interval),
            shutdown,
        )
        .await;
    }
}

impl Source for PollContext {
    fn name(&self) -> &'static str {
        SOURCE
    }

    async fn run_once(&self) -> Result<RunReport, PollError> {
        let outcome = self.poll_once().await?;
        let connection = &self.connection;
        // Every interval per connection: only a poll that found something is news.
        if outcome.published > 0 {
            tracing::info!(%connection, source = SOURCE, listed = outcome.listed, published = outcome.published, watermark = %outcome.watermark.at, "poll published changes");
        } else {
            tracing::debug!(%connection, source = SOURCE, listed = outcome.listed, watermark = %outcome.watermark.at, "poll found nothing new");
        }
        Ok(RunReport {
            pages: outcome.pages,
            published: outcome.published,
        })
    }
}
