//! The lifecycle handler's decisions against faked platforms and the real broker: what
//! leaves active use on which side, what is left alone, and what waits for its due time.

mod support;

use assetrelay_broker::consumer::{FailureKind, Handled, Handler};
use assetrelay_contract::{EventType, Platform, header};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::json;
use wiremock::ResponseTemplate;

use support::photoshelter::{
    MediaItem, any_media_update, gallery_children, remove_from_gallery, set_private,
};
use support::smintio::{any_push, license, push, serve_feed};
use support::{
    APPROVED_GALLERY, DISTRIBUTION_GALLERY, Harness, delivery, event, failure, no_calls, scheduled,
};

#[tokio::test]
async fn deletes_expired_media_from_smintio_and_makes_it_private_in_photoshelter() {
    let h = Harness::start().await;
    let id = "I0000EXPIRED0L01";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .with("license_expiration_date", json!("2020-01-01"))
        .serve(&h.photoshelter)
        .await;
    push("AssetDeletion", id).expect(1).mount(&h.smintio).await;
    set_private(id).expect(1).mount(&h.photoshelter).await;
    let expired = event(Platform::PhotoShelter, EventType::AssetExpired, Some(id));

    let outcome = h.lifecycle().handle(&delivery(&expired)).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn leaves_media_still_in_active_use_alone() {
    let h = Harness::start().await;
    let id = "I0000STILLACTIVE";
    // The expiry was scheduled, then the date was moved on in PhotoShelter.
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .with("license_expiration_date", json!("2099-01-01"))
        .serve(&h.photoshelter)
        .await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;
    any_media_update(id).expect(0).mount(&h.photoshelter).await;
    let expiry = event(Platform::PhotoShelter, EventType::AssetExpired, Some(id));
    let was_due = Utc::now() - Duration::minutes(1);

    let outcome = h.lifecycle().handle(&scheduled(&expiry, was_due)).await;

    assert_eq!(outcome, Ok(Handled::Skipped("in_use")));
}

#[tokio::test]
async fn retires_the_copies_of_a_license_whose_scheduled_expiry_has_come() {
    let h = Harness::start().await;
    let uuid = "5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1a20";
    let copy = "I0000COPYEXPIRED";
    let file_name = format!("smintio-{uuid}-v1.jpg");
    let mut ended = license(uuid);
    ended["license_terms"] = json!([{"valid_until": "2021-06-30T00:00:00Z"}]);
    serve_feed(&h.smintio, &[ended]).await;
    // The copy to-photoshelter recorded in the ledger; the gallery is not listed.
    h.record_copy(uuid, 1, copy).await;
    gallery_children(DISTRIBUTION_GALLERY, &[(copy, &file_name)])
        .expect(0)
        .mount(&h.photoshelter)
        .await;
    MediaItem::image(copy)
        .with("file_name", json!(file_name))
        .in_gallery(DISTRIBUTION_GALLERY)
        .serve(&h.photoshelter)
        .await;
    remove_from_gallery(DISTRIBUTION_GALLERY, copy)
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    set_private(copy).expect(1).mount(&h.photoshelter).await;
    let expiry = event(Platform::Smintio, EventType::LicenseExpired, Some(uuid));
    let was_due = Utc::now() - Duration::seconds(5);

    let outcome = h.lifecycle().handle(&scheduled(&expiry, was_due)).await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(uuid).await,
        [format!("retired:v1:{copy}")],
        "the ledger says the copy is retired"
    );
}

#[tokio::test]
async fn sends_an_expiry_that_is_not_due_one_hop_further_without_calling_either_platform() {
    let h = Harness::start().await;
    h.rabbit.declare_scheduler_targets().await;
    no_calls(&h.photoshelter).await;
    no_calls(&h.smintio).await;
    let id = "I0000NOTDUEYET01";
    let expiry = event(Platform::PhotoShelter, EventType::AssetExpired, Some(id));
    let due = Utc::now() + Duration::hours(2);

    let outcome = h.lifecycle().handle(&scheduled(&expiry, due)).await;

    assert_eq!(outcome, Ok(Handled::Skipped("not_due")));
    // Two hours away: the one-hour tier of the example config is the longest that does not
    // overshoot.
    let tier = h.rabbit.topology.scheduler_queue(3600);
    assert_eq!(
        h.rabbit.scheduler_backlog().await,
        [(tier.clone(), 1)].into()
    );
    let (headers, hopped) = h.rabbit.take(&tier).await;
    assert_eq!(hopped, expiry);
    assert_eq!(
        headers.get(header::DUE_AT),
        Some(&due.to_rfc3339_opts(SecondsFormat::Millis, true))
    );
}

#[tokio::test]
async fn fails_permanent_on_a_smintio_event_other_than_an_expiry() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    no_calls(&h.smintio).await;
    let purchase = event(
        Platform::Smintio,
        EventType::LicensePurchased,
        Some("5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1a21"),
    );

    let outcome = h.lifecycle().handle(&delivery(&purchase)).await;

    failure(outcome, FailureKind::Permanent, "unsupported_event");
}
