//! `assetrelay topology apply|check`: the binary against the real RabbitMQ and its
//! management API, with a topology prefix of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::process::Output;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::options::{QueueBindOptions, QueueDeleteOptions};
use assetrelay_broker::lapin::types::FieldTable;
use assetrelay_broker::lapin::{Connection, ConnectionProperties};
use assetrelay_config::TopologyConfig;
use assetrelay_testkit::{TopologyGuard, amqp_url, management_url, unique_prefix};

/// The names the binary derives from the prefix; deleted when dropped.
struct Names(TopologyGuard);

impl Names {
    fn new() -> Self {
        Self(TopologyGuard::new(Topology::from_config(&TopologyConfig {
            prefix: unique_prefix("ops-cli-test"),
            ..TopologyConfig::default()
        })))
    }

    async fn cli(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
            .args(args)
            .env_clear()
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.0.prefix)
            .env("ASSETRELAY_BROKER__URL", amqp_url())
            .env("ASSETRELAY_BROKER__MANAGEMENT_URL", management_url())
            .output()
            .await
            .unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn check_passes_after_apply_and_exits_1_naming_each_difference() {
    let names = Names::new();

    let applied = names.cli(&["topology", "apply"]).await;
    let clean = names.cli(&["topology", "check"]).await;

    assert!(applied.status.success(), "{applied:?}");
    assert!(
        stdout(&applied).starts_with("declared topology"),
        "{applied:?}"
    );
    assert!(clean.status.success(), "{clean:?}");
    assert!(stdout(&clean).starts_with("topology matches"), "{clean:?}");

    let parked = names.0.parked_queue(assetrelay_contract::Flow::Lifecycle);
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    connection
        .create_channel()
        .await
        .unwrap()
        .queue_delete(parked.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let _ = connection.close(200, "done".into()).await;

    let drifted = names.cli(&["topology", "check"]).await;

    assert_eq!(drifted.status.code(), Some(1), "{drifted:?}");
    assert_eq!(
        stdout(&drifted),
        format!("queue `{parked}` is missing\n"),
        "{drifted:?}"
    );
}

#[tokio::test]
async fn check_exits_1_naming_a_binding_the_topology_does_not_declare() {
    let names = Names::new();
    let applied = names.cli(&["topology", "apply"]).await;
    assert!(applied.status.success(), "{applied:?}");
    let work = names.0.work_queue(assetrelay_contract::Flow::ToSmint);
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    connection
        .create_channel()
        .await
        .unwrap()
        .queue_bind(
            work.as_str().into(),
            names.0.exchange().as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _ = connection.close(200, "done".into()).await;

    let drifted = names.cli(&["topology", "check"]).await;

    assert_eq!(drifted.status.code(), Some(1), "{drifted:?}");
    assert_eq!(
        stdout(&drifted),
        format!(
            "binding `{}` -> `{work}` with routing key `#` is not in the topology\n",
            names.0.exchange()
        ),
        "{drifted:?}"
    );
}
