//! Latency and status of every platform call, as `assetrelay_platform_call_seconds`.

use std::future::Future;
use std::time::Instant;

use assetrelay_http_failure::Failure;
use assetrelay_http_failure::calls::{PlatformCall, record};

/// Histogram of platform calls by platform, operation and status (`ok`, an HTTP status, or
/// `transport`).
pub const PLATFORM_CALL_SECONDS: &str = "assetrelay_platform_call_seconds";

/// Run one platform call and record how long it took and how it ended, in the metric and
/// in the delivery's call log (its outcome history).
pub async fn timed<T, E: Failure>(
    platform: &'static str,
    operation: &'static str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let started = Instant::now();
    let result = call.await;
    let status = match &result {
        Ok(_) => "ok".to_owned(),
        Err(e) => e
            .status()
            .map_or_else(|| "transport".to_owned(), |s| s.as_u16().to_string()),
    };
    let duration = started.elapsed();
    metrics::histogram!(PLATFORM_CALL_SECONDS, "platform" => platform, "operation" => operation, "status" => status.clone())
        .record(duration.as_secs_f64());
    record(PlatformCall {
        platform,
        operation,
        status,
        duration,
    });
    result
}

/// Histogram of the time one delivery's handler waited on the store (turn lease, ledger,
/// claims, tokens), by flow: the store's share of `assetrelay_flow_handler_seconds`.
pub const STORE_SECONDS: &str = "assetrelay_flow_store_seconds";

/// Run one delivery's handler and record its store time as [`STORE_SECONDS`].
pub async fn with_store_time<T>(
    flow: assetrelay_contract::Flow,
    work: impl Future<Output = T>,
) -> T {
    // Boxed: a handler's future is large (debug builds copy it through every wrapper
    // on the stack, enough to overflow a worker thread's stack).
    let (output, spent) = assetrelay_store::spent::measure(Box::pin(work)).await;
    metrics::histogram!(STORE_SECONDS, "flow" => flow.as_str()).record(spent.as_secs_f64());
    output
}

/// Run a store read beside a platform call, both at once: the delivery waits on the store
/// only for the part of the read that outlasts the call, and only that part counts as
/// its store time. The read must not depend on the call (it runs under the asset's turn,
/// so what it reads cannot change meanwhile).
pub async fn beside<S: Future, P: Future>(
    store_read: S,
    platform_call: P,
) -> (S::Output, P::Output) {
    let started = Instant::now();
    let platform_call = async move {
        let output = platform_call.await;
        (output, started.elapsed())
    };
    let ((read, store_time), (call, call_time)) = futures::join!(
        assetrelay_store::spent::measure(Box::pin(store_read)),
        Box::pin(platform_call)
    );
    assetrelay_store::spent::add(store_time.saturating_sub(call_time));
    (read, call)
}
