//! The `/_sandbox/smintio/...` control routes: LPT create / update / cancel and the
//! webhooks they emit.

use assetrelay_sandbox::{DeliveryStatus, Platform};
use serde_json::{Value, json};

use crate::support::Smint;

#[tokio::test]
async fn creating_a_transaction_emits_completed_and_a_history_ping() {
    let smint = Smint::start().await;
    let lpt = smint.create_lpt("x").await;
    let deliveries = smint.sandbox.state().emitter.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries
            .iter()
            .all(|d| d.platform == Platform::Smintio && d.status == DeliveryStatus::NotSent)
    );
    let license = &deliveries[0].payload;
    assert_eq!(license["event"], "license_purchase_transaction.completed");
    assert_eq!(license["license_purchase_transaction_uuid"], lpt["uuid"]);
    assert_eq!(
        license["cart_purchase_transaction_uuid"],
        lpt["cart_purchase_transaction_uuid"]
    );
    assert_eq!(license["tenant_id"], "devtenant");
    assert_eq!(
        deliveries[1].payload["event"],
        "global-transaction-history-update"
    );
    assert!(
        deliveries[1]
            .payload
            .get("license_purchase_transaction_uuid")
            .is_none()
    );
}

#[tokio::test]
async fn cancelling_marks_the_transaction_and_emits_cancelled() {
    let smint = Smint::start().await;
    let lpt = smint.create_lpt("x").await;
    let response = smint
        .control(json!({"action": "cancel", "uuid": lpt["uuid"]}))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["license_purchase_transaction"]["state"], "cancelled");
    assert_eq!(body["license_purchase_transaction"]["version"], 2);
    let events: Vec<Value> = smint
        .sandbox
        .state()
        .emitter
        .deliveries()
        .into_iter()
        .map(|d| d.payload["event"].clone())
        .collect();
    assert!(events.contains(&json!("license_purchase_transaction.cancelled")));
    assert_eq!(
        smint
            .control(json!({"action": "cancel", "uuid": lpt["uuid"]}))
            .await
            .status(),
        409
    );
}

#[tokio::test]
async fn takes_license_terms_in_the_clapi_shape() {
    let smint = Smint::start().await;
    let response = smint
        .control(json!({
            "action": "create",
            "uuid": "lpt-1",
            "name": "Campaign hero",
            "copyright_notice": "Jane Doe / Example",
            "license_terms": [{
                "name": [{"culture": "en", "value": "Web only"}],
                "allowed_usages": ["usage_advertising"],
                "restricted_geographies": ["geography_north_america"],
                "allowed_languages": ["language_german"],
                "valid_from": "2026-01-01T00:00:00Z"
            }],
            "version": 7
        }))
        .await;
    assert_eq!(response.status(), 201);
    let (status, lpt) = smint
        .get_json("/_sandbox/smintio/license-purchase-transactions/lpt-1")
        .await;
    assert_eq!(status, 200);
    let term = &lpt["license_terms"][0];
    assert_eq!(
        term["restricted_geographies"],
        json!(["geography_north_america"])
    );
    assert_eq!(term["restricted_usages"], json!([]));
    assert_eq!(term["valid_until"], Value::Null);
    assert!(term["sequence_number"].is_i64());
    assert_eq!(lpt["version"], 7);
    assert_eq!(
        lpt["content_element"]["copyright_notices"][0]["value"],
        "Jane Doe / Example"
    );
    assert_eq!(lpt["has_potentially_restrictive_license_terms"], true);
}

#[tokio::test]
async fn refuses_bad_commands() {
    let smint = Smint::start().await;
    assert_eq!(
        smint
            .control(json!({"action": "update", "uuid": "missing"}))
            .await
            .status(),
        404
    );
    assert_eq!(
        smint.control(json!({"action": "update"})).await.status(),
        400
    );
    assert_eq!(
        smint.control(json!({"action": "explode"})).await.status(),
        400
    );
    assert_eq!(
        smint
            .control(json!({"action": "create", "typo_field": 1}))
            .await
            .status(),
        400
    );
    smint
        .control(json!({"action": "create", "uuid": "dup"}))
        .await;
    assert_eq!(
        smint
            .control(json!({"action": "create", "uuid": "dup"}))
            .await
            .status(),
        409
    );
    assert_eq!(
        smint
            .control(json!({"action": "update", "uuid": "dup", "version": 1}))
            .await
            .status(),
        409
    );
}

#[tokio::test]
async fn transactions_and_their_binaries_survive_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = assetrelay_sandbox::SandboxConfig {
        state_file: Some(dir.path().join("state.json")),
        ..assetrelay_sandbox::SandboxConfig::for_tests()
    };
    let first = Smint::with_config(config.clone()).await;
    let lpt = first.create_lpt("kept").await;
    first.sandbox.stop().await;

    let second = Smint::with_config(config).await;
    let token = second.access_token().await;
    let path = format!(
        "/consumer/v1/sync/cart-purchase-transactions/{}/license-purchase-transactions/{}/binaries",
        lpt["cart_purchase_transaction_uuid"].as_str().unwrap(),
        lpt["uuid"].as_str().unwrap()
    );
    let binaries: Value = second.api_get(&token, &path).await.json().await.unwrap();
    let url = binaries[0]["download_url"].as_str().unwrap();
    let bytes = second
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len(), 256 * 1024);
}
