//! Leases: one holder at a time for a name, until it expires (database clock).

use std::time::Duration;

use crate::error::{Fail, timed};
use crate::ledger::{LedgerRow, entry};
use crate::model::ttl_ms;
use crate::sql::{on_backend, sql};
use crate::{Acquired, AssetKey, Backend, Lease, Result};

/// One row of `take_turn_reading_ledger` (migration 0008): taken, then the ledger's columns.
type TurnRow = (
    bool,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

impl crate::Store {
    /// Take `name` for `holder` for `ttl` if it is free, expired or already `holder`'s
    /// (then it is renewed). `false`: someone else holds it. A holder renews well within
    /// `ttl` (e.g. every ttl/3); if it dies, another takes over at most `ttl` later.
    pub async fn try_acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        timed("try_acquire_lease", self.acquire_lease(name, holder, ttl)).await
    }

    /// [`Self::try_acquire_lease`], and once it is taken the ledger row of `ledger`: what
    /// a flow does first for an asset (its turn, then what the target holds). The read
    /// happens after the lease is ours, so it sees every write of the previous holder.
    /// On PostgreSQL one round trip (a function of migration 0008), on SQLite two
    /// statements in the process.
    pub async fn try_acquire_lease_reading(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
        ledger: &AssetKey,
    ) -> Result<Acquired> {
        timed("try_acquire_lease_reading", async {
            let Backend::Postgres(pg) = &self.backend else {
                if !self.acquire_lease(name, holder, ttl).await? {
                    return Ok(Acquired::HeldElsewhere);
                }
                let ledger = self.read_ledger(ledger).await?;
                return Ok(Acquired::Taken { ledger });
            };
            let row: TurnRow = sqlx::query_as(
                "SELECT * FROM take_turn_reading_ledger($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(name)
            .bind(holder)
            .bind(ttl_ms(ttl))
            .bind(&ledger.connection)
            .bind(&ledger.flow)
            .bind(&ledger.platform)
            .bind(&ledger.asset_id)
            .fetch_one(&pg.leases)
            .await?;
            Ok::<_, Fail>(match row {
                (false, ..) => Acquired::HeldElsewhere,
                (
                    true,
                    Some(ids),
                    Some(fingerprint),
                    Some(modified),
                    Some(read),
                    Some(outcome),
                    Some(updated),
                ) => {
                    let row: LedgerRow = (ids, fingerprint, modified, read, outcome, updated);
                    Acquired::Taken {
                        ledger: Some(entry(&ledger.asset_id, row)?),
                    }
                }
                (true, ..) => Acquired::Taken { ledger: None },
            })
        })
        .await
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> std::result::Result<bool, Fail> {
        let taken = on_backend!(
            self,
            lease,
            sql!(
                "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, "
                now
                " + $3) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.holder = excluded.holder OR leases.expires_at <= "
                now
            ),
            |pool, q| {
                sqlx::query(q)
                    .bind(name)
                    .bind(holder)
                    .bind(ttl_ms(ttl))
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
        );
        Ok(taken == 1)
    }

    /// Give `name` up if `holder` holds it; `false` if it did not.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool> {
        timed("release_lease", async {
            let released = on_backend!(
                self,
                lease,
                sql!("DELETE FROM leases WHERE name = $1 AND holder = $2"),
                |pool, q| {
                    sqlx::query(q)
                        .bind(name)
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

    /// Who holds `name` now; `None` if nobody does or the lease has expired.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<Lease>> {
        timed("lease_holder", async {
            let row: Option<(String, i64)> = on_backend!(
                self,
                sql!("SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > " now),
                |pool, q| sqlx::query_as(q).bind(name).fetch_optional(pool).await?
            );
            Ok::<_, Fail>(row.map(|(holder, expires_at_ms)| Lease {
                holder,
                expires_at_ms,
            }))
        })
        .await
    }
}
