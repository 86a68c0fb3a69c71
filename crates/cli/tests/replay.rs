//! `assetrelay replay` as a process: configured only by `ASSETRELAY_*` variables, against
//! the real broker and a private topology (`replay-test-<uuid>`), deleted however the test
//! ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::ops::Deref;
use std::process::Output;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::options::{QueueDeleteOptions, QueuePurgeOptions};
use assetrelay_contract::{Flow, Headers, OutgoingMessage, header};
use assetrelay_testkit::{TestBed, amqp_url};

/// A topology holding three archived events (two licenses), flow queues empty; deleted
/// however the test ends. Queue readers, broker and topology through `Deref`.
struct Setup(TestBed);

impl Deref for Setup {
    type Target = TestBed;
    fn deref(&self) -> &TestBed {
        &self.0
    }
}

impl Setup {
    async fn start() -> Self {
        let topology = Topology {
            retry_tiers_secs: Vec::new(),
            archive_max_age: "1D".into(),
            ..assetrelay_testkit::topology("replay-test")
        };
        let setup = Self(TestBed::declare(topology).await);
        for (id, platform, event_type) in [
            ("c1", "photoshelter", "asset.updated"),
            ("c2", "smintio", "license.purchased"),
            ("c3", "smintio", "license.cancelled"),
        ] {
            setup.archive(id, platform, event_type).await;
        }
        let channel = setup.broker.channel().await.unwrap();
        for flow in Flow::ALL {
            let queue = setup.topology.work_queue(flow);
            channel
                .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
                .await
                .unwrap();
        }
        let _ = channel.close(200, "purged".into()).await;
        setup
    }

    /// Publish a CloudEvent into the archive stream, as the ingress archives it.
    async fn archive(&self, id: &str, platform: &str, event_type: &str) {
        let body = serde_json::json!({
            "specversion": "1.0", "id": id, "source": format!("{platform}/acme"),
            "type": event_type, "subject": "S1", "time": chrono::Utc::now().to_rfc3339(),
            "datacontenttype": "application/json", "assetrelayconnection": "acme",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "data": {"platform": platform, "asset_id": "S1", "change": {}, "hint": {}},
        });
        let mut headers = Headers::default();
        headers.set_text(header::CONNECTION, "acme");
        self.publisher
            .publish(&OutgoingMessage {
                exchange: String::new(),
                routing_key: self.topology.archive_stream(),
                body: serde_json::to_vec(&body).unwrap(),
                properties: BasicProperties::default()
                    .with_message_id(id.into())
                    .with_content_type("application/cloudevents+json".into())
                    .with_delivery_mode(2)
                    .with_timestamp(chrono::Utc::now().timestamp() as u64)
                    .with_headers(headers.into_table()),
            })
            .await
            .unwrap();
    }

    async fn depth(&self, flow: Flow) -> u32 {
        self.ready(&self.topology.work_queue(flow)).await
    }

    /// Run `assetrelay replay ARGS` configured by environment variables only.
    async fn replay(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
            .arg("replay")
            .args(args)
            .env_remove("ASSETRELAY_CONFIG")
            .env("ASSETRELAY_BROKER__URL", amqp_url())
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.topology.prefix)
            .kill_on_drop(true)
            .output()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn replays_the_matching_events_into_the_chosen_flow_and_exits_zero() {
    let setup = &Setup::start().await;
    let output = setup
        .replay(&[
            "--since",
            "1h",
            "--type",
            "*.cancelled",
            "--flow",
            "to-photoshelter",
        ])
        .await;

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        stdout.contains(&format!("into {}.to-photoshelter", setup.topology.prefix)),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["published", "1"]),
        "{stdout}"
    );
    // Only c3 is a cancellation; c2 is a license too, but a purchase.
    assert_eq!(setup.depth(Flow::ToPhotoshelter).await, 1);
    assert_eq!(setup.depth(Flow::ToSmint).await, 0);
    assert_eq!(setup.depth(Flow::Lifecycle).await, 0);
}

#[tokio::test]
async fn a_dry_run_prints_counts_as_json_and_publishes_nothing() {
    let setup = &Setup::start().await;
    let output = setup
        .replay(&[
            "--since",
            "1h",
            "--platform",
            "smintio",
            "--flow",
            "to-photoshelter",
            "--dry-run",
            "--json",
        ])
        .await;

    assert!(output.status.success(), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["matched"], 2);
    assert_eq!(summary["published"], 0);
    assert_eq!(summary["by_type"]["license.purchased"], 1);
    assert_eq!(summary["first_matches"][0]["event_id"], "c2");
    assert_eq!(setup.depth(Flow::ToPhotoshelter).await, 0);
}

#[tokio::test]
async fn exits_non_zero_saying_how_many_copies_were_not_confirmed() {
    let setup = &Setup::start().await;
    // Without its work queue, every copy for to-photoshelter comes back unroutable.
    let channel = setup.broker.channel().await.unwrap();
    channel
        .queue_delete(
            setup
                .topology
                .work_queue(Flow::ToPhotoshelter)
                .as_str()
                .into(),
            QueueDeleteOptions::default(),
        )
        .await
        .unwrap();

    let output = setup
        .replay(&["--since", "1h", "--flow", "to-photoshelter"])
        .await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{output:?}");
    assert!(
        stderr.contains("2 of 2 replayed message(s) were not confirmed"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("unconfirmed"));
}

#[tokio::test]
async fn refuses_a_since_that_is_neither_a_time_nor_a_duration() {
    let setup = &Setup::start().await;
    let output = setup
        .replay(&["--since", "yesterday", "--flow", "to-smint"])
        .await;

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--since"));
}
