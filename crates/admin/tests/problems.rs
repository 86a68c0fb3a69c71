//! Every answer that is not a success is RFC 9457 problem+json: extractor rejections,
//! unknown routes, wrong methods, oversized and stalled bodies. Driven through
//! `router().oneshot()`; none of these requests reaches the broker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use assetrelay_admin::Admin;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use common::{TOKEN, TestAdmin, build, config};

async fn admin() -> TestAdmin {
    let prefix = format!("admin-problems-{}", uuid::Uuid::new_v4().simple());
    build(config(&prefix, &format!("[\"{TOKEN}\"]"))).await
}

fn request(method: Method, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
}

fn json_post(uri: &str, body: &Value) -> Request<Body> {
    request(Method::POST, uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn send(admin: &Admin, request: Request<Body>) -> Answer {
    let response = admin.router().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{status} with a body that is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    Answer {
        status,
        headers,
        body,
    }
}

/// The answer is problem+json with this status and problem type.
fn assert_problem(answer: &Answer, status: StatusCode, slug: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(
        answer.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(
        answer.body["type"],
        format!("urn:assetrelay:problem:{slug}")
    );
    assert_eq!(answer.body["status"], status.as_u16());
    assert!(answer.body["detail"].is_string(), "{}", answer.body);
}

fn get(uri: &str) -> Request<Body> {
    request(Method::GET, uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_query_that_does_not_parse_is_a_400_problem() {
    let admin = admin().await;
    let answer = send(&admin, get("/v1/flows/to-smint/parked?limit=abc")).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        answer.body["detail"].as_str().unwrap().contains("limit"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_limit_above_1000_is_a_400_problem_not_silently_clamped() {
    let admin = admin().await;
    let answer = send(&admin, get("/v1/flows/to-smint/parked?limit=1001")).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_400_problem() {
    let admin = admin().await;
    let answer = send(&admin, get("/v1/flows/to-smint/parked/%FF")).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem_of_its_own_type() {
    let admin = admin().await;
    let answer = send(&admin, get("/v1/nothing-here")).await;
    assert_problem(&answer, StatusCode::NOT_FOUND, "no_such_route");
}

#[tokio::test]
async fn a_method_a_route_does_not_serve_is_a_405_problem_naming_the_allowed_ones() {
    let admin = admin().await;
    for (method, uri, allowed) in [
        (Method::DELETE, "/v1/flows", "GET,HEAD"),
        (Method::GET, "/v1/replay", "POST"),
        (Method::PUT, "/healthz", "GET,HEAD"),
    ] {
        let answer = send(&admin, request(method, uri).body(Body::empty()).unwrap()).await;
        assert_problem(
            &answer,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        );
        assert_eq!(answer.headers[header::ALLOW], allowed, "{uri}");
    }
}

#[tokio::test]
async fn a_body_with_an_unknown_field_is_a_422_problem() {
    let admin = admin().await;
    let answer = send(
        &admin,
        json_post(
            "/v1/flows/to-smint/parked/replay",
            &json!({"all": true, "confirm": true}),
        ),
    )
    .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(
        answer.body["detail"].as_str().unwrap().contains("confirm"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_problem() {
    let admin = admin().await;
    let request = request(Method::POST, "/v1/replay")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"since\": "))
        .unwrap();
    let answer = send(&admin, request).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_a_415_problem() {
    let admin = admin().await;
    let request = request(Method::POST, "/v1/flows/to-smint/parked/purge")
        .body(Body::from(r#"{"all": true, "confirm": true}"#))
        .unwrap();
    let answer = send(&admin, request).await;
    assert_problem(
        &answer,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn an_unknown_flow_or_platform_in_a_replay_body_is_a_422_problem() {
    let admin = admin().await;
    for body in [
        json!({"since": "1h", "flow": "to-nowhere"}),
        json!({"since": "1h", "flow": "to-smint", "platform": "myspace"}),
    ] {
        let answer = send(&admin, json_post("/v1/replay", &body)).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
}

#[tokio::test]
async fn a_fractional_sample_or_rate_is_a_422_problem() {
    let admin = admin().await;
    for body in [
        json!({"since": "1h", "flow": "to-smint", "sample": 2.5}),
        json!({"since": "1h", "flow": "to-smint", "rate": 0.5}),
        json!({"since": "1h", "flow": "to-smint", "sample": -1}),
    ] {
        let answer = send(&admin, json_post("/v1/replay", &body)).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
}

#[tokio::test]
async fn a_replay_sample_above_1000_is_a_400_problem() {
    let admin = admin().await;
    let body = json!({"since": "1h", "flow": "to-smint", "sample": 1001});
    let answer = send(&admin, json_post("/v1/replay", &body)).await;
    assert_problem(&answer, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413_problem_whether_announced_or_not() {
    let admin = admin().await;
    let ids: Vec<String> = (0..100_000).map(|i| format!("event-{i:08}")).collect();
    let body = json!({ "event_ids": ids }).to_string();
    assert!(body.len() > 1024 * 1024);
    for announced in [true, false] {
        let mut request = request(Method::POST, "/v1/flows/to-smint/parked/replay")
            .header(header::CONTENT_TYPE, "application/json");
        // With a Content-Length the limit refuses before reading; without, while reading.
        if announced {
            request = request.header(header::CONTENT_LENGTH, body.len());
        }
        let answer = send(&admin, request.body(Body::from(body.clone())).unwrap()).await;
        assert_problem(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    }
}

#[tokio::test]
async fn a_request_whose_body_never_ends_is_a_408_problem() {
    let admin = admin().await;
    // Paused only now: opening the store waits on real I/O, which virtual time would
    // time out at once.
    tokio::time::pause();
    let stalled = Body::from_stream(futures::stream::pending::<Result<Vec<u8>, std::io::Error>>());
    let request = request(Method::POST, "/v1/flows/to-smint/parked/replay")
        .header(header::CONTENT_TYPE, "application/json")
        .body(stalled)
        .unwrap();
    // Virtual time: the clock jumps to the server's timeout as soon as nothing else runs.
    let answer = tokio::time::timeout(Duration::from_secs(24 * 3600), send(&admin, request))
        .await
        .expect("the admin never timed the request out");
    assert_problem(&answer, StatusCode::REQUEST_TIMEOUT, "request_timeout");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_keeps_the_callers() {
    let admin = admin().await;
    let fresh = send(&admin, get("/v1/nothing-here")).await;
    let id = fresh.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let given = request(Method::GET, "/healthz")
        .header("x-request-id", "caller-chosen-id")
        .body(Body::empty())
        .unwrap();
    let kept = send(&admin, given).await;
    assert_eq!(kept.headers["x-request-id"], "caller-chosen-id");
}
