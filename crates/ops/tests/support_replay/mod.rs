//! Harness for the replay tests: the testkit's bed with a topology of its own
//! (`replay-test-<uuid>`, deleted however the test ends) on the real broker, archived
//! CloudEvents, and helpers to read what landed in the flow queues.
// Each test binary uses part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ops::Deref;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::options::QueuePurgeOptions;
use assetrelay_broker::lapin::{BasicProperties, Channel};
use assetrelay_contract::{Flow, Headers, OutgoingMessage, header};
use assetrelay_ops::OpsError;
use assetrelay_ops::replay::{ReplayRequest, ReplaySummary, replay};
use assetrelay_testkit::{Taken, TestBed};
use chrono::{DateTime, SecondsFormat, Utc};

/// A declared topology with an archive; queue readers, broker, publisher and topology
/// through `Deref`.
pub struct Archive(TestBed);

impl Deref for Archive {
    type Target = TestBed;
    fn deref(&self) -> &TestBed {
        &self.0
    }
}

impl Archive {
    pub async fn start() -> Self {
        let topology = Topology {
            // Replay needs the archive and the work queues; tiers would only slow the tests.
            retry_tiers_secs: Vec::new(),
            scheduler_tiers_secs: Vec::new(),
            archive_max_age: "1D".into(),
            ..assetrelay_testkit::topology("replay-test")
        };
        Self(TestBed::declare(topology).await)
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
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, self.connection);
        headers.set_text(header::TRACEPARENT, &traceparent(&self.id));
        BasicProperties::default()
            .with_message_id(self.id.as_str().into())
            .with_content_type("application/cloudevents+json".into())
            .with_delivery_mode(2)
            .with_timestamp(u64::try_from(self.archived_at.timestamp()).unwrap())
            .with_type(self.event_type.into())
            .with_app_id("assetrelay-ingress".into())
            .with_headers(headers.into_table())
    }
}

pub fn traceparent(id: &str) -> String {
    let hex: String = id.bytes().map(|b| format!("{b:02x}")).collect();
    format!("00-{:0>32}-00f067aa0ba902b7-01", &hex[..hex.len().min(32)])
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
        self.ready(&self.topology.work_queue(flow)).await
    }

    /// Take every message from `flow`'s work queue.
    pub async fn drain_flow(&self, flow: Flow) -> Vec<Taken> {
        self.drain(&self.topology.work_queue(flow)).await
    }
}

pub fn hours_ago(hours: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::hours(hours)
}

/// Seven events across platforms, connections, types and subjects, archived now. a7 is a
/// Smint.io asset event, which no flow is bound to (an older ingress accepted those).
pub fn mixed() -> Vec<TestEvent> {
    vec![
        event("a1", "photoshelter", "acme", "asset.updated", "I1"),
        event("a2", "photoshelter", "acme", "asset.approved", "I2"),
        event("a3", "photoshelter", "beta", "asset.updated", "I3"),
        event("a4", "smintio", "acme", "license.purchased", "L1"),
        event("a5", "smintio", "beta", "license.cancelled", "L2"),
        event("a6", "photoshelter", "acme", "asset.deleted", "I4"),
        event("a7", "smintio", "beta", "asset.expired", "S1"),
    ]
}

pub async fn run(archive: &Archive, request: &ReplayRequest) -> Result<ReplaySummary, OpsError> {
    replay(
        &archive.broker,
        &archive.publisher,
        &archive.topology,
        request,
        &|_| {},
    )
    .await
}

/// The replayed copies are exactly `expected` (ids), all in `flow`'s queue, none elsewhere.
pub async fn assert_replayed_exactly(
    archive: &Archive,
    summary: &ReplaySummary,
    flow: Flow,
    expected: &[&str],
) -> Vec<Taken> {
    assert_eq!(summary.matched, expected.len() as u64, "{summary:?}");
    assert_eq!(summary.published, expected.len() as u64, "{summary:?}");
    assert_eq!(summary.unconfirmed, 0);
    for other in Flow::ALL.into_iter().filter(|&f| f != flow) {
        assert_eq!(
            archive.depth(other).await,
            0,
            "{} was touched",
            other.as_str()
        );
    }
    let received = archive.drain_flow(flow).await;
    let ids: BTreeSet<String> = received
        .iter()
        .filter_map(|r| r.message_id.clone())
        .collect();
    let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(ids, expected);
    assert_eq!(received.len(), expected.len(), "duplicates: {received:?}");
    for copy in &received {
        assert_eq!(
            copy.header(header::REPLAY_ID),
            Some(summary.replay_id.as_str())
        );
        let at = copy.header(header::REPLAYED_AT).expect("the replay time");
        assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }
    received
}
