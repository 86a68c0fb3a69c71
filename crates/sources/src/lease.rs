//! One active replica per (connection, source): a store lease
//! `source/<connection>/<source>`, taken before a poll, renewed every third of its TTL
//! while held (during a poll and between polls), released on graceful shutdown.
//!
//! A replica that dies holding it is replaced at most one TTL (plus one poll interval,
//! when the standby next tries) later.

use std::time::Duration;

use assetrelay_store::Store;

/// How long a lease lasts unless renewed: the failover time of a killed replica.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// The lease name of `source` on `connection`.
pub fn lease_name(connection: &str, source: &str) -> String {
    format!("source/{connection}/{source}")
}

/// A holder name unique to this process: `assetrelay-sources/<host>/<pid>/<random>`.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "assetrelay-sources/{host}/{}/{}",
        std::process::id(),
        &random[..8]
    )
}

#[derive(Clone, Debug)]
pub struct SourceLease {
    store: Store,
    name: String,
    holder: String,
    ttl: Duration,
}

impl SourceLease {
    pub fn new(store: Store, name: String, holder: String, ttl: Duration) -> Self {
        Self {
            store,
            name,
            holder,
            ttl,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How often a holder renews.
    pub fn renew_every(&self) -> Duration {
        (self.ttl / 3).max(Duration::from_millis(10))
    }

    /// Tell the console's overview how a run of `source` ended (the class of its error,
    /// not its message). Best effort: a store that cannot take it could not take a cursor
    /// either, and the run's own metrics and log say the same.
    pub async fn report(&self, connection: &str, source: &str, outcome: Result<(), &str>) {
        if let Err(e) = self
            .store
            .record_source_run(connection, source, &self.holder, outcome)
            .await
        {
            tracing::debug!(%connection, source, error.message = %e, "cannot record the source's health");
        }
    }

    /// Take or renew the lease. A store error counts as not holding it: a replica that
    /// cannot reach the store could not store a watermark either.
    pub async fn acquire(&self) -> bool {
        match self
            .store
            .try_acquire_lease(&self.name, &self.holder, self.ttl)
            .await
        {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(lease = %self.name, error.message = %e, "cannot take the source lease");
                false
            }
        }
    }

    /// Renew every [`Self::renew_every`]; returns once a renewal fails (the lease is lost
    /// or may be). Runs beside a poll, which is dropped when this returns.
    pub async fn keep(&self) {
        loop {
            tokio::time::sleep(self.renew_every()).await;
            if !self.acquire().await {
                return;
            }
        }
    }

    /// Give the lease up (graceful shutdown), so a standby takes over at its next try.
    pub async fn release(&self) {
        if let Err(e) = self.store.release_lease(&self.name, &self.holder).await {
            tracing::warn!(lease = %self.name, error.message = %e, "cannot release the source lease; it expires by itself");
        }
    }
}
