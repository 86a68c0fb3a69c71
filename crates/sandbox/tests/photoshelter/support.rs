//! Helpers: a sandbox with a logged-in session and request builders.

use assetrelay_sandbox::{RunningSandbox, SandboxConfig};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub const KEY: &str = "ps-dev-api-key";

pub struct Ps {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub token: String,
}

impl Ps {
    /// A sandbox and a token authenticated to the dev organization.
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::for_tests()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = assetrelay_sandbox::spawn(config).await.unwrap();
        let http = reqwest::Client::new();
        let mut ps = Ps {
            sandbox,
            http,
            token: String::new(),
        };
        ps.token = ps.login().await;
        let org = ps
            .req(
                Method::POST,
                "/psapi/v3/mem/organization/O0000DEVORG00001/authenticate",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(org.status(), 200);
        ps
    }

    /// `POST /psapi/v3/mem/authenticate` with the dev credentials; returns the token.
    pub async fn login(&self) -> String {
        let response = self
            .http
            .post(self.url("/psapi/v3/mem/authenticate"))
            .header("X-PS-Api-Key", KEY)
            .form(&[
                ("email", "dev@example.com"),
                ("password", "dev-password"),
                ("mode", "token"),
            ])
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok", "{body}");
        assert_eq!(body["data"]["org"][0]["id"], "O0000DEVORG00001");
        body["data"]["token"].as_str().unwrap().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// A request with the API key and the session token.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-PS-Api-Key", KEY)
            .header("X-PS-Auth-Token", &self.token)
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn gallery(&self, name: &str) -> String {
        let r = self
            .control(
                Method::POST,
                "/_sandbox/photoshelter/galleries",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn media(&self, body: Value) -> String {
        let r = self
            .control(Method::POST, "/_sandbox/photoshelter/media", Some(body))
            .await;
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn state_of(&self, id: &str) -> Value {
        let r = self
            .control(
                Method::GET,
                &format!("/_sandbox/photoshelter/media/{id}"),
                None,
            )
            .await;
        r.json().await.unwrap()
    }

    /// PhotoShelter webhook payloads emitted so far, oldest first.
    pub fn emitted(&self) -> Vec<Value> {
        self.sandbox
            .state()
            .emitter
            .deliveries()
            .into_iter()
            .filter(|d| d.platform == assetrelay_sandbox::Platform::PhotoShelter)
            .map(|d| d.payload)
            .collect()
    }

    /// `(event, gallery_id)` of the webhooks about `media_id`.
    pub fn events_for(&self, media_id: &str) -> Vec<(String, Option<String>)> {
        self.emitted()
            .into_iter()
            .filter(|p| p["media_id"] == media_id)
            .map(|p| {
                let event = p["event"].as_str().unwrap().to_owned();
                (event, p["gallery_id"].as_str().map(str::to_owned))
            })
            .collect()
    }
}

pub fn ev(name: &str) -> (String, Option<String>) {
    (name.to_owned(), None)
}
