//! The asset ledger: per (connection, flow, platform, asset) what the target holds and
//! from which source version, replaced only by a newer version (compare-and-set).

use crate::error::{Fail, timed};
use crate::sql::{on_backend, sql};
use crate::{AssetKey, LedgerEntry, LedgerWrite, Recorded, Result, SourceVersion, StoreError};

/// A ledger row's columns after its key: target_ids, fingerprint, source_modified_ms,
/// source_read_ms, last_outcome, updated_at.
pub(crate) type LedgerRow = (String, String, i64, i64, String, i64);
/// A [`LedgerRow`] after its key's connection and flow.
type KeyedRow = (String, String, String, String, i64, i64, String, i64);

/// The compare-and-set upsert: inserts, or updates only a strictly older source version.
/// Bind with [`bind_write!`]; one row affected means applied.
pub(crate) const UPSERT: (&str, &str) = sql!(
    "INSERT INTO asset_ledger (connection, flow, platform, asset_id, target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    now
    ") ON CONFLICT (connection, flow, platform, asset_id) DO UPDATE SET target_ids = excluded.target_ids, fingerprint = excluded.fingerprint, source_modified_ms = excluded.source_modified_ms, source_read_ms = excluded.source_read_ms, last_outcome = excluded.last_outcome, updated_at = excluded.updated_at WHERE (asset_ledger.source_modified_ms, asset_ledger.source_read_ms) < (excluded.source_modified_ms, excluded.source_read_ms)"
);

/// Bind `UPSERT`'s parameters (a macro: the query's type differs per backend).
macro_rules! bind_write {
    ($query:expr, $key:expr, $ids:expr, $write:expr) => {
        $query
            .bind(&$key.connection)
            .bind(&$key.flow)
            .bind(&$key.platform)
            .bind(&$key.asset_id)
            .bind($ids)
            .bind(&$write.fingerprint)
            .bind($write.source.modified_ms)
            .bind($write.source.read_ms)
            .bind(&$write.outcome)
    };
}
pub(crate) use bind_write;

/// `target_ids` as stored: a JSON array.
pub(crate) fn target_ids(write: &LedgerWrite) -> String {
    // A Vec<String> always serializes.
    serde_json::to_string(&write.target_ids).unwrap_or_else(|_| "[]".into())
}

impl crate::Store {
    /// The ledger row of `key`, if any.
    pub async fn ledger(&self, key: &AssetKey) -> Result<Option<LedgerEntry>> {
        timed("ledger", self.read_ledger(key)).await
    }

    pub(crate) async fn read_ledger(
        &self,
        key: &AssetKey,
    ) -> std::result::Result<Option<LedgerEntry>, Fail> {
        let row: Option<LedgerRow> = on_backend!(
            self,
            sql!(
                "SELECT target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome, updated_at FROM asset_ledger WHERE connection = $1 AND flow = $2 AND platform = $3 AND asset_id = $4"
            ),
            |pool, q| {
                sqlx::query_as(q)
                    .bind(&key.connection)
                    .bind(&key.flow)
                    .bind(&key.platform)
                    .bind(&key.asset_id)
                    .fetch_optional(pool)
                    .await?
            }
        );
        match row {
            Some(row) => Ok(Some(entry(&key.asset_id, row)?)),
            None => Ok(None),
        }
    }

    /// Every ledger row of one source asset: one per (connection, flow) that recorded it,
    /// ordered by connection, then flow; `connection: None` looks in every connection.
    /// What `assetrelay trace` shows the targets hold.
    pub async fn asset_ledgers(
        &self,
        connection: Option<&str>,
        platform: &str,
        asset_id: &str,
    ) -> Result<Vec<(AssetKey, LedgerEntry)>> {
        timed("asset_ledgers", async {
            let rows: Vec<KeyedRow> = on_backend!(
                self,
                sql!(
                    "SELECT connection, flow, target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome, updated_at FROM asset_ledger WHERE platform = $1 AND asset_id = $2 AND ($3 = '' OR connection = $3) ORDER BY connection, flow"
                ),
                |pool, q| {
                    sqlx::query_as(q)
                        .bind(platform)
                        .bind(asset_id)
                        .bind(connection.unwrap_or(""))
                        .fetch_all(pool)
                        .await?
                }
            );
            let mut out = Vec::with_capacity(rows.len());
            for (connection, flow, ids, fingerprint, modified_ms, read_ms, outcome, updated) in rows
            {
                let row = (ids, fingerprint, modified_ms, read_ms, outcome, updated);
                let key = AssetKey::new(connection, flow, platform, asset_id);
                let entry = entry(asset_id, row)?;
                out.push((key, entry));
            }
            Ok::<_, Fail>(out)
        })
        .await
    }

    /// Every ledger row of one (connection, flow, source platform), by asset id: what a
    /// flow holds in its target, for reconciling it with the source's current state.
    pub async fn ledger_rows(
        &self,
        connection: &str,
        flow: &str,
        platform: &str,
    ) -> Result<Vec<(String, LedgerEntry)>> {
        timed("ledger_rows", async {
            let rows: Vec<(String, String, String, i64, i64, String, i64)> = on_backend!(
                self,
                sql!(
                    "SELECT asset_id, target_ids, fingerprint, source_modified_ms, source_read_ms, last_outcome, updated_at FROM asset_ledger WHERE connection = $1 AND flow = $2 AND platform = $3 ORDER BY asset_id"
                ),
                |pool, q| {
                    sqlx::query_as(q)
                        .bind(connection)
                        .bind(flow)
                        .bind(platform)
                        .fetch_all(pool)
                        .await?
                }
            );
            let mut out = Vec::with_capacity(rows.len());
            for (asset_id, ids, fingerprint, modified_ms, read_ms, outcome, updated) in rows {
                let entry = entry(&asset_id, (ids, fingerprint, modified_ms, read_ms, outcome, updated))?;
                out.push((asset_id, entry));
            }
            Ok::<_, Fail>(out)
        })
        .await
    }

    /// Record what was written for `key`, only if the ledger has no row or one of a
    /// strictly older source version (`(modified_ms, read_ms)` compared in that order).
    /// One conditional upsert: of two writers racing, the newer version stays whatever
    /// the order. On PostgreSQL, writes made at the same moment share one statement
    /// (`crate::batch`). [`Recorded::Stale`] carries the row that won.
    pub async fn record_write(&self, key: &AssetKey, write: &LedgerWrite) -> Result<Recorded> {
        timed("record_write", async {
            let ids = target_ids(write);
            let batched = match &self.backend {
                crate::Backend::Postgres(pg) => {
                    pg.ledger_writes.record(key, ids.clone(), write).await
                }
                crate::Backend::Sqlite(_) => None,
            };
            let applied = match batched {
                Some(answer) => answer.map_err(Fail::Batched)?,
                None => {
                    on_backend!(self, UPSERT, |pool, q| {
                        bind_write!(sqlx::query(q), key, &ids, write)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    }) == 1
                }
            };
            if applied {
                return Ok(Recorded::Applied);
            }
            // The insert conflicted, so the row exists: nothing deletes ledger rows.
            match self.read_ledger(key).await? {
                Some(current) => Ok(Recorded::Stale { current }),
                None => Err(Fail::Store(StoreError::Contended {
                    key: key.asset_id.clone(),
                })),
            }
        })
        .await
    }

    /// Set the last outcome of `key` (e.g. `parked: 403`) without touching its version
    /// or target ids. `false`: the asset has no ledger row.
    pub async fn record_outcome_only(&self, key: &AssetKey, outcome: &str) -> Result<bool> {
        timed("record_outcome_only", async {
            let updated = on_backend!(
                self,
                sql!(
                    "UPDATE asset_ledger SET last_outcome = $5, updated_at = "
                    now
                    " WHERE connection = $1 AND flow = $2 AND platform = $3 AND asset_id = $4"
                ),
                |pool, q| {
                    sqlx::query(q)
                        .bind(&key.connection)
                        .bind(&key.flow)
                        .bind(&key.platform)
                        .bind(&key.asset_id)
                        .bind(outcome)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
            );
            Ok::<_, Fail>(updated == 1)
        })
        .await
    }
}

/// A ledger row as a [`LedgerEntry`]; `target_ids` must be a JSON array of strings.
pub(crate) fn entry(
    asset_id: &str,
    row: LedgerRow,
) -> std::result::Result<LedgerEntry, StoreError> {
    let (ids, fingerprint, modified_ms, read_ms, last_outcome, updated_at_ms) = row;
    let target_ids = serde_json::from_str(&ids).map_err(|source| StoreError::TargetIds {
        asset_id: asset_id.to_owned(),
        source,
    })?;
    Ok(LedgerEntry {
        target_ids,
        fingerprint,
        source: SourceVersion {
            modified_ms,
            read_ms,
        },
        last_outcome,
        updated_at_ms,
    })
}
