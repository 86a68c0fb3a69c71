//! The Smint.io license feed sync of one connection.
//!
//! - `event`: a transaction as the canonical `license.*` event carrying its state.
//! - `sync`: one sync (read from the continuation → publish confirmed → store it).
//!
//! - `push`: the Pusher subscription whose notifications nudge the sync.
//!
//! [`Syncer`] syncs on the interval, at start, on a Pusher notification and on a run
//! request in the store (a webhook ping that reached the flows), while it holds the
//! connection's lease.

pub mod event;
pub mod push;
pub mod sync;

pub use event::{SOURCE, license_event};
pub use push::PusherSubscription;
pub use sync::{Start, SyncContext, SyncOutcome};

use crate::PollError;
use crate::lease::SourceLease;
use crate::runner::{self, RunReport, Schedule, Source};
use tokio_util::sync::CancellationToken;

pub struct Syncer {
    pub context: SyncContext,
    pub lease: SourceLease,
    pub schedule: Schedule,
    /// Subscribed while the syncer runs; each notification nudges a sync.
    pub pusher: Option<PusherSubscription>,
}

impl Syncer {
    /// Sync until `shutdown` (a sync in progress is dropped then; the pages it confirmed
    /// are stored, the rest is read again by the next holder).
    pub async fn run(self, shutdown: CancellationToken) {
        let connection = self.context.connection.clone();
        let mut schedule = self.schedule;
        if let Some(pusher) = self.pusher {
            schedule.nudges = Some(pusher.spawn(shutdown.clone()));
        }
        runner::run(self.context, connection, self.lease, schedule, shutdown).await;
    }
}

impl Source for SyncContext {
    fn name(&self) -> &'static str {
        SOURCE
    }

    async fn run_once(&self) -> Result<RunReport, PollError> {
        let outcome = self.sync_once(Start::Stored).await?;
        let connection = &self.connection;
        if outcome.published > 0 {
            tracing::info!(%connection, source = SOURCE, pages = outcome.pages, published = outcome.published, "license feed synced");
        } else {
            tracing::debug!(%connection, source = SOURCE, "license feed unchanged");
        }
        Ok(RunReport {
            pages: outcome.pages,
            published: outcome.published,
        })
    }
}
