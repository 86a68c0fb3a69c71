//! What the store makes hold across replicas and restarts (issue 10), end to end: two
//! replicas never both upload a license, two replicas racing on one asset leave its newest
//! state with one write per distinct state, a restarted flow does not push again, and the
//! rotated Smint.io refresh token survives a restart and two replicas refreshing at once.
//! The replica tests run on PostgreSQL, as production does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use assetrelay_contract::{CloudEvent, EventType, Flow, Normalized, Platform};
use assetrelay_e2e::{Options, Stack, StoreBackend, Value, json};

fn replicas(flow: Flow, n: usize) -> Vec<(Flow, usize)> {
    Flow::ALL
        .into_iter()
        .map(|f| (f, if f == flow { n } else { 1 }))
        .collect()
}

/// The data-adapter pushes the sandbox received for `media`, in order.
async fn pushes_of(stack: &Stack, media: &str) -> Vec<Value> {
    let changes = stack
        .control
        .get("/_sandbox/smintio/changes")
        .await
        .unwrap();
    changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.pointer("/asset_data_object/ExternalId") == Some(&json!(media)))
        .cloned()
        .collect()
}

#[tokio::test]
async fn two_to_photoshelter_replicas_upload_each_license_exactly_once() {
    let stack = Stack::start(Options {
        flows: replicas(Flow::ToPhotoshelter, 2),
        store: StoreBackend::Postgres,
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let mut licenses = Vec::new();
    for i in 0..30 {
        licenses.push(
            c.license(json!({"action": "create", "name": format!("Licensed {i}")}))
                .await
                .unwrap(),
        );
    }
    for uuid in &licenses {
        stack
            .wait_for(
                "the license distributed",
                Duration::from_secs(60),
                || async { (!stack.distributed_copies(uuid).await.is_empty()).then_some(()) },
            )
            .await;
    }
    stack.settle(Duration::from_millis(500)).await;

    let names = stack.all_media_names_of("demo").await;
    let mut twice = Vec::new();
    for uuid in &licenses {
        let copies = names
            .iter()
            .filter(|n| n.starts_with(&format!("smintio-{uuid}_")))
            .count();
        if copies != 1 {
            twice.push((uuid.clone(), copies));
        }
    }
    assert!(
        twice.is_empty(),
        "licenses not uploaded exactly once: {twice:?}"
    );
    assert_eq!(
        stack
            .consumers(&stack.topology.work_queue(Flow::ToPhotoshelter))
            .await
            .unwrap(),
        2
    );
    stack.stop().await;
}

#[tokio::test]
async fn two_to_smint_replicas_racing_on_one_asset_write_each_state_once_and_end_at_the_newest() {
    let stack = Stack::start(Options {
        flows: replicas(Flow::ToSmint, 2),
        store: StoreBackend::Postgres,
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let media = c
        .create_media(
            json!({"file_name": "raced.jpg", "galleries": [stack.galleries.approved],
                             "iptc": {"title": "Version 0"}}),
        )
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    // Changes back to back: one webhook each, which the two replicas take as they come.
    for n in 1..=6 {
        c.patch_media(&media, json!({"iptc": {"title": format!("Version {n}")}}))
            .await
            .unwrap();
    }
    stack.settle(Duration::from_millis(500)).await;

    let asset = c.smint_asset(&media).await.unwrap().unwrap();
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Version 6")),
        "a replica left older state in Smint.io"
    );
    let pushes = pushes_of(&stack, &media).await;
    let states: BTreeSet<String> = pushes
        .iter()
        .map(|p| p["asset_data_object"].to_string())
        .collect();
    assert_eq!(
        states.len(),
        pushes.len(),
        "one state was pushed twice: {:?}",
        pushes
            .iter()
            .map(|p| p.pointer("/asset_data_object/Name/x-default"))
            .collect::<Vec<_>>()
    );
    assert!(
        pushes.len() <= 7,
        "more pushes than states: {}",
        pushes.len()
    );
    stack.stop().await;
}

fn media_event(media: &str) -> CloudEvent {
    CloudEvent::from_normalized(
        Platform::PhotoShelter,
        "demo",
        Normalized {
            delivery_id: uuid::Uuid::new_v4().to_string(),
            event_type: EventType::AssetUpdated,
            subject: Some(media.to_owned()),
            occurred_at: chrono::Utc::now(),
            change: serde_json::Map::new(),
        },
        assetrelay_contract::new_traceparent(),
    )
}

#[tokio::test]
async fn a_flow_restarted_between_two_identical_events_does_not_push_again() {
    let stack = Stack::start(Options {
        flows: vec![(Flow::ToPhotoshelter, 1), (Flow::Lifecycle, 1)],
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let mut first = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack.wait_for_consumers(Flow::ToSmint, 1).await;
    let media = c
        .create_media(
            json!({"file_name": "restarted.jpg", "galleries": [stack.galleries.approved]}),
        )
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    stack.settle(Duration::from_millis(300)).await;
    assert!(
        first.terminate().await,
        "the first to-smint stops on SIGTERM"
    );

    let _second = stack.spawn_flow_binary(Flow::ToSmint).await;
    stack.wait_for_consumers(Flow::ToSmint, 1).await;
    let again = media_event(&media);
    stack.publish_to_flow(Flow::ToSmint, &again).await;
    let decided = stack
        .wait_for(
            "the restarted flow's decision",
            Duration::from_secs(30),
            || async {
                let history = stack
                    .store
                    .history(Some("demo"), "photoshelter", &media, 100)
                    .await
                    .unwrap();
                history.into_iter().find(|o| o.event_id == again.id)
            },
        )
        .await;

    assert_eq!(decided.decision, assetrelay_store::Decision::Skipped);
    assert_eq!(decided.reason.as_deref(), Some("unchanged"));
    assert_eq!(pushes_of(&stack, &media).await.len(), 1, "pushed again");
    stack.stop().await;
}

/// Every Smint.io access token the sandbox issued stops working: each client must refresh.
async fn expire_smintio_tokens(stack: &Stack) {
    stack
        .control
        .call(
            reqwest::Method::POST,
            "/_sandbox/smintio/tokens/expire",
            None,
        )
        .await
        .unwrap();
}

async fn distribute(stack: &Stack, name: &str) -> String {
    let uuid = stack
        .control
        .license(json!({"action": "create", "name": name}))
        .await
        .unwrap();
    stack
        .wait_for(
            "the license distributed",
            Duration::from_secs(60),
            || async { (!stack.distributed_copies(&uuid).await.is_empty()).then_some(()) },
        )
        .await;
    uuid
}

#[tokio::test]
async fn the_rotated_refresh_token_survives_a_restart_and_two_replicas_refreshing_at_once() {
    let stack = Stack::start(Options {
        flows: vec![(Flow::ToSmint, 1), (Flow::Lifecycle, 1)],
        store: StoreBackend::Postgres,
        ..Options::default()
    })
    .await;
    let mut a = stack.spawn_flow_binary(Flow::ToPhotoshelter).await;
    let mut b = stack.spawn_flow_binary(Flow::ToPhotoshelter).await;
    stack.wait_for_consumers(Flow::ToPhotoshelter, 2).await;
    distribute(&stack, "Before the refresh").await;

    // Both replicas' access tokens end at once; the next licenses make both refresh.
    expire_smintio_tokens(&stack).await;
    for i in 0..6 {
        distribute(&stack, &format!("Both refresh {i}")).await;
    }
    a.kill_9().await;
    b.kill_9().await;

    // A new process: the configured refresh token was consumed long ago; only the rotated
    // one in the store still works.
    let _c = stack.spawn_flow_binary(Flow::ToPhotoshelter).await;
    stack.wait_for_consumers(Flow::ToPhotoshelter, 1).await;
    expire_smintio_tokens(&stack).await;
    distribute(&stack, "After the restart").await;
    stack.settle(Duration::from_millis(300)).await;

    let parked = stack
        .drain(&stack.topology.parked_queue(Flow::ToPhotoshelter))
        .await;
    assert!(parked.is_empty(), "parked: {parked:?}");
    let stored = stack
        .store
        .credential("demo", "smintio_refresh_token")
        .await
        .unwrap()
        .expect("the rotated token is in the store");
    assert!(
        stored.version >= 3,
        "rotations recorded: {}",
        stored.version
    );
    stack.stop().await;
}
