//! `assetrelay reconcile` as a process: an item the ledger says Smint.io holds but
//! PhotoShelter deleted, and one the rules no longer approve (config/example.toml approves
//! nothing), are reported, and (without `--dry-run`) published as `asset.deleted` and
//! `asset.updated`; an unknown connection exits 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assetrelay_store::{AssetKey, LedgerWrite, SourceVersion};
use serde_json::json;
use support::*;

#[tokio::test]
async fn reconcile_reports_and_publishes_a_deleted_and_an_unapproved_item() {
    let setup = Setup::sqlite().await;
    let unapproved = setup.create_media().await;
    let deleted = setup.create_media().await;
    for id in [&unapproved, &deleted] {
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
    assert!(
        stdout(&dry).contains(&format!("{unapproved} (not_approved)")),
        "{}",
        stdout(&dry)
    );
    assert!(setup.media_events().await.is_empty(), "a dry run publishes");

    let done = summary(
        &setup
            .assetrelay(&["reconcile", "--connection", CONNECTION, "--json"])
            .await,
    );
    assert_eq!(done["exposed"], 2);
    assert_eq!(done["deleted"], json!([deleted.clone()]));
    assert_eq!(
        done["revoked"],
        json!([{"media_id": unapproved.clone(), "reason": "not_approved"}])
    );
    assert_eq!(done["published"], 2);
    let events = setup.media_events().await;
    let type_of = |id: &str| {
        events
            .iter()
            .find(|e| e.subject.as_deref() == Some(id))
            .map(|e| e.event_type.as_str())
    };
    assert_eq!(type_of(&deleted), Some("asset.deleted"));
    assert_eq!(type_of(&unapproved), Some("asset.updated"));
    assert_eq!(events.len(), 2);

    let unknown = setup
        .assetrelay(&["reconcile", "--connection", "nope"])
        .await;
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    setup.finish().await;
}
