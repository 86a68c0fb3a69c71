//! [`StoreError`]: what a store call can fail with. No message holds a URL, a password or
//! a credential value.

use std::path::PathBuf;
use std::time::Instant;

/// Why a store call failed. The driver's error, when there is one, is the source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the SQLite directory `{}`", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The URL's password is not in the message (the configuration parsed it already).
    #[error("cannot connect to the {backend} store")]
    Connect {
        backend: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the store's migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("store call `{call}` failed")]
    Query {
        call: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// A statement made for several calls at once failed (`crate::batch`): each of them
    /// hears of the same failure.
    #[error("store call `{call}` failed")]
    Batched {
        call: &'static str,
        #[source]
        source: std::sync::Arc<sqlx::Error>,
    },
    /// `asset_ledger.target_ids` is not a JSON array of strings.
    #[error("ledger row of `{asset_id}` has unreadable target ids")]
    TargetIds {
        asset_id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("outcome row {id} has an unknown decision `{decision}`")]
    UnknownDecision { id: i64, decision: String },
    /// A compare-and-swap named a version, but there is no row to compare with.
    #[error("no `{kind}` credential of connection `{connection}` to swap")]
    NoCredential { connection: String, kind: String },
    /// A claim changed hands on every attempt; the caller may retry later.
    #[error("claim `{key}` kept changing hands")]
    Contended { key: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Inside a call: a driver error (named after the call by [`timed`]) or one of ours.
pub(crate) enum Fail {
    Sql(sqlx::Error),
    Batched(std::sync::Arc<sqlx::Error>),
    Store(StoreError),
}

impl From<sqlx::Error> for Fail {
    fn from(error: sqlx::Error) -> Self {
        Self::Sql(error)
    }
}

impl From<StoreError> for Fail {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Run one store call: record `assetrelay_store_call_seconds{call}` and name the call in
/// a driver error.
pub(crate) async fn timed<T>(
    call: &'static str,
    work: impl Future<Output = std::result::Result<T, Fail>>,
) -> Result<T> {
    let start = Instant::now();
    let result = work.await;
    let elapsed = start.elapsed();
    crate::spent::add(elapsed);
    metrics::histogram!("assetrelay_store_call_seconds", "call" => call)
        .record(elapsed.as_secs_f64());
    result.map_err(|fail| match fail {
        Fail::Sql(source) => StoreError::Query { call, source },
        Fail::Batched(source) => StoreError::Batched { call, source },
        Fail::Store(error) => error,
    })
}
