//! [`OutcomeWriter`]: the outcome history written in batches by one task, so a delivery
//! adds no round trip of its own.
//!
//! Choice: [`OutcomeWriter::record`] applies backpressure (it waits while the channel is
//! full) rather than dropping, because the history is what `assetrelay trace` answers
//! from; the channel fills only when the store is slower than the deliveries, and then
//! slowing them is right. [`OutcomeWriter::try_record`] never waits: it drops the row,
//! counts `assetrelay_store_outcomes_dropped_total` and logs a warning.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::history::MAX_ROWS_PER_INSERT;
use crate::{Outcome, Store};

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    /// Outcomes waiting at most; `record` waits beyond that.
    pub capacity: usize,
    /// A batch is written once it has this many rows (at most 500)…
    pub batch_rows: usize,
    /// …or this long after its first row arrived.
    pub flush_every: Duration,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            capacity: 4_096,
            batch_rows: 256,
            flush_every: Duration::from_millis(50),
        }
    }
}

/// A handle to the writer task; clone it freely. When every handle is dropped the task
/// writes what it holds and ends: await the [`JoinHandle`] from [`OutcomeWriter::spawn`]
/// to know it is written.
#[derive(Debug, Clone)]
pub struct OutcomeWriter {
    tx: mpsc::Sender<Outcome>,
}

/// The writer task has ended (its store calls kept failing is not a reason: it goes on).
#[derive(Debug, thiserror::Error)]
#[error("the outcome writer has stopped")]
pub struct WriterClosed;

impl OutcomeWriter {
    pub fn spawn(store: Store, options: WriterOptions) -> (Self, JoinHandle<()>) {
        // Both series exist from the start (at 0), so an alert on their increase works
        // before the first drop.
        for reason in ["queue_full", "write_failed"] {
            metrics::counter!("assetrelay_store_outcomes_dropped_total", "reason" => reason)
                .increment(0);
        }
        let (tx, rx) = mpsc::channel(options.capacity.max(1));
        let task = tokio::spawn(run(store, rx, options));
        (Self { tx }, task)
    }

    /// Queue `outcome`, waiting while the queue is full (see the module doc).
    pub async fn record(&self, outcome: Outcome) -> Result<(), WriterClosed> {
        self.tx.send(outcome).await.map_err(|_| WriterClosed)
    }

    /// Queue `outcome` without waiting; a full queue drops it (counted and logged).
    pub fn try_record(&self, outcome: Outcome) -> Result<(), WriterClosed> {
        match self.tx.try_send(outcome) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(dropped)) => {
                metrics::counter!("assetrelay_store_outcomes_dropped_total", "reason" => "queue_full")
                    .increment(1);
                tracing::warn!(event_id = %dropped.event_id, "outcome history queue full: outcome dropped");
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(WriterClosed),
        }
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Outcome>, options: WriterOptions) {
    let rows = options.batch_rows.clamp(1, MAX_ROWS_PER_INSERT);
    let mut batch = Vec::with_capacity(rows);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let deadline = tokio::time::sleep(options.flush_every);
        tokio::pin!(deadline);
        while batch.len() < rows {
            tokio::select! {
                () = &mut deadline => break,
                next = rx.recv() => match next {
                    Some(outcome) => batch.push(outcome),
                    None => break,
                },
            }
        }
        if let Err(e) = store.record_outcomes(&batch).await {
            // The history is best effort once the store refuses it: the deliveries it
            // describes are done; dropping their rows must not stop the flows.
            metrics::counter!("assetrelay_store_outcomes_dropped_total", "reason" => "write_failed")
                .increment(batch.len() as u64);
            tracing::warn!(rows = batch.len(), error.message = %e, "writing the outcome history failed: rows dropped");
        }
        batch.clear();
    }
}
