//! Test harness: a topology with its own prefix (`ops-test-<uuid>`) on the real RabbitMQ
//! (127.0.0.1:5672, or `AMQP_URL`; management API at `MANAGEMENT_URL`), helpers to park
//! messages the way the consumer does and to read queues back, and a guard that deletes
//! the topology even when a test fails.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use assetrelay_broker::lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, QueueDeclareOptions,
};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::lapin::{BasicProperties, Connection, ConnectionProperties};
use assetrelay_broker::{Broker, BrokerError, BrokerSettings, Publisher, Topology};
use assetrelay_config::ManagementUrl;
use assetrelay_contract::{Flow, OutgoingMessage};

/// Every topology these tests declare starts with this, so leftovers are easy to spot.
pub const PREFIX: &str = "ops-test-";
pub const FLOW: Flow = Flow::ToSmint;
/// Upper bound for anything a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

pub fn management_url() -> ManagementUrl {
    std::env::var("MANAGEMENT_URL")
        .unwrap_or_else(|_| "http://guest:guest@127.0.0.1:15672".into())
        .parse()
        .unwrap()
}

pub async fn start_broker(name: &str) -> Broker {
    let broker = Broker::start(
        BrokerSettings::new(
            amqp_url().parse().unwrap(),
            name,
            Duration::from_millis(500),
        ),
        None,
    );
    assert!(broker.wait_ready(PATIENCE).await, "broker not reachable");
    broker
}

pub struct TestBed {
    pub topology: Topology,
    pub broker: Broker,
    pub publisher: Publisher,
    finished: bool,
}

impl TestBed {
    /// A declared topology (through `topology_check::apply`).
    pub async fn start() -> Self {
        let bed = Self::undeclared().await;
        assetrelay_ops::topology_check::apply(&bed.broker, &bed.topology)
            .await
            .unwrap();
        bed
    }

    /// Names only; nothing declared yet.
    pub async fn undeclared() -> Self {
        let topology = Topology {
            prefix: format!("{PREFIX}{}", uuid::Uuid::new_v4().simple()),
            retry_tiers_secs: vec![5, 60],
            scheduler_tiers_secs: vec![60],
            delivery_limit: 1,
            archive_max_age: "1h".into(),
        };
        let broker = start_broker("ops-test").await;
        let publisher = Publisher::new(broker.clone(), 2, Duration::from_secs(10));
        Self {
            topology,
            broker,
            publisher,
            finished: false,
        }
    }

    pub fn work(&self) -> String {
        self.topology.work_queue(FLOW)
    }
    pub fn parked(&self) -> String {
        self.topology.parked_queue(FLOW)
    }

    /// Put a message into the parked queue as the consumer parks one (see
    /// `assetrelay_broker::consumer::republish`), parked at `parked_at`.
    pub async fn park(&self, id: &str, reason: &str, parked_at: &str) {
        let mut headers = FieldTable::default();
        for (name, value) in [
            ("x-error", reason),
            ("x-error-detail", "the platform said no"),
            ("x-flow", FLOW.as_str()),
            ("x-first-seen", "2024-01-01T00:00:00.000Z"),
            ("x-parked-at", parked_at),
            ("x-connection", "c1"),
        ] {
            headers.insert(name.into(), text(value));
        }
        headers.insert("x-status".into(), AMQPValue::LongLongInt(404));
        headers.insert("x-attempts".into(), AMQPValue::LongLongInt(3));
        headers.insert("x-attempt".into(), AMQPValue::LongLongInt(2));
        self.publish(&self.parked(), id, headers).await;
    }

    /// Park a message the way the broker does when the delivery limit is exhausted:
    /// through the work queue, returned until the broker dead-letters it.
    pub async fn park_by_delivery_limit(&self, id: &str) {
        let mut headers = FieldTable::default();
        headers.insert("x-connection".into(), text("c1"));
        let before = self.ready(&self.parked()).await;
        self.publish(&self.work(), id, headers).await;
        let channel = self.broker.channel().await.unwrap();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.ready(&self.parked()).await == before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "never dead-lettered"
            );
            if let Some(got) = channel
                .basic_get(self.work().as_str().into(), BasicGetOptions::default())
                .await
                .unwrap()
            {
                got.delivery
                    .acker
                    .nack(BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    })
                    .await
                    .unwrap();
            } else {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let _ = channel.close(200, "done".into()).await;
    }

    pub async fn publish(&self, queue: &str, id: &str, headers: FieldTable) {
        let message = OutgoingMessage {
            exchange: String::new(),
            routing_key: queue.to_owned(),
            body: cloud_event(id).to_string().into_bytes(),
            properties: BasicProperties::default()
                .with_message_id(id.into())
                .with_content_type("application/cloudevents+json".into())
                .with_type("photoshelter.asset.updated".into())
                .with_delivery_mode(2)
                .with_headers(headers),
        };
        self.publisher.publish(&message).await.unwrap();
    }

    /// Ready messages in `queue`.
    pub async fn ready(&self, queue: &str) -> u32 {
        let channel = self.broker.channel().await.unwrap();
        let declared = channel
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
        let _ = channel.close(200, "done".into()).await;
        declared.message_count()
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

    /// Take every ready message off `queue` (get + ack).
    pub async fn drain(&self, queue: &str) -> Vec<Taken> {
        let channel = self.broker.channel().await.unwrap();
        let mut taken = Vec::new();
        while let Some(got) = channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .unwrap()
        {
            got.delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .unwrap();
            let properties = got.delivery.properties;
            let headers = properties
                .headers()
                .iter()
                .flat_map(|t| t.inner())
                .filter_map(|(k, v)| {
                    let text = match v {
                        AMQPValue::LongString(s) => {
                            String::from_utf8_lossy(s.as_bytes()).into_owned()
                        }
                        AMQPValue::LongLongInt(n) => n.to_string(),
                        AMQPValue::LongInt(n) => n.to_string(),
                        _ => return None,
                    };
                    Some((k.to_string(), text))
                })
                .collect();
            taken.push(Taken {
                message_id: properties.message_id().as_ref().map(|m| m.to_string()),
                body: got.delivery.data,
                properties,
                headers,
            });
        }
        let _ = channel.close(200, "done".into()).await;
        taken
    }

    /// Event ids of every message in `queue`, removing them.
    pub async fn drain_ids(&self, queue: &str) -> Vec<String> {
        self.drain(queue)
            .await
            .into_iter()
            .filter_map(|t| t.message_id)
            .collect()
    }

    /// Delete the topology; every test ends with this.
    pub async fn finish(mut self) {
        self.broker.close().await;
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

pub async fn delete(topology: &Topology) -> Result<(), BrokerError> {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .map_err(BrokerError::Connect)?;
    let deleted = topology.delete(&connection.create_channel().await?).await;
    let _ = connection.close(200, "done".into()).await;
    deleted
}

/// A message read back from a queue.
pub struct Taken {
    pub message_id: Option<String>,
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

/// A CloudEvent body as the ingress publishes it.
pub fn cloud_event(id: &str) -> serde_json::Value {
    serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": "photoshelter/c1",
        "type": "photoshelter.asset.updated",
        "subject": format!("asset-{id}"),
        "time": "2024-01-01T00:00:00.000Z",
        "datacontenttype": "application/json",
        "assetrelayconnection": "c1",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "data": {"platform": "photoshelter", "asset_id": format!("asset-{id}"), "change": {}, "hint": {}}
    })
}

pub fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}
