//! `POST /connect/token` (refresh-token grant, rotation) and Bearer checks.

use assetrelay_sandbox::SandboxConfig;
use serde_json::Value;

use crate::support::Smint;

const METADATA: &str = "/consumer/v1/sync/generic-metadata";

#[tokio::test]
async fn grants_an_access_token_for_the_configured_refresh_token() {
    let smint = Smint::start().await;
    let response = smint.grant("dev-refresh-token").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(smint.api_get(token, METADATA).await.status(), 200);
}

#[tokio::test]
async fn a_rotated_refresh_token_works_once() {
    let smint = Smint::start().await;
    let first: Value = smint.grant("dev-refresh-token").await.json().await.unwrap();
    let rotated = first["refresh_token"].as_str().unwrap();
    assert_eq!(smint.grant(rotated).await.status(), 200);
    let again = smint.grant(rotated).await;
    assert_eq!(again.status(), 400);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

/// The sandbox as a real OAuth server behaves: the configured token is consumed too.
/// The default: the configured refresh token is consumed on first use, like every other.
async fn faithful() -> Smint {
    Smint::start().await
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn every_refresh_rotates_and_refuses_the_token_it_replaced() {
    let smint = faithful().await;
    let mut presented = "dev-refresh-token".to_owned();
    let mut seen = vec![presented.clone()];
    for _ in 0..3 {
        let body: Value = smint.grant(&presented).await.json().await.unwrap();
        let rotated = body["refresh_token"].as_str().unwrap().to_owned();
        assert!(!seen.contains(&rotated), "a new refresh token every time");

        let (status, error) = error_of(smint.grant(&presented).await).await;

        assert_eq!(
            (status, &error["error"]),
            (400, &Value::from("invalid_grant"))
        );
        seen.push(rotated.clone());
        presented = rotated;
    }
    let (_, tokens) = smint.get_json("/_sandbox/smintio/tokens").await;
    assert_eq!(
        (tokens["grants"].as_u64(), tokens["refusals"].as_u64()),
        (Some(3), Some(3))
    );
}

#[tokio::test]
async fn two_refreshes_with_the_same_token_give_one_grant_and_one_invalid_grant() {
    let smint = faithful().await;
    let first: Value = smint.grant("dev-refresh-token").await.json().await.unwrap();
    let old = first["refresh_token"].as_str().unwrap();

    let (a, b) = tokio::join!(smint.grant(old), smint.grant(old));

    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
    let refused = if a.status() == 400 { a } else { b };
    assert_eq!(error_of(refused).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn the_configured_refresh_token_is_kept_valid_only_when_configured_reusable() {
    let mut config = SandboxConfig::for_tests();
    config.smintio.reusable_refresh_token = true;
    let reusable = Smint::with_config(config).await;
    for _ in 0..2 {
        assert_eq!(reusable.grant("dev-refresh-token").await.status(), 200);
    }
    let smint = faithful().await;
    assert_eq!(smint.grant("dev-refresh-token").await.status(), 200);

    let (status, error) = error_of(smint.grant("dev-refresh-token").await).await;

    assert_eq!(
        (status, &error["error"]),
        (400, &Value::from("invalid_grant"))
    );
}

#[tokio::test]
async fn refuses_an_unknown_refresh_token_and_wrong_client_credentials() {
    let smint = Smint::start().await;
    let response = smint.grant("guessed").await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    let response = smint
        .http
        .post(smint.url("/connect/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "dev-refresh-token"),
            ("client_id", "assetrelay-dev"),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
}

#[tokio::test]
async fn refuses_a_call_without_or_with_an_unknown_token() {
    let smint = Smint::start().await;
    let response = smint.http.get(smint.url(METADATA)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let response = smint.api_get("forged", METADATA).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error_code"],
        "unauthorized"
    );
}

#[tokio::test]
async fn expiring_tokens_invalidates_access_but_not_refresh_tokens() {
    let smint = Smint::start().await;
    let token = smint.access_token().await;
    let response = smint
        .http
        .post(smint.url("/_sandbox/smintio/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["expired"], 1);
    assert_eq!(smint.api_get(&token, METADATA).await.status(), 401);
    let fresh = smint.access_token().await;
    assert_eq!(smint.api_get(&fresh, METADATA).await.status(), 200);
    let (_, tokens) = smint.get_json("/_sandbox/smintio/tokens").await;
    assert_eq!(tokens["grants"], 2);
}

#[tokio::test]
async fn an_access_token_past_its_lifetime_is_refused() {
    let smint = Smint::with_config(SandboxConfig {
        token_lifetime_secs: 0,
        ..SandboxConfig::for_tests()
    })
    .await;
    let token = smint.access_token().await;
    assert_eq!(smint.api_get(&token, METADATA).await.status(), 401);
}
