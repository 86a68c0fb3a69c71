//! The replicas' store for one run (a temporary SQLite file or a scratch PostgreSQL
//! schema, both dropped at the end) and the store's share of each delivery.

use anyhow::Context;
use assetrelay_config::StoreUrl;
use assetrelay_store::scratch::ScratchSchema;

use super::probe::{bucket, histogram, histogram_delta};
use super::report::StoreTime;

const STORE: &str = "assetrelay_flow_store_seconds";
const STORE_CALL: &str = "assetrelay_store_call_seconds";

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreBackend {
    Sqlite,
    Postgres,
}

/// Where the replicas keep their store for one run; dropped (file or schema) at the end.
pub enum BenchStore {
    Sqlite(tempfile::TempDir),
    Postgres(Box<ScratchSchema>),
}

impl BenchStore {
    /// A fresh store of `backend`; `postgres_url` is the database a PostgreSQL schema is
    /// made in. Returns it and the URL the flows' `[store] url` gets.
    pub async fn create(
        backend: StoreBackend,
        postgres_url: &str,
    ) -> anyhow::Result<(Self, String)> {
        Ok(match backend {
            StoreBackend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = StoreUrl::sqlite(dir.path().join("bench.db"));
                let text = url.expose().to_owned();
                (Self::Sqlite(dir), text)
            }
            StoreBackend::Postgres => {
                let schema = ScratchSchema::create(postgres_url)
                    .await
                    .context("creating a scratch schema (is PostgreSQL running?)")?;
                let text = schema.url.expose().to_owned();
                (Self::Postgres(Box::new(schema)), text)
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite (temporary file)",
            Self::Postgres(_) => "PostgreSQL (scratch schema)",
        }
    }

    pub async fn drop_store(self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(dir) => Ok(dir.close()?),
            Self::Postgres(schema) => Ok(schema.drop_schema().await?),
        }
    }
}

/// The store's share of to-smint's deliveries between two metric snapshots.
pub fn store_time(before: &str, after: &str) -> StoreTime {
    let flow = [("flow", "to-smint")];
    let (seconds, deliveries) = histogram_delta(
        &histogram(before, STORE, &flow, "flow"),
        &histogram(after, STORE, &flow, "flow"),
    )
    .remove("to-smint")
    .unwrap_or_default();
    StoreTime {
        deliveries,
        seconds,
        within_target: bucket(after, STORE, &flow, "0.005") - bucket(before, STORE, &flow, "0.005"),
        calls: histogram_delta(
            &histogram(before, STORE_CALL, &[], "call"),
            &histogram(after, STORE_CALL, &[], "call"),
        ),
    }
}
