//! One supervised AMQP connection: opened with backoff, watched, and re-opened when lost.
//! We reconnect ourselves rather than use lapin's auto-recovery so that every
//! reconnect also redeclares the topology and readiness is one observable flag.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use futures::StreamExt;
use lapin::options::ConfirmSelectOptions;
use lapin::{Channel, Connection, ConnectionProperties, Event};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use assetrelay_config::AmqpUrl;
use tracing::Instrument;

use crate::{BrokerError, Topology};

#[derive(Debug, Clone)]
pub struct BrokerSettings {
    /// Where to connect, credentials included; its `Debug` and `Display` show host,
    /// port and vhost only.
    pub url: AmqpUrl,
    /// Shown in the management UI, e.g. `assetrelay-ingress`.
    pub connection_name: String,
    pub reconnect_max_delay: Duration,
}

impl BrokerSettings {
    pub fn new(
        url: AmqpUrl,
        connection_name: impl Into<String>,
        reconnect_max_delay: Duration,
    ) -> Self {
        Self {
            url,
            connection_name: connection_name.into(),
            reconnect_max_delay,
        }
    }

    /// Settings from the `[broker]` configuration; `connection_name` names the binary.
    pub fn from_config(config: &assetrelay_config::BrokerConfig, connection_name: &str) -> Self {
        Self::new(
            config.url.clone(),
            connection_name,
            Duration::from_millis(config.reconnect_max_delay_ms),
        )
    }
}

/// A connection generation: channels from an older generation are never reused.
#[derive(Clone)]
pub(crate) struct Live {
    pub generation: u64,
    pub connection: Arc<Connection>,
}

/// Handle to the supervised connection; cheap to clone.
#[derive(Clone)]
pub struct Broker {
    inner: Arc<Inner>,
}

struct Inner {
    settings: BrokerSettings,
    topology: Option<Topology>,
    live: RwLock<Option<Live>>,
    ready: watch::Sender<bool>,
    stop: CancellationToken,
}

/// Gauge: 1 while the broker connection of `client` (the binary's connection name) is up.
pub const CONNECTED: &str = "assetrelay_broker_connected";

impl Broker {
    /// Start supervising; returns at once. The connection is opened in the background;
    /// `topology` (if given) is declared after every (re)connect.
    pub fn start(settings: BrokerSettings, topology: Option<Topology>) -> Self {
        let (ready, _) = watch::channel(false);
        let broker = Self {
            inner: Arc::new(Inner {
                settings,
                topology,
                live: RwLock::new(None),
                ready,
                stop: CancellationToken::new(),
            }),
        };
        let url = &broker.inner.settings.url;
        // Every log line of the supervisor says which broker it is about; the URL's
        // credentials are never shown.
        let span = tracing::info_span!(
            "broker",
            server.address = %url.host(),
            server.port = url.port(),
            vhost = %url.vhost(),
        );
        tokio::spawn(supervise(broker.clone()).instrument(span));
        broker
    }

    /// Whether a connection is open right now (what `/readyz` reports).
    pub fn is_ready(&self) -> bool {
        *self.inner.ready.borrow()
            && self
                .live()
                .is_some_and(|l| l.connection.status().connected())
    }

    /// The check a binary's `/readyz` runs (`assetrelay_telemetry::endpoints`): `"broker"`
    /// while not connected.
    pub fn readiness_check(
        &self,
    ) -> std::sync::Arc<dyn Fn() -> Option<&'static str> + Send + Sync> {
        let broker = self.clone();
        std::sync::Arc::new(move || (!broker.is_ready()).then_some("broker"))
    }

    /// Wait until connected, at most `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let mut ready = self.inner.ready.subscribe();
        tokio::time::timeout(timeout, ready.wait_for(|r| *r))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub(crate) fn live(&self) -> Option<Live> {
        self.inner.live.read().ok().and_then(|l| l.clone())
    }

    /// A new channel on the current connection.
    pub async fn channel(&self) -> Result<Channel, BrokerError> {
        let live = self.live().ok_or(BrokerError::NotConnected)?;
        Ok(live.connection.create_channel().await?)
    }

    /// Ready messages and consumers of an existing queue. Asked with a passive declare, which
    /// never creates the queue, on a channel of its own: a missing queue closes the channel
    /// it was asked on, and is [`BrokerError::Inspect`].
    pub async fn queue_counts(&self, queue: &str) -> Result<QueueCounts, BrokerError> {
        let channel = self.channel().await?;
        let declared = channel
            .queue_declare(
                queue.into(),
                lapin::options::QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                lapin::types::FieldTable::default(),
            )
            .await
            .map_err(|source| BrokerError::Inspect {
                queue: queue.to_owned(),
                source,
            })?;
        let _ = channel.close(200, "done".into()).await;
        Ok(QueueCounts {
            messages: declared.message_count(),
            consumers: declared.consumer_count(),
        })
    }

    /// A new confirm-mode channel and the generation it belongs to.
    pub(crate) async fn confirm_channel(&self) -> Result<(u64, Channel), BrokerError> {
        let live = self.live().ok_or(BrokerError::NotConnected)?;
        let channel = live.connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok((live.generation, channel))
    }

    /// Which connection is current: grows by one on every (re)connect; `None` while
    /// disconnected. Useful to observe reconnects.
    pub fn generation(&self) -> Option<u64> {
        self.live().map(|l| l.generation)
    }

    /// Stop reconnecting and close the connection politely. Call after in-flight work
    /// (publishes and their confirms) has finished.
    pub async fn close(&self) {
        self.inner.stop.cancel();
        let live = self.inner.live.write().ok().and_then(|mut l| l.take());
        self.inner.ready.send_replace(false);
        metrics::gauge!(CONNECTED, "client" => self.inner.settings.connection_name.clone())
            .set(0.0);
        if let Some(live) = live {
            let _ = live.connection.close(200, "shutdown".into()).await;
        }
    }

    fn set_live(&self, live: Option<Live>) {
        let connected = live.is_some();
        if let Ok(mut slot) = self.inner.live.write() {
            *slot = live;
        }
        // send_replace: `send` would not store the value while nobody subscribes.
        self.inner.ready.send_replace(connected);
        metrics::gauge!(CONNECTED, "client" => self.inner.settings.connection_name.clone())
            .set(if connected { 1.0 } else { 0.0 });
    }
}

async fn supervise(broker: Broker) {
    let stop = broker.inner.stop.clone();
    let mut generation = 0_u64;
    loop {
        let connected = tokio::select! {
            _ = stop.cancelled() => return,
            result = connect_and_declare(&broker) => result,
        };
        let Some(connection) = connected else { return };
        generation += 1;
        tracing::info!(generation, "connected to the broker");
        let connection = Arc::new(connection);
        broker.set_live(Some(Live {
            generation,
            connection: connection.clone(),
        }));

        tokio::select! {
            _ = stop.cancelled() => return,
            () = lost(&connection) => {}
        }
        broker.set_live(None);
        tracing::warn!(generation, "lost the broker connection; reconnecting");
    }
}

/// Connect (retrying forever with capped exponential backoff) and declare the topology.
/// `None` only if the supervisor is being stopped.
async fn connect_and_declare(broker: &Broker) -> Option<Connection> {
    let settings = &broker.inner.settings;
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(settings.reconnect_max_delay)
        .with_jitter()
        .without_max_times();
    let attempt = || async {
        let properties = ConnectionProperties::default()
            .with_connection_name(settings.connection_name.as_str().into());
        let connection = Connection::connect_uri(settings.url.to_uri(), properties)
            .await
            .map_err(BrokerError::Connect)?;
        if let Some(topology) = &broker.inner.topology {
            let channel = connection.create_channel().await?;
            let declared = topology.declare(&channel).await;
            let _ = channel.close(200, "declared".into()).await;
            if let Err(e) = declared {
                let _ = connection.close(200, "declare failed".into()).await;
                return Err(e);
            }
        }
        Ok(connection)
    };
    attempt
        .retry(backoff)
        .notify(|e: &BrokerError, wait| tracing::warn!(error.message = %error_chain(e), ?wait, "broker not available"))
        .await
        .ok()
}

/// Resolves when the connection stops being connected.
async fn lost(connection: &Connection) {
    let mut events = connection.events_listener();
    let mut poll = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            event = events.next() => match event {
                // lapin reports channel closes (e.g. a publish to a missing exchange) on
                // this stream too; only a closed connection warrants reconnecting. A
                // connection error whose state lags is caught by the status poll.
                Some(Event::Error(e)) => {
                    if !connection.status().connected() {
                        tracing::warn!(error.message = %e, "broker connection error");
                        return;
                    }
                    tracing::debug!(error.message = %e, "broker channel error");
                }
                None => return,
                Some(_) => {}
            },
            _ = poll.tick() => {
                if !connection.status().connected() {
                    return;
                }
            }
        }
    }
}

/// `error: cause: cause`, for logs. lapin's errors carry no secrets once the URL is
/// parsed: the one that quoted it, a URL it cannot parse, is ruled out at config load.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What [`Broker::queue_counts`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCounts {
    /// Messages ready for delivery (not counting unacknowledged ones).
    pub messages: u32,
    pub consumers: u32,
}
