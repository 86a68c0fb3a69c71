//! The initial sync (backfill) of one connection's source, `assetrelay sync`: walk the
//! platform and publish the same canonical events the running sources publish, under the
//! same ids (`photoshelter::event::change_event`, `smintio::license_event`), through the
//! confirmed publisher, at a capped rate.
//!
//! - `smintio`: the CLAPI-C license feed, from the stored continuation or (full) from
//!   its beginning; only a walk from the stored continuation stores where it got to.
//! - `photoshelter`: the media listing, newest first, down to the stored watermark minus
//!   the overlap or (full) to the end; it never moves the poller's watermark.
//! - `publish`: pacing to `--rate` and confirms awaited page by page.
//!
//! While a walk publishes it holds the (connection, source) lease the running sources
//! take (`crate::lease`), so the two never read and store the same position at once; a
//! dry run reads only and takes no lease.

pub mod photoshelter;
mod publish;
pub mod smintio;

use std::future::Future;
use std::num::NonZeroU32;
use std::time::Duration;

use assetrelay_store::Store;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::PollError;
use crate::lease::{DEFAULT_TTL, SourceLease, lease_name};

/// The publish rate of a backfill when none is given: enough to catch up thousands of
/// items in minutes, little enough that the flows (and the platform's rate limit behind
/// them) keep up with the live traffic beside it.
pub const DEFAULT_RATE: u32 = 100;

/// How a backfill walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// From the beginning, whatever is stored; never stores a position.
    pub full: bool,
    /// Read and count only: publish nothing, store nothing, take no lease.
    pub dry_run: bool,
    /// At most this many events published per second; `None`: no cap.
    pub rate: Option<NonZeroU32>,
}

/// What a walk has done so far (also what the progress callback sees).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Transactions or media items read from the platform.
    pub read: u64,
    /// Events the walk publishes (or, in a dry run, would publish).
    pub events: u64,
    /// Events published and confirmed by the broker.
    pub published: u64,
    /// Pages read from the platform.
    pub pages: u64,
}

/// The progress callback: called after each page and each confirmed event.
pub type Progress<'a> = &'a (dyn Fn(Tally) + Send + Sync);

/// How a backfill ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub connection: String,
    /// The cursor's (and the lease's) name of the source walked.
    pub source: &'static str,
    pub full: bool,
    pub dry_run: bool,
    #[serde(flatten)]
    pub tally: Tally,
    /// Whether the walk stored a new position (only a Smint.io walk without `full`).
    pub position_stored: bool,
    pub elapsed_ms: u64,
    /// Published (dry run: read) events per second over the whole walk.
    pub events_per_sec: f64,
}

impl Report {
    fn new(
        connection: &str,
        source: &'static str,
        options: Options,
        tally: Tally,
        position_stored: bool,
        elapsed: Duration,
    ) -> Self {
        let secs = elapsed.as_secs_f64().max(0.001);
        let counted = if options.dry_run {
            tally.events
        } else {
            tally.published
        };
        Self {
            connection: connection.to_owned(),
            source,
            full: options.full,
            dry_run: options.dry_run,
            tally,
            position_stored,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            events_per_sec: counted as f64 / secs,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    /// Another process (a running `assetrelay-sources`, or another sync) holds the
    /// source's lease.
    #[error(
        "lease `{lease}` is held by `{holder}` (for {expires_in_secs} s more unless renewed): \
         stop assetrelay-sources for this connection or disable the source, wait until the \
         lease is released (at once when the holder stops, within {ttl} s when it was \
         killed), then run again; --dry-run needs no lease",
        ttl = DEFAULT_TTL.as_secs()
    )]
    LeaseHeld {
        lease: String,
        holder: String,
        expires_in_secs: u64,
    },
    /// The lease could not be renewed during the walk: another process may have it now.
    #[error(
        "lease `{lease}` was lost during the sync (store unreachable or taken over); what was confirmed stays published, run again"
    )]
    LeaseLost { lease: String },
    /// Ctrl-C or SIGTERM.
    #[error(
        "interrupted; every confirmed event stays published and a stored position stays at the last confirmed page"
    )]
    Interrupted,
    /// Reading, publishing or storing failed.
    #[error(transparent)]
    Walk(#[from] PollError),
    /// A publish task ended without an answer (it panicked).
    #[error("a publish task failed")]
    Task(#[source] tokio::task::JoinError),
}

/// A holder name unique to this process, saying it is a backfill:
/// `assetrelay-sync/<host>/<pid>/<random>`.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "assetrelay-sync/{host}/{}/{}",
        std::process::id(),
        &random[..8]
    )
}

/// Take the lease of `source` on `connection` for `holder`, or say who has it.
pub async fn take_lease(
    store: &Store,
    connection: &str,
    source: &str,
    holder: &str,
) -> Result<SourceLease, BackfillError> {
    let name = lease_name(connection, source);
    let taken = store
        .try_acquire_lease(&name, holder, DEFAULT_TTL)
        .await
        .map_err(PollError::Store)?;
    if taken {
        return Ok(SourceLease::new(
            store.clone(),
            name,
            holder.to_owned(),
            DEFAULT_TTL,
        ));
    }
    let current = store.lease_holder(&name).await.map_err(PollError::Store)?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (holder, expires_in_secs) = current.map_or_else(
        // Released between the two reads: the holder just stopped.
        || ("a process that just released it".to_owned(), 0),
        |l| {
            let left = (l.expires_at_ms - now_ms).max(0) / 1000;
            (l.holder, u64::try_from(left).unwrap_or(0))
        },
    );
    Err(BackfillError::LeaseHeld {
        lease: name,
        holder,
        expires_in_secs,
    })
}

/// Run `walk` holding the lease of `source` (none in a dry run), renewed while it runs;
/// stop it when the lease is lost or `shutdown` fires, and release the lease however it
/// ended.
async fn guarded<T>(
    store: &Store,
    connection: &str,
    source: &str,
    options: Options,
    shutdown: &CancellationToken,
    walk: impl Future<Output = Result<T, BackfillError>>,
) -> Result<T, BackfillError> {
    if options.dry_run {
        return tokio::select! {
            result = walk => result,
            () = shutdown.cancelled() => Err(BackfillError::Interrupted),
        };
    }
    let lease = take_lease(store, connection, source, &holder_name()).await?;
    let result = tokio::select! {
        result = walk => result,
        () = lease.keep() => Err(BackfillError::LeaseLost { lease: lease.name().to_owned() }),
        () = shutdown.cancelled() => Err(BackfillError::Interrupted),
    };
    lease.release().await;
    result
}
