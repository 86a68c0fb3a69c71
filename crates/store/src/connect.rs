//! Connecting (pool options per backend), migrations, status and readiness.

use std::str::FromStr;
use std::time::Duration;

use assetrelay_config::{StoreConfig, StoreKind};
use sqlx::Executor;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::batch::LedgerBatcher;
use crate::error::{Fail, timed};
use crate::sql::{on_backend, sql};
use crate::{Backend, MigrationInfo, Result, Status, Store, StoreError};

static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");

/// The tables `status` counts.
const TABLES: [&str; 9] = [
    "cursors",
    "credentials",
    "leases",
    "asset_ledger",
    "write_claims",
    "outcomes",
    "console_sessions",
    "operator_actions",
    "source_status",
];

impl Store {
    /// Open the pool (one connection is made now, so a wrong URL fails here) and apply
    /// pending migrations if `migrate_on_start`.
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let timeout = Duration::from_millis(config.statement_timeout_ms);
        let backend = match config.url.kind() {
            StoreKind::Sqlite => Backend::Sqlite(sqlite(config, timeout).await?),
            StoreKind::Postgres => {
                let pool = postgres(config, timeout, Durability::Flushed).await?;
                Backend::Postgres(crate::Postgres {
                    ledger_writes: std::sync::Arc::new(LedgerBatcher::spawn(pool.clone())),
                    pool,
                    leases: postgres(config, timeout, Durability::Leases).await?,
                })
            }
        };
        let store = Self { backend };
        if config.migrate_on_start {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Apply the pending migrations. Safe while other replicas do the same: the
    /// migrator locks (an advisory lock on PostgreSQL, the write lock on SQLite).
    pub async fn migrate(&self) -> Result<()> {
        let started = match &self.backend {
            Backend::Postgres(backend) => POSTGRES.run(&backend.pool).await,
            Backend::Sqlite(lite) => match sqlx::ConnectOptions::connect(&*lite.options).await {
                Ok(mut conn) => SQLITE.run(&mut conn).await,
                Err(e) => Err(sqlx::migrate::MigrateError::Execute(e)),
            },
        };
        started.map_err(StoreError::Migrate)
    }

    /// `postgres` or `sqlite`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Postgres(_) => "postgres",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    /// One round trip to the database.
    pub async fn readiness_check(&self) -> Result<()> {
        timed("readiness_check", async {
            on_backend!(self, sql!("SELECT 1"), |pool, q| {
                sqlx::query(q).execute(pool).await?;
            });
            Ok(())
        })
        .await
    }

    /// Backend, applied and pending migrations, rows per table.
    pub async fn status(&self) -> Result<Status> {
        timed("status", async {
            let migrator = match self.backend {
                Backend::Postgres(_) => &POSTGRES,
                Backend::Sqlite(_) => &SQLITE,
            };
            let applied = self.applied().await?;
            let pending: Vec<MigrationInfo> = migrator
                .iter()
                .filter(|m| !m.migration_type.is_down_migration())
                .filter(|m| !applied.iter().any(|a| a.version == m.version))
                .map(|m| MigrationInfo {
                    version: m.version,
                    description: m.description.to_string(),
                })
                .collect();
            let mut rows = Vec::new();
            if pending.is_empty() {
                for table in TABLES {
                    // A table name from the list above, never input.
                    let count = format!("SELECT COUNT(*) FROM {table}");
                    let n: i64 = on_backend!(self, ("", ""), |pool, _q| {
                        sqlx::query_scalar(&count).fetch_one(pool).await?
                    });
                    rows.push((table, n));
                }
            }
            Ok::<_, Fail>(Status {
                backend: self.backend_name(),
                applied,
                pending,
                rows,
            })
        })
        .await
    }

    async fn applied(&self) -> std::result::Result<Vec<MigrationInfo>, Fail> {
        let exists: i64 = on_backend!(
            self,
            (
                "SELECT COUNT(*) FROM pg_tables WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()",
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            ),
            |pool, q| sqlx::query_scalar(q).fetch_one(pool).await?
        );
        if exists == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String)> = on_backend!(
            self,
            sql!(
                "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version"
            ),
            |pool, q| sqlx::query_as(q).fetch_all(pool).await?
        );
        Ok(rows
            .into_iter()
            .map(|(version, description)| MigrationInfo {
                version,
                description,
            })
            .collect())
    }
}

async fn sqlite(config: &StoreConfig, timeout: Duration) -> Result<crate::Sqlite> {
    let connect = |source| StoreError::Connect {
        backend: "sqlite",
        source,
    };
    let Some(path) = config.url.sqlite_path() else {
        return Err(connect(sqlx::Error::Configuration(
            "a sqlite store URL names a file".into(),
        )));
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|source| StoreError::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // Readers do not block the writer, and the writer does not block readers.
        .journal_mode(SqliteJournalMode::Wal)
        // With WAL, NORMAL syncs at checkpoints only: a process crash loses nothing, a
        // power loss may lose the last commits (docs/operations.md, "Store").
        .synchronous(SqliteSynchronous::Normal)
        // One writer at a time: the others wait for the lock this long, then fail.
        .busy_timeout(timeout);
    probe::<sqlx::SqliteConnection>(&options)
        .await
        .map_err(connect)?;
    let pool = SqlitePoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(timeout)
        // No ping before each use: see the PostgreSQL pool.
        .test_before_acquire(false)
        // Set after the connection's own pragmas (which wait for the lock as above):
        // the pool's statements wait for it in `crate::busy` instead.
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA busy_timeout = 0").await?;
                Ok(())
            })
        })
        .connect_with(options.clone())
        .await
        .map_err(connect)?;
    Ok(crate::Sqlite {
        pool,
        busy: std::sync::Arc::new(crate::busy::Busy::new(timeout)),
        options: std::sync::Arc::new(options),
    })
}

/// Connections of the PostgreSQL lease pool at most (`[store] max_connections` if fewer).
pub const LEASE_CONNECTIONS: u32 = 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// Every commit waits for its WAL flush (the server's default).
    Flushed,
    /// The lease pool: `synchronous_commit = off` (see `crate::Postgres`).
    Leases,
}

async fn postgres(
    config: &StoreConfig,
    timeout: Duration,
    durability: Durability,
) -> Result<sqlx::PgPool> {
    let connect = |source| StoreError::Connect {
        backend: "postgres",
        source,
    };
    let options = PgConnectOptions::from_str(config.url.expose()).map_err(connect)?;
    if durability == Durability::Flushed {
        probe::<sqlx::PgConnection>(&options)
            .await
            .map_err(connect)?;
    }
    let mut set_timeout = format!("SET statement_timeout = {}", config.statement_timeout_ms);
    let max_connections = match durability {
        Durability::Flushed => config.max_connections,
        Durability::Leases => {
            set_timeout.push_str("; SET synchronous_commit = off");
            config.max_connections.min(LEASE_CONNECTIONS)
        }
    };
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(timeout)
        // sqlx pings a connection each time it leaves the pool by default: one round trip
        // more per statement, doubling a delivery's store time. A connection broken since
        // (a database restart) fails its statement instead, the delivery is retried like
        // any store failure, and the broken connection is dropped from the pool.
        .test_before_acquire(false)
        // A statement stuck behind a lock (another replica's long transaction) fails
        // instead of holding a delivery for ever.
        .after_connect(move |conn, _meta| {
            let set_timeout = set_timeout.clone();
            Box::pin(async move {
                conn.execute(set_timeout.as_str()).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(connect)
}

/// One connection made and closed before the pool: a pool that cannot connect reports
/// only "timed out", this reports why (refused, authentication, no such database).
async fn probe<C: sqlx::Connection>(options: &C::Options) -> std::result::Result<(), sqlx::Error> {
    C::connect_with(options).await?.close().await
}

impl Store {
    /// Close the pool: wait for connections in use to be returned, then close them all.
    pub async fn close(&self) {
        let closing = async {
            match &self.backend {
                crate::Backend::Postgres(backend) => {
                    backend.leases.close().await;
                    backend.pool.close().await;
                }
                crate::Backend::Sqlite(lite) => {
                    lite.pool.close().await;
                }
            }
        };
        // sqlx's close waits until every connection is back in the pool; a connection
        // whose return raced the close (transact-rs/sqlx#3217) never comes back, and a
        // CLI command hung in its exit (seen once in CI). Everything written is
        // committed by then: past the bound the process goes on and the connections
        // close with it.
        if tokio::time::timeout(CLOSE_WAIT, closing).await.is_err() {
            tracing::warn!(
                wait_secs = CLOSE_WAIT.as_secs(),
                "store connections still checked out at close; not waiting for them"
            );
        }
    }
}

/// How long [`Store::close`] waits for the pool's connections.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch::ScratchSchema;

    /// Lease writes skip the WAL flush; everything else waits for it.
    #[tokio::test]
    async fn only_the_lease_pool_commits_without_waiting_for_the_flush() {
        let base = std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/assetrelay_test".into());
        let schema = ScratchSchema::create(&base)
            .await
            .expect("PostgreSQL is required for this test (ASSETRELAY_TEST_POSTGRES_URL)");
        let config = StoreConfig {
            url: schema.url.clone(),
            migrate_on_start: false,
            ..StoreConfig::default()
        };
        let store = Store::connect(&config).await.unwrap();
        let Backend::Postgres(pg) = &store.backend else {
            panic!("a postgres:// URL opened {}", store.backend_name());
        };
        let setting = |pool: &sqlx::PgPool| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, String>("SHOW synchronous_commit")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(setting(&pg.leases).await, "off");
        assert_eq!(setting(&pg.pool).await, "on");
        assert!(pg.leases.options().get_max_connections() <= LEASE_CONNECTIONS);
        store.close().await;
        schema.drop_schema().await.unwrap();
    }
}
