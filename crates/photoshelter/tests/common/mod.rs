//! Test harness: an in-process sandbox, control-API helpers and clients for it.
#![allow(dead_code)]

use std::time::Duration;

use assetrelay_photoshelter::client::{Auth, Client, ClientConfig};
use assetrelay_sandbox::{RunningSandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const ORG: &str = "O0000DEVORG00001";

pub struct TestApp {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let sandbox = assetrelay_sandbox::spawn(SandboxConfig::for_tests())
            .await
            .unwrap();
        TestApp {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    pub fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new(
            self.sandbox.base_url.parse().unwrap(),
            SecretString::from("ps-dev-api-key"),
            Auth::Token {
                email: "dev@example.com".into(),
                password: SecretString::from("dev-password"),
                org_id: ORG.into(),
            },
        );
        config.timeout = Duration::from_secs(10);
        config
    }

    pub fn client(&self) -> Client {
        Client::new(self.config()).unwrap()
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    pub async fn gallery(&self, name: &str) -> String {
        let g = self
            .control(
                reqwest::Method::POST,
                "/_sandbox/photoshelter/galleries",
                Some(json!({"name": name})),
            )
            .await;
        g["id"].as_str().unwrap().to_owned()
    }

    pub async fn media(&self, body: Value) -> String {
        let m = self
            .control(
                reqwest::Method::POST,
                "/_sandbox/photoshelter/media",
                Some(body),
            )
            .await;
        m["id"].as_str().unwrap().to_owned()
    }

    pub async fn media_state(&self, id: &str) -> Value {
        self.control(
            reqwest::Method::GET,
            &format!("/_sandbox/photoshelter/media/{id}"),
            None,
        )
        .await
    }

    /// Names of the PhotoShelter webhooks emitted for `media_id`, oldest first.
    pub fn events_for(&self, media_id: &str) -> Vec<String> {
        self.sandbox
            .state()
            .emitter
            .deliveries()
            .into_iter()
            .filter(|d| d.payload["media_id"] == media_id)
            .filter_map(|d| d.payload["event"].as_str().map(str::to_owned))
            .collect()
    }

    /// Log entries of the PhotoShelter surface with this path.
    pub fn writes_to(&self, path: &str) -> usize {
        self.sandbox
            .state()
            .log
            .entries(Some("photoshelter"))
            .iter()
            .filter(|e| e.path == path)
            .count()
    }
}
