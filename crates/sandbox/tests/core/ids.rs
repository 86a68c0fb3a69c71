//! `id_seed`: each sandbox instance its own id space.

use std::collections::BTreeSet;

use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use serde_json::{Value, json};

async fn post(sandbox: &RunningSandbox, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sandbox.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

/// Every id a sandbox generated while creating two galleries, three media and two
/// license purchase transactions, as (kind, id).
async fn generated_ids(sandbox: &RunningSandbox) -> Vec<(&'static str, String)> {
    let mut ids = Vec::new();
    let mut galleries = Vec::new();
    for name in ["Brand", "Press"] {
        let gallery = post(
            sandbox,
            "/_sandbox/photoshelter/galleries",
            json!({"name": name}),
        )
        .await;
        galleries.push(text(&gallery["id"]));
        ids.push(("gallery", text(&gallery["id"])));
    }
    for file in ["a.jpg", "b.jpg", "c.jpg"] {
        let body = json!({"file_name": file, "galleries": galleries});
        let media = post(sandbox, "/_sandbox/photoshelter/media", body).await;
        ids.push(("media", text(&media["id"])));
    }
    for name in ["Hero", "Teaser"] {
        let body = json!({"action": "create", "name": name});
        let created = post(
            sandbox,
            "/_sandbox/smintio/license-purchase-transactions",
            body,
        )
        .await;
        let lpt = &created["license_purchase_transaction"];
        ids.push(("lpt", text(&lpt["uuid"])));
        ids.push(("cart", text(&lpt["cart_purchase_transaction_uuid"])));
        ids.push(("content element", text(&lpt["content_element"]["uuid"])));
        ids.push(("project", text(&lpt["project_uuid"])));
        ids.push(("continuation", text(&created["continuation_uuid"])));
        // Binaries are not part of the wire LPT (CLAPI-C serves them separately).
        let state = sandbox.state();
        let smintio = state.smintio.lock().await;
        for binary in &smintio.transactions[lpt["uuid"].as_str().unwrap()].binaries {
            ids.push(("binary", binary.uuid.clone()));
        }
    }
    ids
}

fn seeded(id_seed: u16) -> SandboxConfig {
    SandboxConfig {
        id_seed,
        ..SandboxConfig::for_tests()
    }
}

#[tokio::test]
async fn two_sandboxes_with_different_id_seeds_generate_no_common_id() {
    let one = spawn(seeded(1)).await.unwrap();
    let two = spawn(seeded(2)).await.unwrap();

    let first = generated_ids(&one).await;
    let second = generated_ids(&two).await;

    let first_ids: BTreeSet<&str> = first.iter().map(|(_, id)| id.as_str()).collect();
    let common: Vec<_> = second
        .iter()
        .filter(|(_, id)| first_ids.contains(id.as_str()))
        .collect();
    assert!(common.is_empty(), "ids in both sandboxes: {common:?}");
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn a_seeded_sandbox_still_generates_documented_id_shapes() {
    let sandbox = spawn(seeded(2)).await.unwrap();

    let ids = generated_ids(&sandbox).await;

    for (kind, id) in &ids {
        match *kind {
            "gallery" | "media" => {
                let prefix = if *kind == "gallery" { "G0000" } else { "I0000" };
                assert_eq!(id.len(), 16, "{id}");
                assert!(id.starts_with(prefix), "{id}");
                assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
            }
            "content element" => assert!(id.starts_with("2:0:"), "{id}"),
            _ => assert!(uuid::Uuid::parse_str(id).is_ok(), "{kind}: {id}"),
        }
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn the_test_configuration_keeps_the_historical_ids() {
    assert_eq!(SandboxConfig::for_tests().id_seed, 0);
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();

    let ids = generated_ids(&sandbox).await;

    assert_eq!(ids[0], ("gallery", "G000000000000001".to_owned()));
    assert_eq!(ids[2], ("media", "I000000000000003".to_owned()));
    sandbox.stop().await;
}

#[tokio::test]
async fn the_id_space_of_a_sandbox_that_restarts_on_its_state_file_stays_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        state_file: Some(dir.path().join("s.sandbox-state.json")),
        ..seeded(3)
    };
    let before = spawn(config.clone()).await.unwrap();
    let earlier = generated_ids(&before).await;
    before.stop().await;
    let after = spawn(config).await.unwrap();

    let later = generated_ids(&after).await;

    let earlier: BTreeSet<&str> = earlier.iter().map(|(_, id)| id.as_str()).collect();
    let repeated: Vec<_> = later
        .iter()
        .filter(|(kind, id)| *kind != "project" && earlier.contains(id.as_str()))
        .collect();
    assert!(repeated.is_empty(), "ids handed out twice: {repeated:?}");
    assert!(later[0].1.starts_with("G0000aaad"), "{:?}", later[0]);
    after.stop().await;
}
