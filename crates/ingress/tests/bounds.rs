//! Input from the internet stays bounded: platform ids and delivery ids are checked where
//! the payload is parsed (400 naming the field), a connection name in the path is a clean
//! 404 whatever it holds, and neither becomes a span field, a metric label or a request id.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use support::*;

async fn problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.unwrap()
}

fn ps_with(field: &str, value: &str) -> String {
    let mut body: serde_json::Value =
        serde_json::from_str(&ps_body("d-bounds", "media.updated")).unwrap();
    body[field] = value.into();
    body.to_string()
}

#[tokio::test]
async fn a_600_kb_media_id_is_a_400_naming_the_field_and_nothing_is_published() {
    let app = TestApp::spawn().await;

    let response = app
        .post_signed(
            "photoshelter",
            &ps_with("media_id", &"I".repeat(600 * 1024)),
        )
        .await;

    let problem = problem(response, 400).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("`media_id`"), "{detail}");
    assert!(detail.len() < 200, "{detail}");
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn odd_platform_ids_and_delivery_ids_are_400s_naming_the_field() {
    let app = TestApp::spawn().await;
    for (field, value) in [
        ("org_id", "O0000/../../admin"),
        ("media_id", ".."),
        ("id", &"d".repeat(129)),
        ("id", "two words"),
    ] {
        let response = app
            .post_signed("photoshelter", &ps_with(field, value))
            .await;
        let problem = problem(response, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("`{field}`")),
            "{field}: {problem}"
        );
    }
    let smint = r#"{"id":"s-1","event":"license_purchase_transaction.completed","occurred_at":"2026-11-29T10:00:00Z","tenant_id":"evil.example.com","license_purchase_transaction_uuid":"79468","cart_purchase_transaction_uuid":"3525"}"#;
    let problem = problem(app.post_signed("smintio", smint).await, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("`tenant_id`"));
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_odd_or_oversized_connection_name_is_a_404_problem_and_never_a_metric_label() {
    let app = TestApp::spawn().await;
    let huge = "c".repeat(10_000);
    for name in [huge.as_str(), "%FF%FE", "Demo", "de.mo", "demo%2F..%2Fdemo"] {
        let response = app
            .post(
                &format!("/webhooks/photoshelter/{name}"),
                &ps_body("d", "media.updated"),
                &[],
            )
            .await;
        let problem = problem(response, 404).await;
        assert_eq!(problem["status"], 404, "{name:.20}");
    }
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("ccccc"), "the name became a label");
    assert!(!metrics.contains("Demo") && !metrics.contains("de.mo"));
    app.stop().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_sound_one_from_the_caller_is_kept() {
    let app = TestApp::spawn().await;
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned())
    };

    let accepted = app
        .post_signed("photoshelter", &ps_body("d-rid", "media.updated"))
        .await;
    let missing = app.post("/nothing", "{}", &[]).await;
    let kept = app
        .post("/nothing", "{}", &[("x-request-id", "relay-7f3a".into())])
        .await;
    let replaced = app
        .post("/nothing", "{}", &[("x-request-id", "r".repeat(200))])
        .await;

    assert_eq!(accepted.status(), 202);
    let generated = id_of(&accepted).expect("a request id on the 202");
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
    assert!(id_of(&missing).is_some(), "a request id on the 404");
    assert_eq!(id_of(&kept).as_deref(), Some("relay-7f3a"));
    let fresh = id_of(&replaced).unwrap();
    assert!(uuid::Uuid::parse_str(&fresh).is_ok(), "{fresh}");
    app.stop().await;
}
