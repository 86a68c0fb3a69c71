//! CLAPI-C: generic metadata, the feed with continuation UUIDs, binaries and downloads.

use serde_json::{Value, json};

use crate::support::Smint;

const FEED: &str = "/consumer/v1/sync/license-purchase-transactions";

async fn page(smint: &Smint, token: &str, continuation: Option<&str>, limit: u32) -> Value {
    let mut path = format!("{FEED}?limit={limit}");
    if let Some(c) = continuation {
        path.push_str(&format!("&continuation_uuid={c}"));
    }
    let response = smint.api_get(token, &path).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn uuids(page: &Value) -> Vec<String> {
    page["license_purchase_transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uuid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn serves_the_fifteen_generic_metadata_enumerations() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let metadata: Value = smint
        .api_get(&token, "/consumer/v1/sync/generic-metadata")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(metadata.as_object().unwrap().len(), 15);
    assert_eq!(
        metadata["license_types"][0]["metadata_element"]["key"],
        "royalty_free"
    );
}

#[tokio::test]
async fn pages_the_feed_with_continuations_until_count_is_zero() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let created: Vec<String> = {
        let mut ids = Vec::new();
        for name in ["a", "b", "c"] {
            ids.push(
                smint.create_lpt(name).await["uuid"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        ids
    };
    let first = page(&smint, &token, None, 2).await;
    assert_eq!(first["count"], 2);
    assert_eq!(uuids(&first), created[..2]);
    let second = page(&smint, &token, first["continuation_uuid"].as_str(), 2).await;
    assert_eq!(uuids(&second), created[2..]);
    let last = page(&smint, &token, second["continuation_uuid"].as_str(), 2).await;
    assert_eq!(last["count"], 0);
    assert_eq!(
        last["continuation_uuid"], second["continuation_uuid"],
        "an empty page keeps the position"
    );
}

#[tokio::test]
async fn an_updated_transaction_comes_back_once_at_its_newest_position() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let a = smint.create_lpt("a").await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = smint.create_lpt("b").await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = page(&smint, &token, None, 10).await;
    smint
        .control(json!({"action": "update", "uuid": a, "valid_until": "2031-01-01T00:00:00Z"}))
        .await;
    smint
        .control(json!({"action": "update", "uuid": a, "name": "a2"}))
        .await;

    let after = page(&smint, &token, seen["continuation_uuid"].as_str(), 10).await;
    assert_eq!(uuids(&after), vec![a.clone()]);
    let lpt = &after["license_purchase_transactions"][0];
    assert_eq!(lpt["version"], 3);
    assert_eq!(
        lpt["license_terms"][0]["valid_until"],
        "2031-01-01T00:00:00Z"
    );
    assert_eq!(lpt["has_potentially_restrictive_license_terms"], true);
    assert_eq!(
        uuids(&page(&smint, &token, None, 10).await),
        [b, a],
        "from the start each LPT appears once"
    );
}

#[tokio::test]
async fn refuses_an_unknown_continuation_and_a_bad_limit() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let response = smint
        .api_get(&token, &format!("{FEED}?continuation_uuid=nope"))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error_code"],
        "invalid_continuation_uuid"
    );
    assert_eq!(
        smint
            .api_get(&token, &format!("{FEED}?limit=0"))
            .await
            .status(),
        400
    );
}

async fn binaries(smint: &Smint, token: &str, lpt: &Value) -> Value {
    let path = format!(
        "/consumer/v1/sync/cart-purchase-transactions/{}/license-purchase-transactions/{}/binaries",
        lpt["cart_purchase_transaction_uuid"].as_str().unwrap(),
        lpt["uuid"].as_str().unwrap()
    );
    let response = smint.api_get(token, &path).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn serves_deterministic_binaries_at_presigned_urls_without_auth() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let lpt = smint.create_lpt("Harbour at dawn").await;
    let list = binaries(&smint, &token, &lpt).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["recommended_file_name"], "harbour-at-dawn.jpg");
    assert_eq!(list[0]["version"], 1);

    let url = list[0]["download_url"].as_str().unwrap();
    let first = smint.http.get(url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "image/jpeg");
    let first = first.bytes().await.unwrap();
    assert_eq!(first.len(), 256 * 1024);
    let again = binaries(&smint, &token, &lpt).await;
    let second = smint
        .http
        .get(again[0]["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(first, second, "the same binary version has the same bytes");
}

#[tokio::test]
async fn an_expired_download_url_is_refused() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let lpt = smint.create_lpt("x").await;
    let url = binaries(&smint, &token, &lpt).await[0]["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    for file in smint
        .sandbox
        .state()
        .smintio
        .lock()
        .await
        .files
        .values_mut()
    {
        file.expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
    }
    assert_eq!(smint.http.get(&url).send().await.unwrap().status(), 403);
    assert_eq!(
        smint
            .http
            .get(smint.url("/consumer/v1/_files/unknown"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn binaries_of_another_cart_are_not_found() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let mut lpt = smint.create_lpt("x").await;
    lpt["cart_purchase_transaction_uuid"] = json!("other-cart");
    let path = format!(
        "/consumer/v1/sync/cart-purchase-transactions/other-cart/license-purchase-transactions/{}/binaries",
        lpt["uuid"].as_str().unwrap()
    );
    assert_eq!(smint.api_get(&token, &path).await.status(), 404);
}

#[tokio::test]
async fn an_empty_page_keeps_the_stored_continuation_after_a_restart_with_another_id_seed() {
    let dir = tempfile::tempdir().unwrap();
    let config = |id_seed| assetrelay_sandbox::SandboxConfig {
        id_seed,
        state_file: Some(dir.path().join("s.sandbox-state.json")),
        ..assetrelay_sandbox::SandboxConfig::for_tests()
    };
    let before = Smint::with_config(config(1)).await;
    before.create_lpt("a").await;
    let token = before.access_token().await;
    let read = page(&before, &token, None, 10).await;
    let position = read["continuation_uuid"].as_str().unwrap().to_owned();
    let rotated = before.refresh_token();
    before.sandbox.stop().await;
    let after = Smint::with_config(config(2)).await;
    // The state file remembers the consumed tokens: the client goes on with its newest.
    after.use_refresh_token(rotated);
    let token = after.access_token().await;

    let empty = page(&after, &token, Some(&position), 10).await;

    assert_eq!(empty["count"], 0);
    assert_eq!(empty["continuation_uuid"], position.as_str());
}
