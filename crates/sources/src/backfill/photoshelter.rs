//! The PhotoShelter backfill: the organization's media listing, newest modification
//! first, page by page, one `asset.updated` event per item (the poller's id for the same
//! media id and modification time, so the flows treat a backfilled item and a polled one
//! as the same change).
//!
//! With `full` it walks the whole listing. Without, it stops at the stored watermark
//! minus the overlap (everything when none is stored: the poller started at its first
//! poll's `now − overlap`, so what is older is this walk's) and skips what the watermark
//! remembers as published. It never stores the watermark: the poller alone moves it, and
//! a walk that took minutes must not claim the changes made meanwhile.
//!
//! Newest-first paging lists an item modified during the walk twice, never skips one: it
//! moves to a page already read and pushes the others down. The second listing is
//! dropped here; its new modification is the poller's.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::Utc;

use super::publish::Pages;
use super::{BackfillError, Options, Progress, Report, Tally, guarded};
use crate::PollError;
use crate::photoshelter::event::change_event;
use crate::photoshelter::{Change, PollContext, SOURCE};

/// Walk the media of `context`'s connection (see the module docs), holding the poller's
/// lease unless a dry run, until done or `shutdown`.
pub async fn backfill(
    context: &PollContext,
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
    context: &PollContext,
    options: Options,
    progress: Progress<'_>,
) -> Result<Report, BackfillError> {
    let started = Instant::now();
    let watermark = if options.full {
        None
    } else {
        context.watermark().await?
    };
    let since = watermark.as_ref().map(|w| w.since(context.overlap));
    let mut pages = Pages::new(
        context.publisher.clone(),
        context.topology.clone(),
        options.rate,
        options.dry_run,
    );
    let mut tally = Tally::default();
    let mut listed: BTreeSet<Change> = BTreeSet::new();
    let mut page_number = 1;
    loop {
        let page = context
            .client
            .media_page(page_number, context.page_size)
            .await
            .map_err(PollError::List)?;
        tally.pages += 1;
        let now = Utc::now();
        let mut reached_since = false;
        let mut events = Vec::new();
        for item in page.items {
            if let (Some(since), Some(at)) = (since, item.modified_at)
                && at < since
            {
                reached_since = true;
                break;
            }
            tally.read += 1;
            let change = Change {
                media_id: item.id,
                modified_at: item.modified_at,
            };
            let published = watermark.as_ref().is_some_and(|w| w.has_seen(&change));
            if !published && listed.insert(change.clone()) {
                events.push(change_event(
                    &context.connection,
                    &context.org_id,
                    &change,
                    now,
                ));
            }
        }
        progress(tally);
        pages.publish(events, &mut tally, progress).await?;
        progress(tally);
        if reached_since || !page.more {
            break;
        }
        page_number = page_number.saturating_add(1);
    }
    Ok(Report::new(
        &context.connection,
        SOURCE,
        options,
        tally,
        false,
        started.elapsed(),
    ))
}
