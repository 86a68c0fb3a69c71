//! Replay through the normal flow path (issue: "cannot overwrite a newer state"): old
//! events replayed from the archive re-apply the *current* state, never the old one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher};
use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, Stack, json};
use assetrelay_ops::replay::{ReplayRequest, replay};

async fn replay_into(stack: &Stack, flow: Flow, subject: &str) -> u64 {
    let broker = Broker::start(
        BrokerSettings::from_config(&stack.config.broker, "e2e-replay"),
        None,
    );
    assert!(broker.wait_ready(Duration::from_secs(10)).await);
    let publisher = Publisher::new(broker.clone(), 2, Duration::from_secs(5));
    let mut request = ReplayRequest::new(chrono::Utc::now() - chrono::Duration::minutes(10), flow);
    request.subject = Some(subject.to_owned());
    let summary = replay(&broker, &publisher, &stack.topology, &request, &|_| {})
        .await
        .unwrap();
    assert_eq!(summary.unconfirmed, 0);
    broker.close().await;
    summary.published
}

#[tokio::test]
async fn replayed_old_events_cannot_overwrite_newer_state() {
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;

    // PhotoShelter → Smint.io: created as "Old title", then renamed.
    let media = c
        .create_media(json!({"file_name": "r.jpg", "galleries": [stack.galleries.approved], "iptc": {"title": "Old title"}}))
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    c.patch_media(&media, json!({"iptc": {"title": "New title"}}))
        .await
        .unwrap();
    stack
        .wait_for(
            "the new title in Smint.io",
            Duration::from_secs(30),
            || async {
                let a = c.smint_asset(&media).await.unwrap()?;
                (a.pointer("/asset_data_object/Name/x-default") == Some(&json!("New title")))
                    .then_some(())
            },
        )
        .await;

    // Smint.io → PhotoShelter: version 1, then version 2 with a new file.
    let license = c
        .license(
            json!({"action": "create", "name": "Visual v1", "binaries": [{"uuid": "visual-main"}]}),
        )
        .await
        .unwrap();
    stack
        .wait_for("v1 distributed", Duration::from_secs(30), || async {
            stack.distributed_copies(&license).await.into_iter().next()
        })
        .await;
    c.license(json!({"action": "update", "uuid": license, "version": 2, "binaries": [{"uuid": "visual-main"}]}))
        .await
        .unwrap();
    stack
        .wait_for("only v2 distributed", Duration::from_secs(30), || async {
            let copies = stack.distributed_copies(&license).await;
            (copies.len() == 1 && copies[0]["file_name"].as_str()?.contains("-v2")).then_some(())
        })
        .await;
    stack.settle(Duration::from_millis(500)).await;

    // Every archived event about them, oldest first, goes through the flows again.
    assert!(
        replay_into(&stack, Flow::ToSmint, &media).await >= 2,
        "the media's events were not replayed"
    );
    assert!(
        replay_into(&stack, Flow::ToPhotoshelter, &license).await >= 2,
        "the license's events were not replayed"
    );
    stack.settle(Duration::from_secs(1)).await;

    let asset = c.smint_asset(&media).await.unwrap().unwrap();
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("New title"))
    );
    let copies = stack.distributed_copies(&license).await;
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(
        copies[0]["file_name"].as_str().unwrap().contains("-v2"),
        "{copies:?}"
    );
    assert!(
        stack
            .drain(&stack.topology.parked_queue(Flow::ToSmint))
            .await
            .is_empty()
    );
    assert!(
        stack
            .drain(&stack.topology.parked_queue(Flow::ToPhotoshelter))
            .await
            .is_empty()
    );
    stack.stop().await;
}
