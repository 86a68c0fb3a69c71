//! Webhooks the test sends itself, signed as the sandbox signs them (Standard Webhooks with
//! the demo connection's dev secrets): for headers or payloads the simulated platforms do
//! not send, and for an ingress the sandbox does not know.

use assetrelay_contract::Platform;
use assetrelay_sandbox::config::{DEV_PHOTOSHELTER_WEBHOOK_SECRET, DEV_SMINTIO_WEBHOOK_SECRET};
use assetrelay_sandbox::emitter::webhook_id;
use assetrelay_signature::{StandardWebhooksSigner, decode_whsec};
use serde_json::Value;

use crate::Stack;

/// POST `payload` to `<ingress_url>/webhooks/<platform>/demo`, signed like the demo
/// sandbox signs, with `headers` added.
pub async fn send_signed(
    ingress_url: &str,
    platform: Platform,
    payload: &Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let secret = match platform {
        Platform::PhotoShelter => DEV_PHOTOSHELTER_WEBHOOK_SECRET,
        Platform::Smintio => DEV_SMINTIO_WEBHOOK_SECRET,
    };
    send_signed_with(secret, ingress_url, platform, payload, headers).await
}

/// [`send_signed`] with another Standard Webhooks secret (`whsec_…`), e.g. one the
/// connection does not accept.
pub async fn send_signed_with(
    secret: &str,
    ingress_url: &str,
    platform: Platform,
    payload: &Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    send_signed_to(secret, ingress_url, platform, "demo", payload, headers).await
}

/// [`send_signed_with`] to connection `connection`'s webhook path.
pub async fn send_signed_to(
    secret: &str,
    ingress_url: &str,
    platform: Platform,
    connection: &str,
    payload: &Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let signer = StandardWebhooksSigner::new(decode_whsec(secret).unwrap());
    let body = serde_json::to_vec(payload).unwrap();
    let id = webhook_id::for_payload(payload);
    let mut request = reqwest::Client::new()
        .post(format!("{ingress_url}/webhooks/{platform}/{connection}"))
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in signer.headers(&id, chrono::Utc::now().timestamp(), &body) {
        request = request.header(name, value);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body).send().await.unwrap()
}

impl Stack {
    /// Send `payload` to this stack's ingress as `platform` would, with `headers` added.
    pub async fn send_webhook(
        &self,
        platform: Platform,
        payload: &Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        send_signed(&self.ingress_url, platform, payload, headers).await
    }

    /// The webhooks the demo sandbox emitted (`GET /_sandbox/webhooks`), oldest first:
    /// with [`crate::Options::sandbox_webhooks`] off, none reached the ingress, and the test
    /// sends them itself with [`Stack::resend_webhook`].
    pub async fn sandbox_webhooks(&self) -> Vec<Value> {
        let all = self.control.get("/_sandbox/webhooks").await.unwrap();
        all.as_array().cloned().unwrap_or_default()
    }

    /// Send one of the sandbox's deliveries (an entry of [`Stack::sandbox_webhooks`]) to
    /// the ingress as the sandbox would, with `headers` added; it must be accepted.
    pub async fn resend_webhook(&self, delivery: &Value, headers: &[(&str, &str)]) {
        let platform = match delivery["platform"].as_str() {
            Some("photoshelter") => Platform::PhotoShelter,
            Some("smintio") => Platform::Smintio,
            other => panic!("a delivery of no known platform: {other:?}"),
        };
        let answer = self
            .send_webhook(platform, &delivery["payload"], headers)
            .await;
        let status = answer.status();
        assert_eq!(status, 202, "{}", answer.text().await.unwrap_or_default());
    }
}
