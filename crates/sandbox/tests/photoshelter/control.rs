//! Control routes: each change emits the matching signed webhook.

use std::time::Duration;

use assetrelay_sandbox::SandboxConfig;
use assetrelay_signature::{StandardWebhooks, decode_whsec};
use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::support::{Ps, ev};

async fn patch(ps: &Ps, id: &str, body: Value) -> Value {
    let r = ps
        .control(
            Method::PATCH,
            &format!("/_sandbox/photoshelter/media/{id}"),
            Some(body),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn creates_media_with_a_16_character_id_and_emits_media_created() {
    let ps = Ps::start().await;
    let gallery = ps.gallery("G").await;

    let id = ps
        .media(json!({"galleries": [gallery], "iptc": {"credit": "C"}, "license_expiration_date": "2027-01-01"}))
        .await;

    assert_eq!(id.len(), 16);
    assert!(id.starts_with("I0000"));
    let state = ps.state_of(&id).await;
    assert_eq!(state["galleries"], json!([gallery]));
    assert_eq!(state["license_expiration_date"], "2027-01-01");
    assert_eq!(ps.events_for(&id), vec![ev("media.created")]);
    let payload = &ps.emitted()[0];
    assert_eq!(payload["org_id"], "O0000DEVORG00001");
    assert!(payload["id"].as_str().is_some() && payload["occurred_at"].as_str().is_some());
}

#[tokio::test]
async fn emits_one_webhook_per_kind_of_change() {
    let ps = Ps::start().await;
    let (g1, g2) = (ps.gallery("One").await, ps.gallery("Two").await);
    let id = ps.media(json!({"galleries": [g1]})).await;

    patch(&ps, &id, json!({"galleries": [g2]})).await;
    patch(&ps, &id, json!({"iptc": {"copyright": "© X"}})).await;
    patch(&ps, &id, json!({"iptc": {"caption": "new caption"}})).await;
    patch(&ps, &id, json!({"license_expiration_date": "2028-01-01"})).await;
    let state = patch(&ps, &id, json!({"add_version": true})).await;
    patch(&ps, &id, json!({"restricted": true})).await;
    patch(&ps, &id, json!({"archived": true})).await;
    patch(&ps, &id, json!({"approved": true})).await;
    patch(&ps, &id, json!({"deleted": true})).await;

    assert_eq!(state["versions"].as_array().unwrap().len(), 2);
    assert_eq!(
        ps.events_for(&id),
        vec![
            ev("media.created"),
            ("gallery.media_added".to_owned(), Some(g2.clone())),
            ("gallery.media_removed".to_owned(), Some(g1.clone())),
            ev("media.rights_changed"),
            ev("media.updated"),
            ev("media.rights_changed"),
            ev("media.version_added"),
            ev("media.restricted"),
            ev("media.archived"),
            ev("media.approved"),
            ev("media.deleted"),
        ]
    );
    let gone = ps
        .control(
            Method::GET,
            &format!("/_sandbox/photoshelter/media/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status(), 404);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_emits_nothing() {
    let ps = Ps::start().await;
    let id = ps.media(json!({"iptc": {"credit": "C"}})).await;

    patch(
        &ps,
        &id,
        json!({"iptc": {"credit": "C"}, "archived": false}),
    )
    .await;

    assert_eq!(ps.events_for(&id), vec![ev("media.created")]);
}

#[tokio::test]
async fn rejects_unknown_control_fields_and_galleries() {
    let ps = Ps::start().await;
    let id = ps.media(json!({})).await;

    let typo = ps
        .control(
            Method::PATCH,
            &format!("/_sandbox/photoshelter/media/{id}"),
            Some(json!({"archive": true})),
        )
        .await;
    let unknown = ps
        .control(
            Method::POST,
            "/_sandbox/photoshelter/media",
            Some(json!({"galleries": ["G0000NOSUCHGALL"]})),
        )
        .await;

    assert_eq!(typo.status(), 400);
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn expiring_sessions_invalidates_every_token() {
    let ps = Ps::start().await;

    let r = ps
        .control(Method::POST, "/_sandbox/photoshelter/sessions/expire", None)
        .await;

    assert_eq!(r.json::<Value>().await.unwrap()["expired"], 1);
    let media = ps
        .req(Method::GET, "/psapi/v4.0/media?org_id=O0000DEVORG00001")
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 401);
}

#[tokio::test]
async fn control_webhooks_arrive_signed_with_standard_webhooks() {
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, HeaderMap, Bytes)>();
    let app = Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((uri.path().to_owned(), headers, body));
                axum::http::StatusCode::NO_CONTENT
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ingress = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = SandboxConfig {
        ingress_url: Some(ingress),
        ..SandboxConfig::for_tests()
    };
    let ps = Ps::start_with(config).await;

    let id = ps.media(json!({})).await;

    let (path, headers, body) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(path, "/webhooks/photoshelter/demo");
    let key = decode_whsec(assetrelay_sandbox::config::DEV_PHOTOSHELTER_WEBHOOK_SECRET).unwrap();
    let now = chrono::Utc::now().timestamp();
    let verified = StandardWebhooks::new(vec![key], 300)
        .verify(&headers, &body, now)
        .unwrap();
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["event"], "media.created");
    assert_eq!(payload["media_id"], id.as_str());
    assert_eq!(verified.delivery_id.as_deref(), payload["id"].as_str());
}
