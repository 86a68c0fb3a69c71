//! The consumer runner: one [`Handler`] per flow, fed from the flow's work queue.
//!
//! - `session`: the consume loop (qos, competing consumers, reconnects, shutdown drain).
//! - `handling`: one delivery: span, handler in its own task (panic and timeout
//!   isolation), then ack, retry or park, and the metrics.
//! - `republish`: the retry and parked copies of a message and their headers.
//! - `observe`: the [`Observer`] told what became of each delivery (outcome history).
//!
//! A message is acked only after the handler succeeded or after its retry/parked copy was
//! confirmed by the broker; if that copy cannot be published it is requeued (nack), so a
//! failure never loses a message.
//!
//! Metrics: `assetrelay_flow_messages_total{flow,connection,outcome}` and
//! `assetrelay_flow_handler_seconds{flow,outcome}` with outcome `ok`, `skipped`,
//! `retried`, `parked`, or `requeued` (the copy could not be published); and
//! `assetrelay_flow_in_flight{flow}`. `connection` is the `x-connection` header or `unknown`.

mod handling;
mod observe;
mod republish;
mod session;

pub use observe::{Decision, Observer, Settlement};

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use assetrelay_contract::Flow;

use crate::{Broker, BrokerError, Publisher, Topology};

/// How a [`Consumer`] consumes and retries.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Unacked deliveries the broker may push to this consumer (`basic.qos`).
    pub prefetch: u16,
    /// Deliveries handled at once.
    pub concurrency: usize,
    /// Transient failures are retried at most this many times, then parked.
    pub max_retries: u32,
    /// A handler running longer counts as a transient failure (class `timeout`).
    pub handler_timeout: Duration,
    /// On shutdown, how long to wait for in-flight handlers.
    pub shutdown_grace: Duration,
}

/// One message as the handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub body: Vec<u8>,
    pub routing_key: String,
    pub message_id: Option<String>,
    /// AMQP headers whose values are strings or numbers, as text (`x-connection`,
    /// `traceparent`, `x-attempt`, `x-due-at`, ...). Tables, arrays and bytes are left out.
    pub headers: BTreeMap<String, String>,
    /// The `x-attempt` header: 0 on the first delivery, +1 per retry.
    pub attempt: u32,
    /// The broker delivered this message before (e.g. the previous consumer died unacked).
    pub redelivered: bool,
}

impl Delivery {
    /// A header's text, if present and a string or number.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A successful handling; both ack the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done (metric outcome `ok`).
    Ok,
    /// Nothing to do for this message (metric outcome `skipped`), and why: a short
    /// reason class such as `unchanged`, `echo`, `stale` or `not_exposed`.
    Skipped(&'static str),
}

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Retry later through the retry queues, then park.
    Transient,
    /// Park at once.
    Permanent,
}

/// Why a handler failed. `class` and `detail` end up in headers and logs: no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    pub kind: FailureKind,
    /// Short reason class, e.g. `platform_5xx`, `not_found`, `invalid_event`, `panic`, `timeout`.
    pub class: String,
    /// Human text, no secrets.
    pub detail: String,
    /// HTTP status of the failed platform call, if any.
    pub status: Option<u16>,
    /// The platform asked to wait this long (`Retry-After`); picks the retry tier.
    pub retry_after: Option<Duration>,
}

impl HandlerError {
    pub fn transient(class: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FailureKind::Transient, class.into(), detail.into())
    }

    pub fn permanent(class: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FailureKind::Permanent, class.into(), detail.into())
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    fn new(kind: FailureKind, class: String, detail: String) -> Self {
        Self {
            kind,
            class,
            detail,
            status: None,
            retry_after: None,
        }
    }
}

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.class, self.detail)
    }
}

impl std::error::Error for HandlerError {}

/// What a flow does with one message.
pub trait Handler: Send + Sync + 'static {
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<Handled, HandlerError>> + Send;
}

/// Runs one [`Handler`] on one flow's work queue. Several consumers (in one process or
/// many) on the same queue compete for its messages.
pub struct Consumer<H> {
    broker: Broker,
    shared: Shared<H>,
}

/// What every delivery task needs.
struct Shared<H> {
    publisher: Publisher,
    topology: Topology,
    flow: Flow,
    settings: ConsumerSettings,
    handler: Arc<H>,
    observer: Option<Arc<dyn Observer>>,
}

impl<H: Handler> Consumer<H> {
    pub fn new(
        broker: Broker,
        publisher: Publisher,
        topology: Topology,
        flow: Flow,
        settings: ConsumerSettings,
        handler: Arc<H>,
    ) -> Self {
        Self {
            broker,
            shared: Shared {
                publisher,
                topology,
                flow,
                settings,
                handler,
                observer: None,
            },
        }
    }

    /// Tell `observer` what became of every delivery.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.shared.observer = Some(observer);
        self
    }

    /// Runs until `shutdown` is cancelled; reconnects and resumes after broker loss;
    /// returns `Ok(())` after a clean drain. Broker trouble (no connection, a missing
    /// queue) is retried with backoff until shutdown rather than returned.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), BrokerError> {
        session::run(self.broker, Arc::new(self.shared), shutdown).await
    }
}
