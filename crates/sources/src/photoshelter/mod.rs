//! The PhotoShelter poller of one connection.
//!
//! - `watermark`: the stored position and the changes already published in the overlap.
//! - `event`: a change as the canonical `asset.updated` event, with its stable id.
//! - `poll`: one poll (list → publish confirmed → store the watermark).
//!
//! [`Poller::run`] polls every interval while it holds the connection's lease, renews the
//! lease between polls, waits as a standby otherwise, and releases it on shutdown.

pub mod event;
pub mod poll;
pub mod watermark;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use event::SOURCE;
pub use poll::{PollContext, PollOutcome};
pub use watermark::{Change, Watermark};

use crate::lease::SourceLease;
use crate::telemetry_names::{EVENTS, LAST_SUCCESS, LEASE_HELD, POLLS};

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
        let labels = [
            ("connection", connection.clone()),
            ("source", SOURCE.to_owned()),
        ];
        let held_gauge = metrics::gauge!(LEASE_HELD, &labels);
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut renew = tokio::time::interval(self.lease.renew_every());
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut held = false;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticker.tick() => {
                    held = self.lease.acquire().await;
                    held_gauge.set(if held { 1.0 } else { 0.0 });
                    if !held {
                        tracing::debug!(%connection, lease = %self.lease.name(), "another replica polls; standing by");
                        continue;
                    }
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        () = self.lease.keep() => {
                            held = false;
                            held_gauge.set(0.0);
                            tracing::warn!(%connection, lease = %self.lease.name(), "source lease lost during a poll; the poll was abandoned");
                        }
                        result = self.context.poll_once() => record(&connection, &result),
                    }
                }
                _ = renew.tick(), if held => {
                    held = self.lease.acquire().await;
                    held_gauge.set(if held { 1.0 } else { 0.0 });
                }
            }
        }
        self.lease.release().await;
        held_gauge.set(0.0);
        tracing::info!(%connection, source = SOURCE, "poller stopped");
    }
}

fn record(connection: &str, result: &Result<PollOutcome, crate::PollError>) {
    let labels = [
        ("connection", connection.to_owned()),
        ("source", SOURCE.to_owned()),
    ];
    match result {
        Ok(outcome) => {
            metrics::counter!(POLLS, "connection" => connection.to_owned(), "source" => SOURCE, "outcome" => "ok")
                .increment(1);
            metrics::counter!(EVENTS, &labels).increment(outcome.published as u64);
            metrics::gauge!(LAST_SUCCESS, &labels).set(chrono::Utc::now().timestamp() as f64);
            // Every interval per connection: only a poll that found something is news.
            if outcome.published > 0 {
                tracing::info!(%connection, source = SOURCE, listed = outcome.listed, published = outcome.published, watermark = %outcome.watermark.at, "poll published changes");
            } else {
                tracing::debug!(%connection, source = SOURCE, listed = outcome.listed, watermark = %outcome.watermark.at, "poll found nothing new");
            }
        }
        Err(e) => {
            metrics::counter!(POLLS, "connection" => connection.to_owned(), "source" => SOURCE, "outcome" => e.kind())
                .increment(1);
            tracing::warn!(%connection, source = SOURCE, error.kind = e.kind(), error.message = %assetrelay_broker::connection::error_chain(e), "poll failed; the watermark stays");
        }
    }
}
