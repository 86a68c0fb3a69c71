//! `topology_check` against the real RabbitMQ and its management API, one prefix per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use assetrelay_broker::lapin::options::{
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable};
use assetrelay_contract::Flow;
use assetrelay_ops::OpsError;
use assetrelay_ops::topology_check::{self, Drift};
use assetrelay_testkit::block_on_own_thread;
use support::{TestBed, management_url, text};

async fn delete_queue(bed: &TestBed, name: &str) {
    let channel = bed.broker.channel().await.unwrap();
    channel
        .queue_delete(name.into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}

async fn declare_queue(bed: &TestBed, name: &str, args: FieldTable) {
    let channel = bed.broker.channel().await.unwrap();
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_freshly_applied_topology_has_no_drift() {
    let bed = TestBed::start().await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(drift, []);
    bed.finish().await;
}

#[tokio::test]
async fn apply_is_idempotent() {
    let bed = TestBed::start().await;

    topology_check::apply(&bed.broker, &bed.topology)
        .await
        .unwrap();

    assert_eq!(
        topology_check::check(&bed.topology, &management_url())
            .await
            .unwrap(),
        []
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_classic_queue_where_a_quorum_queue_belongs_is_reported_by_name() {
    let bed = TestBed::start().await;
    let work = bed.topology.work_queue(Flow::ToPhotoshelter);
    delete_queue(&bed, &work).await;
    declare_queue(&bed, &work, FieldTable::default()).await;
    let channel = bed.broker.channel().await.unwrap();
    for key in Flow::ToPhotoshelter.binding_keys() {
        channel
            .queue_bind(
                work.as_str().into(),
                bed.topology.exchange().as_str().into(),
                (*key).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
    }

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    let expected = Drift::WrongQueueType {
        name: work.clone(),
        expected: "quorum".into(),
        actual: "classic".into(),
    };
    assert_eq!(
        expected.to_string(),
        format!("queue `{work}` is a classic queue, expected quorum")
    );
    assert_eq!(drift, [expected]);
    bed.finish().await;
}

#[tokio::test]
async fn a_missing_binding_is_reported() {
    let bed = TestBed::start().await;
    let work = bed.topology.work_queue(Flow::Lifecycle);
    let channel = bed.broker.channel().await.unwrap();
    channel
        .queue_unbind(
            work.as_str().into(),
            bed.topology.exchange().as_str().into(),
            "photoshelter.*.asset.archived".into(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        drift,
        [Drift::MissingBinding {
            exchange: bed.topology.exchange(),
            queue: work,
            routing_key: "photoshelter.*.asset.archived".into(),
        }]
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_missing_queue_is_reported() {
    let bed = TestBed::start().await;
    let retry = bed.topology.retry_queue(Flow::ToSmint, 60);
    delete_queue(&bed, &retry).await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        drift,
        [Drift::MissingQueue {
            name: retry.clone()
        }]
    );
    assert_eq!(drift[0].to_string(), format!("queue `{retry}` is missing"));
    bed.finish().await;
}

#[tokio::test]
async fn a_changed_or_extra_argument_is_reported() {
    let bed = TestBed::start().await;
    let parked = bed.topology.parked_queue(Flow::ToSmint);
    delete_queue(&bed, &parked).await;
    let mut args = FieldTable::default();
    args.insert("x-queue-type".into(), text("quorum"));
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(1_000));
    declare_queue(&bed, &parked, args).await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        drift,
        [Drift::WrongArgument {
            name: parked,
            key: "x-max-length".into(),
            expected: topology_check::NOT_SET.into(),
            actual: Some("1000".into()),
        }]
    );
    bed.finish().await;
}

#[tokio::test]
async fn an_undeclared_topology_reports_its_exchange_and_every_queue_missing() {
    let bed = TestBed::undeclared().await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        drift[0],
        Drift::MissingExchange {
            name: bed.topology.exchange()
        }
    );
    assert_eq!(drift.len(), 1 + bed.topology.queue_names().len());
    bed.finish().await;
}

#[tokio::test]
async fn wrong_management_credentials_are_reported_without_the_password() {
    let bed = TestBed::undeclared().await;
    let url = "http://guest:not-the-password@127.0.0.1:15672"
        .parse()
        .unwrap();

    let error = topology_check::check(&bed.topology, &url)
        .await
        .unwrap_err();

    assert!(matches!(error, OpsError::Management { .. }), "{error:?}");
    assert!(error.to_string().contains("401"), "{error}");
    assert!(!format!("{error:?}").contains("not-the-password"));
    bed.finish().await;
}

/// Each drift as the CLI prints it.
fn lines(drift: &[Drift]) -> Vec<String> {
    drift.iter().map(ToString::to_string).collect()
}

async fn bind(bed: &TestBed, queue: &str, exchange: &str, routing_key: &str) {
    let channel = bed.broker.channel().await.unwrap();
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            routing_key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let _ = channel.close(200, "done".into()).await;
}

/// A policy or operator policy on vhost `/` through the management API, deleted when
/// dropped, so a failed test leaves none behind to change other tests' queues.
struct LivePolicy {
    /// `policies/%2F/<name>` or `operator-policies/%2F/<name>`.
    path: String,
}

impl LivePolicy {
    async fn put(kind: &str, name: &str, pattern: &str, definition: serde_json::Value) -> Self {
        let path = format!("{kind}/%2F/{name}");
        let response = management_request(reqwest::Method::PUT, &path)
            .json(&serde_json::json!({
                "pattern": pattern,
                "definition": definition,
                "apply-to": "queues",
                "priority": 0,
            }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
        Self { path }
    }
}

impl Drop for LivePolicy {
    fn drop(&mut self) {
        let path = &self.path;
        block_on_own_thread(|| async move {
            let _ = management_request(reqwest::Method::DELETE, path)
                .send()
                .await;
        });
    }
}

fn management_request(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let url = management_url();
    let (user, password) = url.credentials().unwrap();
    reqwest::Client::new()
        .request(method, url.base().join(&format!("api/{path}")).unwrap())
        .basic_auth(user, Some(secrecy::ExposeSecret::expose_secret(password)))
}

/// A pattern for exactly `queue` (our names use `.` and `-` only).
fn exactly(queue: &str) -> String {
    format!("^{}$", queue.replace('.', "\\."))
}

#[tokio::test]
async fn an_extra_binding_from_our_exchange_onto_a_work_queue_is_reported() {
    let bed = TestBed::start().await;
    let work = bed.topology.work_queue(Flow::ToPhotoshelter);
    bind(&bed, &work, &bed.topology.exchange(), "#").await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        lines(&drift),
        [format!(
            "binding `{}` -> `{work}` with routing key `#` is not in the topology",
            bed.topology.exchange()
        )]
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_binding_from_another_exchange_onto_one_of_our_queues_is_reported() {
    let bed = TestBed::start().await;
    let parked = bed.topology.parked_queue(Flow::Lifecycle);
    bind(&bed, &parked, "amq.topic", "anything.#").await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        lines(&drift),
        [format!(
            "binding `amq.topic` -> `{parked}` with routing key `anything.#` is not in the topology"
        )]
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_policy_whose_pattern_matches_one_of_our_queues_is_reported_with_its_definition() {
    let bed = TestBed::start().await;
    let work = bed.topology.work_queue(Flow::ToSmint);
    let name = format!("{}-max-length", bed.topology.prefix);
    let _policy = LivePolicy::put(
        "policies",
        &name,
        &exactly(&work),
        serde_json::json!({ "max-length": 1000 }),
    )
    .await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        lines(&drift),
        [format!(
            "policy `{name}` applies to `{work}`: max-length=1000"
        )]
    );
    bed.finish().await;
}

#[tokio::test]
async fn an_operator_policy_that_applies_to_one_of_our_queues_is_reported() {
    let bed = TestBed::start().await;
    let work = bed.topology.work_queue(Flow::Lifecycle);
    let name = format!("{}-delivery-limit", bed.topology.prefix);
    let _policy = LivePolicy::put(
        "operator-policies",
        &name,
        &exactly(&work),
        serde_json::json!({ "delivery-limit": 5 }),
    )
    .await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(
        lines(&drift),
        [format!(
            "operator policy `{name}` applies to `{work}`: delivery-limit=5"
        )]
    );
    bed.finish().await;
}

#[tokio::test]
async fn a_policy_for_other_queues_is_not_drift() {
    let bed = TestBed::start().await;
    let name = format!("{}-elsewhere", bed.topology.prefix);
    let _policy = LivePolicy::put(
        "policies",
        &name,
        &format!("^{}-not-ours\\.", bed.topology.prefix),
        serde_json::json!({ "max-length": 1 }),
    )
    .await;

    let drift = topology_check::check(&bed.topology, &management_url())
        .await
        .unwrap();

    assert_eq!(drift, []);
    bed.finish().await;
}
