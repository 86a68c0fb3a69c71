//! Write claims: "claim an effect before making it", so that two replicas never both
//! make it (e.g. an upload per connection, license and binary).

use std::time::Duration;

use crate::error::{Fail, timed};
use crate::ledger::{UPSERT, bind_write, target_ids};
use crate::model::ttl_ms;
use crate::sql::{on_backend, sql};
use crate::{AssetKey, Claim, LedgerWrite, Recorded, Result, StoreError};

/// Attempts before [`StoreError::Contended`]: each lost attempt means the claim changed
/// hands in between, which a few holders cannot do for long.
const ATTEMPTS: usize = 8;

/// PostgreSQL: the claim completion and the ledger write (`UPSERT`, parameters 1–9) as
/// one statement; built once, as the upsert's text is a constant of its own.
static COMPLETE_WITH_WRITE_PG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH done AS (UPDATE write_claims SET target_id = $12 WHERE claim_key = $10 AND holder = $11 RETURNING 1), written AS ({} RETURNING 1) SELECT (SELECT COUNT(*) FROM done), (SELECT COUNT(*) FROM written)",
        UPSERT.0
    )
});

/// SQLite: the same as one text of four statements, sent to the connection's thread
/// at once. SQLite has no data-modifying CTE, and a transaction made of separate calls
/// holds the write lock across three hand-offs between the tokio task and the
/// connection's thread while every other writer waits (`crate::busy`); as one text the
/// lock is held only while the statements run. `BEGIN IMMEDIATE` takes the write lock
/// first (a read lock upgraded later could fail without waiting). sqlx binds `$N` across
/// the statements of one text (parameter N of the whole list).
static COMPLETE_WITH_WRITE_LITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "BEGIN IMMEDIATE; UPDATE write_claims SET target_id = $12 WHERE claim_key = $10 AND holder = $11 RETURNING 'claim'; {} RETURNING 'ledger'; COMMIT",
        UPSERT.1
    )
});

const COMPLETE: (&str, &str) =
    sql!("UPDATE write_claims SET target_id = $3 WHERE claim_key = $1 AND holder = $2");

impl crate::Store {
    /// Claim `key` for `holder` for `ttl`. See [`Claim`] for what each answer asks of the
    /// caller. A claim of `holder`'s own is renewed and answered [`Claim::Taken`].
    pub async fn claim(&self, key: &str, holder: &str, ttl: Duration) -> Result<Claim> {
        timed("claim", async {
            let ttl = ttl_ms(ttl);
            for _ in 0..ATTEMPTS {
                if self.insert_claim(key, holder, ttl).await? {
                    return Ok(Claim::Taken);
                }
                // (holder, expires_at, target_id, expired by the database clock)
                let row: Option<(String, i64, Option<String>, bool)> = on_backend!(
                    self,
                    sql!(
                        "SELECT holder, expires_at, target_id, expires_at <= " now " FROM write_claims WHERE claim_key = $1"
                    ),
                    |pool, q| sqlx::query_as(q).bind(key).fetch_optional(pool).await?
                );
                let Some((current, expires_at_ms, target_id, expired)) = row else {
                    continue; // released in between: try to insert again
                };
                if let Some(target_id) = target_id {
                    return Ok(Claim::Done { target_id });
                }
                if current != holder && !expired {
                    return Ok(Claim::HeldElsewhere {
                        holder: current,
                        expires_at_ms,
                    });
                }
                // Ours to renew, or expired: take it only if it is still as we read it.
                let taken = on_backend!(
                    self,
                    sql!(
                        "UPDATE write_claims SET holder = $2, expires_at = " now " + $3 WHERE claim_key = $1 AND holder = $4 AND expires_at = $5 AND target_id IS NULL"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(key)
                            .bind(holder)
                            .bind(ttl)
                            .bind(&current)
                            .bind(expires_at_ms)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    }
                );
                if taken == 1 {
                    return Ok(if current == holder {
                        Claim::Taken
                    } else {
                        Claim::TakenOver {
                            previous_holder: current,
                        }
                    });
                }
            }
            Err(Fail::Store(StoreError::Contended {
                key: key.to_owned(),
            }))
        })
        .await
    }

    async fn insert_claim(
        &self,
        key: &str,
        holder: &str,
        ttl: i64,
    ) -> std::result::Result<bool, Fail> {
        let inserted = on_backend!(
            self,
            sql!(
                "INSERT INTO write_claims (claim_key, holder, expires_at, target_id, created_at) VALUES ($1, $2, "
                now " + $3, NULL, " now
                ") ON CONFLICT (claim_key) DO NOTHING"
            ),
            |pool, q| {
                sqlx::query(q)
                    .bind(key)
                    .bind(holder)
                    .bind(ttl)
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
        );
        Ok(inserted == 1)
    }

    /// The effect of `key` was made: record its `target_id`, so every later claim is
    /// answered [`Claim::Done`]. `false`: `holder` no longer holds the claim (it expired
    /// and was taken over); the new holder will find the effect when it checks.
    pub async fn complete_claim(&self, key: &str, holder: &str, target_id: &str) -> Result<bool> {
        timed("complete_claim", async {
            let done = on_backend!(self, COMPLETE, |pool, q| {
                sqlx::query(q)
                    .bind(key)
                    .bind(holder)
                    .bind(target_id)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            Ok::<_, Fail>(done == 1)
        })
        .await
    }

    /// [`complete_claim`](Self::complete_claim) and [`record_write`](Self::record_write)
    /// in one transaction: the target id is recorded with the claim and in the ledger at
    /// once, with one commit instead of two. Each part has its own answer, as if called
    /// alone (the ledger write is made even if the claim was taken over: the effect exists).
    pub async fn complete_claim_with_write(
        &self,
        claim_key: &str,
        holder: &str,
        target_id: &str,
        asset: &AssetKey,
        write: &LedgerWrite,
    ) -> Result<(bool, Recorded)> {
        timed("complete_claim_with_write", async {
            let ids = target_ids(write);
            let (completed, applied) = match &self.backend {
                crate::Backend::Postgres(pg) => {
                    // One statement, one round trip: both writes commit together, each
                    // counted apart (a transaction would cost four round trips).
                    let (completed, applied): (i64, i64) = bind_write!(
                        sqlx::query_as(COMPLETE_WITH_WRITE_PG.as_str()),
                        asset,
                        &ids,
                        write
                    )
                    .bind(claim_key)
                    .bind(holder)
                    .bind(target_id)
                    .fetch_one(&pg.pool)
                    .await?;
                    (completed == 1, applied == 1)
                }
                crate::Backend::Sqlite(lite) => {
                    // A task of its own: the text opens a transaction sqlx does not know
                    // of, so a caller giving up halfway must not return the connection
                    // to the pool with the write lock still held.
                    let call = CompleteWithWrite {
                        claim_key: claim_key.to_owned(),
                        holder: holder.to_owned(),
                        target_id: target_id.to_owned(),
                        asset: asset.clone(),
                        write: write.clone(),
                        ids,
                    };
                    tokio::spawn(call.run_sqlite(lite.pool.clone(), lite.busy.clone()))
                        .await
                        .map_err(|_| Fail::Sql(sqlx::Error::WorkerCrashed))??
                }
            };
            self.recorded(completed, applied, asset).await
        })
        .await
    }

    /// The answer of [`complete_claim_with_write`](Self::complete_claim_with_write): a
    /// ledger write not applied was stale, and the row that won is read.
    async fn recorded(
        &self,
        completed: bool,
        applied: bool,
        asset: &AssetKey,
    ) -> std::result::Result<(bool, Recorded), Fail> {
        if applied {
            return Ok((completed, Recorded::Applied));
        }
        match self.read_ledger(asset).await? {
            Some(current) => Ok((completed, Recorded::Stale { current })),
            None => Err(Fail::Store(StoreError::Contended {
                key: asset.asset_id.clone(),
            })),
        }
    }

    /// Give an unfinished claim up (the effect failed), so another may try at once.
    /// `false`: `holder` did not hold it, or it is done.
    pub async fn release_claim(&self, key: &str, holder: &str) -> Result<bool> {
        timed("release_claim", async {
            let released = on_backend!(
                self,
                sql!("DELETE FROM write_claims WHERE claim_key = $1 AND holder = $2 AND target_id IS NULL"),
                |pool, q| {
                    sqlx::query(q)
                        .bind(key)
                        .bind(holder)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
            );
            Ok::<_, Fail>(released == 1)
        })
        .await
    }
}

/// The arguments of [`crate::Store::complete_claim_with_write`], owned for a task.
struct CompleteWithWrite {
    claim_key: String,
    holder: String,
    target_id: String,
    asset: AssetKey,
    write: LedgerWrite,
    ids: String,
}

impl CompleteWithWrite {
    /// [`COMPLETE_WITH_WRITE_LITE`] on a connection of `pool`: (claim completed, ledger
    /// write applied). Tried again while answered busy (`crate::busy`: only `BEGIN
    /// IMMEDIATE` can be, before anything ran). On another error the transaction is
    /// rolled back, and a connection that cannot roll back is closed, not pooled.
    async fn run_sqlite(
        self,
        pool: sqlx::SqlitePool,
        busy: std::sync::Arc<crate::busy::Busy>,
    ) -> std::result::Result<(bool, bool), Fail> {
        let mut conn = pool.acquire().await?;
        let deadline = busy.deadline();
        loop {
            let mut notified = std::pin::pin!(busy.notified());
            notified.as_mut().enable();
            let rows: std::result::Result<Vec<(String,)>, sqlx::Error> = bind_write!(
                sqlx::query_as(COMPLETE_WITH_WRITE_LITE.as_str()),
                self.asset,
                &self.ids,
                self.write
            )
            .bind(&self.claim_key)
            .bind(&self.holder)
            .bind(&self.target_id)
            .fetch_all(&mut *conn)
            .await;
            let tried = match rows {
                Ok(rows) => Ok((
                    rows.iter().any(|(part,)| part == "claim"),
                    rows.iter().any(|(part,)| part == "ledger"),
                )),
                Err(e) => {
                    if let Err(rollback) = sqlx::query("ROLLBACK").execute(&mut *conn).await
                        && !rollback.to_string().contains("no transaction is active")
                    {
                        let _ = conn.close().await;
                        return Err(e.into());
                    }
                    Err(e.into())
                }
            };
            if let Some(result) = busy.settle(tried, notified, deadline).await {
                return result;
            }
        }
    }
}
