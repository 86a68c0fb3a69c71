//! The run loop every source shares: run when due (interval, at start, a nudge such as a
//! Pusher notification, a run request in the store) while holding the (connection,
//! source) lease; stand by otherwise; release the lease on shutdown.
//!
//! Bursts coalesce: nudges and requests that arrive while a run is in progress cause at
//! most one more run after it, never one each.

use std::future::Future;
use std::time::Duration;

use assetrelay_store::Store;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::PollError;
use crate::lease::SourceLease;
use crate::telemetry_names::{EVENTS, LAST_SUCCESS, LAST_SUCCESS_AGE, LEASE_HELD, PAGES, POLLS};

/// How often the age of the last successful run is brought up to date.
const AGE_EVERY: Duration = Duration::from_secs(5);

/// One source of one connection: a run reads the platform from the stored position,
/// publishes confirmed events and only then moves the position.
pub trait Source: Send + Sync {
    /// The cursor's and the lease's name, and the `source` label of the metrics.
    fn name(&self) -> &'static str;
    /// One run.
    fn run_once(&self) -> impl Future<Output = Result<RunReport, PollError>> + Send;
}

/// What one run did, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunReport {
    /// Pages read from the platform.
    pub pages: usize,
    /// Events published and confirmed.
    pub published: usize,
}

/// When a source runs.
pub struct Schedule {
    pub interval: Duration,
    /// Run at once when started or when the lease is taken over, not one interval later.
    pub at_start: bool,
    /// Look this often for a run request in the store ([`Store::request_run`]).
    pub request_check: Option<(Store, Duration)>,
    /// Each message asks for a run (a Pusher notification).
    pub nudges: Option<mpsc::Receiver<()>>,
}

impl Schedule {
    /// Every `interval`, starting now.
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            at_start: true,
            request_check: None,
            nudges: None,
        }
    }
}

/// Run `source` of `connection` until `shutdown` (a run in progress is dropped then: its
/// position is not stored, so the next holder reads the same changes again).
pub async fn run<S: Source>(
    source: S,
    connection: String,
    lease: SourceLease,
    mut schedule: Schedule,
    shutdown: CancellationToken,
) {
    let name = source.name();
    let labels = [
        ("connection", connection.clone()),
        ("source", name.to_owned()),
    ];
    let held_gauge = metrics::gauge!(LEASE_HELD, &labels);
    let started = Instant::now();
    let first = if schedule.at_start {
        Instant::now()
    } else {
        Instant::now() + schedule.interval
    };
    let mut ticker = tokio::time::interval_at(first, schedule.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut renew = tokio::time::interval(lease.renew_every());
    renew.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let check_every = schedule
        .request_check
        .as_ref()
        .map_or(Duration::from_secs(3_600), |(_, every)| *every);
    let mut check = tokio::time::interval(check_every);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut age = tokio::time::interval(AGE_EVERY);
    let age_gauge = metrics::gauge!(LAST_SUCCESS_AGE, &labels);
    let mut last_success: Option<Instant> = None;
    // The last run request a successful run started after (so served).
    let mut served: Option<String> = None;
    let mut held = false;
    loop {
        let due = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => true,
            _ = check.tick(), if schedule.request_check.is_some() => {
                let latest = request_token(&schedule, &connection, name).await;
                latest.is_some() && latest != served
            }
            Some(()) = recv(&mut schedule.nudges), if schedule.nudges.is_some() => true,
            _ = age.tick() => {
                // Since the start when no run succeeded yet, so a source that never
                // succeeds is as stale as one that stopped succeeding.
                let since = last_success.unwrap_or(started);
                age_gauge.set(since.elapsed().as_secs_f64());
                false
            }
            _ = renew.tick(), if held => {
                held = lease.acquire().await;
                held_gauge.set(if held { 1.0 } else { 0.0 });
                false
            }
        };
        if !due {
            continue;
        }
        // Everything that asked so far is answered by the run about to start.
        if let Some(nudges) = &mut schedule.nudges {
            while nudges.try_recv().is_ok() {}
        }
        let was_held = held;
        held = lease.acquire().await;
        held_gauge.set(if held { 1.0 } else { 0.0 });
        if !held {
            tracing::debug!(%connection, lease = %lease.name(), "another replica runs this source; standing by");
            continue;
        }
        if !was_held {
            tracing::info!(%connection, source = name, "source lease taken");
        }
        let request = request_token(&schedule, &connection, name).await;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            () = lease.keep() => {
                held = false;
                held_gauge.set(0.0);
                tracing::warn!(%connection, lease = %lease.name(), "source lease lost during a run; the run was abandoned");
            }
            result = source.run_once() => {
                if result.is_ok() {
                    served = request;
                    last_success = Some(Instant::now());
                    age_gauge.set(0.0);
                }
                record(&connection, name, &result);
                lease
                    .report(&connection, name, result.as_ref().map(|_| ()).map_err(PollError::kind))
                    .await;
            }
        }
    }
    lease.release().await;
    held_gauge.set(0.0);
    tracing::info!(%connection, source = name, "source stopped");
}

async fn recv(nudges: &mut Option<mpsc::Receiver<()>>) -> Option<()> {
    match nudges {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn request_token(schedule: &Schedule, connection: &str, name: &str) -> Option<String> {
    let (store, _) = schedule.request_check.as_ref()?;
    match store.run_request(connection, name).await {
        Ok(token) => token,
        Err(e) => {
            tracing::warn!(%connection, source = name, error.message = %assetrelay_broker::connection::error_chain(&e), "cannot read the source's run requests");
            None
        }
    }
}

fn record(connection: &str, name: &'static str, result: &Result<RunReport, PollError>) {
    let labels = [
        ("connection", connection.to_owned()),
        ("source", name.to_owned()),
    ];
    match result {
        Ok(report) => {
            metrics::counter!(POLLS, "connection" => connection.to_owned(), "source" => name, "outcome" => "ok")
                .increment(1);
            metrics::counter!(EVENTS, &labels).increment(report.published as u64);
            metrics::counter!(PAGES, &labels).increment(report.pages as u64);
            metrics::gauge!(LAST_SUCCESS, &labels).set(chrono::Utc::now().timestamp() as f64);
        }
        Err(e) => {
            metrics::counter!(POLLS, "connection" => connection.to_owned(), "source" => name, "outcome" => e.kind())
                .increment(1);
            tracing::warn!(%connection, source = name, error.kind = e.kind(), error.message = %assetrelay_broker::connection::error_chain(e), "source run failed; its position stays");
        }
    }
}
