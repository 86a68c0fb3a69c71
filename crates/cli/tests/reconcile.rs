//! `assetrelay reconcile` as a process: an item the ledger says Smint.io holds but
//! PhotoShelter deleted is reported, and (without `--dry-run`) published as
//! `asset.deleted`; an unknown connection exits 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assetrelay_store::{AssetKey, LedgerWrite, SourceVersion};
use serde_json::json;
use support::*;

#[tokio::test]
async fn reconcile_reports_and_publishes_an_exposed_item_photoshelter_deleted() {
    let setup = Setup::sqlite().await;
    let kept = setup.create_media().await;
    let deleted = setup.create_media().await;
    for id in [&kept, &deleted] {
        let key = AssetKey::new(CONNECTION, "to-smint", "photoshelter", id.as_str());
        let write = LedgerWrite {
            target_ids: vec![id.clone()],
            fingerprint: "f".into(),
            source: SourceVersion {
                modified_ms: 1,
                read_ms: 1,
            },
            outcome: "written".into(),
        };
        setup.store.record_write(&key, &write).await.unwrap();
    }
    reqwest::Client::new()
        .patch(format!(
            "{}/_sandbox/photoshelter/media/{deleted}",
            setup.sandbox.base_url
        ))
        .json(&json!({"deleted": true}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();

    let dry = setup
        .assetrelay(&["reconcile", "--connection", CONNECTION, "--dry-run"])
        .await;
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains(&deleted), "{}", stdout(&dry));
    assert!(setup.media_events().await.is_empty(), "a dry run publishes");

    let done = summary(
        &setup
            .assetrelay(&["reconcile", "--connection", CONNECTION, "--json"])
            .await,
    );
    assert_eq!(done["exposed"], 2);
    assert_eq!(done["deleted"], json!([deleted.clone()]));
    assert_eq!(done["published"], 1);
    let events = setup.media_events().await;
    assert_eq!(subjects(&events), [deleted]);
    assert_eq!(events[0].event_type.as_str(), "asset.deleted");

    let unknown = setup
        .assetrelay(&["reconcile", "--connection", "nope"])
        .await;
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    setup.finish().await;
}
