//! `GET /v1/assets/{connection}/{platform}/{asset_id}` and the store in `/readyz`, through
//! `router().oneshot()` on an admin whose SQLite store is seeded directly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use assetrelay_store::{AssetKey, Decision, LedgerWrite, Outcome, SourceVersion};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use common::{TOKEN, TestAdmin, build, config};

/// 2026-11-29T10:00:00Z.
const T0: i64 = 1_795_946_400_000;

async fn admin() -> TestAdmin {
    let prefix = format!("admin-assets-{}", uuid::Uuid::new_v4().simple());
    build(config(&prefix, &format!("[\"{TOKEN}\"]"))).await
}

/// photoshelter/I0001 in `demo`: `e-1` retried then written, `e-2` parked, replayed,
/// written; a ledger row of to-smint.
async fn seed(admin: &TestAdmin) {
    let row = |event: &str, at: i64, decision, reason: Option<&str>, tier| Outcome {
        at_ms: T0 + at,
        event_id: event.into(),
        event_type: "asset.updated".into(),
        event_at_ms: Some(T0),
        flow: "to-smint".into(),
        connection: "demo".into(),
        platform: "photoshelter".into(),
        asset_id: "I0001".into(),
        decision,
        reason: reason.map(str::to_owned),
        tier,
        target_call: Some("smintio.push_changes".into()),
        target_status: Some(if reason.is_some() { "503" } else { "ok" }.into()),
        duration_ms: 12,
    };
    let store = admin.store();
    store
        .record_outcomes(&[
            row("e-1", 0, Decision::Retried, Some("smintio_503"), Some(5)),
            row("e-1", 5_000, Decision::Written, None, None),
            row("e-2", 6_000, Decision::Parked, Some("smintio_400"), None),
            row("e-2", 9_000, Decision::Replayed, Some("replay R1"), None),
            row("e-2", 9_100, Decision::Written, None, None),
        ])
        .await
        .unwrap();
    let write = LedgerWrite {
        target_ids: vec!["S-1".into()],
        fingerprint: "fp".into(),
        source: SourceVersion {
            modified_ms: T0,
            read_ms: T0 + 9_050,
        },
        outcome: "written".into(),
    };
    let key = AssetKey::new("demo", "to-smint", "photoshelter", "I0001");
    store.record_write(&key, &write).await.unwrap();
}

async fn get(admin: &TestAdmin, uri: &str, token: Option<&str>) -> (StatusCode, String, Value) {
    let mut request = Request::builder().uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = admin
        .router()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap(),
    )
}

fn assert_problem(answer: &(StatusCode, String, Value), status: StatusCode, slug: &str) {
    let (got, content_type, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body["type"],
        format!("urn:assetrelay:problem:{slug}"),
        "{body}"
    );
}

#[tokio::test]
async fn a_known_asset_is_answered_with_its_timeline() {
    let admin = admin().await;
    seed(&admin).await;

    let (status, content_type, body) =
        get(&admin, "/v1/assets/demo/photoshelter/I0001", Some(TOKEN)).await;
    let (_, _, latest) = get(
        &admin,
        "/v1/assets/demo/photoshelter/I0001?limit=1",
        Some(TOKEN),
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(body["connection"], "demo");
    assert_eq!(body["found"], true);
    assert_eq!(body["ledger"][0]["target_ids"][0], "S-1");
    let ids: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e-1", "e-2"]);
    let first = &body["events"][0]["flows"][0]["decisions"][0];
    assert_eq!(first["decision"], "retried");
    assert_eq!(first["retry_tier_secs"], 5);
    assert_eq!(
        body["events"][1]["flows"][0]["decisions"][1]["reason"],
        "replay R1"
    );
    assert_eq!(latest["truncated"], true);
    assert_eq!(latest["outcome_rows"], 1);
}

#[tokio::test]
async fn the_answer_fits_the_documented_asset_timeline_schema() {
    let admin = admin().await;
    seed(&admin).await;
    let document: Value = yaml_serde::from_str(assetrelay_admin::OPENAPI).unwrap();
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft202012)
        .add("urn:assetrelay:admin-openapi", document)
        .unwrap()
        .prepare()
        .unwrap();
    let schema = serde_json::json!({
        "$ref": "urn:assetrelay:admin-openapi#/components/schemas/AssetTimeline"
    });
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_registry(&registry)
        .build(&schema)
        .unwrap();

    let (status, _, body) = get(&admin, "/v1/assets/demo/photoshelter/I0001", Some(TOKEN)).await;

    assert_eq!(status, StatusCode::OK);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{body:#}");
    // The reference resolved to the real schema, not to one that accepts anything.
    assert!(!validator.is_valid(&serde_json::json!({"found": true})));
}

#[tokio::test]
async fn an_unknown_platform_or_a_bad_limit_is_400() {
    let admin = admin().await;
    seed(&admin).await;

    let platform = get(&admin, "/v1/assets/demo/flickr/I0001", Some(TOKEN)).await;
    let zero = get(
        &admin,
        "/v1/assets/demo/photoshelter/I0001?limit=0",
        Some(TOKEN),
    )
    .await;
    let text = get(
        &admin,
        "/v1/assets/demo/photoshelter/I0001?limit=many",
        Some(TOKEN),
    )
    .await;

    assert_problem(&platform, StatusCode::BAD_REQUEST, "invalid_request");
    let detail = platform.2["detail"].as_str().unwrap();
    assert!(detail.contains("photoshelter, smintio"), "{detail}");
    assert_problem(&zero, StatusCode::BAD_REQUEST, "invalid_request");
    assert_problem(&text, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn an_asset_the_store_does_not_know_in_that_connection_is_404() {
    let admin = admin().await;
    seed(&admin).await;

    let other_asset = get(&admin, "/v1/assets/demo/photoshelter/I0002", Some(TOKEN)).await;
    let other_connection = get(&admin, "/v1/assets/acme/photoshelter/I0001", Some(TOKEN)).await;
    let other_platform = get(&admin, "/v1/assets/demo/smintio/I0001", Some(TOKEN)).await;

    for answer in [&other_asset, &other_connection, &other_platform] {
        assert_problem(answer, StatusCode::NOT_FOUND, "not_found");
    }
    let detail = other_connection.2["detail"].as_str().unwrap();
    assert!(
        detail.contains("photoshelter/I0001") && detail.contains("`acme`"),
        "{detail}"
    );
}

#[tokio::test]
async fn without_an_accepted_token_it_is_401() {
    let admin = admin().await;
    seed(&admin).await;

    let none = get(&admin, "/v1/assets/demo/photoshelter/I0001", None).await;
    let wrong = get(
        &admin,
        "/v1/assets/demo/photoshelter/I0001",
        Some("not-the-token-0123456"),
    )
    .await;

    assert_problem(&none, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_problem(&wrong, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(none.2.get("events").is_none());
}

#[tokio::test]
async fn readyz_names_the_store_once_it_stops_answering() {
    let admin = admin().await;
    assert!(admin.broker().wait_ready(Duration::from_secs(10)).await);

    let (up, _, _) = get(&admin, "/readyz", None).await;
    admin.store().close().await;
    let down = get(&admin, "/readyz", None).await;

    assert_eq!(up, StatusCode::OK);
    assert_eq!(down.0, StatusCode::SERVICE_UNAVAILABLE, "{}", down.2);
    assert_eq!(down.2["unavailable"], serde_json::json!(["store"]));
}
