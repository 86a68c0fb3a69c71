//! PostgreSQL: ledger writes (`record_write`) made at the same moment by concurrent
//! deliveries go to the database together, as one statement and one commit.
//!
//! Why: a flow's deliveries move in step. Sixteen slots that took sixteen messages at
//! once read their platforms at once and record their writes at once, and sixteen
//! separate durable commits then queue for the pool's connections and the machine's
//! cores; the last of them waited several times one commit (the flows benchmark's
//! burst). Here a few writer tasks take what is waiting: a write that finds a writer idle
//! goes out at once, alone (no wait is added at low load), and the writes that arrive
//! while the writers are busy go out together in the next statement.
//!
//! Each row is compared and set on its own, exactly as [`crate::ledger::UPSERT`]: the
//! statement returns the keys it applied, and a caller whose key is not among them reads
//! the row that won. One batch holds a key once (a second write of a key waits for the
//! next batch, so their order is kept), and its rows are written in key order, so two
//! replicas' batches lock shared rows in the same order and cannot deadlock.

use std::collections::HashSet;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{AssetKey, LedgerWrite};

/// Writer tasks: how many batches may be in flight at once.
const WRITERS: usize = 2;
/// Rows per statement at most.
const MAX_ROWS: usize = 64;

/// The batched compare-and-set upsert: the rows of `UPSERT`, as arrays.
const BATCH_UPSERT: &str = concat!(
    "INSERT INTO asset_ledger (connection, flow, platform, asset_id, target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome, updated_at) ",
    "SELECT w.connection, w.flow, w.platform, w.asset_id, w.target_ids, w.fingerprint, w.source_modified_ms, w.source_read_ms, w.last_outcome, ",
    "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) ",
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[]) ",
    "AS w(connection, flow, platform, asset_id, target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome) ",
    "ORDER BY w.connection, w.flow, w.platform, w.asset_id ",
    "ON CONFLICT (connection, flow, platform, asset_id) DO UPDATE SET target_ids = excluded.target_ids, fingerprint = excluded.fingerprint, source_modified_ms = excluded.source_modified_ms, source_read_ms = excluded.source_read_ms, last_outcome = excluded.last_outcome, updated_at = excluded.updated_at ",
    "WHERE (asset_ledger.source_modified_ms, asset_ledger.source_read_ms) < (excluded.source_modified_ms, excluded.source_read_ms) ",
    "RETURNING connection, flow, platform, asset_id"
);

/// What a write's caller hears: applied or not, or the statement's failure (shared by
/// every write of its batch).
pub(crate) type Answer = Result<bool, Arc<sqlx::Error>>;

struct Pending {
    key: AssetKey,
    target_ids: String,
    write: LedgerWrite,
    answer: oneshot::Sender<Answer>,
}

/// The handle kept in the store; the writer tasks end when the last one is dropped.
#[derive(Debug)]
pub(crate) struct LedgerBatcher {
    tx: mpsc::Sender<Pending>,
}

impl LedgerBatcher {
    /// Start the writer tasks on the current runtime.
    pub(crate) fn spawn(pool: PgPool) -> Self {
        let (tx, rx) = mpsc::channel(1_024);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WRITERS {
            tokio::spawn(writer(pool.clone(), rx.clone()));
        }
        Self { tx }
    }

    /// Write `write` for `key` with the next batch. `None`: the writers are gone (their
    /// runtime ended); the caller writes the row itself.
    pub(crate) async fn record(
        &self,
        key: &AssetKey,
        target_ids: String,
        write: &LedgerWrite,
    ) -> Option<Answer> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            key: key.clone(),
            target_ids,
            write: write.clone(),
            answer,
        };
        self.tx.send(pending).await.ok()?;
        answered.await.ok()
    }
}

async fn writer(pool: PgPool, rx: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    // A write whose key was in the batch already: it opens this writer's next batch.
    let mut held_back: Option<Pending> = None;
    loop {
        let batch = match held_back.take() {
            // Not waiting for the receiver here: the other writer may hold it while it
            // waits for a write that never comes, and this one must go out regardless.
            Some(first) => match rx.try_lock() {
                Ok(mut rx) => drain(&mut rx, first, &mut held_back),
                Err(_) => vec![first],
            },
            None => {
                let mut rx = rx.lock().await;
                let Some(first) = rx.recv().await else { return };
                drain(&mut rx, first, &mut held_back)
            }
        };
        write(&pool, batch).await;
    }
}

/// `first` and what is waiting behind it, each key once, up to [`MAX_ROWS`]; a repeated
/// key is put in `held_back` and ends the batch.
fn drain(
    rx: &mut mpsc::Receiver<Pending>,
    first: Pending,
    held_back: &mut Option<Pending>,
) -> Vec<Pending> {
    let mut keys = HashSet::from([first.key.clone()]);
    let mut batch = vec![first];
    while batch.len() < MAX_ROWS {
        let Ok(next) = rx.try_recv() else { break };
        if keys.insert(next.key.clone()) {
            batch.push(next);
        } else {
            *held_back = Some(next);
            break;
        }
    }
    batch
}

async fn write(pool: &PgPool, batch: Vec<Pending>) {
    let column = |f: fn(&Pending) -> String| batch.iter().map(f).collect::<Vec<_>>();
    let written = sqlx::query_as::<_, (String, String, String, String)>(BATCH_UPSERT)
        .bind(column(|p| p.key.connection.clone()))
        .bind(column(|p| p.key.flow.clone()))
        .bind(column(|p| p.key.platform.clone()))
        .bind(column(|p| p.key.asset_id.clone()))
        .bind(column(|p| p.target_ids.clone()))
        .bind(column(|p| p.write.fingerprint.clone()))
        .bind(
            batch
                .iter()
                .map(|p| p.write.source.modified_ms)
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|p| p.write.source.read_ms)
                .collect::<Vec<_>>(),
        )
        .bind(column(|p| p.write.outcome.clone()))
        .fetch_all(pool)
        .await;
    metrics::histogram!("assetrelay_store_ledger_batch_rows").record(batch.len() as f64);
    match written {
        Ok(rows) => {
            let applied: HashSet<AssetKey> = rows
                .into_iter()
                .map(|(connection, flow, platform, asset_id)| {
                    AssetKey::new(connection, flow, platform, asset_id)
                })
                .collect();
            for pending in batch {
                let _ = pending.answer.send(Ok(applied.contains(&pending.key)));
            }
        }
        Err(e) => {
            let e = Arc::new(e);
            for pending in batch {
                let _ = pending.answer.send(Err(e.clone()));
            }
        }
    }
}
