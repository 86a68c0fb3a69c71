//! What the wiremock test files share: a client configured against a mock server and a
//! token endpoint that always issues a token.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_smintio::client::{ClientConfig, RetryPolicy};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The feed endpoint (ASSUMED path, docs/platforms.md).
pub const FEED: &str = "/consumer/v1/sync/license-purchase-transactions";

/// Retries that wait milliseconds, not the SDKs' seconds.
pub fn fast_retry(max_attempts: usize) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A client of `server`: identity at its root, CLAPI-C under `/consumer/v1`.
pub fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(
        Url::parse(&server.uri()).unwrap(),
        Url::parse(&format!("{}/consumer/v1", server.uri())).unwrap(),
        "client-id",
        SecretString::from("very-secret-client-secret"),
        SecretString::from("r0"),
    )
    .with_retry(fast_retry(5))
    .with_timeout(Duration::from_secs(5))
}

/// A token endpoint answer.
pub fn token(access: &str, refresh: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "Bearer"
    }))
}

/// A token endpoint that issues `t1` (rotating to `r1`) to every refresh.
pub async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(token("t1", "r1", 3600))
        .mount(server)
        .await;
}

/// A feed page with `uuids` and `continuation`.
pub fn feed_page(uuids: &[&str], continuation: Option<&str>) -> ResponseTemplate {
    let transactions: Vec<_> = uuids.iter().map(|u| json!({"uuid": u})).collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "count": uuids.len(),
        "continuation_uuid": continuation,
        "license_purchase_transactions": transactions,
    }))
}
