//! The Smint.io backfill: the CLAPI-C license feed read page by page, one license event
//! per transaction (the same id as the running sync's for the same state).
//!
//! Without `full` it reads from the stored continuation and stores each page's
//! continuation once the page's events are confirmed, exactly as the running sync does,
//! so it is a catch-up the sync continues from. With `full` it reads from the beginning
//! and stores nothing: a full walk is a re-publication, not a position, and the running
//! sync must not skip what lies after its own continuation.

use std::time::Instant;

use chrono::Utc;

use super::publish::Pages;
use super::{BackfillError, Options, Progress, Report, Tally, guarded};
use crate::PollError;
use crate::smintio::{SOURCE, SyncContext, license_event};

/// Walk the feed of `context`'s connection (see the module docs), holding the source's
/// lease unless a dry run, until done or `shutdown`.
pub async fn backfill(
    context: &SyncContext,
    options: Options,
    progress: Progress<'_>,
    shutdown: &tokio_util::sync::CancellationToken,
) -> Result<Report, BackfillError> {
    let walk = walk(context, options, progress);
    guarded(
        &context.store,
        &context.connection,
        SOURCE,
        options,
        shutdown,
        walk,
    )
    .await
}

async fn walk(
    context: &SyncContext,
    options: Options,
    progress: Progress<'_>,
) -> Result<Report, BackfillError> {
    let started = Instant::now();
    let stores_position = !options.full && !options.dry_run;
    let stored = context.continuation().await?;
    let from = if options.full { None } else { stored.clone() };
    let mut position = stored;
    let mut position_stored = false;
    let mut pages = Pages::new(
        context.publisher.clone(),
        context.topology.clone(),
        options.rate,
        options.dry_run,
    );
    let mut tally = Tally::default();
    let mut pager = context.client.feed(from, context.page_size);
    while let Some(page) = pager.next_page().await.map_err(PollError::Feed)? {
        tally.pages += 1;
        tally.read += page.transactions.len() as u64;
        progress(tally);
        let read_at = Utc::now();
        let events = page
            .transactions
            .iter()
            .map(|lpt| license_event(&context.connection, lpt, read_at))
            .collect();
        pages.publish(events, &mut tally, progress).await?;
        if stores_position {
            position_stored |= store(context, &mut position, page.continuation).await?;
        }
        progress(tally);
    }
    // The feed's end still carries the position to resume from (research §3.1).
    if stores_position {
        let end = pager.continuation().map(str::to_owned);
        position_stored |= store(context, &mut position, end).await?;
    }
    Ok(Report::new(
        &context.connection,
        SOURCE,
        options,
        tally,
        position_stored,
        started.elapsed(),
    ))
}

/// Store `next` unless it is what is stored already; whether it was stored.
async fn store(
    context: &SyncContext,
    position: &mut Option<String>,
    next: Option<String>,
) -> Result<bool, PollError> {
    match next {
        Some(next) if position.as_deref() != Some(next.as_str()) => {
            context
                .store
                .set_cursor(&context.connection, SOURCE, &next)
                .await?;
            *position = Some(next);
            Ok(true)
        }
        _ => Ok(false),
    }
}
