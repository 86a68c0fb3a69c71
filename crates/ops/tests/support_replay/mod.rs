//! Harness for the replay tests: a private topology (`replay-test-<uuid>`) on the real
//! broker, archived CloudEvents, and helpers to read what landed in the flow queues.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use assetrelay_broker::lapin::options::{BasicGetOptions, QueueDeclareOptions, QueuePurgeOptions};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::lapin::{BasicProperties, Channel};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_contract::header;
use assetrelay_contract::{Flow, OutgoingMessage};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::FutureExt;

pub const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

pub struct Archive {
    pub broker: Broker,
    pub publisher: Publisher,
    pub topology: Topology,
}

/// Run `test` against a fresh topology, then delete it (streams too), even if it panicked.
pub async fn with_archive<F, Fut>(test: F)
where
    F: FnOnce(&'static Archive) -> Fut,
    Fut: Future<Output = ()>,
{
    let topology = Topology {
        prefix: format!("replay-test-{}", uuid::Uuid::new_v4().simple()),
        // Replay needs the archive and the work queues; tiers would only slow the tests.
        retry_tiers_secs: Vec::new(),
        scheduler_tiers_secs: Vec::new(),
        delivery_limit: 5,
        archive_max_age: "1D".into(),
    };
    let broker = Broker::start(
        BrokerSettings::new(
            URL.parse().unwrap(),
            "assetrelay-ops-replay-test",
            Duration::from_secs(1),
        ),
        Some(topology.clone()),
    );
    assert!(
        broker.wait_ready(Duration::from_secs(20)).await,
        "RabbitMQ at {URL} is not reachable"
    );
    let publisher = Publisher::new(broker.clone(), 4, Duration::from_secs(5));
    // Leaked so the test future can borrow it for 'static; one small struct per test.
    let archive: &'static Archive = Box::leak(Box::new(Archive {
        broker,
        publisher,
        topology,
    }));
    let outcome = AssertUnwindSafe(test(archive)).catch_unwind().await;
    let channel = archive.channel().await;
    archive.topology.delete(&channel).await.unwrap();
    let _ = channel.close(200, "done".into()).await;
    archive.broker.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A CloudEvent to archive; `archived_at` becomes its AMQP timestamp and its `time`.
#[derive(Debug, Clone)]
pub struct TestEvent {
    pub id: String,
    pub platform: &'static str,
    pub connection: &'static str,
    pub event_type: &'static str,
    pub subject: Option<&'static str>,
    pub archived_at: DateTime<Utc>,
}

pub fn event(
    id: &str,
    platform: &'static str,
    connection: &'static str,
    event_type: &'static str,
    subject: &'static str,
) -> TestEvent {
    TestEvent {
        id: id.into(),
        platform,
        connection,
        event_type,
        subject: Some(subject),
        archived_at: Utc::now(),
    }
}

impl TestEvent {
    pub fn at(mut self, archived_at: DateTime<Utc>) -> Self {
        self.archived_at = archived_at;
        self
    }

    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "specversion": "1.0",
            "id": self.id,
            "source": format!("{}/{}", self.platform, self.connection),
            "type": self.event_type,
            "subject": self.subject,
            "time": self.archived_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "datacontenttype": "application/json",
            "assetrelayconnection": self.connection,
            "traceparent": traceparent(&self.id),
            "data": {"platform": self.platform, "asset_id": self.subject, "change": {}, "hint": {}},
        }))
        .unwrap()
    }

    /// As the ingress publishes it (`OutgoingMessage::for_event`).
    pub fn properties(&self) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(header::CONNECTION.into(), text(self.connection));
        headers.insert(header::TRACEPARENT.into(), text(&traceparent(&self.id)));
        BasicProperties::default()
            .with_message_id(self.id.as_str().into())
            .with_content_type("application/cloudevents+json".into())
            .with_delivery_mode(2)
            .with_timestamp(u64::try_from(self.archived_at.timestamp()).unwrap())
            .with_type(self.event_type.into())
            .with_app_id("assetrelay-ingress".into())
            .with_headers(headers)
    }
}

pub fn traceparent(id: &str) -> String {
    let hex: String = id.bytes().map(|b| format!("{b:02x}")).collect();
    format!("00-{:0>32}-00f067aa0ba902b7-01", &hex[..hex.len().min(32)])
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

/// One message taken from a queue.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: Option<String>,
    pub content_type: Option<String>,
    pub delivery_mode: Option<u8>,
    pub timestamp: Option<u64>,
    pub event_type: Option<String>,
    pub body: Vec<u8>,
    /// Every header: strings as text, other values in their debug form.
    pub headers: BTreeMap<String, String>,
}

impl Archive {
    pub async fn channel(&self) -> Channel {
        self.broker.channel().await.unwrap()
    }

    /// Publish into the archive stream as the ingress does (confirmed), then check that
    /// no work queue received them.
    pub async fn archive(&self, events: &[TestEvent]) {
        for event in events {
            self.publisher
                .publish(&OutgoingMessage {
                    exchange: String::new(),
                    routing_key: self.topology.archive_stream(),
                    body: event.body(),
                    properties: event.properties(),
                })
                .await
                .unwrap();
        }
        let channel = self.channel().await;
        for flow in Flow::ALL {
            channel
                .queue_purge(
                    self.topology.work_queue(flow).as_str().into(),
                    QueuePurgeOptions::default(),
                )
                .await
                .unwrap();
            assert_eq!(self.depth(flow).await, 0);
        }
        let _ = channel.close(200, "archived".into()).await;
    }

    /// Messages ready in `flow`'s work queue.
    pub async fn depth(&self, flow: Flow) -> u32 {
        let channel = self.channel().await;
        let queue = channel
            .queue_declare(
                self.topology.work_queue(flow).as_str().into(),
                QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let _ = channel.close(200, "counted".into()).await;
        queue.message_count()
    }

    /// Take every message from `flow`'s work queue.
    pub async fn drain(&self, flow: Flow) -> Vec<Received> {
        let channel = self.channel().await;
        let mut received = Vec::new();
        let queue = self.topology.work_queue(flow);
        while let Some(message) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            let properties = &message.delivery.properties;
            received.push(Received {
                message_id: properties.message_id().as_ref().map(|s| s.to_string()),
                content_type: properties.content_type().as_ref().map(|s| s.to_string()),
                delivery_mode: *properties.delivery_mode(),
                timestamp: *properties.timestamp(),
                event_type: properties.kind().as_ref().map(|s| s.to_string()),
                body: message.delivery.data.clone(),
                headers: properties
                    .headers()
                    .iter()
                    .flat_map(|t| t.inner())
                    .map(|(k, v)| {
                        let value = match v {
                            AMQPValue::LongString(s) => {
                                String::from_utf8_lossy(s.as_bytes()).into_owned()
                            }
                            other => format!("{other:?}"),
                        };
                        (k.to_string(), value)
                    })
                    .collect(),
            });
        }
        let _ = channel.close(200, "drained".into()).await;
        received
    }
}
