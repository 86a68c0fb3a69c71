//! `Client::media_snapshot` against wiremock fakes whose answers change between calls:
//! an edit during the read causes a re-read, an item edited throughout gives
//! `InconsistentRead`, and a read of an item at rest takes the minimal five calls.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use assetrelay_photoshelter::client::{Auth, Client, ClientConfig, Error};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ID: &str = "I0000AAAAAAAAAAA";
const BASE: &str = "/psapi/v4.0/media/I0000AAAAAAAAAAA";

fn client(server: &MockServer) -> Client {
    let mut config = ClientConfig::new(
        server.uri().parse().unwrap(),
        SecretString::from("key"),
        Auth::OAuth {
            access_token: Some(SecretString::from("bearer")),
            refresh: None,
            org_id: "O0000DEVORG00001".into(),
        },
    );
    config.timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

/// The media resource as modified at `modified_at`, with the file version "1" every
/// metadata edit keeps.
fn base(modified_at: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": {"id": ID, "type": "image",
        "attributes": {"file_name": "hero.jpg", "version": 1, "modified_at": modified_at}}}))
}

fn iptc(credit: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"data": {"id": ID, "type": "iptc", "attributes": {"credit": credit}}}),
    )
}

/// Mounts `respond` on `GET {path}`, expecting exactly `calls` calls.
async fn mount(server: &MockServer, at: &str, respond: ResponseTemplate, calls: u64) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(respond)
        .expect(calls)
        .mount(server)
        .await;
}

/// Answers the first `first_calls` calls with `before`, every later one with `after`.
async fn mount_changing(
    server: &MockServer,
    at: &str,
    first_calls: u64,
    before: ResponseTemplate,
    after: ResponseTemplate,
    total_calls: u64,
) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(before)
        .up_to_n_times(first_calls)
        .with_priority(1)
        .expect(first_calls)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(after)
        .with_priority(2)
        .expect(total_calls - first_calls)
        .mount(server)
        .await;
}

async fn mount_unchanging_parts(server: &MockServer, calls: u64) {
    let empty_list = ResponseTemplate::new(200).set_body_json(json!({"data": []}));
    mount(
        server,
        &format!("{BASE}/galleries"),
        empty_list.clone(),
        calls,
    )
    .await;
    mount(
        server,
        &format!("{BASE}/custom-metadata"),
        empty_list,
        calls,
    )
    .await;
}

#[tokio::test]
async fn a_read_of_an_item_at_rest_takes_five_calls() {
    let server = MockServer::start().await;
    mount(&server, BASE, base("2026-11-29T10:00:00.000000"), 2).await;
    mount(&server, &format!("{BASE}/iptc"), iptc("ACME"), 1).await;
    mount_unchanging_parts(&server, 1).await;

    let snapshot = client(&server).media_snapshot(ID).await.unwrap();

    assert_eq!(snapshot.media.iptc.unwrap().credit.as_deref(), Some("ACME"));
    server.verify().await;
}

#[tokio::test]
async fn an_edit_during_the_read_causes_a_re_read_with_consistent_parts() {
    let server = MockServer::start().await;
    // The edit lands after the first IPTC read: the first bracket sees 10:00:00 then
    // 10:00:05, the second 10:00:05 twice.
    mount_changing(
        &server,
        BASE,
        1,
        base("2026-11-29T10:00:00.000000"),
        base("2026-11-29T10:00:05.000000"),
        3,
    )
    .await;
    mount_changing(
        &server,
        &format!("{BASE}/iptc"),
        1,
        iptc("old credit"),
        iptc("new credit"),
        2,
    )
    .await;
    mount_unchanging_parts(&server, 2).await;

    let snapshot = client(&server).media_snapshot(ID).await.unwrap();

    assert_eq!(
        snapshot.media.iptc.as_ref().unwrap().credit.as_deref(),
        Some("new credit")
    );
    let modified = snapshot.media.modified_at.unwrap();
    assert_eq!(modified.to_rfc3339(), "2026-11-29T10:00:05+00:00");
    assert_eq!(
        snapshot.media.version,
        Some(1),
        "the file version did not move"
    );
    let version = snapshot.source_version().unwrap();
    assert_eq!(version.modified_ms, modified.timestamp_millis());
    server.verify().await;
}

#[tokio::test]
async fn an_item_edited_throughout_the_read_is_an_inconsistent_read_and_transient() {
    let server = MockServer::start().await;
    let edits = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&edits);
    // Every base read sees a newer modification.
    Mock::given(method("GET"))
        .and(path(BASE))
        .respond_with(move |_: &Request| {
            let second = counter.fetch_add(1, Ordering::SeqCst);
            base(&format!("2026-11-29T10:00:{second:02}.000000"))
        })
        .expect(4)
        .mount(&server)
        .await;
    mount(&server, &format!("{BASE}/iptc"), iptc("ACME"), 3).await;
    mount_unchanging_parts(&server, 3).await;

    let err = client(&server).media_snapshot(ID).await.unwrap_err();

    assert!(
        matches!(err, Error::InconsistentRead { attempts: 3 }),
        "{err}"
    );
    assert!(err.is_transient());
    assert_eq!(err.status(), None);
    assert_eq!(edits.load(Ordering::SeqCst), 4);
    server.verify().await;
}

#[tokio::test]
async fn a_later_read_of_the_same_modification_has_the_greater_source_version() {
    let server = MockServer::start().await;
    mount(&server, BASE, base("2026-11-29T10:00:00"), 4).await;
    mount(&server, &format!("{BASE}/iptc"), iptc("ACME"), 2).await;
    mount_unchanging_parts(&server, 2).await;
    let client = client(&server);

    let first = client.media_snapshot(ID).await.unwrap();
    // Read timestamps are in milliseconds: make sure the second read starts in a later one.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = client.media_snapshot(ID).await.unwrap();

    let (a, b) = (
        first.source_version().unwrap(),
        second.source_version().unwrap(),
    );
    assert_eq!(a.modified_ms, b.modified_ms);
    assert!(b > a, "{b:?} > {a:?}");
    assert!(second.read_at > first.read_at);
}

#[tokio::test]
async fn an_item_without_a_modification_time_has_no_source_version() {
    let server = MockServer::start().await;
    let bare: Value = json!({"data": {"id": ID, "type": "image", "attributes": {}}});
    mount(
        &server,
        BASE,
        ResponseTemplate::new(200).set_body_json(bare),
        2,
    )
    .await;
    mount(&server, &format!("{BASE}/iptc"), iptc("ACME"), 1).await;
    mount_unchanging_parts(&server, 1).await;

    let snapshot = client(&server).media_snapshot(ID).await.unwrap();

    assert_eq!(snapshot.source_version(), None);
}
