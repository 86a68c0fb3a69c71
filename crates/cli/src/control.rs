//! A small client of the sandbox's control API (`/_sandbox/…`, docs/sandbox.md), used to
//! seed the demo and by the end-to-end tests to drive the simulated platforms.

use anyhow::{Context, bail};
use serde_json::{Value, json};

#[derive(Clone)]
pub struct SandboxControl {
    base: String,
    http: reqwest::Client,
}

impl SandboxControl {
    pub fn new(base_url: &str) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// `method` `path` with an optional JSON body; the answer's JSON, or an error naming the status.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}: sandbox unreachable"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{method} {path}: sandbox answered {status}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: answer is not JSON"))
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Create a PhotoShelter gallery; its id.
    pub async fn create_gallery(&self, name: &str) -> anyhow::Result<String> {
        let gallery = self
            .call(
                reqwest::Method::POST,
                "/_sandbox/photoshelter/galleries",
                Some(json!({"name": name})),
            )
            .await?;
        id_of(&gallery, "id")
    }

    /// Create a PhotoShelter collection holding `children` (gallery or collection ids);
    /// its id.
    pub async fn create_collection(&self, name: &str, children: &[&str]) -> anyhow::Result<String> {
        let collection = self
            .call(
                reqwest::Method::POST,
                "/_sandbox/photoshelter/collections",
                Some(json!({"name": name, "children": children})),
            )
            .await?;
        id_of(&collection, "id")
    }

    /// Set what collection `id` holds.
    pub async fn set_collection_children(&self, id: &str, children: &[&str]) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::PUT,
            &format!("/_sandbox/photoshelter/collections/{id}/children"),
            Some(json!({"children": children})),
        )
        .await?;
        Ok(())
    }

    /// Create a PhotoShelter media item (body as in docs/sandbox.md); its id.
    pub async fn create_media(&self, body: Value) -> anyhow::Result<String> {
        let media = self
            .call(
                reqwest::Method::POST,
                "/_sandbox/photoshelter/media",
                Some(body),
            )
            .await?;
        id_of(&media, "id")
    }

    /// Change a PhotoShelter media item; its full state.
    pub async fn patch_media(&self, id: &str, body: Value) -> anyhow::Result<Value> {
        self.call(
            reqwest::Method::PATCH,
            &format!("/_sandbox/photoshelter/media/{id}"),
            Some(body),
        )
        .await
    }

    /// The full state of a PhotoShelter media item, `None` if it does not exist.
    pub async fn media(&self, id: &str) -> anyhow::Result<Option<Value>> {
        let response = self
            .http
            .get(format!("{}/_sandbox/photoshelter/media/{id}", self.base))
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(response.error_for_status()?.json().await?))
    }

    /// Create, update or cancel a Smint.io license purchase transaction (`action` in the body);
    /// the transaction's uuid.
    pub async fn license(&self, body: Value) -> anyhow::Result<String> {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/_sandbox/smintio/license-purchase-transactions",
                Some(body),
            )
            .await?;
        answer
            .pointer("/license_purchase_transaction/uuid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("the sandbox answer has no license uuid")
    }

    /// What the Smint.io data adapter holds for `external_id`, `None` if nothing.
    pub async fn smint_asset(&self, external_id: &str) -> anyhow::Result<Option<Value>> {
        let response = self
            .http
            .get(format!(
                "{}/_sandbox/smintio/assets/{external_id}",
                self.base
            ))
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(response.error_for_status()?.json().await?))
    }

    /// The write log of one surface (`photoshelter` or `smintio`).
    pub async fn writes(&self, surface: &str) -> anyhow::Result<Vec<Value>> {
        let log = self
            .get(&format!("/_sandbox/log?surface={surface}"))
            .await?;
        Ok(log.as_array().cloned().unwrap_or_default())
    }
}

fn id_of(value: &Value, key: &str) -> anyhow::Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("the sandbox answer has no `{key}`"))
}
