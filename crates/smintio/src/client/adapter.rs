//! Pushing changes to our Portals data adapter (research §3.2; contract).
//!
//! Smint.io has no public push API; the documented way in is a webhook into a data
//! adapter (`IWebhooksApiProvider`) whose URL is arranged with Smint.io. We POST
//! `{"changes": [ChangeModel, ...]}` signed the way Smint.io's recipe validates:
//! HMAC-SHA256, hex, over `"{timestamp}.{body}"`, timestamp in its own header, 5-minute
//! window. Each attempt is signed afresh so a retried delivery never carries a stale
//! timestamp. Changes are upserts keyed by `ExternalId`, so a retry is harmless.

use assetrelay_signature::{HmacScheme, HmacSigner, SigningKey};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;
use url::Url;

use super::SmintioClient;
use super::config::AdapterConfig;
use super::error::{ConfigError, Error};
use super::http::{send, with_retry};
use super::model::{Change, PushAck};

const OPERATION: &str = "push data-adapter changes";

pub(crate) struct AdapterPush {
    url: Url,
    signer: HmacSigner,
}

impl AdapterPush {
    pub(crate) fn new(config: &AdapterConfig) -> Result<Self, Error> {
        for name in [&config.signature_header, &config.timestamp_header] {
            HeaderName::try_from(name.as_str()).map_err(|source| ConfigError::HeaderName {
                name: name.clone(),
                source,
            })?;
        }
        let key = SigningKey::from_bytes(config.signing_secret.expose_secret().as_bytes().to_vec())
            .map_err(|source| ConfigError::SigningSecret { source })?;
        let scheme =
            HmacScheme::timestamp_dot_body(&config.signature_header, &config.timestamp_header);
        Ok(Self {
            url: config.webhook_url.clone(),
            signer: HmacSigner::new(scheme, key),
        })
    }
}

#[derive(Serialize)]
struct ChangeBatchRef<'a> {
    changes: &'a [Change],
}

impl SmintioClient {
    /// Deliver `changes` to the data adapter in one signed request.
    pub async fn push_changes(&self, changes: &[Change]) -> Result<PushAck, Error> {
        let Some(adapter) = &self.inner.adapter else {
            return Err(ConfigError::NoAdapter.into());
        };
        if changes.is_empty() {
            return Ok(PushAck { accepted: Some(0) });
        }
        let body =
            serde_json::to_vec(&ChangeBatchRef { changes }).map_err(|source| Error::Encode {
                operation: OPERATION,
                source,
            })?;
        let timeout = self.inner.config.timeout;
        with_retry(&self.inner.config.retry, || async {
            let delivery_id = uuid::Uuid::new_v4().to_string();
            let timestamp = chrono::Utc::now().timestamp();
            let mut request = self
                .inner
                .http
                .post(adapter.url.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .timeout(timeout)
                .body(body.clone());
            for (name, value) in adapter.signer.headers(&delivery_id, timestamp, &body) {
                request = request.header(name, value);
            }
            let response = send(OPERATION, request).await?;
            // The write happened; an answer we cannot read must not turn it into a failure.
            let body = response.bytes().await.unwrap_or_default();
            Ok(serde_json::from_slice(&body).unwrap_or(PushAck { accepted: None }))
        })
        .await
    }
}
