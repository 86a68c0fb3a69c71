//! Test harness: a unique topology per test on the real RabbitMQ (127.0.0.1:5672, or
//! `AMQP_URL`), a closure handler that records what it saw, queue readers, and a TCP proxy
//! that can cut the consumer's connection.
#![allow(dead_code)]

pub mod capture;
pub mod proxy;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assetrelay_broker::lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::lapin::{BasicProperties, Connection, ConnectionProperties};
use assetrelay_broker::{
    Broker, BrokerError, BrokerSettings, Consumer, ConsumerSettings, Delivery, Handled, Handler,
    HandlerError, Publisher, Topology,
};
use assetrelay_contract::{Flow, OutgoingMessage};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const FLOW: Flow = Flow::ToSmint;
/// Every topology these tests declare starts with this, so leftovers are easy to spot.
pub const PREFIX: &str = "test-consumer-";
/// Upper bound for anything a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Settings with room to spare; tests override what they exercise.
pub fn settings() -> ConsumerSettings {
    ConsumerSettings {
        prefetch: 10,
        concurrency: 4,
        max_retries: 3,
        handler_timeout: Duration::from_secs(10),
        shutdown_grace: Duration::from_secs(10),
    }
}

pub async fn start_broker(url: &str, name: &str, topology: Option<Topology>) -> Broker {
    let broker = Broker::start(
        BrokerSettings::new(url.parse().unwrap(), name, Duration::from_millis(500)),
        topology,
    );
    assert!(
        broker.wait_ready(PATIENCE).await,
        "broker not reachable at {url}"
    );
    broker
}

/// A declared topology with its own prefix, and a direct connection to look at it.
pub struct TestBed {
    pub topology: Topology,
    pub admin: Broker,
    pub publisher: Publisher,
    finished: bool,
}

impl TestBed {
    pub async fn start(retry_tiers_secs: &[u64]) -> Self {
        let topology = Topology {
            prefix: format!("{PREFIX}{}", uuid::Uuid::new_v4().simple()),
            retry_tiers_secs: retry_tiers_secs.to_vec(),
            scheduler_tiers_secs: vec![],
            delivery_limit: 5,
            archive_max_age: "1h".into(),
        };
        let admin = start_broker(&amqp_url(), "consumer-test-admin", Some(topology.clone())).await;
        let publisher = Publisher::new(admin.clone(), 1, Duration::from_secs(5));
        Self {
            topology,
            admin,
            publisher,
            finished: false,
        }
    }

    /// A broker for consumers, at `url` (the real one, or a proxy in front of it).
    pub async fn broker_at(&self, url: &str) -> Broker {
        start_broker(url, "consumer-test", Some(self.topology.clone())).await
    }

    /// A consumer of [`FLOW`] on its own connection, already running.
    pub async fn run<H: Handler>(&self, settings: ConsumerSettings, handler: Arc<H>) -> Running {
        let broker = self.broker_at(&amqp_url()).await;
        self.run_on(broker, settings, handler)
    }

    pub fn run_on<H: Handler>(
        &self,
        broker: Broker,
        settings: ConsumerSettings,
        handler: Arc<H>,
    ) -> Running {
        let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
        let consumer = Consumer::new(
            broker.clone(),
            publisher,
            self.topology.clone(),
            FLOW,
            settings,
            handler,
        );
        let token = CancellationToken::new();
        let handle = tokio::spawn(consumer.run(token.clone()));
        Running {
            token,
            handle,
            broker,
        }
    }

    pub fn work(&self) -> String {
        self.topology.work_queue(FLOW)
    }
    pub fn parked(&self) -> String {
        self.topology.parked_queue(FLOW)
    }
    pub fn retry(&self, secs: u64) -> String {
        self.topology.retry_queue(FLOW, secs)
    }

    /// Publish (confirmed) to the work queue, as the ingress would.
    pub async fn publish(&self, id: &str, body: &[u8], headers: &[(&str, &str)]) {
        let mut table = FieldTable::default();
        for (name, value) in headers {
            table.insert(
                (*name).into(),
                AMQPValue::LongString(LongString::from(*value)),
            );
        }
        let message = OutgoingMessage {
            exchange: String::new(),
            routing_key: self.work(),
            body: body.to_vec(),
            properties: BasicProperties::default()
                .with_message_id(id.into())
                .with_content_type("application/json".into())
                .with_timestamp(1_700_000_000)
                .with_delivery_mode(2)
                .with_headers(table),
        };
        self.publisher.publish(&message).await.unwrap();
    }

    /// Ready messages (not counting unacked ones) and consumers of `queue`.
    pub async fn queue(&self, queue: &str) -> (u32, u32) {
        let channel = self.admin.channel().await.unwrap();
        let q = channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        (q.message_count(), q.consumer_count())
    }

    pub async fn ready(&self, queue: &str) -> u32 {
        self.queue(queue).await.0
    }

    /// Poll until `queue` holds `expected` ready messages; returns the last count.
    pub async fn wait_ready(&self, queue: &str, expected: u32) -> u32 {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let n = self.ready(queue).await;
            if n == expected || tokio::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_consumers(&self, queue: &str, expected: u32) -> u32 {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let n = self.queue(queue).await.1;
            if n == expected || tokio::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Take one message off `queue` (basic.get + ack).
    pub async fn take(&self, queue: &str) -> Taken {
        let channel = self.admin.channel().await.unwrap();
        let message = channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{queue} is empty"));
        message
            .delivery
            .acker
            .ack(BasicAckOptions::default())
            .await
            .unwrap();
        let properties = message.delivery.properties;
        let headers = properties
            .headers()
            .iter()
            .flat_map(|t| t.inner())
            .filter_map(|(k, v)| {
                let text = match v {
                    AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                    AMQPValue::LongLongInt(n) => n.to_string(),
                    AMQPValue::LongInt(n) => n.to_string(),
                    _ => return None,
                };
                Some((k.to_string(), text))
            })
            .collect();
        Taken {
            body: message.delivery.data,
            properties,
            headers,
        }
    }

    /// Delete the topology; every test ends with this.
    pub async fn finish(mut self) {
        self.admin.close().await;
        delete(&self.topology).await.unwrap();
        self.finished = true;
    }
}

/// A failed test still removes its queues, from a thread of its own (this one may be
/// unwinding inside the test's runtime).
impl Drop for TestBed {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let topology = self.topology.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _ = runtime.block_on(delete(&topology));
        })
        .join();
    }
}

async fn delete(topology: &Topology) -> Result<(), BrokerError> {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .map_err(BrokerError::Connect)?;
    let deleted = topology.delete(&connection.create_channel().await?).await;
    let _ = connection.close(200, "done".into()).await;
    deleted
}

/// A message read back from a queue.
pub struct Taken {
    pub body: Vec<u8>,
    pub properties: BasicProperties,
    /// String and integer headers as text.
    pub headers: BTreeMap<String, String>,
}

impl Taken {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A running consumer and its connection.
pub struct Running {
    pub token: CancellationToken,
    pub handle: JoinHandle<Result<(), BrokerError>>,
    pub broker: Broker,
}

impl Running {
    /// Cancel, wait for `run` to return, close the connection.
    pub async fn stop(self) -> Result<(), BrokerError> {
        self.token.cancel();
        let result = tokio::time::timeout(PATIENCE, self.handle)
            .await
            .expect("the consumer did not stop")
            .unwrap();
        self.broker.close().await;
        result
    }
}

/// Every delivery a handler saw, in order.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<Delivery>>>);

impl Seen {
    pub fn push(&self, delivery: &Delivery) {
        self.0.lock().unwrap().push(delivery.clone());
    }

    pub fn all(&self) -> Vec<Delivery> {
        self.0.lock().unwrap().clone()
    }

    /// Poll until at least `n` deliveries were seen; panics after [`PATIENCE`].
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "saw {} deliveries, expected {n}",
                all.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A handler from a closure that gets its own copy of the delivery.
pub struct FnHandler<F>(F);

pub fn handler<F, Fut>(f: F) -> Arc<FnHandler<F>>
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Handled, HandlerError>> + Send + 'static,
{
    Arc::new(FnHandler(f))
}

impl<F, Fut> Handler for FnHandler<F>
where
    F: Fn(Delivery) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Handled, HandlerError>> + Send + 'static,
{
    fn handle(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<Handled, HandlerError>> + Send {
        (self.0)(delivery.clone())
    }
}

/// A handler that records each delivery, then answers with `answer(delivery)`.
pub fn recording<A>(seen: &Seen, answer: A) -> Arc<impl Handler>
where
    A: Fn(&Delivery) -> Result<Handled, HandlerError> + Send + Sync + 'static,
{
    let seen = seen.clone();
    handler(move |delivery: Delivery| {
        seen.push(&delivery);
        let answer = answer(&delivery);
        async move { answer }
    })
}
