//! Failure classification of every call, against wiremock fakes: which statuses and
//! transport failures are transient, how `Retry-After` is exposed and honoured, and that
//! no secret reaches error text.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use assetrelay_photoshelter::client::{
    Auth, Client, ClientConfig, Error, Upload, UploadSource, Visibility,
};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MEDIA: &str = "/psapi/v4.0/media/I0000AAAAAAAAAAA";
const KEY: &str = "super-secret-api-key";
const TOKEN: &str = "super-secret-bearer";

fn config(base: &str) -> ClientConfig {
    let mut config = ClientConfig::new(
        base.parse().unwrap(),
        SecretString::from(KEY),
        Auth::OAuth {
            access_token: Some(SecretString::from(TOKEN)),
            refresh: None,
            org_id: "O0000DEVORG00001".into(),
        },
    );
    config.timeout = Duration::from_secs(5);
    config
}

fn client(base: &str) -> Client {
    Client::new(config(base)).unwrap()
}

/// A server answering `status` (with a v4 error body) on every call.
async fn answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    let body = json!({"errors": [{"id": "SomeException", "status": status.to_string(), "title": "failed"}]});
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn classifies_408_429_and_5xx_as_transient() {
    for status in [408u16, 429, 500, 502, 503, 504] {
        let server = answering(status).await;
        let mut config = config(&server.uri());
        config.rate_limit_retries = 0;
        let err = Client::new(config)
            .unwrap()
            .media("I0000AAAAAAAAAAA")
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{status}: {err}");
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
    }
}

#[tokio::test]
async fn classifies_other_4xx_as_permanent() {
    for status in [400u16, 401, 403, 404, 409, 422] {
        let server = answering(status).await;
        let err = client(&server.uri())
            .media("I0000AAAAAAAAAAA")
            .await
            .unwrap_err();
        assert!(!err.is_transient(), "{status}: {err}");
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(err.code(), Some("SomeException"));
    }
}

#[tokio::test]
async fn classifies_an_undecodable_body_as_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .media("I0000AAAAAAAAAAA")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn classifies_a_timeout_as_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let mut config = config(&server.uri());
    config.timeout = Duration::from_millis(300);
    let err = Client::new(config)
        .unwrap()
        .media("I0000AAAAAAAAAAA")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn classifies_a_refused_connection_as_transient() {
    // Bind then drop a listener: its port is (almost certainly) closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = client(&format!("http://127.0.0.1:{port}"))
        .media("I0000AAAAAAAAAAA")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn exposes_retry_after_of_a_429_it_does_not_wait_for() {
    let server = MockServer::start().await;
    let body = json!({"errors": [{"id": "TooManyRequestsException", "status": "429", "title": "Too many requests"}]});
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "180")
                .set_body_json(body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .set_media_visibility("I0000AAAAAAAAAAA", Visibility::Private)
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(180)));
    assert_eq!(err.code(), Some("TooManyRequestsException"));
}

#[tokio::test]
async fn waits_out_a_short_retry_after_and_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(MEDIA))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"id": "I0000AAAAAAAAAAA", "type": "image", "attributes": {}}}),
        ))
        .mount(&server)
        .await;
    for sub in ["iptc", "galleries", "custom-metadata"] {
        Mock::given(method("GET"))
            .and(path(format!("{MEDIA}/{sub}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
            .mount(&server)
            .await;
    }
    let started = Instant::now();
    let media = client(&server.uri())
        .media("I0000AAAAAAAAAAA")
        .await
        .unwrap();
    assert_eq!(media.id, "I0000AAAAAAAAAAA");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn sends_the_api_key_and_bearer_on_every_call() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(header("X-PS-Api-Key", KEY))
        .and(header("Authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server.uri())
        .set_media_visibility("I0000AAAAAAAAAAA", Visibility::Private)
        .await
        .unwrap();
}

#[tokio::test]
async fn keeps_secrets_out_of_errors_and_debug_output() {
    let server = answering(403).await;
    let client = client(&server.uri());
    let err = client.media("I0000AAAAAAAAAAA").await.unwrap_err();
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{:?}", config(&server.uri())),
    ] {
        assert!(
            !text.contains(KEY) && !text.contains(TOKEN),
            "secret leaked: {text}"
        );
    }
}

#[tokio::test]
async fn rejects_ids_that_would_change_the_path_without_calling() {
    let server = MockServer::start().await;
    let err = client(&server.uri())
        .media("../galleries")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidId { .. }));
    assert!(!err.is_transient());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_v3_error_envelope_in_a_200_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "error", "message": "Invalid mode"})),
        )
        .mount(&server)
        .await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), b"jpeg").unwrap();
    let upload = Upload {
        gallery_id: "G0000AAAAAAAAAAA".into(),
        file_name: "a.jpg".into(),
        content_type: None,
        searchable: None,
        source: UploadSource::File(file.path().to_owned()),
    };
    let err = client(&server.uri()).upload(&upload).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn follows_meta_paging_next_across_pages() {
    let server = MockServer::start().await;
    let item = |id: &str| json!({"id": id, "type": "image", "attributes": {}});
    let children = "/psapi/v4.0/galleries/G0000AAAAAAAAAAA/children";
    Mock::given(method("GET"))
        .and(path(children))
        .and(wiremock::matchers::query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [item("I0000000000000001")], "meta": {"paging": {"next": 2}}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(children))
        .and(wiremock::matchers::query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [item("I0000000000000002")], "meta": {"paging": {"next": null}}}),
        ))
        .mount(&server)
        .await;
    let ids: Vec<String> = client(&server.uri())
        .gallery_children("G0000AAAAAAAAAAA")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec!["I0000000000000001", "I0000000000000002"]);
}

#[tokio::test]
async fn an_endless_modified_since_listing_is_a_limit_error_not_a_partial_answer() {
    let server = MockServer::start().await;
    let now = chrono::Utc::now().to_rfc3339();
    Mock::given(method("GET"))
        .and(path("/psapi/v4.0/media"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "I0000000000000001", "type": "image", "attributes": {"modified_at": now}}],
            "meta": {"paging": {"next": 1}},
        })))
        .mount(&server)
        .await;
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let err = client(&server.uri())
        .media_modified_since(since)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
}
