#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! A PhotoShelter connection with `mode = "oauth"` and a refresh token, built as every
//! binary builds it: two clients on one store (two replicas, or a restart) against the
//! sandbox, whose token endpoint rotates the refresh token and refuses a used one. The
//! second presents the token the first rotated, read from the store's credentials.

use std::collections::BTreeMap;

use assetrelay_clients::PHOTOSHELTER_REFRESH_TOKEN;
use assetrelay_sandbox::SandboxConfig;
use assetrelay_store::Store;
use secrecy::ExposeSecret;
use serde_json::json;

fn config(sandbox_url: &str, store_file: &std::path::Path) -> assetrelay_config::Config {
    let text = format!(
        r#"
[store]
url = "sqlite://{store}"
[connections.demo.photoshelter.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
[connections.demo.photoshelter.api]
base_url = "{sandbox_url}"
api_key = "ps-dev-api-key"
[connections.demo.photoshelter.api.auth]
mode = "oauth"
org_id = "O0000DEVORG00001"
client_id = "ps-dev-oauth-client"
client_secret = "ps-dev-oauth-secret"
refresh_token = "ps-dev-refresh-token"
redirect_uri = "https://relay.example/callback"
[connections.demo.smintio.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
"#,
        store = store_file.display()
    );
    let dir = store_file.parent().unwrap();
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    assetrelay_config::load(Some(&path), &BTreeMap::new()).unwrap()
}

#[tokio::test]
async fn a_second_replica_presents_the_refresh_token_the_first_rotated() {
    let sandbox = assetrelay_sandbox::spawn(SandboxConfig::for_tests())
        .await
        .unwrap();
    let media: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/photoshelter/media", sandbox.base_url))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = media["id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&sandbox.base_url, &dir.path().join("store.db"));
    let store = Store::connect(&config.store).await.unwrap();
    let api = config.connections["demo"]
        .photoshelter
        .api
        .as_ref()
        .unwrap();

    let first = assetrelay_clients::photoshelter(api, "demo", &store).unwrap();
    assert_eq!(first.media(id).await.unwrap().id, id);
    let stored = store
        .credential("demo", PHOTOSHELTER_REFRESH_TOKEN)
        .await
        .unwrap()
        .expect("the rotated refresh token is stored");
    assert_ne!(stored.value.expose_secret(), "ps-dev-refresh-token");

    // Configured with the token the first replica already used up.
    let second = assetrelay_clients::photoshelter(api, "demo", &store).unwrap();
    assert_eq!(second.media(id).await.unwrap().id, id);
    assert_eq!((first.refreshes(), second.refreshes()), (1, 1));

    store.close().await;
    sandbox.stop().await;
}
