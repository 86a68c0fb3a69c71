//! `topology_check` against the real RabbitMQ and its management API, one prefix per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use assetrelay_broker::Flow;
use assetrelay_broker::lapin::options::{
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable};
use assetrelay_ops::OpsError;
use assetrelay_ops::topology_check::{self, Drift};
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
            "*.*.asset.archived".into(),
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
            routing_key: "*.*.asset.archived".into(),
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

    assert!(matches!(error, OpsError::Management(_)), "{error:?}");
    assert!(error.to_string().contains("401"), "{error}");
    assert!(!format!("{error:?}").contains("not-the-password"));
    bed.finish().await;
}
