//! A closed-loop load generator: `concurrency` workers, each issuing the next operation
//! when the previous finished, for a fixed time; latencies into one histogram.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

pub struct Figures {
    pub operations: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Figures {
    pub fn per_second(&self) -> f64 {
        self.operations as f64 / self.elapsed.as_secs_f64()
    }
}

/// Run `op(worker, sequence)` from `concurrency` workers for `duration`.
pub async fn closed_loop<F, Fut>(concurrency: usize, duration: Duration, op: F) -> Figures
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let op = op.clone();
        workers.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let (mut ok, mut errors, mut sequence) = (0_u64, 0_u64, 0_u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                let success = op(worker, sequence).await;
                sequence += 1;
                if success {
                    ok += 1;
                    if let Some(h) = histogram.as_mut() {
                        let _ = h.record(t.elapsed().as_micros().max(1) as u64);
                    }
                } else {
                    errors += 1;
                }
            }
            (histogram, ok, errors)
        }));
    }
    let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
    let (mut operations, mut errors) = (0, 0);
    for worker in workers {
        if let Ok((h, ok, err)) = worker.await {
            operations += ok;
            errors += err;
            if let (Some(m), Some(h)) = (merged.as_mut(), h) {
                let _ = m.add(h);
            }
        }
    }
    let quantile = |q: f64| {
        merged
            .as_ref()
            .map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0)
    };
    Figures {
        operations,
        errors,
        elapsed: started.elapsed(),
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
    }
}
