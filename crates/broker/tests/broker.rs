//! Against the real RabbitMQ (`AMQP_URL`, else 127.0.0.1:5672), one topology per test,
//! deleted however the test ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::time::Duration;

use assetrelay_broker::lapin::BasicProperties;
use assetrelay_broker::lapin::options::QueueDeclareOptions;
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::{Broker, BrokerError, BrokerSettings, PublishError, Publisher, Topology};
use assetrelay_contract::{CloudEvent, Flow, Normalized, OutgoingMessage, Platform, header};
use assetrelay_testkit::{Queues, TopologyGuard, declare, start_broker};

/// Names for a test, deleted when it ends; declared by the test itself.
fn topology() -> TopologyGuard {
    TopologyGuard::new(Topology {
        scheduler_tiers_secs: vec![1],
        delivery_limit: 3,
        ..assetrelay_testkit::topology("broker-test")
    })
}

fn event(platform: &str, kind: &str) -> CloudEvent {
    let platform: Platform = platform.parse().unwrap();
    CloudEvent::from_normalized(
        platform,
        "demo",
        Normalized {
            delivery_id: uuid::Uuid::new_v4().to_string(),
            event_type: kind.parse().unwrap(),
            subject: Some("I1".into()),
            occurred_at: chrono::Utc::now(),
            change: Default::default(),
        },
        assetrelay_contract::new_traceparent(),
    )
}

fn message(topology: &Topology, routing_key: &str) -> OutgoingMessage {
    OutgoingMessage {
        exchange: topology.exchange(),
        routing_key: routing_key.into(),
        body: b"{}".to_vec(),
        properties: BasicProperties::default()
            .with_message_id("m-1".into())
            .with_delivery_mode(2),
    }
}

#[tokio::test]
async fn a_routable_publish_is_confirmed_and_lands_in_the_flow_queue() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 2, Duration::from_secs(5));
    let queues = Queues::on(broker.clone());

    publisher
        .publish(&message(&t, "photoshelter.demo.asset.updated"))
        .await
        .unwrap();

    assert_eq!(queues.wait_ready(&t.work_queue(Flow::ToSmint), 1).await, 1);
    assert_eq!(queues.ready(&t.work_queue(Flow::ToPhotoshelter)).await, 0);
    assert_eq!(queues.ready(&t.work_queue(Flow::Lifecycle)).await, 0);
}

#[tokio::test]
async fn expiry_events_reach_the_lifecycle_queue_and_to_smint() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));

    publisher
        .publish(&message(&t, "photoshelter.demo.asset.expired"))
        .await
        .unwrap();

    let queues = Queues::on(broker.clone());
    assert_eq!(
        queues.wait_ready(&t.work_queue(Flow::Lifecycle), 1).await,
        1
    );
    assert_eq!(queues.wait_ready(&t.work_queue(Flow::ToSmint), 1).await, 1);
}

#[tokio::test]
async fn a_smintio_asset_event_is_unroutable_because_no_flow_handles_it() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));

    let err = publisher
        .publish(&message(&t, "smintio.demo.asset.expired"))
        .await
        .unwrap_err();

    assert!(matches!(err, PublishError::Unroutable { .. }), "{err:?}");
}

/// DESIGN §6.1: an event no flow queue is bound for is refused (the ingress answers 503),
/// with the whole topology declared, the archive stream included.
#[tokio::test]
async fn an_event_whose_flow_queue_is_gone_is_unroutable_although_the_archive_exists() {
    let t = topology();
    let broker = start_broker("broker-test", None).await;
    t.declare(&broker.channel().await.unwrap()).await.unwrap();
    broker
        .channel()
        .await
        .unwrap()
        .queue_delete(
            t.work_queue(Flow::ToSmint).as_str().into(),
            Default::default(),
        )
        .await
        .unwrap();
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));

    let err = publisher
        .publish_event(&t, &event("photoshelter", "asset.updated"), "test")
        .await
        .unwrap_err();

    assert!(matches!(err, PublishError::Unroutable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_publish_with_no_bound_queue_is_reported_unroutable() {
    let t = topology();
    let broker = start_broker("broker-test", None).await;
    // Only the exchange: nothing is bound, so a mandatory publish comes back.
    let channel = broker.channel().await.unwrap();
    declare::exchange(&channel, &t.exchange()).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));

    let err = publisher
        .publish(&message(&t, "photoshelter.demo.asset.updated"))
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            PublishError::Unroutable {
                reply_code: 312,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn publishing_to_a_missing_exchange_is_a_closed_channel_and_the_next_publish_recovers() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
    let mut missing = message(&t, "photoshelter.demo.asset.updated");
    missing.exchange = format!("{}-missing", t.exchange());

    let err = publisher.publish(&missing).await.unwrap_err();
    assert!(matches!(err, PublishError::ChannelClosed(_)), "{err:?}");

    publisher
        .publish(&message(&t, "photoshelter.demo.asset.updated"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_channel_error_does_not_reconnect_the_whole_connection() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
    let generation = broker.generation();
    let mut missing = message(&t, "photoshelter.demo.asset.updated");
    missing.exchange = format!("{}-missing", t.exchange());

    assert!(publisher.publish(&missing).await.is_err());

    // A reconnect would happen within a few milliseconds of the channel error; watch for a
    // second whether the connection generation changes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while tokio::time::Instant::now() < deadline {
        assert_eq!(
            broker.generation(),
            generation,
            "the connection was reopened"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_published_event_is_archived_in_the_stream() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
    let license = event("smintio", "license.updated");
    let deleted = event("photoshelter", "asset.deleted");
    publisher.publish_event(&t, &license, "test").await.unwrap();
    publisher.publish_event(&t, &deleted, "test").await.unwrap();
    // Streams do not answer message_count; consume from the first offset instead.
    let channel = broker.channel().await.unwrap();
    channel.basic_qos(10, Default::default()).await.unwrap();
    let mut args = FieldTable::default();
    args.insert(
        header::STREAM_OFFSET.into(),
        AMQPValue::LongString(LongString::from("first")),
    );
    let mut consumer = channel
        .basic_consume(
            t.archive_stream().as_str().into(),
            "archive-test".into(),
            Default::default(),
            args,
        )
        .await
        .unwrap();
    use futures::StreamExt;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let archived: CloudEvent = serde_json::from_slice(&delivery.data).unwrap();
        seen.push(archived.routing_key());
        delivery.ack(Default::default()).await.unwrap();
    }
    assert_eq!(seen, [license.routing_key(), deleted.routing_key()]);
    drop(consumer);
}

#[tokio::test]
async fn declaring_the_topology_twice_is_harmless() {
    let t = topology();
    let broker = start_broker("broker-test", Some(t.clone())).await;
    t.declare(&broker.channel().await.unwrap()).await.unwrap();
    t.declare(&broker.channel().await.unwrap()).await.unwrap();
}

#[tokio::test]
async fn a_queue_declared_with_another_type_is_reported_by_name() {
    let t = topology();
    let broker = start_broker("broker-test", None).await;
    let channel = broker.channel().await.unwrap();
    // A classic queue where the design wants a quorum queue.
    channel
        .queue_declare(
            t.work_queue(Flow::ToSmint).as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();

    let err = t
        .declare(&broker.channel().await.unwrap())
        .await
        .unwrap_err();

    assert!(
        matches!(&err, BrokerError::Declare { object, .. } if *object == t.work_queue(Flow::ToSmint)),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_broker_reports_not_connected() {
    let broker = Broker::start(
        BrokerSettings::new(
            "amqp://guest:guest@127.0.0.1:1/%2f".parse().unwrap(),
            "t",
            Duration::from_millis(200),
        ),
        None,
    );
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(1));
    assert!(!broker.is_ready());
    let err = publisher
        .publish(&message(&assetrelay_testkit::topology("broker-test"), "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, PublishError::NotConnected(_)), "{err:?}");
    broker.close().await;
}

#[tokio::test]
async fn a_publish_the_broker_refuses_to_store_is_reported_nacked() {
    let t = topology();
    let broker = start_broker("broker-test", None).await;
    let channel = broker.channel().await.unwrap();
    declare::exchange(&channel, &t.exchange()).await;
    // A full queue that rejects new messages: RabbitMQ answers basic.nack.
    let full = format!("{}.full", t.prefix);
    declare::capped_queue(&channel, &full, 0).await;
    declare::bind_everything(&channel, &full, &t.exchange()).await;
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));

    let err = publisher
        .publish(&message(&t, "photoshelter.demo.asset.updated"))
        .await
        .unwrap_err();

    assert!(matches!(err, PublishError::Nacked), "{err:?}");
    channel
        .queue_delete(full.as_str().into(), Default::default())
        .await
        .unwrap();
}
