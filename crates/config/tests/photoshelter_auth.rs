#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! `[connections.<c>.photoshelter.api.auth]` with `mode = "oauth"`: an access token alone,
//! a refresh token with its client (secrets from the environment), and what is refused.

use std::collections::BTreeMap;

use assetrelay_config::{ConfigError, PhotoShelterAuth, load};

fn with_auth(auth: &str) -> String {
    format!(
        r#"
[connections.demo.photoshelter.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
[connections.demo.photoshelter.api]
base_url = "https://www.photoshelter.com"
api_key = "k"
[connections.demo.photoshelter.api.auth]
{auth}
[connections.demo.smintio.webhook]
scheme = "standard-webhooks"
secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
"#
    )
}

fn load_text(text: &str, vars: &[(&str, &str)]) -> Result<assetrelay_config::Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load(Some(&path), &env)
}

#[test]
fn a_refresh_token_with_its_client_loads_with_the_secrets_from_the_environment() {
    let text = with_auth(
        r#"mode = "oauth"
org_id = "O0000DEVORG00001"
client_id = "OAC00client"
client_secret = { env = "PS_CLIENT_SECRET" }
refresh_token = { env = "PS_REFRESH_TOKEN" }
redirect_uri = "https://relay.example/callback""#,
    );
    let config = load_text(
        &text,
        &[("PS_CLIENT_SECRET", "s3cret"), ("PS_REFRESH_TOKEN", "r1")],
    )
    .unwrap();
    let api = config.connections["demo"]
        .photoshelter
        .api
        .as_ref()
        .unwrap();
    let PhotoShelterAuth::Oauth {
        access_token,
        refresh_token,
        client_secret,
        ..
    } = &api.auth
    else {
        panic!("not oauth: {:?}", api.auth);
    };
    assert!(access_token.is_none());
    assert_eq!(refresh_token.as_ref().unwrap().expose(), "r1");
    assert_eq!(client_secret.as_ref().unwrap().expose(), "s3cret");
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "a secret in Debug"
    );
}

#[test]
fn oauth_without_any_token_or_a_refresh_token_without_its_client_is_refused() {
    let cases = [
        r#"mode = "oauth"
org_id = "O0000DEVORG00001""#,
        r#"mode = "oauth"
org_id = "O0000DEVORG00001"
refresh_token = "r1"
client_id = "OAC00client""#,
    ];
    for auth in cases {
        let error = load_text(&with_auth(auth), &[]).unwrap_err();
        let text = format!("{error}");
        assert!(
            text.contains("connections.demo.photoshelter.api.auth"),
            "{text}"
        );
        assert!(
            !text.contains("r1"),
            "the refresh token in an error: {text}"
        );
    }
}

#[test]
fn an_access_token_alone_still_loads() {
    let text = with_auth(
        r#"mode = "oauth"
org_id = "O0000DEVORG00001"
access_token = "a1""#,
    );
    assert!(load_text(&text, &[]).is_ok());
}
