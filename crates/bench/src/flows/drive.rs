//! Firing signed PhotoShelter webhooks at the ingress and watching the Smint.io data
//! adapter for the writes they cause.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use assetrelay_sandbox::AppState;
use assetrelay_signature::StandardWebhooksSigner;
use chrono::{DateTime, Utc};
use hdrhistogram::Histogram;

/// Where and how webhooks are sent.
#[derive(Clone)]
pub struct Sender {
    pub http: reqwest::Client,
    /// `{ingress}/webhooks/photoshelter/{connection}`.
    pub url: String,
    pub signer: Arc<StandardWebhooksSigner>,
    pub org_id: String,
}

/// When each media id's webhook was accepted for sending, and how many sends failed.
pub struct Sent {
    pub at: HashMap<String, DateTime<Utc>>,
    pub failed: u64,
}

/// Attempts per webhook: a 503 from a saturated ingress is retried as a platform would.
const ATTEMPTS: u32 = 5;

impl Sender {
    /// One `media.updated` webhook per id, from `senders` tasks; open loop at `rate` per
    /// second when given, else as fast as the ingress answers. The time recorded is the
    /// start of the first attempt.
    pub async fn send_all(&self, ids: &[String], senders: usize, rate: Option<f64>) -> Sent {
        let ids: Arc<Vec<String>> = Arc::new(ids.to_vec());
        let next = Arc::new(AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..senders.max(1) {
            let (this, ids, next) = (self.clone(), ids.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut at = Vec::new();
                let mut failed = 0_u64;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(id) = ids.get(i) else { break };
                    if let Some(rate) = rate {
                        let due = started + Duration::from_secs_f64(i as f64 / rate);
                        tokio::time::sleep_until(due).await;
                    }
                    let sent_at = Utc::now();
                    if this.send(id).await {
                        at.push((id.clone(), sent_at));
                    } else {
                        failed += 1;
                    }
                }
                (at, failed)
            }));
        }
        let mut sent = Sent {
            at: HashMap::with_capacity(ids.len()),
            failed: 0,
        };
        for task in tasks {
            if let Ok((at, failed)) = task.await {
                sent.at.extend(at);
                sent.failed += failed;
            }
        }
        sent
    }

    async fn send(&self, media_id: &str) -> bool {
        let delivery = format!("bench-{}", uuid::Uuid::new_v4().simple());
        let body = serde_json::json!({
            "id": delivery, "event": "media.updated", "occurred_at": Utc::now().to_rfc3339(),
            "org_id": self.org_id, "media_id": media_id,
        })
        .to_string();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            let mut request = self
                .http
                .post(&self.url)
                .header("content-type", "application/json");
            for (k, v) in self
                .signer
                .headers(&delivery, Utc::now().timestamp(), body.as_bytes())
            {
                request = request.header(k, v);
            }
            match request.body(body.clone()).send().await {
                Ok(r) if r.status() == 202 => return true,
                Ok(r) if r.status().is_client_error() => return false,
                _ => {}
            }
        }
        false
    }
}

/// When the data adapter received an update for each of `ids`, read from the sandbox's
/// record of accepted changes (what `GET /_sandbox/smintio/changes` serves), polled from
/// index `from` on. Fails when nothing new arrives for `stall`.
pub async fn written(
    sandbox: &AppState,
    ids: &[String],
    from: usize,
    stall: Duration,
) -> anyhow::Result<(HashMap<String, DateTime<Utc>>, usize)> {
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut found = HashMap::with_capacity(ids.len());
    let mut cursor = from;
    let mut progress = Instant::now();
    loop {
        {
            let state = sandbox.smintio.lock().await;
            for change in state.received_changes.get(cursor..).unwrap_or_default() {
                let id = change.unscoped_asset_identifier.as_str();
                if change.change_type == "AssetUpdate" && wanted.contains(id) {
                    found.entry(id.to_owned()).or_insert(change.received_at);
                }
            }
            if state.received_changes.len() > cursor {
                cursor = state.received_changes.len();
                progress = Instant::now();
            }
        }
        if found.len() == wanted.len() {
            return Ok((found, cursor));
        }
        if progress.elapsed() > stall {
            bail!(
                "{} of {} events never reached the Smint.io data adapter (nothing new for {stall:?})",
                wanted.len() - found.len(),
                wanted.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// End-to-end figures of one phase.
pub struct Phase {
    pub events: usize,
    pub failed: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub elapsed: Duration,
}

/// Throughput (events ÷ first send to last write) and latency (write − send) per event.
pub fn phase(sent: &Sent, written: &HashMap<String, DateTime<Utc>>) -> Phase {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).ok();
    let (mut first, mut last) = (None::<DateTime<Utc>>, None::<DateTime<Utc>>);
    for (id, at) in &sent.at {
        first = Some(first.map_or(*at, |f| f.min(*at)));
        if let Some(done) = written.get(id) {
            last = Some(last.map_or(*done, |l| l.max(*done)));
            let micros = (*done - *at).num_microseconds().unwrap_or(0).max(1) as u64;
            if let Some(h) = histogram.as_mut() {
                let _ = h.record(micros);
            }
        }
    }
    let elapsed = match (first, last) {
        (Some(f), Some(l)) => (l - f).to_std().unwrap_or_default(),
        _ => Duration::ZERO,
    };
    let quantile = |q: f64| {
        histogram
            .as_ref()
            .map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0)
    };
    Phase {
        events: written.len(),
        failed: sent.failed,
        per_second: written.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
        elapsed,
    }
}
