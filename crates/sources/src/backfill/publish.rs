//! Publishing a backfill's pages: each event through the confirmed publisher, many in
//! flight at once, started no faster than the rate cap; a page is done when every one of
//! its events is confirmed (only then may its position be stored).

use std::num::NonZeroU32;
use std::time::Duration;

use assetrelay_broker::{Publisher, Topology};
use assetrelay_contract::CloudEvent;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{BackfillError, Progress, Tally};
use crate::PollError;

/// Confirms awaited at once (as the running sources'): enough to hide the confirm round
/// trip at the default rate.
const IN_FLIGHT: usize = 32;

/// Publish `n` starts no earlier than `n / rate` seconds after the first, so the average
/// rate never exceeds the cap, across pages too.
struct Pace {
    start: Option<Instant>,
    interval: Duration,
    started: u32,
}

impl Pace {
    fn new(rate: NonZeroU32) -> Self {
        Self {
            start: None,
            interval: Duration::from_secs(1) / rate.get(),
            started: 0,
        }
    }

    async fn wait(&mut self) {
        let start = *self.start.get_or_insert_with(Instant::now);
        tokio::time::sleep_until(start + self.interval * self.started).await;
        self.started = self.started.saturating_add(1);
    }
}

pub(super) struct Pages {
    publisher: Publisher,
    topology: Topology,
    pace: Option<Pace>,
    dry_run: bool,
}

impl Pages {
    pub(super) fn new(
        publisher: Publisher,
        topology: Topology,
        rate: Option<NonZeroU32>,
        dry_run: bool,
    ) -> Self {
        Self {
            publisher,
            topology,
            pace: rate.map(Pace::new),
            dry_run,
        }
    }

    /// Publish one page's events and wait for all their confirms (a dry run counts them).
    pub(super) async fn publish(
        &mut self,
        events: Vec<CloudEvent>,
        tally: &mut Tally,
        progress: Progress<'_>,
    ) -> Result<(), BackfillError> {
        tally.events += events.len() as u64;
        if self.dry_run {
            return Ok(());
        }
        // Dropping the set (on an error, or when the walk is dropped) aborts what is still
        // in flight: nothing after it is stored, so those events are published again later.
        let mut in_flight = JoinSet::new();
        for event in events {
            if let Some(pace) = &mut self.pace {
                pace.wait().await;
            }
            while in_flight.len() >= IN_FLIGHT {
                if let Some(done) = in_flight.join_next().await {
                    confirmed(done, tally, progress)?;
                }
            }
            while let Some(done) = in_flight.try_join_next() {
                confirmed(done, tally, progress)?;
            }
            let publisher = self.publisher.clone();
            let topology = self.topology.clone();
            in_flight.spawn(async move {
                crate::publish_confirmed(&publisher, &topology, &event).await
            });
        }
        while let Some(done) = in_flight.join_next().await {
            confirmed(done, tally, progress)?;
        }
        Ok(())
    }
}

fn confirmed(
    done: Result<Result<(), PollError>, tokio::task::JoinError>,
    tally: &mut Tally,
    progress: Progress<'_>,
) -> Result<(), BackfillError> {
    done.map_err(BackfillError::Task)??;
    tally.published += 1;
    progress(*tally);
    Ok(())
}
