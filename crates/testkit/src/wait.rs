//! Polling with a deadline: how a test waits for an effect it cannot await directly (a
//! queue filling, a consumer attaching, an endpoint turning ready).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// Pause between two probes: short against the seconds a test may wait, long enough not
/// to flood the broker or the service with requests.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// A probe that never held within its time.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {after:?} waiting until {what}")]
pub struct TimedOut {
    /// What was awaited, as the caller described it.
    pub what: String,
    pub after: Duration,
}

/// Probe until `probe` answers `true`; at least once, also with a zero `timeout`.
/// `what` completes "waiting until …" in the error.
///
/// A probe is a closure returning a future (`|| async { … }`), not an `async` closure: the
/// futures of those are not `Send` for every lifetime yet, and a wait inside a handler or a
/// spawned task must be.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<(), TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_for(what, timeout, || {
        let holds = probe();
        async { holds.await.then_some(()) }
    })
    .await
}

/// Probe until `probe` answers `Some`, and return that value.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<T, TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(TimedOut {
                what: what.to_owned(),
                after: timeout,
            });
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_holds_later_ends_the_wait_with_its_value() {
        let calls = AtomicU32::new(0);
        let value = wait_for("the third call", Duration::from_secs(1), || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            (n == 3).then_some(n * 10)
        })
        .await
        .unwrap();
        assert_eq!(value, 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_never_holds_times_out_naming_what_was_awaited() {
        let started = Instant::now();
        let calls = AtomicU32::new(0);
        let error = wait_until("pigs fly", Duration::from_secs(2), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            false
        })
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out after 2s waiting until pigs fly"
        );
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(calls.load(Ordering::SeqCst) > 1, "probed once only");
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_timeout_still_probes_once() {
        let calls = AtomicU32::new(0);
        let holds = wait_until("probed", Duration::ZERO, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            true
        })
        .await;
        assert!(holds.is_ok());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_wait_inside_a_spawned_task_is_send() {
        let ready = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let task = tokio::spawn(async move {
            wait_until("ready", Duration::from_secs(1), || async {
                ready.load(Ordering::SeqCst)
            })
            .await
        });
        task.await.unwrap().unwrap();
    }
}
