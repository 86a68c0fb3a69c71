//! `assetrelay parked …` as an operator runs it: the binary, configured by environment,
//! against the real RabbitMQ with a topology prefix of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::ops::Deref;
use std::process::Output;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::BasicProperties;
use assetrelay_config::TopologyConfig;
use assetrelay_contract::amqp::Parking;
use assetrelay_contract::{Flow, Headers, OutgoingMessage, header};
use assetrelay_testkit::{TestBed, amqp_url, unique_prefix};

const FLOW: Flow = Flow::ToSmint;

/// The configuration's topology (default tiers) under a prefix of its own, declared, and
/// deleted however the test ends; queue readers through `Deref`.
struct Bed(TestBed);

impl Deref for Bed {
    type Target = TestBed;
    fn deref(&self) -> &TestBed {
        &self.0
    }
}

impl Bed {
    async fn start() -> Self {
        let topology = Topology::from_config(&TopologyConfig {
            prefix: unique_prefix("ops-cli-test"),
            ..TopologyConfig::default()
        });
        Self(TestBed::declare(topology).await)
    }

    fn parked(&self) -> String {
        self.topology.parked_queue(FLOW)
    }

    /// Park a message as the consumer does (`Headers::mark_parked`).
    async fn park(&self, id: &str, reason: &str) {
        let mut headers = Headers::default();
        let parking = Parking {
            class: reason,
            detail: "no such asset",
            status: Some(404),
            attempts: 1,
            flow: FLOW,
        };
        headers.mark_parked(&parking, "2024-05-01T10:00:00Z".parse().unwrap());
        let body = serde_json::json!({"id": id, "type": "photoshelter.asset.updated", "subject": format!("I-{id}"), "data": {}});
        self.publisher
            .publish(&OutgoingMessage {
                exchange: String::new(),
                routing_key: self.parked(),
                body: body.to_string().into_bytes(),
                properties: BasicProperties::default()
                    .with_message_id(id.into())
                    .with_delivery_mode(2)
                    .with_headers(headers.into_table()),
            })
            .await
            .unwrap();
    }

    /// Run `assetrelay <args>` against this topology; only the variables set here count.
    async fn cli(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
            .args(args)
            .env_clear()
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.topology.prefix)
            .env("ASSETRELAY_BROKER__URL", amqp_url())
            .output()
            .await
            .unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn list_prints_counts_by_reason_and_the_oldest_messages_and_removes_nothing() {
    let bed = Bed::start().await;
    bed.park("evt-1", "not_found").await;
    bed.park("evt-2", "not_found").await;
    bed.park("evt-3", "invalid_event").await;

    let out = bed.cli(&["parked", "list", "--flow", "to-smint"]).await;

    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("to-smint: 3 parked message(s)"), "{text}");
    let line = |words: &[&str]| {
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == words)
    };
    assert!(line(&["not_found", "2"]), "{text}");
    assert!(line(&["invalid_event", "1"]), "{text}");
    assert!(text.contains("PARKED AT"), "{text}");
    assert!(text.contains("evt-3"), "{text}");
    assert!(text.contains("I-evt-3"), "{text}");
    assert_eq!(bed.ready(&bed.parked()).await, 3);
}

#[tokio::test]
async fn show_prints_headers_and_body_and_fails_for_an_unknown_event() {
    let bed = Bed::start().await;
    bed.park("evt-1", "not_found").await;

    let found = bed
        .cli(&["parked", "show", "--flow", "to-smint", "evt-1"])
        .await;
    let missing = bed
        .cli(&["parked", "show", "--flow", "to-smint", "evt-404"])
        .await;

    assert!(found.status.success(), "{}", stderr(&found));
    let text = stdout(&found);
    assert!(text.contains("reason      not_found (HTTP 404)"), "{text}");
    let detail = format!("{}: no such asset", header::ERROR_DETAIL);
    assert!(text.contains(&detail), "{text}");
    assert!(text.contains("\"subject\": \"I-evt-1\""), "{text}");
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("evt-404"), "{}", stderr(&missing));
    assert_eq!(bed.ready(&bed.parked()).await, 1);
}

#[tokio::test]
async fn replay_prints_matched_replayed_and_kept() {
    let bed = Bed::start().await;
    bed.park("evt-1", "not_found").await;
    bed.park("evt-2", "invalid_event").await;

    let out = bed
        .cli(&[
            "parked",
            "replay",
            "--flow",
            "to-smint",
            "--reason",
            "not_found",
        ])
        .await;

    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("matched 1, replayed 1 to "),
        "{}",
        stdout(&out)
    );
    assert_eq!(bed.ready(&bed.topology.work_queue(FLOW)).await, 1);
    assert_eq!(bed.ready(&bed.parked()).await, 1);
}

#[tokio::test]
async fn purge_refuses_without_yes_and_then_removes_only_the_matches() {
    let bed = Bed::start().await;
    bed.park("evt-1", "invalid_event").await;
    bed.park("evt-2", "not_found").await;
    let purge = [
        "parked",
        "purge",
        "--flow",
        "to-smint",
        "--reason",
        "invalid_event",
    ];

    let refused = bed.cli(&purge).await;

    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(said.contains("would purge 1 of 2"), "{said}");
    assert!(said.contains("--yes"), "{said}");
    assert_eq!(bed.ready(&bed.parked()).await, 2);

    let purged = bed.cli(&[&purge[..], &["--yes"]].concat()).await;

    assert!(purged.status.success(), "{}", stderr(&purged));
    assert!(
        stdout(&purged).starts_with("matched 1, purged 1, kept 1"),
        "{}",
        stdout(&purged)
    );
    assert_eq!(bed.ready(&bed.parked()).await, 1);
}

#[tokio::test]
async fn a_selection_is_required_unless_all_is_given() {
    let bed = Bed::start().await;
    bed.park("evt-1", "not_found").await;

    let out = bed
        .cli(&["parked", "purge", "--flow", "to-smint", "--yes"])
        .await;

    assert!(!out.status.success());
    assert!(stderr(&out).contains("--all"), "{}", stderr(&out));
    assert_eq!(bed.ready(&bed.parked()).await, 1);
}
