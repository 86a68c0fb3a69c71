//! Helpers: a sandbox with an authorized HTTP client, LPT creation, signed adapter pushes.

use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use assetrelay_signature::{HmacScheme, HmacSigner, SigningKey};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

pub struct Smint {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    /// The newest refresh token: every grant rotates it, as a real client must follow.
    refresh_token: std::sync::Mutex<String>,
}

impl Smint {
    pub async fn start() -> Self {
        Self::with_config(SandboxConfig::for_tests()).await
    }

    pub async fn with_config(config: SandboxConfig) -> Self {
        Self {
            refresh_token: std::sync::Mutex::new(
                config.smintio.refresh_token.expose_secret().to_owned(),
            ),
            sandbox: spawn(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// The answer of a refresh-token grant with the dev credentials.
    pub async fn grant(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", "assetrelay-dev"),
                ("client_secret", "dev-client-secret"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The newest refresh token, to hand to a client of the same sandbox after a restart.
    pub fn refresh_token(&self) -> String {
        self.refresh_token.lock().unwrap().clone()
    }

    /// Continue from `token` (a rotated one another client was given).
    pub fn use_refresh_token(&self, token: String) {
        *self.refresh_token.lock().unwrap() = token;
    }

    /// A fresh access token, from the newest refresh token (which the grant rotates).
    pub async fn access_token(&self) -> String {
        let current = self.refresh_token.lock().unwrap().clone();
        let body: Value = self.grant(&current).await.json().await.unwrap();
        *self.refresh_token.lock().unwrap() = body["refresh_token"].as_str().unwrap().to_owned();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn api_get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn control(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("/_sandbox/smintio/license-purchase-transactions"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Create an LPT and return it as the control API answered it.
    pub async fn create_lpt(&self, name: &str) -> Value {
        let response = self
            .control(json!({"action": "create", "name": name}))
            .await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["license_purchase_transaction"].clone()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// POST `body` to the data adapter signed with `secret` at `timestamp`.
    pub async fn push(&self, body: &Value, secret: &str, timestamp: i64) -> reqwest::Response {
        let body = serde_json::to_vec(body).unwrap();
        let scheme =
            HmacScheme::timestamp_dot_body("X-Assetrelay-Signature", "X-Assetrelay-Timestamp");
        let signer = HmacSigner::new(
            scheme,
            SigningKey::from_bytes(secret.as_bytes().to_vec()).unwrap(),
        );
        let mut request = self
            .http
            .post(self.url("/portals/data-adapter/webhook"))
            .header("content-type", "application/json")
            .body(body.clone());
        for (name, value) in signer.headers("d1", timestamp, &body) {
            request = request.header(name, value);
        }
        request.send().await.unwrap()
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn update(id: &str, name: &str) -> Value {
    json!({
        "UnscopedAssetIdentifier": id,
        "Type": "AssetUpdate",
        "AssetDataObject": {
            "ExternalId": id,
            "Name": {"x-default": name},
            "ContentType": "image",
            "LocalizedTags": {"en": ["harbour"]},
            "PublishUntil": "2030-01-01T00:00:00Z",
            "Version": "3",
            "RawData": {"license": {"restricted_geographies": ["geography_germany"]}}
        }
    })
}
