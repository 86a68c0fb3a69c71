//! OAuth bearer renewal against the sandbox's token endpoint, which rotates the refresh
//! token on every grant and refuses a used one (`invalid_grant`): a refused access token
//! is renewed once and the call repeated; the rotated refresh token is saved, so a
//! restarted client (or a second replica) presents it, and two clients renewing at once
//! both succeed; without a refresh, a 401 goes back to the caller.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use assetrelay_photoshelter::client::{Auth, Client, OAuthRefresh};
use assetrelay_tokens::{MemoryTokenStore, TokenStore};
use common::{ORG, TestApp};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const TOKEN: &str = "/psapi/v4.0/oauth/token";

fn oauth_client(app: &TestApp, store: &Arc<MemoryTokenStore>) -> Client {
    let mut config = app.config();
    let store: Arc<dyn TokenStore> = store.clone();
    config.auth = Auth::OAuth {
        access_token: None,
        refresh: Some(OAuthRefresh {
            client_id: "ps-dev-oauth-client".into(),
            client_secret: SecretString::from("ps-dev-oauth-secret"),
            redirect_uri: Some("https://assetrelay.example/callback".into()),
            refresh_token: SecretString::from("ps-dev-refresh-token"),
            store,
        }),
        org_id: ORG.into(),
    };
    Client::new(config).unwrap()
}

async fn expire_tokens(app: &TestApp) {
    app.control(Method::POST, "/_sandbox/photoshelter/sessions/expire", None)
        .await;
}

#[tokio::test]
async fn a_refused_access_token_is_renewed_once_and_the_rotated_refresh_token_saved() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = oauth_client(&app, &store);

    assert_eq!(client.media(&id).await.unwrap().id, id);
    client.media(&id).await.unwrap();
    assert_eq!(
        client.refreshes(),
        1,
        "one grant serves every call until refused"
    );
    expire_tokens(&app).await;
    assert_eq!(client.media(&id).await.unwrap().id, id);

    assert_eq!(client.refreshes(), 2);
    assert_eq!(client.logins(), 0);
    assert_eq!(app.writes_to(TOKEN), 2);
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.version, 3, "seeded, then rotated twice");
    assert_ne!(stored.refresh_token.expose_secret(), "ps-dev-refresh-token");
}

#[tokio::test]
async fn a_restarted_client_presents_the_rotated_token_not_the_configured_one() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let store = Arc::new(MemoryTokenStore::new());
    oauth_client(&app, &store).media(&id).await.unwrap();

    // The configured token was used once and is dead now; the store holds its successor.
    let restarted = oauth_client(&app, &store);
    assert_eq!(restarted.media(&id).await.unwrap().id, id);

    let cold = oauth_client(&app, &Arc::new(MemoryTokenStore::new()));
    let refused = cold.media(&id).await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::BAD_REQUEST), "{refused}");
    assert!(!refused.is_transient(), "{refused}");
    assert!(
        !format!("{refused}").contains("ps-dev-refresh-token"),
        "{refused}"
    );
}

#[tokio::test]
async fn two_clients_renewing_at_once_both_succeed() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let store = Arc::new(MemoryTokenStore::new());
    let (a, b) = (oauth_client(&app, &store), oauth_client(&app, &store));

    let (first, second) = tokio::join!(a.media(&id), b.media(&id));

    assert_eq!(first.unwrap().id, id);
    assert_eq!(second.unwrap().id, id);
    assert_eq!(a.refreshes() + b.refreshes(), 2);
}

#[tokio::test]
async fn without_a_refresh_a_refused_token_goes_back_to_the_caller() {
    let app = TestApp::spawn().await;
    let id = app.media(json!({})).await;
    let mut config = app.config();
    config.auth = Auth::OAuth {
        access_token: Some(SecretString::from("not-a-token")),
        refresh: None,
        org_id: ORG.into(),
    };
    let client = Client::new(config).unwrap();

    let refused = client.media(&id).await.unwrap_err();

    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!((client.refreshes(), app.writes_to(TOKEN)), (0, 0));
}
