//! Test harness: a consumer test bed on the testkit's (a topology of its own on the real
//! RabbitMQ, deleted however the test ends), and a closure handler that records what it saw.
#![allow(dead_code)]

pub mod capture;

use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::{
    Broker, BrokerError, Consumer, ConsumerSettings, Delivery, Handled, Handler, HandlerError,
    Publisher, Topology,
};
use assetrelay_contract::{Flow, Headers, OutgoingMessage};
pub use assetrelay_testkit::PATIENCE;
use assetrelay_testkit::{amqp_url, start_broker_at, wait_for};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const FLOW: Flow = Flow::ToSmint;

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

/// The testkit's bed (`consumer-test-<uuid>`, declared) with consumers of [`FLOW`] to run
/// on it; queue readers and the topology through `Deref`.
pub struct TestBed(assetrelay_testkit::TestBed);

impl Deref for TestBed {
    type Target = assetrelay_testkit::TestBed;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestBed {
    pub async fn start(retry_tiers_secs: &[u64]) -> Self {
        let topology = Topology {
            retry_tiers_secs: retry_tiers_secs.to_vec(),
            ..assetrelay_testkit::topology("consumer-test")
        };
        Self(assetrelay_testkit::TestBed::declare(topology).await)
    }

    /// A broker for consumers, at `url` (the real one, or a proxy in front of it).
    pub async fn broker_at(&self, url: &str) -> Broker {
        start_broker_at(url, "consumer-test", Some(self.topology.clone())).await
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
        self.run_observed(broker, settings, handler, None)
    }

    pub fn run_observed<H: Handler>(
        &self,
        broker: Broker,
        settings: ConsumerSettings,
        handler: Arc<H>,
        observer: Option<Arc<dyn assetrelay_broker::consumer::Observer>>,
    ) -> Running {
        let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
        let mut consumer = Consumer::new(
            broker.clone(),
            publisher,
            self.topology.clone(),
            FLOW,
            settings,
            handler,
        );
        if let Some(observer) = observer {
            consumer = consumer.with_observer(observer);
        }
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

    /// Publish (confirmed) to the work queue, as the ingress would; `headers` as text.
    pub async fn publish(&self, id: &str, body: &[u8], headers: &[(&str, &str)]) {
        let mut table = Headers::default();
        for (name, value) in headers {
            table.set_text(name, value);
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
                .with_headers(table.into_table()),
        };
        self.publisher.publish(&message).await.unwrap();
    }

    /// Delete the topology, reporting a failure; a test that panics leaves it to `Drop`.
    pub async fn finish(self) {
        self.0.finish().await;
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
        let seen = wait_for(&format!("{n} deliveries are seen"), PATIENCE, || async {
            let all = self.all();
            (all.len() >= n).then_some(all)
        })
        .await;
        seen.unwrap_or_else(|e| panic!("{e}; saw {:?}", self.ids()))
    }

    /// Poll until a delivery of `message_id` was seen; panics after [`PATIENCE`].
    pub async fn wait_for_id(&self, message_id: &str) -> Vec<Delivery> {
        let what = format!("{message_id} is seen");
        let seen = wait_for(&what, PATIENCE, || async {
            let all = self.all();
            let found = all
                .iter()
                .any(|d| d.message_id.as_deref() == Some(message_id));
            found.then_some(all)
        })
        .await;
        seen.unwrap_or_else(|e| panic!("{e}; saw {:?}", self.ids()))
    }

    /// The message ids seen, in order (a redelivered message appears again).
    pub fn ids(&self) -> Vec<Option<String>> {
        self.all().into_iter().map(|d| d.message_id).collect()
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
