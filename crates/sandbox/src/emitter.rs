//! Outgoing webhooks of the simulated platforms: signed (Standard Webhooks by default),
//! POSTed to `{ingress_url}/webhooks/{platform}/{connection}`, retried with exponential
//! backoff on 5xx, 408, 429, timeouts and connection errors, given up after
//! `webhook_max_attempts`. Other 4xx are final (the receiver refused the payload, so a
//! retry would be refused too). Every delivery and attempt is kept for
//! `GET /_sandbox/webhooks`. Switched off (`webhooks_enabled = false`, as the real
//! platforms behave) nothing is sent and each delivery is recorded as `disabled`.

mod deliver;
pub mod webhook_id;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assetrelay_signature::{HmacSigner, SigningKey, StandardWebhooksSigner, decode_whsec};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::Platform;
use crate::config::{SandboxConfig, WebhookSigning};

/// Why the emitter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EmitterError {
    #[error("invalid {platform} webhook secret")]
    Secret {
        platform: Platform,
        #[source]
        source: assetrelay_signature::SecretError,
    },
    #[error("invalid {platform} webhook HMAC scheme: {reason}")]
    Scheme {
        platform: Platform,
        reason: &'static str,
    },
    #[error("cannot build the webhook HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Attempts are still going on.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// The receiver answered a final 4xx; not retried.
    Rejected,
    /// Every attempt failed with a retryable error.
    GaveUp,
    /// No ingress URL is configured; nothing was sent.
    NotSent,
    /// Webhooks were switched off; nothing was sent.
    Disabled,
    /// The sandbox stopped before the delivery finished.
    Cancelled,
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// HTTP status, when the receiver answered.
    pub status: Option<u16>,
    /// Transport error (timeout, connect, …), when it did not.
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// A webhook delivery and its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// 1-based emission number (unique within a run).
    pub seq: u64,
    /// The `webhook-id`: the payload's `id` when the spec allows it, else a `msg_…` id
    /// (see [`webhook_id`]).
    pub id: String,
    pub platform: Platform,
    /// The payload's `event`, for reading the list.
    pub event: Option<String>,
    pub url: Option<String>,
    pub payload: serde_json::Value,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
}

/// What [`WebhookEmitter::emit_and_wait`] returns: the finished delivery.
pub type DeliveryOutcome = Delivery;

/// Sends webhooks in the background. Cloning shares the same emitter.
#[derive(Clone)]
pub struct WebhookEmitter {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    photoshelter: Signer,
    smintio: Signer,
    ingress_url: Option<String>,
    connection: String,
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    /// The webhook switch; read once per delivery, when it is created.
    enabled: AtomicBool,
    deliveries: Mutex<Vec<Delivery>>,
    tracker: TaskTracker,
    stop: CancellationToken,
}

enum Signer {
    Standard(StandardWebhooksSigner),
    Hmac(HmacSigner),
}

impl Signer {
    fn build(platform: Platform, signing: &WebhookSigning) -> Result<Self, EmitterError> {
        let secret_err = |source| EmitterError::Secret { platform, source };
        match signing {
            WebhookSigning::StandardWebhooks { secret } => {
                let key = decode_whsec(secret.expose_secret()).map_err(secret_err)?;
                Ok(Self::Standard(StandardWebhooksSigner::new(key)))
            }
            WebhookSigning::Hmac { scheme, secret } => {
                scheme
                    .check()
                    .map_err(|reason| EmitterError::Scheme { platform, reason })?;
                let key = SigningKey::from_bytes(secret.expose_secret().as_bytes().to_vec())
                    .map_err(secret_err)?;
                Ok(Self::Hmac(HmacSigner::new(scheme.clone(), key)))
            }
        }
    }

    fn headers(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
        match self {
            Self::Standard(s) => s
                .headers(id, timestamp, body)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            Self::Hmac(s) => s.headers(id, timestamp, body),
        }
    }
}

impl WebhookEmitter {
    /// Builds signers from the configuration; fails on a malformed secret or scheme.
    pub fn new(config: &SandboxConfig) -> Result<Self, EmitterError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.webhook_timeout_ms))
            .build()
            .map_err(EmitterError::Client)?;
        let inner = Inner {
            client,
            photoshelter: Signer::build(Platform::PhotoShelter, &config.photoshelter_webhook)?,
            smintio: Signer::build(Platform::Smintio, &config.smintio_webhook)?,
            ingress_url: config
                .ingress_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            connection: config.connection.clone(),
            max_attempts: config.webhook_max_attempts.max(1),
            initial_backoff: Duration::from_millis(config.webhook_initial_backoff_ms),
            max_backoff: Duration::from_millis(config.webhook_max_backoff_ms),
            enabled: AtomicBool::new(config.webhooks_enabled),
            deliveries: Mutex::new(Vec::new()),
            tracker: TaskTracker::new(),
            stop: CancellationToken::new(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Queues a webhook and returns its delivery id at once; attempts run in the
    /// background. Must be called inside a Tokio runtime (any handler is).
    pub fn emit(&self, platform: Platform, payload: serde_json::Value) -> String {
        let (seq, id, status) = self.register(platform, payload);
        // Without an ingress URL, or switched off, the delivery is already final.
        if status == DeliveryStatus::Pending {
            let inner = Arc::clone(&self.inner);
            self.inner
                .tracker
                .spawn(async move { inner.deliver(seq).await });
        }
        id
    }

    /// Sends a webhook and waits until it is delivered, rejected, given up or cancelled.
    pub async fn emit_and_wait(&self, platform: Platform, payload: serde_json::Value) -> Delivery {
        let (seq, _, _) = self.register(platform, payload);
        self.inner.deliver(seq).await
    }

    /// Turns webhooks on or off for deliveries created from now on (those under way
    /// finish as they would have).
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.enabled.store(enabled, Ordering::Relaxed);
        tracing::info!(enabled, "webhook switch set");
    }

    /// Whether webhooks are sent.
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled.load(Ordering::Relaxed)
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.lock().clone()
    }

    /// Forgets finished deliveries; pending ones stay.
    pub fn clear(&self) {
        self.inner
            .lock()
            .retain(|d| d.status == DeliveryStatus::Pending);
    }

    /// Stops retrying: attempts in flight finish, waiting deliveries end as `cancelled`.
    /// Returns once every background delivery has ended.
    pub async fn shutdown(&self) {
        self.inner.stop.cancel();
        self.inner.tracker.close();
        self.inner.tracker.wait().await;
    }

    fn register(
        &self,
        platform: Platform,
        payload: serde_json::Value,
    ) -> (u64, String, DeliveryStatus) {
        let id = webhook_id::for_payload(&payload);
        let event = payload
            .get("event")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let url = self
            .inner
            .ingress_url
            .as_ref()
            .map(|base| format!("{base}/webhooks/{platform}/{}", self.inner.connection));
        let mut deliveries = self.inner.lock();
        let seq = deliveries.last().map_or(1, |d| d.seq + 1);
        let status = if !self.is_enabled() {
            tracing::info!(webhook.id = %id, %platform, "webhooks switched off; webhook not sent");
            DeliveryStatus::Disabled
        } else if url.is_some() {
            DeliveryStatus::Pending
        } else {
            tracing::info!(webhook.id = %id, %platform, "no ingress URL configured; webhook not sent");
            DeliveryStatus::NotSent
        };
        deliveries.push(Delivery {
            seq,
            id: id.clone(),
            platform,
            event,
            url,
            payload,
            status,
            attempts: Vec::new(),
        });
        (seq, id, status)
    }
}
