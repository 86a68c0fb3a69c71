#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `assetrelay replay` as a process: configured only by `ASSETRELAY_*` variables, against
//! the real broker and a private topology (`replay-test-<uuid>`), deleted afterwards.

use std::future::Future;
use std::process::Output;
use std::time::Duration;

use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::options::{
    QueueDeclareOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_contract::header;
use assetrelay_contract::{Flow, OutgoingMessage};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

struct Setup {
    broker: Broker,
    topology: Topology,
}

/// A topology holding three archived events (two `asset.updated`), flow queues empty.
async fn with_archived_events<F, Fut>(test: F)
where
    F: FnOnce(&'static Setup) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let topology = Topology {
        prefix: format!("replay-test-{}", uuid::Uuid::new_v4().simple()),
        retry_tiers_secs: Vec::new(),
        scheduler_tiers_secs: Vec::new(),
        delivery_limit: 5,
        archive_max_age: "1D".into(),
    };
    let broker = Broker::start(
        BrokerSettings::new(
            URL.parse().unwrap(),
            "assetrelay-cli-replay-test",
            Duration::from_secs(1),
        ),
        Some(topology.clone()),
    );
    assert!(
        broker.wait_ready(Duration::from_secs(20)).await,
        "RabbitMQ is not reachable"
    );
    let publisher = Publisher::new(broker.clone(), 2, Duration::from_secs(5));
    for (id, platform, event_type) in [
        ("c1", "photoshelter", "asset.updated"),
        ("c2", "smintio", "license.purchased"),
        ("c3", "smintio", "license.cancelled"),
    ] {
        let body = serde_json::json!({
            "specversion": "1.0", "id": id, "source": format!("{platform}/acme"),
            "type": event_type, "subject": "S1", "time": chrono::Utc::now().to_rfc3339(),
            "datacontenttype": "application/json", "assetrelayconnection": "acme",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "data": {"platform": platform, "asset_id": "S1", "change": {}, "hint": {}},
        });
        let mut headers = FieldTable::default();
        headers.insert(
            header::CONNECTION.into(),
            AMQPValue::LongString(LongString::from("acme")),
        );
        publisher
            .publish(&OutgoingMessage {
                exchange: String::new(),
                routing_key: topology.archive_stream(),
                body: serde_json::to_vec(&body).unwrap(),
                properties: BasicProperties::default()
                    .with_message_id(id.into())
                    .with_content_type("application/cloudevents+json".into())
                    .with_delivery_mode(2)
                    .with_timestamp(chrono::Utc::now().timestamp() as u64)
                    .with_headers(headers),
            })
            .await
            .unwrap();
    }
    let channel = broker.channel().await.unwrap();
    for flow in Flow::ALL {
        let queue = topology.work_queue(flow);
        channel
            .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
            .await
            .unwrap();
    }
    let setup: &'static Setup = Box::leak(Box::new(Setup { broker, topology }));
    // A task, so a failing assertion comes back as a JoinError and the cleanup still runs.
    let outcome = tokio::spawn(test(setup)).await;
    setup.topology.delete(&channel).await.unwrap();
    let _ = channel.close(200, "done".into()).await;
    setup.broker.close().await;
    if let Err(failed) = outcome {
        std::panic::resume_unwind(failed.into_panic());
    }
}

impl Setup {
    async fn depth(&self, flow: Flow) -> u32 {
        let channel = self.broker.channel().await.unwrap();
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

    /// Run `assetrelay replay ARGS` configured by environment variables only.
    async fn replay(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
            .arg("replay")
            .args(args)
            .env_remove("ASSETRELAY_CONFIG")
            .env("ASSETRELAY_BROKER__URL", URL)
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.topology.prefix)
            .kill_on_drop(true)
            .output()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn replays_the_matching_events_into_the_chosen_flow_and_exits_zero() {
    with_archived_events(|setup| async move {
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
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_prints_counts_as_json_and_publishes_nothing() {
    with_archived_events(|setup| async move {
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
    })
    .await;
}

#[tokio::test]
async fn exits_non_zero_saying_how_many_copies_were_not_confirmed() {
    with_archived_events(|setup| async move {
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
    })
    .await;
}

#[tokio::test]
async fn refuses_a_since_that_is_neither_a_time_nor_a_duration() {
    with_archived_events(|setup| async move {
        let output = setup
            .replay(&["--since", "yesterday", "--flow", "to-smint"])
            .await;

        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("--since"));
    })
    .await;
}
