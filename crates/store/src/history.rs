//! The outcome history: appended per decision, read as an asset's timeline, pruned in
//! bounded batches.

use std::fmt::Write;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{Fail, timed};
use crate::sql::{on_backend, sql};
use crate::{Decision, Outcome, Result, Store, StoreError};

const COLUMNS: &str = "at, event_id, event_type, event_at, flow, connection, platform, asset_id, decision, reason, tier, target_call, target_status, duration_ms";
const PER_ROW: usize = 14;
/// Rows per INSERT: 500 × 14 parameters stays under both backends' limits.
pub(crate) const MAX_ROWS_PER_INSERT: usize = 500;
/// Rows per DELETE while pruning: each statement holds its locks briefly.
const PRUNE_BATCH: i64 = 1_000;
const DAY_MS: i64 = 24 * 3_600_000;

type Row = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<String>,
    i64,
);

impl Store {
    /// Append one outcome. For every delivery, prefer the batching
    /// [`OutcomeWriter`](crate::OutcomeWriter).
    pub async fn record_outcome(&self, outcome: &Outcome) -> Result<()> {
        self.record_outcomes(std::slice::from_ref(outcome)).await
    }

    /// Append outcomes in as few statements as possible (multi-row INSERTs).
    pub async fn record_outcomes(&self, outcomes: &[Outcome]) -> Result<()> {
        timed("record_outcomes", async {
            for chunk in outcomes.chunks(MAX_ROWS_PER_INSERT) {
                let text = insert_text(chunk.len());
                on_backend!(self, ("", ""), |pool, _q| {
                    let mut query = sqlx::query(&text);
                    for o in chunk {
                        query = query
                            .bind(o.at_ms)
                            .bind(&o.event_id)
                            .bind(&o.event_type)
                            .bind(o.event_at_ms)
                            .bind(&o.flow)
                            .bind(&o.connection)
                            .bind(&o.platform)
                            .bind(&o.asset_id)
                            .bind(o.decision.as_str())
                            .bind(&o.reason)
                            .bind(o.tier)
                            .bind(&o.target_call)
                            .bind(&o.target_status)
                            .bind(o.duration_ms);
                    }
                    query.execute(pool).await?;
                });
            }
            Ok::<_, Fail>(())
        })
        .await
    }

    /// The latest `limit` outcomes of an asset, oldest first; `connection: None` looks
    /// in every connection.
    pub async fn history(
        &self,
        connection: Option<&str>,
        platform: &str,
        asset_id: &str,
        limit: u32,
    ) -> Result<Vec<Outcome>> {
        timed("history", async {
            let rows: Vec<Row> = on_backend!(
                self,
                sql!(
                    "SELECT * FROM (SELECT id, at, event_id, event_type, event_at, flow, connection, platform, asset_id, decision, reason, tier, target_call, target_status, duration_ms FROM outcomes WHERE platform = $1 AND asset_id = $2 AND ($3 = '' OR connection = $3) ORDER BY at DESC, id DESC LIMIT $4) AS latest ORDER BY at, id"
                ),
                |pool, q| {
                    sqlx::query_as(q)
                        .bind(platform)
                        .bind(asset_id)
                        .bind(connection.unwrap_or(""))
                        .bind(i64::from(limit))
                        .fetch_all(pool)
                        .await?
                }
            );
            rows.into_iter().map(outcome).collect::<Result<Vec<_>>>().map_err(Fail::Store)
        })
        .await
    }

    /// Delete outcomes older than `older_than_days` (database clock), at most 1000 rows
    /// per statement so the flows' inserts never wait long. Returns the rows deleted.
    pub async fn prune_history(&self, older_than_days: u32) -> Result<u64> {
        timed("prune_history", async {
            let age = i64::from(older_than_days) * DAY_MS;
            let mut deleted = 0;
            loop {
                let n = on_backend!(
                    self,
                    sql!(
                        "DELETE FROM outcomes WHERE id IN (SELECT id FROM outcomes WHERE at < "
                        now
                        " - $1 ORDER BY at LIMIT $2)"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(age)
                            .bind(PRUNE_BATCH)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    }
                );
                deleted += n;
                if n < PRUNE_BATCH.unsigned_abs() {
                    return Ok::<_, Fail>(deleted);
                }
                // Let the flows' statements in between batches.
                tokio::task::yield_now().await;
            }
        })
        .await
    }
}

/// Prune outcomes older than `retention_days` now and then `every`, until `shutdown`.
/// A failed prune is logged and tried again at the next tick.
pub fn spawn_pruner(
    store: Store,
    retention_days: u32,
    every: Duration,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match store.prune_history(retention_days).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, retention_days, "pruned outcome history"),
                Err(e) => tracing::warn!(error.message = %e, "pruning the outcome history failed"),
            }
        }
    })
}

fn insert_text(rows: usize) -> String {
    let mut text = format!("INSERT INTO outcomes ({COLUMNS}) VALUES ");
    for row in 0..rows {
        text.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..PER_ROW {
            let sep = if column == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = write!(text, "{sep}${}", row * PER_ROW + column + 1);
        }
        text.push(')');
    }
    text
}

fn outcome(row: Row) -> Result<Outcome> {
    let (id, at_ms, event_id, event_type, event_at_ms, flow, connection, platform, asset_id) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let decision = row.9;
    let decision: Decision = decision.parse().map_err(|_| StoreError::UnknownDecision {
        id,
        decision: decision.clone(),
    })?;
    Ok(Outcome {
        at_ms,
        event_id,
        event_type,
        event_at_ms,
        flow,
        connection,
        platform,
        asset_id,
        decision,
        reason: row.10,
        tier: row.11,
        target_call: row.12,
        target_status: row.13,
        duration_ms: row.14,
    })
}
