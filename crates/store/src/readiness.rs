//! Whether the store answers, for a binary's `/readyz`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::Store;

/// A readiness check naming `store` while the store does not answer (the shape of
/// `assetrelay_telemetry::endpoints::ReadinessCheck`). A probe every few seconds keeps the
/// answer current without a query per scrape; it ends with `shutdown`.
pub fn readiness_probe(
    store: Store,
    shutdown: CancellationToken,
) -> Arc<dyn Fn() -> Option<&'static str> + Send + Sync> {
    let ready = Arc::new(AtomicBool::new(true));
    let probe = Arc::clone(&ready);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let answered = tokio::time::timeout(Duration::from_secs(5), store.readiness_check())
                .await
                .is_ok_and(|r| r.is_ok());
            probe.store(answered, Ordering::Relaxed);
        }
    });
    Arc::new(move || (!ready.load(Ordering::Relaxed)).then_some("store"))
}
