//! Refresh-token rotation through a shared [`TokenStore`], against the sandbox set up as
//! the real identity server behaves: every grant rotates the refresh token, and the one
//! presented (the configured one included) is refused with `invalid_grant` afterwards.

// Helpers outside #[test] fns panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use assetrelay_smintio::client::{
    ClientConfig, MemoryTokenStore, RetryPolicy, SmintioClient, StoredToken, TokenStore,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

const CONFIGURED: &str = "dev-refresh-token";

struct Identity {
    sandbox: RunningSandbox,
    http: reqwest::Client,
}

impl Identity {
    async fn start() -> Self {
        let mut config = SandboxConfig::for_tests();
        config.smintio.reusable_refresh_token = false;
        Self {
            sandbox: spawn(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new(
            Url::parse(&self.sandbox.base_url).unwrap(),
            Url::parse(&self.url("/consumer/v1")).unwrap(),
            "assetrelay-dev",
            SecretString::from("dev-client-secret"),
            SecretString::from(CONFIGURED),
        )
        .with_retry(RetryPolicy::none())
    }

    fn client(&self, store: &Arc<MemoryTokenStore>) -> SmintioClient {
        let store: Arc<dyn TokenStore> = store.clone();
        SmintioClient::with_token_store(self.config(), store).unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().await.unwrap()
    }

    /// `(grants, refusals)` of the token endpoint so far.
    async fn grants(&self) -> (u64, u64) {
        let tokens: Value = self
            .http
            .get(self.url("/_sandbox/smintio/tokens"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            tokens["grants"].as_u64().unwrap(),
            tokens["refusals"].as_u64().unwrap(),
        )
    }

    /// Every access token stops working: the next call of each client must refresh.
    async fn expire_access_tokens(&self) {
        self.post("/_sandbox/smintio/tokens/expire", json!({}))
            .await;
    }

    /// The token endpoint's status and OAuth error for a grant with `refresh_token`.
    async fn grant_error(&self, refresh_token: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", "assetrelay-dev"),
                ("client_secret", "dev-client-secret"),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.unwrap()["error"].clone(),
        )
    }
}

async fn stored(store: &MemoryTokenStore) -> StoredToken {
    store.load().await.unwrap().expect("a token was stored")
}

#[tokio::test]
async fn saves_the_rotated_refresh_token_after_each_refresh() {
    let identity = Identity::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = identity.client(&store);

    client.generic_metadata().await.unwrap();
    let first = stored(&store).await;
    identity.expire_access_tokens().await;
    client.generic_metadata().await.unwrap();
    let second = stored(&store).await;

    // v1 is the configured token seeding the empty store; each refresh adds one version.
    assert_eq!((first.version, second.version), (2, 3));
    let (first, second) = (
        first.refresh_token.expose_secret().to_owned(),
        second.refresh_token.expose_secret().to_owned(),
    );
    assert!(first != CONFIGURED && second != first);
    assert_eq!(client.current_refresh_token().await.expose_secret(), second);
    assert_eq!(
        identity.grant_error(&first).await,
        (400, json!("invalid_grant"))
    );
    assert_eq!(identity.grants().await, (2, 1));
}

#[tokio::test]
async fn two_clients_refreshing_at_once_both_work_and_only_one_old_token_grant_succeeds() {
    let identity = Identity::start().await;
    // Both grants are in flight together: each client read the store before either
    // answer came back, so both present the same token.
    identity
        .post(
            "/_sandbox/faults",
            json!({"surface": "smintio", "endpoint": "/connect/token", "latency_ms": 300}),
        )
        .await;
    let store = Arc::new(MemoryTokenStore::new());
    let (a, b) = (identity.client(&store), identity.client(&store));

    let (from_a, from_b) = tokio::join!(a.generic_metadata(), b.generic_metadata());

    from_a.expect("client A works");
    from_b.expect("client B works");
    // One grant with the configured token, one refusal of it, one grant with the
    // winner's rotated token by the loser.
    assert_eq!(identity.grants().await, (2, 1));
    assert_eq!(a.token_refreshes() + b.token_refreshes(), 2);
    let newest = stored(&store).await;
    assert_eq!(newest.version, 3);
    let held = [
        a.current_refresh_token().await.expose_secret().to_owned(),
        b.current_refresh_token().await.expose_secret().to_owned(),
    ];
    assert!(
        held.contains(&newest.refresh_token.expose_secret().to_owned()),
        "the loser holds the newest token"
    );
}

#[tokio::test]
async fn a_restarted_client_uses_the_rotated_token_not_the_configured_one() {
    let identity = Identity::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    identity.client(&store).generic_metadata().await.unwrap();
    let before = stored(&store).await;

    let restarted = identity.client(&store);
    restarted.generic_metadata().await.unwrap();

    // The configured token was consumed by the first start: presenting it would have
    // been refused.
    assert_eq!(identity.grants().await, (2, 0));
    let after = stored(&store).await;
    assert_eq!(after.version, before.version + 1);
    assert_eq!(
        restarted.current_refresh_token().await.expose_secret(),
        after.refresh_token.expose_secret()
    );
}

#[tokio::test]
async fn a_revoked_token_with_nothing_newer_stored_is_refused_after_the_wait() {
    let identity = Identity::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    // Someone else consumed the configured token and kept its rotation to themselves.
    assert_eq!(identity.grant_error(CONFIGURED).await.0, 200);
    let mut config = identity.config();
    config.rotation_wait = Duration::from_millis(100);
    let store_dyn: Arc<dyn TokenStore> = store.clone();
    let client = SmintioClient::with_token_store(config, store_dyn).unwrap();

    let err = client.generic_metadata().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    assert!(!err.is_transient());
    assert_eq!(
        identity.grants().await,
        (1, 1),
        "no second grant without a newer token"
    );
}
