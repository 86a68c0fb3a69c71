//! The contract between the sandbox and the ingress: the webhooks the simulated platforms
//! sign with the dev secrets of `config/example.toml` are accepted and published.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_sandbox::SandboxConfig;
use serde_json::{Value, json};
use support::*;

async fn deliveries(http: &reqwest::Client, sandbox: &str) -> Vec<Value> {
    http.get(format!("{sandbox}/_sandbox/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn webhooks_signed_by_the_sandbox_are_accepted_and_published() {
    let app = TestApp::spawn().await;
    let mut config = SandboxConfig::for_tests();
    config.ingress_url = Some(app.base.clone());
    let sandbox = assetrelay_sandbox::spawn(config).await.unwrap();
    let http = reqwest::Client::new();

    let media: Value = http
        .post(format!("{}/_sandbox/photoshelter/media", sandbox.base_url))
        .json(&json!({"file_name": "hero.jpg", "iptc": {"credit": "ACME"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.post(format!(
        "{}/_sandbox/smintio/license-purchase-transactions",
        sandbox.base_url
    ))
    .json(&json!({"action": "create", "name": "Campaign hero"}))
    .send()
    .await
    .unwrap();

    // media.created, license_purchase_transaction.completed, global-transaction-history-update
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let done = loop {
        let all = deliveries(&http, &sandbox.base_url).await;
        if all.len() >= 3 && all.iter().all(|d| d["status"] != "pending") {
            break all;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries did not finish: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(done.iter().all(|d| d["status"] == "delivered"), "{done:#?}");

    let to_smint = take(&app.topology.work_queue(Flow::ToSmint))
        .await
        .expect("photoshelter event");
    let event: Value = serde_json::from_slice(&to_smint.body).unwrap();
    assert_eq!(event["type"], "asset.updated");
    assert_eq!(event["subject"], media["id"]);
    let mut license_keys = vec![];
    for _ in 0..2 {
        let m = take(&app.topology.work_queue(Flow::ToPhotoshelter))
            .await
            .expect("smintio event");
        license_keys.push(m.routing_key);
    }
    license_keys.sort();
    assert_eq!(
        license_keys,
        [
            "smintio.demo.license.purchased",
            "smintio.demo.license.updated"
        ]
    );
    sandbox.stop().await;
    app.stop().await;
}
