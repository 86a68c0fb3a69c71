//! The to-smint handler's decisions against faked platforms: which PhotoShelter answers
//! lead to an adapter push, a deletion, a skip, a retry or a parked message.

mod support;

use std::time::Duration;

use assetrelay_broker::consumer::{FailureKind, Handled, Handler};
use assetrelay_contract::{EventType, Platform, header};
use serde_json::json;
use wiremock::ResponseTemplate;

use support::photoshelter::{MediaItem, serve_media_failure};
use support::smintio::{any_push, push};
use support::{APPROVED_GALLERY, CONNECTION, Harness, delivery, event, failure, no_calls};

fn media_event(media_id: &str) -> assetrelay_contract::CloudEvent {
    event(
        Platform::PhotoShelter,
        EventType::AssetUpdated,
        Some(media_id),
    )
}

#[tokio::test]
async fn pushes_an_approved_media_item_to_the_data_adapter() {
    let h = Harness::start().await;
    let id = "I0000APPROVED0A1";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    push("AssetUpdate", id).expect(1).mount(&h.smintio).await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn does_not_push_an_unchanged_item_a_second_time_even_from_a_restarted_or_other_replica() {
    let h = Harness::start().await;
    let id = "I0000APPROVED0A2";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    push("AssetUpdate", id).expect(1).mount(&h.smintio).await;
    let handler = h.to_smint();

    let first = handler.handle(&delivery(&media_event(id))).await;
    let again = handler.handle(&delivery(&media_event(id))).await;
    // A new handler is a restarted process, or a second replica: the store remembers.
    let restarted = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(first, Ok(Handled::Ok));
    assert_eq!(again, Ok(Handled::Skipped("unchanged")));
    assert_eq!(restarted, Ok(Handled::Skipped("unchanged")));
}

#[tokio::test]
async fn does_not_write_a_state_older_than_the_ledger_records() {
    let h = Harness::start().await;
    let id = "I0000APPROVED0A3";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .with("modified_at", json!("2026-01-01T00:00:00Z"))
        .serve(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;
    // Another replica already wrote a later modification of the item.
    let key = assetrelay_store::AssetKey::new(CONNECTION, "to-smint", "photoshelter", id);
    let later = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:05Z").unwrap();
    let write = assetrelay_store::LedgerWrite {
        target_ids: vec![id.to_owned()],
        fingerprint: "newer".into(),
        source: assetrelay_store::SourceVersion {
            modified_ms: later.timestamp_millis(),
            read_ms: 0,
        },
        outcome: "written".into(),
    };
    h.store.record_write(&key, &write).await.unwrap();

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Skipped("stale")));
}

#[tokio::test]
async fn pushes_the_deletion_of_a_media_item_that_is_not_approved() {
    let h = Harness::start().await;
    let id = "I0000UNAPPROVED1";
    MediaItem::image(id)
        .in_gallery("G0000ELSEWHERE01")
        .serve(&h.photoshelter)
        .await;
    push("AssetDeletion", id).expect(1).mount(&h.smintio).await;
    push("AssetUpdate", id).expect(0).mount(&h.smintio).await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn pushes_a_deletion_when_the_media_item_is_gone_from_photoshelter() {
    let h = Harness::start().await;
    let id = "I0000GONEGONE001";
    serve_media_failure(&h.photoshelter, id, ResponseTemplate::new(404))
        .await
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    push("AssetDeletion", id).expect(1).mount(&h.smintio).await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn fails_transient_with_the_status_and_pushes_nothing_when_photoshelter_answers_503() {
    let h = Harness::start().await;
    let id = "I0000UNAVAILABLE";
    serve_media_failure(&h.photoshelter, id, ResponseTemplate::new(503))
        .await
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    let error = failure(outcome, FailureKind::Transient, "photoshelter_5xx");
    assert_eq!(error.status, Some(503));
}

#[tokio::test]
async fn fails_transient_with_retry_after_when_photoshelter_rate_limits() {
    let h = Harness::start().await;
    let id = "I0000RATELIMITED";
    // Longer than the client waits in process: the wait goes back to the broker's tiers.
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "120");
    serve_media_failure(&h.photoshelter, id, limited)
        .await
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    let error = failure(outcome, FailureKind::Transient, "photoshelter_rate_limited");
    assert_eq!(
        (error.status, error.retry_after),
        (Some(429), Some(Duration::from_secs(120)))
    );
}

#[tokio::test]
async fn fails_permanent_when_the_data_adapter_rejects_the_push_with_400() {
    let h = Harness::start().await;
    let id = "I0000REJECTED001";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid asset"})))
        .expect(1)
        .mount(&h.smintio)
        .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    let error = failure(outcome, FailureKind::Permanent, "smintio_400");
    assert_eq!(error.status, Some(400));
}

#[tokio::test]
async fn fails_permanent_on_a_smintio_event_without_calling_either_platform() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    no_calls(&h.smintio).await;
    let license = event(
        Platform::Smintio,
        EventType::LicensePurchased,
        Some("5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1a01"),
    );

    let outcome = h.to_smint().handle(&delivery(&license)).await;

    failure(outcome, FailureKind::Permanent, "wrong_flow");
}

#[tokio::test]
async fn does_not_send_a_copy_of_a_smintio_license_back() {
    let h = Harness::start().await;
    let id = "I0000OURCOPY0001";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .with_iptc(json!({"trans_ref": "smintio:5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1a02"}))
        .serve(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Skipped("echo")));
}

#[tokio::test]
async fn deletes_expired_media_and_hands_its_expiry_to_lifecycle_at_once() {
    let h = Harness::start().await;
    h.rabbit.declare_scheduler_targets().await;
    let id = "I0000EXPIRED0001";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .with("license_expiration_date", json!("2020-01-01"))
        .serve(&h.photoshelter)
        .await;
    push("AssetDeletion", id).expect(1).mount(&h.smintio).await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
    // Already due: straight into the lifecycle queue, no delay tier.
    let lifecycle = h
        .rabbit
        .topology
        .work_queue(assetrelay_contract::Flow::Lifecycle);
    let backlog = h.rabbit.scheduler_backlog().await;
    assert_eq!(backlog, [(lifecycle.clone(), 1)].into());
    let (headers, expiry) = h.rabbit.take(&lifecycle).await;
    assert_eq!(
        (
            expiry.event_type,
            expiry.data.platform,
            expiry.subject.as_deref()
        ),
        (EventType::AssetExpired, Platform::PhotoShelter, Some(id))
    );
    assert_eq!(
        headers.get(header::DUE_AT).map(String::as_str),
        Some("2020-01-01T00:00:00.000Z")
    );
}
