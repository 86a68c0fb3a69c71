//! A throw-away PostgreSQL schema, for the store's tests and the benchmark: each gets a
//! schema of its own in one database, so runs in parallel never share a row.

use std::str::FromStr;

use assetrelay_config::StoreUrl;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::{Result, StoreError};

/// A schema `scratch_<uuid>` and a store URL whose connections use it.
pub struct ScratchSchema {
    base: PgConnectOptions,
    name: String,
    pub url: StoreUrl,
}

impl ScratchSchema {
    /// Create the schema in the database of `base_url` (a `postgres://` URL).
    pub async fn create(base_url: &str) -> Result<Self> {
        let connect = |source| StoreError::Connect {
            backend: "postgres",
            source,
        };
        let base = PgConnectOptions::from_str(base_url).map_err(connect)?;
        let name = format!("scratch_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&base).await.map_err(connect)?;
        // The name is ours (hex), never input.
        sqlx::raw_sql(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .map_err(connect)?;
        let _ = conn.close().await;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let text = format!("{base_url}{separator}options=-c%20search_path%3D{name}");
        let url =
            StoreUrl::parse(&text).map_err(|e| connect(sqlx::Error::Configuration(Box::new(e))))?;
        Ok(Self { base, name, url })
    }

    /// Drop the schema and everything in it.
    pub async fn drop_schema(self) -> Result<()> {
        let connect = |source| StoreError::Connect {
            backend: "postgres",
            source,
        };
        let mut conn = PgConnection::connect_with(&self.base)
            .await
            .map_err(connect)?;
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut conn)
            .await
            .map_err(connect)?;
        let _ = conn.close().await;
        Ok(())
    }
}
