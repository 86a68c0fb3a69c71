//! The client and its `TokenStore` against a wiremock token endpoint: which refresh token
//! each grant presents when the store moved underneath the client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use assetrelay_smintio::client::{
    MemoryTokenStore, SmintioClient, StoreFuture, StoredToken, SwapOutcome, TokenStore,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use support::{config, token};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const METADATA: &str = "/consumer/v1/sync/generic-metadata";

/// A store where, once, another writer swaps `r-other` in just before our swap.
struct Overtaken {
    inner: MemoryTokenStore,
    overtaken: AtomicBool,
}

impl TokenStore for Overtaken {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>> {
        self.inner.load()
    }

    fn swap<'a>(
        &'a self,
        expected_version: Option<i64>,
        new_refresh_token: &'a SecretString,
    ) -> StoreFuture<'a, SwapOutcome> {
        Box::pin(async move {
            if expected_version.is_some() && !self.overtaken.swap(true, Ordering::SeqCst) {
                let other = SecretString::from("r-other");
                self.inner.swap(expected_version, &other).await?;
            }
            self.inner.swap(expected_version, new_refresh_token).await
        })
    }
}

async fn mount_api(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(server)
        .await;
}

/// A grant that must present `presented`, answering with access `access`, refresh `next`.
async fn expect_grant(server: &MockServer, presented: &str, access: &str, next: &str) {
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .and(body_string_contains(format!("refresh_token={presented}&")))
        .respond_with(token(access, next, 3600))
        .expect(1)
        .mount(server)
        .await;
}

/// Makes the client's next call refresh: its access token is refused once.
async fn refuse_access_token(server: &MockServer, access: &str) {
    Mock::given(method("GET"))
        .and(path(METADATA))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {access}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_lost_swap_makes_the_client_present_the_winners_token_next() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    expect_grant(&server, "r0", "t1", "r-mine").await;
    expect_grant(&server, "r-other", "t2", "r2").await;
    let store = Arc::new(Overtaken {
        inner: MemoryTokenStore::new(),
        overtaken: AtomicBool::new(false),
    });
    let client = SmintioClient::with_token_store(config(&server), store.clone()).unwrap();

    client.generic_metadata().await.unwrap();
    let after_first = client.current_refresh_token().await;
    refuse_access_token(&server, "t1").await;
    client.generic_metadata().await.unwrap();

    assert_eq!(after_first.expose_secret(), "r-other");
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.refresh_token.expose_secret()),
        (3, "r2")
    );
    server.verify().await;
}

#[tokio::test]
async fn a_token_stored_by_another_client_is_used_instead_of_the_configured_one() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    expect_grant(&server, "r-stored", "t1", "r-next").await;
    let store = Arc::new(MemoryTokenStore::new());
    store
        .swap(None, &SecretString::from("r-stored"))
        .await
        .unwrap();
    let client = SmintioClient::with_token_store(config(&server), store.clone()).unwrap();

    client.generic_metadata().await.unwrap();

    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.refresh_token.expose_secret()),
        (2, "r-next")
    );
    server.verify().await;
}
