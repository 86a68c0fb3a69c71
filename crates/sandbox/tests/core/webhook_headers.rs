//! The headers of an emitted webhook: a `webhook-id` the Standard Webhooks spec allows,
//! the timestamp and signature formats.

use assetrelay_sandbox::config::DEV_PHOTOSHELTER_WEBHOOK_SECRET;
use assetrelay_sandbox::{DeliveryStatus, Platform, SandboxConfig, spawn};
use base64::Engine as _;
use serde_json::json;

use crate::support::{now, receiver};
use crate::webhooks::{config_for, media_updated, verifier};

/// What the Standard Webhooks spec lets a `webhook-id` be: a header value of visible
/// ASCII without the `.` that delimits the signed content.
fn is_spec_webhook_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
}

#[tokio::test]
async fn a_non_ascii_payload_id_is_sent_as_a_generated_msg_id_that_retries_reuse() {
    let mut rx = receiver(&[503], 202).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();
    let payload = json!({"id": "évènement-1", "event": "media.updated"});

    let outcome = sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, payload.clone())
        .await;

    assert_eq!(outcome.status, DeliveryStatus::Delivered);
    let got = rx.drain();
    assert_eq!(got.len(), 2);
    let ids: Vec<&[u8]> = got
        .iter()
        .map(|r| r.headers["webhook-id"].as_bytes())
        .collect();
    let first = std::str::from_utf8(ids[0]).unwrap();
    assert!(first.starts_with("msg_"), "{first}");
    assert!(is_spec_webhook_id(first), "{first}");
    assert_eq!(ids[0], ids[1], "the retry reuses the id");
    assert_eq!(
        outcome.id, first,
        "the delivery list shows the id that was sent"
    );
    for request in &got {
        let verified = verifier(DEV_PHOTOSHELTER_WEBHOOK_SECRET).verify(
            &request.headers,
            &request.body,
            now(),
        );
        assert!(verified.is_ok(), "{verified:?}");
    }
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body, payload, "the payload keeps its own id");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_payload_id_containing_a_full_stop_is_not_used_as_the_webhook_id() {
    let mut rx = receiver(&[], 202).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();

    sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::Smintio, json!({"id": "evt.1.1674087231"}))
        .await;

    let got = rx.drain();
    let id = got[0].headers["webhook-id"].to_str().unwrap();
    assert!(id.starts_with("msg_") && is_spec_webhook_id(id), "{id}");
    sandbox.stop().await;
}

#[tokio::test]
async fn the_same_invalid_payload_id_always_maps_to_the_same_webhook_id() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let emitter = sandbox.state().emitter;

    let first = emitter.emit(Platform::PhotoShelter, json!({"id": "événement"}));
    let again = emitter.emit(Platform::PhotoShelter, json!({"id": "événement"}));
    let other = emitter.emit(Platform::PhotoShelter, json!({"id": "évènement"}));

    assert_eq!(first, again, "a re-sent event keeps its idempotency key");
    assert_ne!(first, other);
    sandbox.stop().await;
}

#[tokio::test]
async fn the_timestamp_and_signature_headers_have_the_spec_format() {
    let mut rx = receiver(&[], 202).await;
    let sandbox = spawn(config_for(&rx.url)).await.unwrap();
    let before = now();

    sandbox
        .state()
        .emitter
        .emit_and_wait(Platform::PhotoShelter, media_updated())
        .await;

    let got = rx.drain();
    let timestamp = got[0].headers["webhook-timestamp"].to_str().unwrap();
    assert!(timestamp.bytes().all(|b| b.is_ascii_digit()), "{timestamp}");
    let seconds: i64 = timestamp.parse().unwrap();
    assert!(
        (before..=now()).contains(&seconds),
        "Unix seconds: {seconds}"
    );
    let signature = got[0].headers["webhook-signature"].to_str().unwrap();
    let (version, encoded) = signature.split_once(',').unwrap();
    assert_eq!(version, "v1");
    let tag = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(tag.len(), 32, "one HMAC-SHA256 tag, padded base64");
    sandbox.stop().await;
}
