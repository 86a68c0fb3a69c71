//! Every client operation against the in-process sandbox over real HTTP.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assetrelay_photoshelter::client::{Iptc, MediaUpdate, Upload, UploadSource, Visibility};
use chrono::NaiveDate;
use common::TestApp;
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn reads_media_with_iptc_releases_galleries_custom_metadata_and_expiration() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("Campaign 2026").await;
    let id = app
        .media(json!({
            "file_name": "hero.jpg",
            "galleries": [gallery],
            "model_released": true,
            "license_expiration_date": "2027-03-31",
            "iptc": {"credit": "ACME", "copyright": "© ACME 2026", "author": "Jane Doe",
                     "caption": "Hero shot", "keywords": ["beach", "summer"],
                     "rights": "Editorial use only", "web_statement": "https://acme.example/terms"},
            "custom_metadata": {"Region": "EMEA"},
        }))
        .await;

    let media = app.client().media(&id).await.unwrap();

    assert_eq!(media.id, id);
    assert_eq!(id.len(), 16);
    assert_eq!(media.file_name.as_deref(), Some("hero.jpg"));
    assert_eq!(media.model_released, Some(true));
    assert_eq!(media.property_released, None, "missing means unknown");
    assert_eq!(
        media.license_expiration_date,
        NaiveDate::from_ymd_opt(2027, 3, 31)
    );
    assert_eq!(media.visibility, Some(Visibility::Everyone));
    assert!(media.modified_at.is_some());
    let iptc = media.iptc.unwrap();
    assert_eq!(iptc.credit.as_deref(), Some("ACME"));
    assert_eq!(iptc.author.as_deref(), Some("Jane Doe"));
    assert_eq!(iptc.rights.as_deref(), Some("Editorial use only"));
    assert_eq!(
        iptc.web_statement.as_deref(),
        Some("https://acme.example/terms")
    );
    assert_eq!(
        iptc.keywords,
        Some(vec!["beach".to_owned(), "summer".to_owned()])
    );
    assert_eq!(iptc.headline, None);
    let galleries = media.galleries.unwrap();
    assert_eq!(galleries.len(), 1);
    assert_eq!(
        (galleries[0].id.as_str(), galleries[0].name.as_deref()),
        (gallery.as_str(), Some("Campaign 2026"))
    );
    assert_eq!(
        media
            .custom_metadata
            .unwrap()
            .get("Region")
            .map(String::as_str),
        Some("EMEA")
    );
}

#[tokio::test]
async fn lists_media_modified_since_newest_first() {
    let app = TestApp::spawn().await;
    let old = app.media(json!({})).await;
    let client = app.client();
    let since =
        client.media(&old).await.unwrap().modified_at.unwrap() + chrono::Duration::microseconds(1);
    let a = app.media(json!({})).await;
    let b = app.media(json!({})).await;
    // Touch `a` so it becomes the newest.
    app.control(
        Method::PATCH,
        &format!("/_sandbox/photoshelter/media/{a}"),
        Some(json!({"iptc": {"caption": "new"}})),
    )
    .await;

    let changed = client.media_modified_since(since).await.unwrap();

    let ids: Vec<&str> = changed.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec![a.as_str(), b.as_str()]);
}

#[tokio::test]
async fn lists_media_modified_since_across_small_pages_without_losing_any() {
    let app = TestApp::spawn().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.media(json!({})).await);
    }
    let client = app.client();

    let changed = client.media_modified_since_paged(before, 2).await.unwrap();

    let mut ids: Vec<String> = changed.into_iter().map(|m| m.id).collect();
    ids.sort();
    created.sort();
    // Pages of two: three calls, or only the first two items if paging stopped early.
    assert_eq!(ids, created);
}

#[tokio::test]
async fn lists_the_children_of_a_gallery() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("G").await;
    let inside = app.media(json!({"galleries": [gallery]})).await;
    app.media(json!({})).await;

    let children = app.client().gallery_children(&gallery).await.unwrap();

    assert_eq!(
        children.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        vec![inside.as_str()]
    );
}

#[tokio::test]
async fn uploads_a_file_into_a_gallery() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("Uploads").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, b"not really a jpeg").unwrap();

    let uploaded = app
        .client()
        .upload(&Upload {
            gallery_id: gallery.clone(),
            file_name: "photo.jpg".into(),
            content_type: Some("image/jpeg".into()),
            searchable: Some(true),
            source: UploadSource::File(path),
        })
        .await
        .unwrap();

    let state = app.media_state(&uploaded.id).await;
    assert_eq!(state["file_name"], "photo.jpg");
    assert_eq!(state["versions"][0]["bytes"], 17);
    assert_eq!(
        state["versions"][0]["sha256"],
        hex::encode(Sha256::digest(b"not really a jpeg"))
    );
    assert_eq!(state["galleries"], json!([gallery]));
    assert_eq!(app.events_for(&uploaded.id), vec!["media.created"]);
}

#[tokio::test]
async fn uploads_from_a_url_without_sending_credentials_there() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("Uploads").await;
    let source = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_bytes(vec![7u8; 4096]))
        .mount(&source)
        .await;

    let uploaded = app
        .client()
        .upload(&Upload {
            gallery_id: gallery,
            file_name: "remote.bin".into(),
            content_type: None,
            searchable: None,
            source: UploadSource::Url(format!("{}/binary", source.uri()).parse().unwrap()),
        })
        .await
        .unwrap();

    assert_eq!(uploaded.file_size, Some(4096));
    let request = &source.received_requests().await.unwrap()[0];
    assert!(request.headers.get("x-ps-api-key").is_none());
    assert!(request.headers.get("x-ps-auth-token").is_none());
}

#[tokio::test]
async fn updates_iptc_and_the_platform_reports_a_rights_change() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({"iptc": {"caption": "keep me"}})).await;
    let client = app.client();

    let iptc = Iptc {
        credit: Some("New Credit".into()),
        rights: Some("No broadcast".into()),
        ..Iptc::default()
    };
    client.update_iptc(&id, &iptc).await.unwrap();

    let read = client.media(&id).await.unwrap().iptc.unwrap();
    assert_eq!(read.credit.as_deref(), Some("New Credit"));
    assert_eq!(read.rights.as_deref(), Some("No broadcast"));
    assert_eq!(
        read.caption.as_deref(),
        Some("keep me"),
        "untouched fields stay"
    );
    assert_eq!(
        app.events_for(&id),
        vec!["media.created", "media.rights_changed"]
    );
    assert_eq!(app.writes_to(&format!("/psapi/v4.0/media/{id}/iptc")), 1);
}

#[tokio::test]
async fn updates_visibility_expiration_and_releases() {
    let app = TestApp::spawn().await;
    let id = app
        .media(json!({"license_expiration_date": "2026-12-31"}))
        .await;
    let client = app.client();

    let update = MediaUpdate {
        visibility: Some(Visibility::Private),
        license_expiration_date: Some(None),
        model_released: Some(false),
        property_released: None,
    };
    client.update_media(&id, &update).await.unwrap();

    let media = client.media(&id).await.unwrap();
    assert_eq!(media.visibility, Some(Visibility::Private));
    assert_eq!(media.license_expiration_date, None);
    assert_eq!(media.model_released, Some(false));
    assert_eq!(
        app.events_for(&id),
        vec!["media.created", "media.restricted", "media.rights_changed"]
    );

    client
        .set_media_visibility(&id, Visibility::Everyone)
        .await
        .unwrap();
    assert_eq!(
        client.media(&id).await.unwrap().visibility,
        Some(Visibility::Everyone)
    );
}

#[tokio::test]
async fn removes_media_from_a_gallery_and_keeps_the_item() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("Picks").await;
    let id = app.media(json!({"galleries": [gallery]})).await;
    let client = app.client();
    assert_eq!(client.media(&id).await.unwrap().galleries.unwrap().len(), 1);

    client.remove_from_gallery(&gallery, &id).await.unwrap();

    assert!(
        client
            .media(&id)
            .await
            .unwrap()
            .galleries
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.events_for(&id).last().map(String::as_str),
        Some("gallery.media_removed")
    );
}

#[tokio::test]
async fn works_with_an_oauth_bearer_instead_of_a_login() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let mut config = app.config();
    config.auth = assetrelay_photoshelter::client::Auth::OAuth {
        access_token: Some("ps-dev-oauth-token".to_owned().into()),
        refresh: None,
        org_id: common::ORG.into(),
    };
    let client = assetrelay_photoshelter::client::Client::new(config).unwrap();

    assert_eq!(client.media(&id).await.unwrap().id, id);
    assert_eq!(client.logins(), 0);
}
