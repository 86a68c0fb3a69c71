//! What is still going on in a stack ([`Stack::activity`]) and waiting until nothing is
//! ([`Stack::settle`]), so a "nothing else happened" assertion rests on the system's state
//! rather than on a quiet period.
//!
//! AMQP tells the ready messages of a queue exactly, but not the deliveries a consumer
//! holds unacknowledged. Those are seen two ways: the handlers running now, from the
//! flows' `assetrelay_flow_in_flight` gauge (this process's, and each flow binary's
//! `/metrics`), exact; and `messages_unacknowledged` from the management API, which also
//! covers deliveries waiting in a consumer's prefetch buffer but is a sample (RabbitMQ
//! refreshes queue statistics every `collect_statistics_interval`, 5 s by default).

use std::time::{Duration, Instant};

use anyhow::Context;
use assetrelay_config::ManagementUrl;
use assetrelay_contract::Flow;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::Stack;
use crate::metrics::Scrape;

/// How long [`Stack::settle`] waits for quiet before failing the test.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The gauge of handlers running now, per flow.
const IN_FLIGHT: &str = "assetrelay_flow_in_flight";

/// A minimal client of RabbitMQ's management HTTP API.
pub struct Management {
    http: reqwest::Client,
    url: ManagementUrl,
}

/// A queue as the management API last sampled it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueSample {
    /// Delivered to a consumer and not yet acknowledged.
    pub unacknowledged: u64,
    /// Messages ever published into the queue (a consumer's retry copies included; not
    /// those the broker dead-lettered into it).
    pub published: u64,
}

impl Management {
    pub fn new(url: &ManagementUrl) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            url: url.clone(),
        }
    }

    /// `GET /api/queues/%2F/<queue>`.
    pub async fn queue(&self, queue: &str) -> anyhow::Result<QueueSample> {
        let mut url = self.url.base().clone();
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("{} cannot have a path", self.url))?
            .pop_if_empty()
            // `push` percent-encodes each segment: the vhost `/` becomes `%2F`.
            .extend(["api", "queues", "/", queue]);
        let mut request = self.http.get(url);
        if let Some((user, password)) = self.url.credentials() {
            request = request.basic_auth(user, Some(password.expose_secret()));
        }
        let body: Value = request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("management API on queue {queue}"))?
            .json()
            .await?;
        let count = |pointer: &str| body.pointer(pointer).and_then(Value::as_u64);
        Ok(QueueSample {
            unacknowledged: count("/messages_unacknowledged").unwrap_or(0),
            published: count("/message_stats/publish").unwrap_or(0),
        })
    }
}

impl Stack {
    /// The management API's sample of `queue`.
    pub async fn queue_sample(&self, queue: &str) -> QueueSample {
        self.management.queue(queue).await.unwrap()
    }

    /// Wait until [`Stack::activity`] has found nothing for `quiet` in a row, failing the
    /// test after a minute. `quiet` only covers a message on the wire between the broker
    /// and a consumer, the one moment nothing can see it.
    pub async fn settle(&self, quiet: Duration) {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        let mut since: Option<Instant> = None;
        loop {
            let busy = self.activity().await;
            match (busy.is_empty(), since) {
                (false, _) => since = None,
                (true, None) => since = Some(Instant::now()),
                (true, Some(t)) if t.elapsed() >= quiet => return,
                (true, Some(_)) => {}
            }
            assert!(
                Instant::now() < deadline,
                "the system did not settle within {SETTLE_TIMEOUT:?}; still going on: {busy:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Everything still going on, one line each; empty when the system is quiet:
    /// - messages ready in a work queue, a retry tier or a scheduler tier;
    /// - deliveries a flow holds: handlers running (in this process or in a flow binary the
    ///   stack started) and unacknowledged deliveries (the management API's sample);
    /// - webhooks a sandbox still has to deliver.
    ///
    /// The longest scheduler tier is left out: an expiry beyond it (a license valid until
    /// 2030) hops through it for as long as the test runs. Whatever is due within it waits
    /// in a shorter tier, and counts.
    pub async fn activity(&self) -> Vec<String> {
        let mut busy = Vec::new();
        for flow in Flow::ALL {
            let work = self.topology.work_queue(flow);
            match self.management.queue(&work).await {
                Ok(sample) if sample.unacknowledged > 0 => busy.push(format!(
                    "{work}: {} unacknowledged (sampled)",
                    sample.unacknowledged
                )),
                Ok(_) => {}
                Err(e) => busy.push(format!("{work}: {e:#}")),
            }
        }
        for queue in self.waiting_queues() {
            match self.queue_stats(&queue).await {
                Ok((0, _)) => {}
                Ok((ready, _)) => busy.push(format!("{queue}: {ready} ready")),
                Err(e) => busy.push(format!("{queue}: {e:#}")),
            }
        }
        let in_flight = self.handlers_running().await;
        if in_flight > 0.0 {
            busy.push(format!("{in_flight} handler(s) running"));
        }
        for sandbox in self.sandboxes() {
            match sandbox.get("/_sandbox/webhooks?status=pending").await {
                Ok(Value::Array(pending)) if pending.is_empty() => {}
                Ok(pending) => busy.push(format!("webhooks pending: {pending}")),
                Err(e) => busy.push(format!("sandbox: {e:#}")),
            }
        }
        busy
    }

    /// Every queue a message can wait in before a flow gets it: the work queues, their
    /// retry tiers, and every scheduler tier but the longest.
    fn waiting_queues(&self) -> Vec<String> {
        let t = &self.topology;
        let mut queues = Vec::new();
        for flow in Flow::ALL {
            queues.push(t.work_queue(flow));
            queues.extend(t.retry_tiers_secs.iter().map(|&s| t.retry_queue(flow, s)));
        }
        let longest = t.scheduler_tiers_secs.iter().copied().max();
        queues.extend(
            t.scheduler_tiers_secs
                .iter()
                .filter(|&&s| Some(s) != longest)
                .map(|&s| t.scheduler_queue(s)),
        );
        queues
    }

    /// Handlers running now: this process's flows (every stack of the test binary shares
    /// the gauge, so another test's work only makes this one wait longer) and the flow
    /// binaries this stack started. A binary that no longer answers holds nothing: the
    /// broker gave its deliveries back when its connection closed.
    async fn handlers_running(&self) -> f64 {
        let mut running =
            Scrape::parse(&assetrelay_telemetry::render_metrics()).sum(IN_FLIGHT, &[]);
        let binaries = self
            .binary_ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for ops in binaries {
            if let Ok(scrape) = crate::metrics::scrape(ops).await {
                running += scrape.sum(IN_FLIGHT, &[]);
            }
        }
        running
    }
}
