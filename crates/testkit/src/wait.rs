//! Polling with a deadline: how a test waits for an effect it cannot await directly (a
//! queue filling, a consumer attaching, an endpoint turning ready).

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
pub async fn wait_until(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> bool,
) -> Result<(), TimedOut> {
    wait_for(what, timeout, async || probe().await.then_some(())).await
}

/// Probe until `probe` answers `Some`, and return that value.
pub async fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
) -> Result<T, TimedOut> {
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
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_holds_later_ends_the_wait_with_its_value() {
        let mut calls = 0;
        let value = wait_for("the third call", Duration::from_secs(1), async || {
            calls += 1;
            (calls == 3).then_some(calls * 10)
        })
        .await
        .unwrap();
        assert_eq!(value, 30);
    }

    #[tokio::test(start_paused = true)]
    async fn a_probe_that_never_holds_times_out_naming_what_was_awaited() {
        let started = Instant::now();
        let mut calls = 0;
        let error = wait_until("pigs fly", Duration::from_secs(2), async || {
            calls += 1;
            false
        })
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "timed out after 2s waiting until pigs fly"
        );
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(calls > 1, "probed {calls} time(s)");
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_timeout_still_probes_once() {
        let mut probed = false;
        let holds = wait_until("probed", Duration::ZERO, async || {
            probed = true;
            true
        })
        .await;
        assert!(holds.is_ok() && probed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_plain_closure_returning_a_future_is_a_probe_too() {
        let ready = std::sync::atomic::AtomicBool::new(true);
        let ready = &ready;
        wait_until("ready", Duration::from_secs(1), || async move {
            ready.load(std::sync::atomic::Ordering::SeqCst)
        })
        .await
        .unwrap();
    }
}
