//! The platform calls made while handling one delivery, for its outcome history.
//!
//! The consumer runner runs each handler inside [`scope`] with a fresh [`CallLog`]; the
//! flows [`record`] every platform call they make; after the handler the runner hands the
//! log to its observer (the store's outcome history: "target call and status"). A
//! task-local for the same reason as [`crate::trace`]: every call site would otherwise
//! have to thread the log through each flow step. Outside a scope, [`record`] does nothing.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

tokio::task_local! {
    static CURRENT: CallLog;
}

/// One outbound platform call and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCall {
    /// `photoshelter` or `smintio`.
    pub platform: &'static str,
    /// The client operation, e.g. `media`, `upload`, `push_changes`.
    pub operation: &'static str,
    /// `ok`, an HTTP status, or `transport`.
    pub status: String,
    pub duration: Duration,
}

/// The calls of one delivery, shared between the runner and the handler task.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<PlatformCall>>>);

/// Calls kept per delivery at most: a handler looping over a feed page must not grow a
/// record without bound; the first calls and the count are what a trace needs.
const MAX_CALLS: usize = 64;

impl CallLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// The calls recorded so far, in order.
    pub fn calls(&self) -> Vec<PlatformCall> {
        match self.0.lock() {
            Ok(calls) => calls.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn push(&self, call: PlatformCall) {
        let mut calls = match self.0.lock() {
            Ok(calls) => calls,
            Err(poisoned) => poisoned.into_inner(),
        };
        if calls.len() < MAX_CALLS {
            calls.push(call);
        }
    }
}

/// Run `work` with `log` collecting the calls it records.
pub async fn scope<F: Future>(log: CallLog, work: F) -> F::Output {
    CURRENT.scope(log, work).await
}

/// Record one call in the current delivery's log (nothing outside a [`scope`]).
pub fn record(call: PlatformCall) {
    let _ = CURRENT.try_with(|log| log.push(call));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: &'static str) -> PlatformCall {
        PlatformCall {
            platform: "photoshelter",
            operation,
            status: "ok".into(),
            duration: Duration::from_millis(3),
        }
    }

    #[tokio::test]
    async fn calls_are_collected_inside_a_scope_only() {
        record(call("outside"));
        let log = CallLog::new();

        scope(log.clone(), async {
            record(call("media"));
            record(call("upload"));
        })
        .await;
        record(call("after"));

        let operations: Vec<_> = log.calls().iter().map(|c| c.operation).collect();
        assert_eq!(operations, ["media", "upload"]);
    }

    #[tokio::test]
    async fn the_log_is_bounded() {
        let log = CallLog::new();
        scope(log.clone(), async {
            for _ in 0..(MAX_CALLS + 10) {
                record(call("media"));
            }
        })
        .await;
        assert_eq!(log.calls().len(), MAX_CALLS);
    }
}
