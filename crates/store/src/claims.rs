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
            if let crate::Backend::Postgres(pg) = &self.backend {
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
                return self.recorded(completed == 1, applied == 1, asset).await;
            }
            let (completed, applied) = on_backend!(self, COMPLETE, |pool, q| {
                // The first statement writes, so SQLite takes the write lock at once
                // (no read lock to upgrade, which could fail without waiting).
                let mut tx = pool.begin().await?;
                let completed = sqlx::query(q)
                    .bind(claim_key)
                    .bind(holder)
                    .bind(target_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let upsert = match &self.backend {
                    crate::Backend::Postgres(_) => UPSERT.0,
                    crate::Backend::Sqlite(_) => UPSERT.1,
                };
                let applied = bind_write!(sqlx::query(upsert), asset, &ids, write)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                (completed == 1, applied == 1)
            });
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
