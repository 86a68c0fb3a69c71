//! DESIGN §6.2 with a real consumer process (`assetrelay-to-smint`): a SIGTERM mid-load
//! loses nothing, and a SIGKILL after the platform write and before the ack is redelivered
//! to the next replica and has its effect once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, Stack, Value, json};

const ADAPTER: &str = "/portals/data-adapter/webhook";
const MESSAGES: &str = "assetrelay_flow_messages_total";

/// Every flow in this process but to-smint, which the test runs as a binary.
fn without_to_smint() -> Options {
    Options {
        flows: vec![(Flow::Lifecycle, 1), (Flow::ToPhotoshelter, 1)],
        ..Options::default()
    }
}

/// The changes of every data-adapter push about `asset`, from the Smint.io write log.
async fn pushes_of(stack: &Stack, asset: &str) -> Vec<Value> {
    let writes = stack.control.writes("smintio").await.unwrap();
    writes
        .iter()
        .filter(|w| w["path"] == ADAPTER)
        .flat_map(|w| {
            w["detail"]["changes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|change| change["id"] == asset)
        .collect()
}

#[tokio::test]
async fn sigterm_of_a_consumer_mid_load_loses_nothing() {
    let stack = Stack::start(without_to_smint()).await;
    let c = &stack.control;
    let mut first = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack.wait_for_consumers(Flow::ToSmint, 1).await;
    // Slow writes so that the SIGTERM finds deliveries in flight.
    c.call(
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"surface": "smintio", "latency_ms": 150})),
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            c.create_media(json!({"file_name": format!("load-{i}.jpg"), "galleries": [stack.galleries.approved]}))
                .await
                .unwrap(),
        );
    }
    stack
        .wait_for("some assets written", Duration::from_secs(30), || async {
            let n = c
                .get("/_sandbox/smintio/changes")
                .await
                .ok()?
                .as_array()?
                .len();
            (n >= 5).then_some(())
        })
        .await;
    assert!(
        first.terminate().await,
        "the consumer did not exit 0 after SIGTERM"
    );
    let written_before = c
        .get("/_sandbox/smintio/changes")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert!(
        written_before < ids.len(),
        "the load finished before the SIGTERM; the test shows nothing"
    );

    let mut second = stack.spawn_flow_binary(Flow::ToSmint).await;
    for id in &ids {
        stack.smint_asset_appears(id).await;
    }
    assert!(
        stack
            .drain(&stack.topology.parked_queue(Flow::ToSmint))
            .await
            .is_empty()
    );
    second.kill_9().await;
    stack.stop().await;
}

#[tokio::test]
async fn a_consumer_killed_between_its_write_and_its_ack_is_redelivered_and_writes_once() {
    let stack = Stack::start(without_to_smint()).await;
    let c = &stack.control;
    let queue = stack.topology.work_queue(Flow::ToSmint);
    let mut first = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack.wait_for_consumers(Flow::ToSmint, 1).await;
    // The adapter applies the push, then holds its answer: the binary has written and
    // waits for the answer, its delivery not yet acknowledged.
    c.call(
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"surface": "smintio", "endpoint": ADAPTER, "answer_delay_ms": 60_000})),
    )
    .await
    .unwrap();
    let media = c
        .create_media(
            json!({"file_name": "killed.jpg", "galleries": [stack.galleries.approved],
                             "iptc": {"title": "Written once"}}),
        )
        .await
        .unwrap();
    let written = stack
        .wait_for(
            "the push in the write log",
            Duration::from_secs(30),
            || async { pushes_of(&stack, &media).await.into_iter().next() },
        )
        .await;

    first.kill_9().await;
    // The broker takes the unacknowledged delivery back when the connection drops.
    stack
        .wait_for(
            "the delivery back in the queue, nobody consuming",
            Duration::from_secs(10),
            || async { (stack.queue_stats(&queue).await.ok()? == (1, 0)).then_some(()) },
        )
        .await;
    c.call(reqwest::Method::DELETE, "/_sandbox/faults", None)
        .await
        .unwrap();
    let second = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack
        .wait_for(
            "the redelivered event handled by the new replica",
            Duration::from_secs(30),
            || async {
                let handled = second
                    .metrics()
                    .await
                    .sum(MESSAGES, &[("flow", "to-smint")]);
                (handled >= 1.0).then_some(())
            },
        )
        .await;
    stack.settle(Duration::from_millis(300)).await;

    // One asset, as written: the redelivery at most re-pushed the same version of it.
    assert_eq!(Stack::smint_asset_ids(c).await, [media.as_str()]);
    let asset = c.smint_asset(&media).await.unwrap().unwrap();
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Written once"))
    );
    let pushes = pushes_of(&stack, &media).await;
    assert!(
        pushes
            .iter()
            .all(|p| p["type"] == "AssetUpdate" && p["version"] == written["version"]),
        "{pushes:?}"
    );
    // Handled once, and neither retried nor parked.
    let metrics = second.metrics().await;
    let handled = metrics.sum(MESSAGES, &[("flow", "to-smint")]);
    let fine = metrics.sum(MESSAGES, &[("flow", "to-smint"), ("outcome", "ok")])
        + metrics.sum(MESSAGES, &[("flow", "to-smint"), ("outcome", "skipped")]);
    assert_eq!((handled, fine), (1.0, 1.0));
    assert!(
        stack
            .drain(&stack.topology.parked_queue(Flow::ToSmint))
            .await
            .is_empty()
    );
    stack.stop().await;
}

/// Use case 7, "replaced", with a real to-smint killed between its push of the successor
/// and its ack: the redelivery to a new replica hands the old item to lifecycle again
/// (same event id) and lifecycle makes the old item private once, removes it once.
#[tokio::test]
async fn a_consumer_killed_after_handing_over_a_replaced_item_retires_it_once() {
    let stack = Stack::start(Options {
        flows: Vec::new(),
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let queue = stack.topology.work_queue(Flow::ToSmint);
    let mut first = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack.wait_for_consumers(Flow::ToSmint, 1).await;
    let approved = &stack.galleries.approved;
    let old = c
        .create_media(
            json!({"file_name": "old.jpg", "galleries": [approved], "iptc": {"title": "Old"}}),
        )
        .await
        .unwrap();
    stack.smint_asset_appears(&old).await;
    // The successor's push is applied, then its answer held: killed before the ack.
    c.call(
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"surface": "smintio", "endpoint": ADAPTER, "answer_delay_ms": 60_000})),
    )
    .await
    .unwrap();
    let new = c
        .create_media(json!({"file_name": "new.jpg", "galleries": [approved],
            "iptc": {"title": "New", "keywords": [format!("replaces:{old}")]}}))
        .await
        .unwrap();
    stack
        .wait_for(
            "the successor's push in the write log",
            Duration::from_secs(30),
            || async { pushes_of(&stack, &new).await.into_iter().next() },
        )
        .await;
    first.kill_9().await;
    stack
        .wait_for(
            "the delivery back in the queue",
            Duration::from_secs(10),
            || async { (stack.queue_stats(&queue).await.ok()?.0 >= 1).then_some(()) },
        )
        .await;
    c.call(reqwest::Method::DELETE, "/_sandbox/faults", None)
        .await
        .unwrap();
    let _second = stack.spawn_flow_binary(Flow::ToSmint).await;
    let _lifecycle = stack.spawn_flow_binary(Flow::Lifecycle).await;

    stack
        .wait_for(
            "the old item retired on both sides",
            Duration::from_secs(30),
            || async {
                let gone = c.smint_asset(&old).await.unwrap().is_none();
                let private = c.media(&old).await.unwrap()?["mode"] == json!("private");
                (gone && private).then_some(())
            },
        )
        .await;
    stack.settle(Duration::from_millis(1_000)).await;
    assert!(c.smint_asset(&new).await.unwrap().is_some());
    // Each effect on the old item once: one visibility change, one deletion.
    let ps_writes: Vec<Value> = c
        .writes("photoshelter")
        .await
        .unwrap()
        .into_iter()
        .filter(|w| {
            w["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(&format!("/media/{old}")))
        })
        .collect();
    assert_eq!(ps_writes.len(), 1, "{ps_writes:?}");
    let deletions: Vec<Value> = pushes_of(&stack, &old)
        .await
        .into_iter()
        .filter(|p| p["type"] == "AssetDeletion")
        .collect();
    assert_eq!(deletions.len(), 1, "{deletions:?}");
    for flow in [Flow::ToSmint, Flow::Lifecycle] {
        assert!(
            stack
                .drain(&stack.topology.parked_queue(flow))
                .await
                .is_empty(),
            "{flow} parked something"
        );
    }
    stack.stop().await;
}
