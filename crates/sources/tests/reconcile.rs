#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! The reconciliation against the sandbox, RabbitMQ and a real store: an item the ledger
//! says is exposed in Smint.io but PhotoShelter deleted becomes an `asset.deleted` event;
//! a removed or still-listed item does not; a dry run publishes nothing.

mod support;

use assetrelay_contract::EventType;
use assetrelay_sources::photoshelter::reconcile::Reconciler;
use assetrelay_store::{AssetKey, LedgerWrite, SourceVersion};
use assetrelay_testkit::{TestBed, topology};
use serde_json::json;
use support::*;

/// What to-smint records after pushing `media_id` (or, with `removed`, deleting it).
async fn recorded_in_smintio(store: &assetrelay_store::Store, media_id: &str, removed: bool) {
    let key = AssetKey::new(CONNECTION, "to-smint", "photoshelter", media_id);
    let write = LedgerWrite {
        target_ids: vec![media_id.to_owned()],
        fingerprint: if removed { "deleted" } else { "f1" }.to_owned(),
        source: SourceVersion {
            modified_ms: 1,
            read_ms: 1,
        },
        outcome: "written".into(),
    };
    store.record_write(&key, &write).await.unwrap();
}

async fn delete_media(sandbox: &assetrelay_sandbox::RunningSandbox, id: &str) {
    let url = format!("{}/_sandbox/photoshelter/media/{id}", sandbox.base_url);
    reqwest::Client::new()
        .patch(url)
        .json(&json!({"deleted": true}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn an_exposed_item_deleted_from_photoshelter_becomes_one_deleted_event() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-reconcile")).await;
    let (store, place) = postgres_store().await;
    let kept = create_media(&sandbox).await;
    let deleted = create_media(&sandbox).await;
    let removed_earlier = create_media(&sandbox).await;
    for id in [&kept, &deleted] {
        recorded_in_smintio(&store, id, false).await;
    }
    recorded_in_smintio(&store, &removed_earlier, true).await;
    delete_media(&sandbox, &deleted).await;
    delete_media(&sandbox, &removed_earlier).await;
    let reconciler = Reconciler(context(&sandbox, &bed.topology, &store, 2).await);

    let dry = reconciler.reconcile_once(true).await.unwrap();
    assert_eq!((dry.exposed, dry.listed), (2, 1));
    assert_eq!(dry.deleted, std::slice::from_ref(&deleted));
    assert_eq!(dry.published, 0);
    assert!(events(&bed).await.is_empty(), "a dry run publishes nothing");

    let report = reconciler.reconcile_once(false).await.unwrap();
    let published = events(&bed).await;

    assert_eq!(report.published, 1);
    assert_eq!(subjects(&published), std::slice::from_ref(&deleted));
    assert_eq!(published[0].event_type, EventType::AssetDeleted);
    assert_eq!(published[0].data.hint["source"], "photoshelter.reconcile");
    // Until to-smint acts, a second reconciliation says the same, under the same id.
    reconciler.reconcile_once(false).await.unwrap();
    assert_eq!(ids(&events(&bed).await), ids(&published));

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
