//! Test harness: the testkit's bed with a topology of its own (`ops-test-<uuid>`, deleted
//! however the test ends) on the real RabbitMQ (`AMQP_URL`, management API at
//! `MANAGEMENT_URL`), and helpers to park messages the way the consumer does.
#![allow(dead_code)]

use std::ops::Deref;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::options::{BasicGetOptions, BasicNackOptions};
use assetrelay_broker::lapin::types::{AMQPValue, LongString};
use assetrelay_config::ManagementUrl;
use assetrelay_contract::amqp::Parking;
use assetrelay_contract::{Flow, Headers, OutgoingMessage, header};
use assetrelay_testkit::{PATIENCE, wait_until};

pub const FLOW: Flow = Flow::ToSmint;

/// The management API the topology check reads, parsed as the configuration parses it.
pub fn management_url() -> ManagementUrl {
    assetrelay_testkit::management_url().parse().unwrap()
}

/// The testkit's bed with the flow names of [`FLOW`] and parking helpers; queue readers,
/// topology, broker and publisher through `Deref`.
pub struct TestBed(assetrelay_testkit::TestBed);

impl Deref for TestBed {
    type Target = assetrelay_testkit::TestBed;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
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

    /// Names only; nothing declared yet (deleted all the same).
    pub async fn undeclared() -> Self {
        let topology = Topology {
            retry_tiers_secs: vec![5, 60],
            scheduler_tiers_secs: vec![60],
            delivery_limit: 1,
            ..assetrelay_testkit::topology("ops-test")
        };
        Self(assetrelay_testkit::TestBed::adopt(topology).await)
    }

    pub fn work(&self) -> String {
        self.topology.work_queue(FLOW)
    }
    pub fn parked(&self) -> String {
        self.topology.parked_queue(FLOW)
    }

    /// Put a message into the parked queue as the consumer parks one (the contract's
    /// `Headers::mark_parked`), first seen 2024-01-01 and parked at `parked_at` (RFC 3339).
    pub async fn park(&self, id: &str, reason: &str, parked_at: &str) {
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, "c1");
        headers.set_text(header::FIRST_SEEN, "2024-01-01T00:00:00.000Z");
        headers.set_number(header::ATTEMPT, 2);
        let parking = Parking {
            class: reason,
            detail: "the platform said no",
            status: Some(404),
            attempts: 3,
            flow: FLOW,
        };
        headers.mark_parked(&parking, parked_at.parse().unwrap());
        self.publish(&self.parked(), id, headers).await;
    }

    /// Park a message the way the broker does when the delivery limit is exhausted:
    /// through the work queue, returned until the broker dead-letters it.
    pub async fn park_by_delivery_limit(&self, id: &str) {
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, "c1");
        let before = self.ready(&self.parked()).await;
        self.publish(&self.work(), id, headers).await;
        let channel = self.broker.channel().await.unwrap();
        wait_until("the broker dead-letters the message", PATIENCE, || async {
            if self.ready(&self.parked()).await > before {
                return true;
            }
            let got = channel
                .basic_get(self.work().as_str().into(), BasicGetOptions::default())
                .await
                .unwrap();
            if let Some(got) = got {
                let requeue = BasicNackOptions {
                    multiple: false,
                    requeue: true,
                };
                got.delivery.acker.nack(requeue).await.unwrap();
            }
            false
        })
        .await
        .unwrap();
        let _ = channel.close(200, "done".into()).await;
    }

    /// Publish a CloudEvent with id `id` straight to `queue` (confirmed).
    pub async fn publish(&self, queue: &str, id: &str, headers: Headers) {
        let message = OutgoingMessage {
            exchange: String::new(),
            routing_key: queue.to_owned(),
            body: cloud_event(id).to_string().into_bytes(),
            properties: BasicProperties::default()
                .with_message_id(id.into())
                .with_content_type("application/cloudevents+json".into())
                .with_type("photoshelter.asset.updated".into())
                .with_delivery_mode(2)
                .with_headers(headers.into_table()),
        };
        self.publisher.publish(&message).await.unwrap();
    }

    /// Delete the topology, reporting a failure; a test that panics leaves it to `Drop`.
    pub async fn finish(self) {
        self.0.finish().await;
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
