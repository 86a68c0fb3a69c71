//! `SmintioClient::authorize_pusher_channel` against the in-process sandbox: the signature
//! of the socket on the tenant's channel, another channel refused for good, an expired
//! access token refreshed as on every other call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use assetrelay_smintio::client::{ClientConfig, Error, RetryPolicy, SmintioClient};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use url::Url;

const CHANNEL: &str = "private-2-1";

async fn sandbox_and_client() -> (RunningSandbox, SmintioClient) {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let config = ClientConfig::new(
        Url::parse(&sandbox.base_url).unwrap(),
        Url::parse(&format!("{}/consumer/v1", sandbox.base_url)).unwrap(),
        "assetrelay-dev",
        SecretString::from("dev-client-secret"),
        SecretString::from("dev-refresh-token"),
    )
    .with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    });
    (sandbox, SmintioClient::new(config).unwrap())
}

/// What the sandbox's dev app (key, secret) signs for `socket_id` on `channel`.
fn dev_signature(socket_id: &str, channel: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"dev-pusher-app-secret").unwrap();
    mac.update(format!("{socket_id}:{channel}").as_bytes());
    format!(
        "32f31c26a83e09dc401b:{}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn the_channel_auth_is_the_signature_of_the_socket_on_the_tenants_channel() {
    let (sandbox, client) = sandbox_and_client().await;

    let auth = client
        .authorize_pusher_channel("1234.5678", CHANNEL)
        .await
        .unwrap();

    assert_eq!(auth, dev_signature("1234.5678", CHANNEL));
    sandbox.stop().await;
}

#[tokio::test]
async fn another_channel_is_refused_as_a_permanent_error() {
    let (sandbox, client) = sandbox_and_client().await;

    let error = client
        .authorize_pusher_channel("1234.5678", "private-2-2")
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Status { status, .. } if status.as_u16() == 403),
        "{error:?}"
    );
    assert!(!error.is_transient());
    sandbox.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_and_the_call_repeated() {
    let (sandbox, client) = sandbox_and_client().await;
    client
        .authorize_pusher_channel("1.1", CHANNEL)
        .await
        .unwrap();
    reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/smintio/tokens/expire",
            sandbox.base_url
        ))
        .send()
        .await
        .unwrap();

    let auth = client
        .authorize_pusher_channel("2.2", CHANNEL)
        .await
        .unwrap();

    assert_eq!(auth, dev_signature("2.2", CHANNEL));
    assert_eq!(client.token_refreshes(), 2);
    sandbox.stop().await;
}
