//! The data-adapter webhook: signature and timestamp checks, AssetUpdate / AssetDeletion.

use serde_json::{Value, json};

use crate::support::{Smint, now, update};

#[tokio::test]
async fn the_adapter_accepts_a_good_signature_and_stores_the_asset() {
    let smint = Smint::start().await;
    let response = smint
        .push(
            &json!({"changes": [update("I0001", "Harbour")]}),
            "dev-adapter-secret",
            now(),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"accepted": 1})
    );

    let (status, asset) = smint.get_json("/_sandbox/smintio/assets/I0001").await;
    assert_eq!(status, 200);
    assert_eq!(asset["asset_data_object"]["Name"]["x-default"], "Harbour");
    assert_eq!(
        asset["asset_data_object"]["RawData"]["license"]["restricted_geographies"][0],
        "geography_germany"
    );
    assert_eq!(asset["updates"], 1);
}

#[tokio::test]
async fn the_adapter_rejects_a_bad_signature() {
    let smint = Smint::start().await;
    let response = smint
        .push(
            &json!({"changes": [update("I0001", "x")]}),
            "not-the-secret",
            now(),
        )
        .await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "invalid_signature");
    assert_eq!(
        smint.get_json("/_sandbox/smintio/assets/I0001").await.0,
        404
    );
}

#[tokio::test]
async fn the_adapter_rejects_a_stale_timestamp() {
    let smint = Smint::start().await;
    let stale = now() - 301;
    let response = smint
        .push(
            &json!({"changes": [update("I0001", "x")]}),
            "dev-adapter-secret",
            stale,
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(
        smint
            .sandbox
            .state()
            .log
            .entries(Some("smintio"))
            .is_empty(),
        "a refused push is no write"
    );
}

#[tokio::test]
async fn the_adapter_rejects_an_unsigned_push() {
    let smint = Smint::start().await;
    let response = smint
        .http
        .post(smint.url("/portals/data-adapter/webhook"))
        .json(&json!({"changes": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_deletion_removes_the_asset_and_both_are_logged() {
    let smint = Smint::start().await;
    smint
        .push(
            &json!({"changes": [update("I0001", "a"), update("I0002", "b")]}),
            "dev-adapter-secret",
            now(),
        )
        .await;
    let deletion = json!({"UnscopedAssetIdentifier": "I0001", "Type": "AssetDeletion", "AssetDataObject": null});
    let response = smint
        .push(&json!({"changes": [deletion]}), "dev-adapter-secret", now())
        .await;
    assert_eq!(response.status(), 200);

    assert_eq!(
        smint.get_json("/_sandbox/smintio/assets/I0001").await.0,
        404
    );
    let (_, all) = smint.get_json("/_sandbox/smintio/assets").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let log = smint.sandbox.state().log.entries(Some("smintio"));
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].path, "/portals/data-adapter/webhook");
    assert_eq!(log[1].detail["changes"][0]["type"], "AssetDeletion");
    let (_, changes) = smint.get_json("/_sandbox/smintio/changes").await;
    assert_eq!(changes.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn finds_an_asset_by_its_external_id_too() {
    let smint = Smint::start().await;
    let mut change = update("scope-less-id", "x");
    change["AssetDataObject"]["ExternalId"] = json!("I0009");
    smint
        .push(&json!({"changes": [change]}), "dev-adapter-secret", now())
        .await;
    assert_eq!(
        smint.get_json("/_sandbox/smintio/assets/I0009").await.0,
        200
    );
}

#[tokio::test]
async fn a_malformed_batch_is_refused_whole() {
    let smint = Smint::start().await;
    let bad_deletion =
        json!({"UnscopedAssetIdentifier": "I2", "Type": "AssetDeletion", "AssetDataObject": {}});
    let response = smint
        .push(
            &json!({"changes": [update("I1", "a"), bad_deletion]}),
            "dev-adapter-secret",
            now(),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(smint.get_json("/_sandbox/smintio/assets/I1").await.0, 404);

    let mut bad_type = update("I3", "c");
    bad_type["AssetDataObject"]["ContentType"] = json!("hologram");
    let response = smint
        .push(&json!({"changes": [bad_type]}), "dev-adapter-secret", now())
        .await;
    assert_eq!(response.status(), 400);
}
