//! A to-photoshelter replica killed (SIGKILL) in the middle of an upload that PhotoShelter
//! has already made: its upload claim is never completed, the next replica takes the
//! claim over once it expires, finds the dead replica's copy in the gallery and records
//! it, and the license ends with exactly one copy (issue 10: "a write is claimed in the
//! store before it is made", across a crash, not only across live replicas).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::{Flow, Platform};
use assetrelay_e2e::{Options, Stack, StoreBackend, json};
use assetrelay_store::AssetKey;

const UPLOAD: &str = "/psapi/v3/mem/image/upload";

#[tokio::test]
async fn a_replica_killed_mid_upload_leaves_one_copy_found_by_the_next_replica() {
    let stack = Stack::start(Options {
        flows: vec![(Flow::ToSmint, 1), (Flow::Lifecycle, 1)],
        store: StoreBackend::Postgres,
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let mut first = stack.spawn_flow_binary(Flow::ToPhotoshelter).await;
    stack.wait_for_consumers(Flow::ToPhotoshelter, 1).await;
    // PhotoShelter makes the copy, then holds its answer: the replica has uploaded and
    // waits, its claim taken and not completed.
    c.call(
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"surface": "photoshelter", "endpoint": UPLOAD, "answer_delay_ms": 60_000})),
    )
    .await
    .unwrap();
    let uuid = c
        .license(json!({"action": "create", "name": "Killed mid-upload"}))
        .await
        .unwrap();
    let prefix = format!("smintio-{uuid}_");
    stack
        .wait_for(
            "the copy made in PhotoShelter",
            Duration::from_secs(30),
            || async {
                let names = stack.all_media_names_of("demo").await;
                names.iter().any(|n| n.starts_with(&prefix)).then_some(())
            },
        )
        .await;
    let key = AssetKey::new(
        "demo",
        Flow::ToPhotoshelter.as_str(),
        Platform::Smintio.to_string(),
        &uuid,
    );
    assert_eq!(
        stack.store.ledger(&key).await.unwrap(),
        None,
        "the upload was recorded before the kill; the test shows nothing"
    );

    first.kill_9().await;
    c.call(reqwest::Method::DELETE, "/_sandbox/faults", None)
        .await
        .unwrap();
    let second = stack.spawn_flow_binary(Flow::ToPhotoshelter).await;
    let entry = stack
        .wait_for(
            "the dead replica's copy recorded by the next one",
            Duration::from_secs(60),
            || async { stack.store.ledger(&key).await.unwrap() },
        )
        .await;
    stack.settle(Duration::from_millis(500)).await;

    let copies: Vec<String> = stack
        .all_media_names_of("demo")
        .await
        .into_iter()
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert_eq!(copies.len(), 1, "copies of the license: {copies:?}");
    let distributed = stack.distributed_copies(&uuid).await;
    assert_eq!(distributed.len(), 1, "{distributed:?}");
    let copy_id = distributed[0]["id"].as_str().unwrap();
    assert!(
        entry.target_ids.iter().any(|t| t.contains(copy_id)),
        "the ledger names the copy in the gallery ({copy_id}): {entry:?}"
    );
    assert!(
        stack
            .drain(&stack.topology.parked_queue(Flow::ToPhotoshelter))
            .await
            .is_empty(),
        "nothing parked"
    );
    drop(second);
    stack.stop().await;
}
