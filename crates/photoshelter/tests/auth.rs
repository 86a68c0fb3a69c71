//! Login, re-login on 401, rate limits and the sandbox's documented error answers.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use assetrelay_photoshelter::client::{Auth, Client, Error, Visibility};
use common::TestApp;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::json;

const LOGIN: &str = "/psapi/v3/mem/authenticate";

#[tokio::test]
async fn logs_in_lazily_once_for_many_calls() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let client = app.client();
    assert_eq!(client.logins(), 0);

    for _ in 0..3 {
        client.media(&id).await.unwrap();
    }

    assert_eq!(client.logins(), 1);
    assert_eq!(app.writes_to(LOGIN), 1);
}

#[tokio::test]
async fn logs_in_again_exactly_once_after_the_sessions_expire() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let client = app.client();
    client.media(&id).await.unwrap();

    let expired = app
        .control(Method::POST, "/_sandbox/photoshelter/sessions/expire", None)
        .await;
    assert_eq!(expired["expired"], 1);
    // `media` runs four calls concurrently: all get 401, only one logs in again.
    let media = client.media(&id).await.unwrap();

    assert_eq!(media.id, id);
    assert_eq!(client.logins(), 2);
    assert_eq!(app.writes_to(LOGIN), 2);
    let stats = app
        .control(Method::GET, "/_sandbox/photoshelter/stats", None)
        .await;
    assert_eq!(stats["logins"], 2);
}

#[tokio::test]
async fn an_upload_after_expiry_is_streamed_again_after_the_re_login() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("G").await;
    let client = app.client();
    client.gallery_children(&gallery).await.unwrap();
    app.control(Method::POST, "/_sandbox/photoshelter/sessions/expire", None)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.bin");
    std::fs::write(&path, vec![1u8; 300_000]).unwrap();

    let uploaded = client
        .upload(&assetrelay_photoshelter::client::Upload {
            gallery_id: gallery,
            file_name: "a.bin".into(),
            content_type: None,
            searchable: None,
            source: assetrelay_photoshelter::client::UploadSource::File(path),
        })
        .await
        .unwrap();

    assert_eq!(uploaded.file_size, Some(300_000));
    assert_eq!(client.logins(), 2);
}

#[tokio::test]
async fn a_wrong_password_is_a_permanent_401_without_a_retry_loop() {
    let app = TestApp::spawn().await;
    let mut config = app.config();
    config.auth = Auth::Token {
        email: "dev@example.com".into(),
        password: SecretString::from("wrong-password"),
        org_id: common::ORG.into(),
    };
    let client = Client::new(config).unwrap();

    let err = client
        .gallery_children("G0000000000000001")
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.code(), Some("AcsPermissionException"));
    assert!(!err.is_transient());
    assert_eq!(client.logins(), 1);
    assert!(!err.to_string().contains("wrong-password"));
}

#[tokio::test]
async fn a_wrong_api_key_is_a_permanent_403() {
    let app = TestApp::spawn().await;
    let mut config = app.config();
    config.api_key = SecretString::from("not-the-key");
    let client = Client::new(config).unwrap();

    let err = client.media("I0000000000000001").await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(err.code(), Some("ApiKeyInvalidException"));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn an_unknown_media_is_a_permanent_404() {
    let app = TestApp::spawn().await;

    let err = app.client().media("I0000DOESNOTEXIST").await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn honours_the_sandbox_retry_after_then_reports_a_transient_error() {
    let app = TestApp::spawn().await;
    let client = app.client();
    client
        .gallery_children(&app.gallery("G").await)
        .await
        .unwrap(); // logged in
    app.control(
        Method::POST,
        "/_sandbox/faults",
        Some(
            json!({"surface": "photoshelter", "endpoint": "/psapi/v4.0/media/{media_id}",
                    "rate_limit_rate": 1.0, "retry_after_secs": 1}),
        ),
    )
    .await;

    let started = Instant::now();
    let err = client
        .set_media_visibility("I0000000000000001", Visibility::Private)
        .await
        .unwrap_err();

    // Two in-process retries, each after the 1 s Retry-After.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_transient());
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(matches!(err, Error::Http { .. }));
}

#[tokio::test]
async fn a_hanging_platform_times_out_as_a_transient_error() {
    let app = TestApp::spawn().await;
    let mut config = app.config();
    config.timeout = Duration::from_millis(300);
    let client = Client::new(config).unwrap();
    client
        .gallery_children(&app.gallery("G").await)
        .await
        .unwrap();
    app.control(
        Method::POST,
        "/_sandbox/faults",
        Some(json!({"surface": "photoshelter", "endpoint": "/psapi/v4.0/media/{media_id}", "hang": true})),
    )
    .await;

    let err = client
        .set_media_visibility("I0000000000000001", Visibility::Private)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
}

/// PhotoShelter caps a user's concurrent sessions: a stopping process gives its back.
#[tokio::test]
async fn logout_ends_the_session_and_the_next_call_logs_in_again() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let client = app.client();
    client.media(&id).await.unwrap();
    let sessions =
        |stats: serde_json::Value| stats["sessions"].as_u64().expect("stats name the sessions");
    let stats = app
        .control(Method::GET, "/_sandbox/photoshelter/stats", None)
        .await;
    assert_eq!(sessions(stats), 1);

    client.logout().await.unwrap();

    let stats = app
        .control(Method::GET, "/_sandbox/photoshelter/stats", None)
        .await;
    assert_eq!(sessions(stats), 0, "the session outlived the logout");
    assert_eq!(app.writes_to("/psapi/v3/mem/authenticate/logout"), 1);
    client.logout().await.unwrap();
    assert_eq!(
        app.writes_to("/psapi/v3/mem/authenticate/logout"),
        1,
        "nothing to end twice"
    );
    client.media(&id).await.unwrap();
    assert_eq!(client.logins(), 2);
}
