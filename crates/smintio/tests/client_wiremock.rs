//! Unit-level behaviour of the client against wiremock fakes: failure classification per
//! status class, 429 with `Retry-After`, token refresh and rotation, data-adapter signing.
//! The feed pager is in `feed.rs`, trace headers in `trace_context.rs`; real-HTTP tests
//! against the sandbox are in `sandbox_client.rs`.

// Helpers outside #[test] fns panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use assetrelay_signature::{HmacScheme, SigningKey};
use assetrelay_smintio::client::{
    AdapterConfig, AssetDataObject, Change, ClientConfig, RetryPolicy, SmintioClient,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod support;

use support::{config, fast_retry, mount_token, token};

const METADATA: &str = "/consumer/v1/sync/generic-metadata";

async fn metadata_error(
    server: &MockServer,
    response: ResponseTemplate,
) -> assetrelay_smintio::client::Error {
    server.reset().await;
    mount_token(server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(response)
        .mount(server)
        .await;
    let client = SmintioClient::new(config(server).with_retry(RetryPolicy::none())).unwrap();
    client.generic_metadata().await.unwrap_err()
}

#[tokio::test]
async fn classifies_failures_per_status_class() {
    let server = MockServer::start().await;
    for code in [408, 429, 500, 502, 503, 504] {
        let err = metadata_error(&server, ResponseTemplate::new(code)).await;
        assert!(err.is_transient(), "{code} should be transient: {err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code));
    }
    for code in [400, 401, 403, 404, 409, 422] {
        let err = metadata_error(&server, ResponseTemplate::new(code)).await;
        assert!(!err.is_transient(), "{code} should be permanent: {err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code));
    }
}

#[tokio::test]
async fn an_undecodable_body_is_permanent() {
    let server = MockServer::start().await;
    let err = metadata_error(
        &server,
        ResponseTemplate::new(200).set_body_string("<html>"),
    )
    .await;
    assert!(!err.is_transient());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let config = config(&server)
        .with_retry(RetryPolicy::none())
        .with_timeout(Duration::from_millis(300));
    let err = SmintioClient::new(config)
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = ClientConfig::new(
        Url::parse(&origin).unwrap(),
        Url::parse(&format!("{origin}/consumer/v1")).unwrap(),
        "id",
        SecretString::from("s"),
        SecretString::from("r"),
    )
    .with_retry(RetryPolicy::none());
    let err = SmintioClient::new(config)
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn waits_for_retry_after_on_429_then_succeeds() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"providers": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    let started = Instant::now();
    let metadata = client.generic_metadata().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(metadata.providers, Some(vec![]));
}

#[tokio::test]
async fn gives_up_on_429_after_the_configured_attempts() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server).with_retry(fast_retry(3))).unwrap();
    let err = client.generic_metadata().await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
}

#[tokio::test]
async fn hands_a_long_retry_after_back_to_the_caller() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = SmintioClient::new(config(&server))
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn does_not_retry_a_server_error_in_process() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = SmintioClient::new(config(&server))
        .unwrap()
        .generic_metadata()
        .await
        .unwrap_err();
    assert!(err.is_transient());
}

#[tokio::test]
async fn refreshes_the_token_once_on_401_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token("t1", "r1", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token("t2", "r2", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .and(header("authorization", "Bearer t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(2)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    client.generic_metadata().await.unwrap();
    assert_eq!(
        client.token_refreshes(),
        2,
        "the first token plus exactly one refresh"
    );
    client.generic_metadata().await.unwrap();
    assert_eq!(client.token_refreshes(), 2, "the new token is cached");
}

#[tokio::test]
async fn refreshes_the_token_before_it_expires() {
    let server = MockServer::start().await;
    // Lifetime below the 60 s refresh margin: every call must refresh first, never meet a 401.
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token("t1", "r1", 30))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(2)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    client.generic_metadata().await.unwrap();
    client.generic_metadata().await.unwrap();
    assert_eq!(client.token_refreshes(), 2);
}

#[tokio::test]
async fn presents_and_keeps_the_rotated_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=r0"))
        .and(body_string_contains("client_id=client-id"))
        .respond_with(token("t1", "r1", 1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .and(body_string_contains("refresh_token=r1"))
        .respond_with(token("t2", "r2", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    client.generic_metadata().await.unwrap();
    client.generic_metadata().await.unwrap();
    assert_eq!(client.current_refresh_token().await.expose_secret(), "r2");
}

#[tokio::test]
async fn an_invalid_grant_is_permanent_and_reveals_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    let err = client.generic_metadata().await.unwrap_err();
    assert!(!err.is_transient());
    let text = format!("{err} {err:?} {client:?}");
    assert!(text.contains("invalid_grant"), "{text}");
    assert!(
        !text.contains("very-secret-client-secret") && !text.contains("r0"),
        "{text}"
    );
}

#[tokio::test]
async fn signs_pushed_changes_as_the_adapter_recipe_verifies_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/portals/data-adapter/webhook"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accepted": 2})))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = AdapterConfig::new(
        Url::parse(&format!("{}/portals/data-adapter/webhook", server.uri())).unwrap(),
        SecretString::from("dev-adapter-secret"),
    );
    let client = SmintioClient::new(config(&server).with_adapter(adapter)).unwrap();
    let changes = [
        Change::update("I1", AssetDataObject::new("I1")),
        Change::deletion("I2"),
    ];
    let ack = client.push_changes(&changes).await.unwrap();
    assert_eq!(ack.accepted, Some(2));

    let request = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body["changes"][1],
        json!({"UnscopedAssetIdentifier": "I2", "Type": "AssetDeletion", "AssetDataObject": null})
    );
    let scheme = HmacScheme::timestamp_dot_body("X-Assetrelay-Signature", "X-Assetrelay-Timestamp");
    let key = SigningKey::from_bytes(b"dev-adapter-secret".to_vec()).unwrap();
    let headers = request.headers.clone();
    let now = chrono::Utc::now().timestamp();
    scheme
        .verify(&[key], &headers, &request.body, now)
        .expect("the signature verifies");
    assert!(
        !headers.contains_key("authorization"),
        "the adapter push carries no OAuth token"
    );
}

#[tokio::test]
async fn an_adapter_refusing_the_signature_is_a_permanent_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = AdapterConfig::new(
        Url::parse(&format!("{}/hook", server.uri())).unwrap(),
        SecretString::from("k"),
    );
    let client = SmintioClient::new(config(&server).with_adapter(adapter)).unwrap();
    let err = client
        .push_changes(&[Change::deletion("I1")])
        .await
        .unwrap_err();
    assert!(!err.is_transient());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn concurrent_calls_share_one_token_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token("t1", "r1", 3600).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(5)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();
    let calls = (0..5).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.generic_metadata().await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(client.token_refreshes(), 1);
}
