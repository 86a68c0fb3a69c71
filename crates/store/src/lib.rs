#![doc = include_str!("../README.md")]
//! Modules: `connect` (pools, migrations, status), `state` (cursors, credentials),
//! `leases`, `ledger`, `claims`, `console` (console sessions, the operator audit trail, source health), `history` (outcomes, pruning), `writer` (the batching
//! [`OutcomeWriter`]), `batch` (concurrent ledger writes as one PostgreSQL statement), `busy` (SQLite's write lock waited for in the process), [`spent`] (store time per task), `readiness` (the `/readyz` probe), [`scratch`] (a throw-away
//! PostgreSQL schema for tests and benchmarks), `model` (the values), `sql` (one SQL text per backend), `error`.

mod sql;

mod batch;
mod busy;
mod claims;
mod connect;
mod console;
mod error;
mod history;
mod leases;
mod ledger;
mod model;
mod readiness;
pub mod scratch;
pub mod spent;
mod state;
mod writer;

pub use console::{ConsoleSession, OperatorAction, SourceStatus};
pub use error::{Result, StoreError};
pub use history::spawn_pruner;
pub use model::*;
pub use readiness::readiness_probe;
pub use writer::{OutcomeWriter, WriterClosed, WriterOptions};

use sqlx::{PgPool, SqlitePool};

/// The store: cheap to clone (the pool is shared), safe to use from many tasks.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Postgres(Postgres),
    Sqlite(Sqlite),
}

/// PostgreSQL: the pool, and a small pool for lease writes that commits without waiting
/// for the WAL flush (`synchronous_commit = off`). A lease only spaces out work; every
/// effect is guarded by what stays durable (upload claims, the ledger's compare-and-set,
/// credentials, cursors), so a database crash forgetting the last lease writes costs at
/// most a repeated push, while the flush it saves is most of a lease write's time.
#[derive(Clone, Debug)]
struct Postgres {
    pool: PgPool,
    leases: PgPool,
    /// `record_write`s made at the same moment, written together (`batch`).
    ledger_writes: std::sync::Arc<batch::LedgerBatcher>,
}

/// SQLite: the pool, and where its statements wait for the write lock (`busy`).
#[derive(Clone, Debug)]
struct Sqlite {
    pool: SqlitePool,
    busy: std::sync::Arc<busy::Busy>,
    /// For the migrations: a connection of their own that waits in SQLite's busy
    /// handler, as another replica may be migrating the same file.
    options: std::sync::Arc<sqlx::sqlite::SqliteConnectOptions>,
}
