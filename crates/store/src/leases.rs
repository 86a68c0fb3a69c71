//! Leases: one holder at a time for a name, until it expires (database clock).

use std::time::Duration;

use crate::error::{Fail, timed};
use crate::model::ttl_ms;
use crate::sql::{on_backend, sql};
use crate::{Lease, Result};

impl crate::Store {
    /// Take `name` for `holder` for `ttl` if it is free, expired or already `holder`'s
    /// (then it is renewed). `false`: someone else holds it. A holder renews well within
    /// `ttl` (e.g. every ttl/3); if it dies, another takes over at most `ttl` later.
    pub async fn try_acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        timed("try_acquire_lease", async {
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
            Ok::<_, Fail>(taken == 1)
        })
        .await
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
