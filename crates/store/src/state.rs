//! Cursors and credentials: small keyed values, the latter with compare-and-swap.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Fail, timed};
use crate::sql::{on_backend, sql};
use crate::{Credential, Result, StoreError, StoredCursor, Swap};

impl crate::Store {
    /// The stored position of `source` for `connection`, if any.
    pub async fn cursor(&self, connection: &str, source: &str) -> Result<Option<String>> {
        timed("cursor", async {
            let value = on_backend!(
                self,
                sql!("SELECT value FROM cursors WHERE connection = $1 AND source = $2"),
                |pool, q| {
                    sqlx::query_scalar(q)
                        .bind(connection)
                        .bind(source)
                        .fetch_optional(pool)
                        .await?
                }
            );
            Ok::<_, Fail>(value)
        })
        .await
    }

    /// [`Self::cursor`] with when it was stored (for `assetrelay cursor show`).
    pub async fn cursor_entry(
        &self,
        connection: &str,
        source: &str,
    ) -> Result<Option<StoredCursor>> {
        timed("cursor_entry", async {
            let row: Option<(String, i64)> = on_backend!(
                self,
                sql!("SELECT value, updated_at FROM cursors WHERE connection = $1 AND source = $2"),
                |pool, q| {
                    sqlx::query_as(q)
                        .bind(connection)
                        .bind(source)
                        .fetch_optional(pool)
                        .await?
                }
            );
            Ok::<_, Fail>(row.map(|(value, updated_at_ms)| StoredCursor {
                value,
                updated_at_ms,
            }))
        })
        .await
    }

    /// Store the position of `source`. Call it only once everything before it is safe
    /// (confirmed by the broker): a cursor is where a restart continues.
    pub async fn set_cursor(&self, connection: &str, source: &str, value: &str) -> Result<()> {
        timed("set_cursor", async {
            on_backend!(
                self,
                sql!(
                    "INSERT INTO cursors (connection, source, value, updated_at) VALUES ($1, $2, $3, "
                    now
                    ") ON CONFLICT (connection, source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                ),
                |pool, q| {
                    sqlx::query(q)
                        .bind(connection)
                        .bind(source)
                        .bind(value)
                        .execute(pool)
                        .await?;
                }
            );
            Ok::<_, Fail>(())
        })
        .await
    }

    /// Forget the position of `source`, so it starts over (the Smint.io feed from its
    /// beginning, the PhotoShelter poller from now minus its overlap). Whether one was
    /// stored.
    pub async fn delete_cursor(&self, connection: &str, source: &str) -> Result<bool> {
        timed("delete_cursor", async {
            let deleted = on_backend!(
                self,
                sql!("DELETE FROM cursors WHERE connection = $1 AND source = $2"),
                |pool, q| {
                    sqlx::query(q)
                        .bind(connection)
                        .bind(source)
                        .execute(pool)
                        .await?
                        .rows_affected()
                }
            );
            Ok::<_, Fail>(deleted > 0)
        })
        .await
    }

    /// Ask `source` of `connection` to run soon, from any process: a notification that
    /// reached another binary (a webhook ping at the flows) becomes a new token in the
    /// cursor `<source>.requested`, which the source compares with the last it served.
    pub async fn request_run(&self, connection: &str, source: &str) -> Result<()> {
        let token = uuid::Uuid::new_v4().to_string();
        self.set_cursor(connection, &requested(source), &token)
            .await
    }

    /// The latest run request of `source` (see [`Self::request_run`]), if any was made.
    pub async fn run_request(&self, connection: &str, source: &str) -> Result<Option<String>> {
        self.cursor(connection, &requested(source)).await
    }

    /// The stored `kind` credential of `connection` (e.g. `smintio_refresh_token`).
    pub async fn credential(&self, connection: &str, kind: &str) -> Result<Option<Credential>> {
        timed("credential", self.read_credential(connection, kind)).await
    }

    async fn read_credential(
        &self,
        connection: &str,
        kind: &str,
    ) -> std::result::Result<Option<Credential>, Fail> {
        let row: Option<(String, i64)> = on_backend!(
            self,
            sql!("SELECT value, version FROM credentials WHERE connection = $1 AND kind = $2"),
            |pool, q| {
                sqlx::query_as(q)
                    .bind(connection)
                    .bind(kind)
                    .fetch_optional(pool)
                    .await?
            }
        );
        Ok(row.map(|(value, version)| Credential {
            value: SecretString::from(value),
            version,
        }))
    }

    /// Compare-and-swap: store `new_value` only if the stored version is `expected`
    /// (`None`: only if there is none yet). Of several swaps from one version exactly one
    /// wins; the others get [`Swap::Lost`] with the winner's credential, to use instead.
    pub async fn swap_credential(
        &self,
        connection: &str,
        kind: &str,
        expected_version: Option<i64>,
        new_value: &SecretString,
    ) -> Result<Swap> {
        timed("swap_credential", async {
            let value = new_value.expose_secret();
            let changed = match expected_version {
                None => on_backend!(
                    self,
                    sql!(
                        "INSERT INTO credentials (connection, kind, value, version, updated_at) VALUES ($1, $2, $3, 1, "
                        now
                        ") ON CONFLICT (connection, kind) DO NOTHING"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(connection)
                            .bind(kind)
                            .bind(value)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    }
                ),
                Some(version) => on_backend!(
                    self,
                    sql!(
                        "UPDATE credentials SET value = $3, version = version + 1, updated_at = "
                        now
                        " WHERE connection = $1 AND kind = $2 AND version = $4"
                    ),
                    |pool, q| {
                        sqlx::query(q)
                            .bind(connection)
                            .bind(kind)
                            .bind(value)
                            .bind(version)
                            .execute(pool)
                            .await?
                            .rows_affected()
                    }
                ),
            };
            if changed == 1 {
                return Ok(Swap::Won {
                    version: expected_version.map_or(1, |v| v + 1),
                });
            }
            match self.read_credential(connection, kind).await? {
                Some(current) => Ok(Swap::Lost { current }),
                None => Err(Fail::Store(StoreError::NoCredential {
                    connection: connection.to_owned(),
                    kind: kind.to_owned(),
                })),
            }
        })
        .await
    }
}

fn requested(source: &str) -> String {
    format!("{source}.requested")
}
