//! One delivery's attempts: signed per attempt, retried with `backon`'s exponential
//! backoff (no jitter, so delays are the documented ones), recorded as they happen.

use std::sync::{MutexGuard, PoisonError};
use std::time::Instant;

use backon::{ExponentialBuilder, Retryable};
use chrono::Utc;
use http::header::CONTENT_TYPE;

use super::{Attempt, Delivery, DeliveryStatus, Inner, Signer};
use crate::Platform;

/// Why an attempt did not deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// 5xx, 408, 429, timeout or transport error: worth another attempt.
    Retryable,
    /// Any other non-2xx: the receiver refused the payload, a retry would be refused too.
    Rejected,
    /// The sandbox stopped while the delivery waited for its next attempt.
    Cancelled,
}

impl Inner {
    pub(super) fn lock(&self) -> MutexGuard<'_, Vec<Delivery>> {
        // Updates are single assignments/pushes, so data behind a poisoned lock is sound.
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `f` to delivery `seq` and returns a copy of it (None if it was cleared).
    fn update(&self, seq: u64, f: impl FnOnce(&mut Delivery)) -> Option<Delivery> {
        let mut deliveries = self.lock();
        let idx = deliveries.binary_search_by_key(&seq, |d| d.seq).ok()?;
        f(&mut deliveries[idx]);
        Some(deliveries[idx].clone())
    }

    pub(super) async fn deliver(&self, seq: u64) -> Delivery {
        let Some(start) = self.update(seq, |_| {}) else {
            return cleared(seq);
        };
        let (Some(url), DeliveryStatus::Pending) = (start.url.clone(), start.status) else {
            return start;
        };
        let body = match serde_json::to_vec(&start.payload) {
            Ok(body) => body,
            // A serde_json::Value always serializes; keep the branch total anyway.
            Err(_) => return self.finish(seq, DeliveryStatus::Rejected),
        };
        let signer = match start.platform {
            Platform::PhotoShelter => &self.photoshelter,
            Platform::Smintio => &self.smintio,
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_factor(2.0)
            .with_max_delay(self.max_backoff)
            .with_max_times(usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(0));
        // A stop ends the wait at once; the attempt after it sees the stop and does not send.
        let stop = self.stop.clone();
        let sleep = move |delay| {
            let stop = stop.clone();
            async move {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = stop.cancelled() => {}
                }
            }
        };
        let mut attempts = 0u32;
        let result = (|| {
            attempts += 1;
            let retry = attempts > 1;
            let (url, id, body) = (&url, &start.id, &body);
            async move {
                if retry && self.stop.is_cancelled() {
                    return Err(Failure::Cancelled);
                }
                self.attempt(seq, url, signer, id, body).await
            }
        })
        .retry(backoff)
        .sleep(sleep)
        .when(|failure| *failure == Failure::Retryable)
        .notify(|_, delay| {
            tracing::debug!(webhook.id = %start.id, delay_ms = delay.as_millis() as u64, "webhook retry scheduled");
        })
        .await;
        let status = match result {
            Ok(()) => DeliveryStatus::Delivered,
            Err(Failure::Rejected) => DeliveryStatus::Rejected,
            Err(Failure::Cancelled) => DeliveryStatus::Cancelled,
            Err(Failure::Retryable) => {
                tracing::warn!(webhook.id = %start.id, attempts = self.max_attempts, "webhook given up");
                DeliveryStatus::GaveUp
            }
        };
        self.finish(seq, status)
    }

    async fn attempt(
        &self,
        seq: u64,
        url: &str,
        signer: &Signer,
        id: &str,
        body: &[u8],
    ) -> Result<(), Failure> {
        let at = Utc::now();
        let started = Instant::now();
        // Re-signed per attempt: the receiver's tolerance window counts from the timestamp,
        // so a late retry with the first attempt's timestamp would be refused as stale.
        let mut request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        for (name, value) in signer.headers(id, at.timestamp(), body) {
            request = request.header(name, value);
        }
        let (status, error, result) = match request.send().await {
            Ok(response) => {
                let status = response.status();
                let result = if status.is_success() {
                    Ok(())
                } else if status.is_server_error()
                    || status == http::StatusCode::REQUEST_TIMEOUT
                    || status == http::StatusCode::TOO_MANY_REQUESTS
                {
                    Err(Failure::Retryable)
                } else {
                    Err(Failure::Rejected)
                };
                (Some(status.as_u16()), None, result)
            }
            Err(e) => (None, Some(transport_error(&e)), Err(Failure::Retryable)),
        };
        tracing::debug!(webhook.id = %id, ?status, ?error, "webhook attempt");
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.update(seq, |d| {
            d.attempts.push(Attempt {
                at,
                status,
                error,
                duration_ms,
            })
        });
        result
    }

    fn finish(&self, seq: u64, status: DeliveryStatus) -> Delivery {
        self.update(seq, |d| d.status = status)
            .unwrap_or_else(|| cleared(seq))
    }
}

/// Placeholder for a delivery whose record was cleared while it ran.
fn cleared(seq: u64) -> Delivery {
    Delivery {
        seq,
        id: String::new(),
        platform: Platform::PhotoShelter,
        event: None,
        url: None,
        payload: serde_json::Value::Null,
        status: DeliveryStatus::Cancelled,
        attempts: Vec::new(),
    }
}

/// A short, secret-free description of a transport error.
fn transport_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
