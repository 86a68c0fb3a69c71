//! The webhook route end to end: real listener, real RabbitMQ, one prefix per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use assetrelay_contract::{Flow, header};
use support::*;

fn problem_of(body: &serde_json::Value, status: u16) {
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:assetrelay:problem:"),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
}

async fn expect_problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    problem_of(&body, status);
    let text = body.to_string();
    for secret in [
        PS_SECRET,
        SMINT_SECRET,
        "ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA",
        "guest:guest",
    ] {
        assert!(!text.contains(secret), "problem leaks a secret: {text}");
    }
    body
}

#[tokio::test]
async fn a_signed_photoshelter_webhook_is_published_as_the_canonical_event_after_the_confirm() {
    let app = TestApp::spawn().await;
    let body = ps_body("d-100", "media.updated");
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut headers = sign(PS_SECRET, "msg_1", now(), body.as_bytes());
    headers.push((header::TRACEPARENT, traceparent.into()));

    let response = app
        .post("/webhooks/photoshelter/demo", &body, &headers)
        .await;

    assert_eq!(response.status(), 202);
    let event_id = response.json::<serde_json::Value>().await.unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        event_id,
        assetrelay_contract::event_id_for_delivery("photoshelter", "demo", "d-100")
    );
    let message = take(&to_smint(&app))
        .await
        .expect("message in the to-smint queue");
    assert_eq!(message.routing_key, "photoshelter.demo.asset.updated");
    assert_eq!(message.exchange, app.topology.exchange());
    let props = &message.properties;
    assert_eq!(props.message_id().as_ref().unwrap().as_str(), event_id);
    assert_eq!(
        props.content_type().as_ref().unwrap().as_str(),
        "application/cloudevents+json"
    );
    assert_eq!(*props.delivery_mode(), Some(2));
    assert_eq!(props.kind().as_ref().unwrap().as_str(), "asset.updated");
    assert!(props.timestamp().is_some());
    assert_eq!(message.header(header::CONNECTION), Some("demo"));
    assert_eq!(message.header(header::TRACEPARENT), Some(traceparent));
    let event: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
    assert_eq!(
        event,
        serde_json::json!({
            "specversion": "1.0",
            "id": event_id,
            "source": "photoshelter/demo",
            "type": "asset.updated",
            "subject": "I0000abcdEFGH123",
            "time": "2026-11-29T10:00:00Z",
            "datacontenttype": "application/json",
            "assetrelayconnection": "demo",
            "traceparent": traceparent,
            "data": {
                "platform": "photoshelter",
                "asset_id": "I0000abcdEFGH123",
                "change": {"platform_event": "media.updated", "org_id": "O0000DEVORG00001"},
                "hint": {"delivery_id": "d-100"}
            }
        })
    );
    app.stop().await;
}

#[tokio::test]
async fn a_smintio_license_event_goes_to_the_to_photoshelter_flow_only() {
    let app = TestApp::spawn().await;
    let body = r#"{"id":"s-1","event":"license_purchase_transaction.completed","occurred_at":"2026-11-29T10:00:00Z","tenant_id":"devtenant","license_purchase_transaction_uuid":"79468","cart_purchase_transaction_uuid":"3525"}"#;

    assert_eq!(app.post_signed("smintio", body).await.status(), 202);

    let message = take(&app.topology.work_queue(Flow::ToPhotoshelter))
        .await
        .unwrap();
    assert_eq!(message.routing_key, "smintio.demo.license.purchased");
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_retried_delivery_gets_the_same_event_id_and_is_published_once() {
    let app = TestApp::spawn().await;
    let body = ps_body("d-dup", "media.approved");

    let first = app
        .post_signed("photoshelter", &body)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let second = app.post_signed("photoshelter", &body).await;

    assert_eq!(second.status(), 202);
    assert_eq!(
        second.json::<serde_json::Value>().await.unwrap()["event_id"],
        first["event_id"]
    );
    assert!(take(&to_smint(&app)).await.is_some());
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    expect_problem(app.post_signed("photoshelter", "{not json").await, 400).await;
    app.stop().await;
}

#[tokio::test]
async fn a_missing_field_is_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let body =
        r#"{"id":"d","event":"media.updated","occurred_at":"2026-11-29T10:00:00Z","org_id":"O"}"#;
    let problem = expect_problem(app.post_signed("photoshelter", body).await, 400).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("media_id"),
        "{problem}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_event_is_a_422_and_nothing_is_published() {
    let app = TestApp::spawn().await;
    let problem = expect_problem(
        app.post_signed("photoshelter", &ps_body("d", "media.teleported"))
            .await,
        422,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("media.teleported")
    );
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_smintio_asset_event_is_a_422_unsupported_and_reaches_no_flow() {
    let app = TestApp::spawn().await;
    let body = r#"{"id":"s-1","event":"asset.updated","occurred_at":"2026-11-29T10:00:00Z","tenant_id":"devtenant","asset_id":"A-42"}"#;

    let problem = expect_problem(app.post_signed("smintio", body).await, 422).await;

    assert_eq!(problem["type"], "urn:assetrelay:problem:unsupported_event");
    assert!(
        problem["detail"].as_str().unwrap().contains("license"),
        "{problem}"
    );
    for flow in Flow::ALL {
        assert_eq!(depth(&app.topology.work_queue(flow)).await, 0, "{flow}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_missing_signature_is_a_401() {
    let app = TestApp::spawn().await;
    let problem = expect_problem(
        app.post(
            "/webhooks/photoshelter/demo",
            &ps_body("d", "media.updated"),
            &[],
        )
        .await,
        401,
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("webhook-id"),
        "{problem}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_signature_made_with_another_secret_is_a_401() {
    let app = TestApp::spawn().await;
    let body = ps_body("d", "media.updated");
    let headers = sign(SMINT_SECRET, "msg_1", now(), body.as_bytes());
    expect_problem(
        app.post("/webhooks/photoshelter/demo", &body, &headers)
            .await,
        401,
    )
    .await;
    assert_eq!(depth(&to_smint(&app)).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn timestamps_just_inside_the_tolerance_are_accepted_and_just_outside_refused() {
    let app = TestApp::spawn_with(&[(
        "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__WEBHOOK__TOLERANCE_SECS",
        "60",
    )])
    .await;
    let body = ps_body("d-tol", "media.updated");
    let at = |offset: i64| sign(PS_SECRET, "m", now() + offset, body.as_bytes());

    assert_eq!(
        app.post("/webhooks/photoshelter/demo", &body, &at(-55))
            .await
            .status(),
        202
    );
    assert_eq!(
        app.post("/webhooks/photoshelter/demo", &body, &at(55))
            .await
            .status(),
        202
    );
    let old = expect_problem(
        app.post("/webhooks/photoshelter/demo", &body, &at(-65))
            .await,
        401,
    )
    .await;
    assert!(old["detail"].as_str().unwrap().contains("older"), "{old}");
    let future = expect_problem(
        app.post("/webhooks/photoshelter/demo", &body, &at(65))
            .await,
        401,
    )
    .await;
    assert!(
        future["detail"].as_str().unwrap().contains("future"),
        "{future}"
    );
    app.stop().await;
}

#[tokio::test]
async fn during_a_rotation_the_old_and_the_new_secret_are_both_accepted() {
    let new_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let secrets = format!(r#"["{new_secret}", "{PS_SECRET}"]"#);
    let app = TestApp::spawn_with(&[(
        "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__WEBHOOK__SECRETS",
        &secrets,
    )])
    .await;
    for (i, secret) in [new_secret, PS_SECRET].iter().enumerate() {
        let body = ps_body(&format!("rot-{i}"), "media.updated");
        let headers = sign(secret, "m", now(), body.as_bytes());
        assert_eq!(
            app.post("/webhooks/photoshelter/demo", &body, &headers)
                .await
                .status(),
            202,
            "secret #{i}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_platform_or_connection_or_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let body = ps_body("d", "media.updated");
    expect_problem(app.post("/webhooks/flickr/demo", &body, &[]).await, 404).await;
    expect_problem(
        app.post("/webhooks/photoshelter/nobody", &body, &[]).await,
        404,
    )
    .await;
    expect_problem(app.post("/nothing/here", &body, &[]).await, 404).await;
    let get = app
        .http
        .get(app.url("/webhooks/photoshelter/demo"))
        .send()
        .await
        .unwrap();
    expect_problem(get, 405).await;
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let body = ps_body("d", "media.updated");
    let mut request = app
        .http
        .post(app.url("/webhooks/photoshelter/demo"))
        .header("content-type", "text/plain")
        .body(body.clone());
    for (k, v) in sign(PS_SECRET, "m", now(), body.as_bytes()) {
        request = request.header(k, v);
    }
    expect_problem(request.send().await.unwrap(), 415).await;
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_whether_declared_or_streamed() {
    let app = TestApp::spawn_with(&[("ASSETRELAY_INGRESS__BODY_LIMIT_BYTES", "1024")]).await;
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(4096));
    expect_problem(app.post_signed("photoshelter", &big).await, 413).await;

    // Chunked, no Content-Length: cut off while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..64).map(|_| Ok(vec![b' '; 256])).collect();
    let streamed = app
        .http
        .post(app.url("/webhooks/photoshelter/demo"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    expect_problem(streamed, 413).await;
    app.stop().await;
}

#[tokio::test]
async fn health_is_200_and_metrics_count_requests_by_outcome() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.post_signed("photoshelter", &ps_body("m-1", "media.updated"))
        .await;
    app.post(
        "/webhooks/photoshelter/demo",
        &ps_body("m-2", "media.updated"),
        &[],
    )
    .await;

    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(text.contains(r#"assetrelay_ingress_requests_total{platform="photoshelter",connection="demo",outcome="accepted"}"#), "{text}");
    assert!(text.contains(r#"assetrelay_ingress_verification_failures_total{platform="photoshelter",connection="demo",reason="missing_header"}"#), "{text}");
    assert!(
        text.contains("assetrelay_ingress_publish_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains("assetrelay_ingress_in_flight_requests"),
        "{text}"
    );
    app.stop().await;
}
