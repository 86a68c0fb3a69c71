//! Pipelined confirmed publishing: many publishes in flight at once, each waiting for its
//! own confirm, optionally paced to a rate. One publish at a time would cost a broker
//! round trip (and, for a quorum queue, a consensus commit) per message; with hundreds in
//! flight the broker confirms them in batches.

use std::time::Duration;

use assetrelay_broker::{PublishError, Publisher};
use assetrelay_contract::OutgoingMessage;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

/// Publishes in flight at most; enough to keep a few confirm channels busy.
pub const DEFAULT_IN_FLIGHT: usize = 1_024;

/// Confirmed and unconfirmed publishes of a [`Pipeline`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub confirmed: u64,
    pub unconfirmed: u64,
}

pub struct Pipeline {
    publisher: Publisher,
    in_flight: JoinSet<Result<(), PublishError>>,
    max_in_flight: usize,
    pace: Option<(Instant, Duration)>,
    sent: u32,
    outcome: Outcome,
}

impl Pipeline {
    /// `rate`: at most this many publishes per second on average (publish `n` starts no
    /// earlier than `n / rate` seconds after the first).
    pub fn new(publisher: Publisher, max_in_flight: usize, rate: Option<u32>) -> Self {
        Self {
            publisher,
            in_flight: JoinSet::new(),
            max_in_flight: max_in_flight.max(1),
            pace: rate
                .filter(|&r| r > 0)
                .map(|r| (Instant::now(), Duration::from_secs(1) / r)),
            sent: 0,
            outcome: Outcome::default(),
        }
    }

    /// Start publishing `message`; waits only for the pace and for a free in-flight slot.
    pub async fn send(&mut self, message: OutgoingMessage) {
        self.reap();
        while self.in_flight.len() >= self.max_in_flight {
            if let Some(done) = self.in_flight.join_next().await {
                self.record(done);
            }
        }
        if let Some((start, interval)) = self.pace {
            tokio::time::sleep_until(start + interval * self.sent).await;
        }
        self.sent = self.sent.saturating_add(1);
        let publisher = self.publisher.clone();
        self.in_flight
            .spawn(async move { publisher.publish(&message).await });
    }

    /// The outcome so far (publishes still in flight are not counted yet).
    pub fn outcome(&mut self) -> Outcome {
        self.reap();
        self.outcome
    }

    /// Wait for every confirm. Each publish is bounded by the publisher's confirm timeout.
    pub async fn finish(mut self) -> Outcome {
        while let Some(done) = self.in_flight.join_next().await {
            self.record(done);
        }
        self.outcome
    }

    fn reap(&mut self) {
        while let Some(done) = self.in_flight.try_join_next() {
            self.record(done);
        }
    }

    fn record(&mut self, done: Result<Result<(), PublishError>, JoinError>) {
        match done {
            Ok(Ok(())) => self.outcome.confirmed += 1,
            Ok(Err(e)) => {
                self.outcome.unconfirmed += 1;
                tracing::warn!(error.kind = e.kind(), error.message = %assetrelay_broker::connection::error_chain(&e), "a replayed message was not confirmed");
            }
            Err(e) => {
                self.outcome.unconfirmed += 1;
                tracing::error!(error.message = %e, "a publish task failed");
            }
        }
    }
}
