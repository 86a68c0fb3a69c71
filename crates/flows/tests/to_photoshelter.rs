//! The to-photoshelter handler's decisions against faked platforms: which license states
//! lead to an upload with IPTC, nothing, retired copies, a retry or a parked message.

mod support;

use assetrelay_broker::consumer::{FailureKind, Handled, Handler};
use assetrelay_contract::{CloudEvent, EventType, Platform};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use support::photoshelter::{
    MediaItem, any_media_update, any_upload, gallery_children, remove_from_gallery, set_private,
    update_iptc, upload,
};
use support::smintio::{binaries, download, feed_start, license, serve_feed, written_iptc};
use support::{CONNECTION, DISTRIBUTION_GALLERY, Harness, delivery, event, failure, no_calls};

const LICENSE: &str = "5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1a10";
/// The id PhotoShelter gives the uploaded copy.
const COPY: &str = "I0000COPYOFLPT01";

fn license_event(event_type: EventType) -> CloudEvent {
    event(Platform::Smintio, event_type, Some(LICENSE))
}

fn copy_file_name() -> String {
    format!("smintio-{LICENSE}_binary-{LICENSE}-v1.jpg")
}

/// The copy of [`LICENSE`] in the distribution gallery, with `iptc`.
fn distributed_copy(iptc: Value) -> MediaItem {
    MediaItem::image(COPY)
        .with("file_name", json!(copy_file_name()))
        .in_gallery(DISTRIBUTION_GALLERY)
        .with_iptc(iptc)
}

#[tokio::test]
async fn uploads_a_cleared_license_into_the_distribution_gallery_with_its_iptc() {
    let h = Harness::start().await;
    serve_feed(&h.smintio, &[license(LICENSE)]).await;
    // The ledger, not a listing of the gallery, says which copies exist.
    gallery_children(DISTRIBUTION_GALLERY, &[])
        .expect(0)
        .mount(&h.photoshelter)
        .await;
    binaries(&h.smintio, LICENSE)
        .expect(1)
        .mount(&h.smintio)
        .await;
    download(LICENSE).expect(1).mount(&h.smintio).await;
    upload(DISTRIBUTION_GALLERY, &copy_file_name(), COPY)
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    distributed_copy(json!({})).serve(&h.photoshelter).await;
    update_iptc(COPY, json!({"trans_ref": format!("smintio:{LICENSE}")}))
        .expect(1)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [format!("bbinary-{LICENSE}/v1:{COPY}")]
    );
}

#[tokio::test]
async fn does_not_upload_the_same_license_a_second_time_even_after_a_restart() {
    let h = Harness::start().await;
    let cleared = license(LICENSE);
    serve_feed(&h.smintio, std::slice::from_ref(&cleared)).await;
    binaries(&h.smintio, LICENSE).mount(&h.smintio).await;
    download(LICENSE).mount(&h.smintio).await;
    upload(DISTRIBUTION_GALLERY, &copy_file_name(), COPY)
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    update_iptc(COPY, json!({"trans_ref": format!("smintio:{LICENSE}")}))
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    any_media_update(COPY)
        .expect(0)
        .mount(&h.photoshelter)
        .await;
    // The first handling reads the new copy without our IPTC; the second what PhotoShelter
    // holds after it. (One-time answers rather than scoped mocks: wiremock 0.6 removes a
    // scoped mock by its position, which priorities reorder.)
    for read in distributed_copy(json!({})).reads() {
        once(read).mount(&h.photoshelter).await;
    }
    distributed_copy(written_iptc(&cleared))
        .serve(&h.photoshelter)
        .await;
    gallery_children(DISTRIBUTION_GALLERY, &[])
        .expect(0)
        .mount(&h.photoshelter)
        .await;

    let first = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;
    // A new handler: the process restarted; the store remembers the copy.
    let second = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicenseUpdated)))
        .await;

    assert_eq!(
        (first, second),
        (Ok(Handled::Ok), Ok(Handled::Skipped("unchanged")))
    );
}

/// `mock` answers first, exactly once.
fn once(mock: wiremock::Mock) -> wiremock::Mock {
    mock.up_to_n_times(1).with_priority(1).expect(1)
}

/// A withheld license's copy leaves the distribution gallery and becomes private, and
/// nothing is uploaded.
async fn retires_the_copy_of(withheld: Value) {
    let h = Harness::start().await;
    serve_feed(&h.smintio, &[withheld]).await;
    h.record_copy(LICENSE, 1, COPY).await;
    gallery_children(DISTRIBUTION_GALLERY, &[(COPY, &copy_file_name())])
        .expect(0)
        .mount(&h.photoshelter)
        .await;
    distributed_copy(json!({"trans_ref": format!("smintio:{LICENSE}")}))
        .serve(&h.photoshelter)
        .await;
    remove_from_gallery(DISTRIBUTION_GALLERY, COPY)
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    set_private(COPY).expect(1).mount(&h.photoshelter).await;
    any_upload().expect(0).mount(&h.photoshelter).await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicenseUpdated)))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [format!("retired:v1:{COPY}")]
    );
}

#[tokio::test]
async fn retires_the_copies_of_a_cancelled_license() {
    let mut cancelled = license(LICENSE);
    cancelled["state"] = json!("cancelled");
    retires_the_copy_of(cancelled).await;
}

#[tokio::test]
async fn retires_the_copies_of_a_license_that_can_no_longer_be_synced() {
    let mut not_syncable = license(LICENSE);
    not_syncable["can_be_synced"] = json!(false);
    retires_the_copy_of(not_syncable).await;
}

#[tokio::test]
async fn fails_transient_with_the_status_when_the_license_feed_answers_503() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    feed_start()
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&h.smintio)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    let error = failure(outcome, FailureKind::Transient, "smintio_5xx");
    assert_eq!(error.status, Some(503));
}

#[tokio::test]
async fn fails_transient_when_the_license_is_not_in_the_feed_yet() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    serve_feed(
        &h.smintio,
        &[license("5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1aff")],
    )
    .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    failure(outcome, FailureKind::Transient, "license_not_in_feed");
}

#[tokio::test]
async fn fails_permanent_when_the_connection_has_no_distribution_gallery() {
    let h = Harness::with_rules(|rules| rules.distribution.gallery = None).await;
    no_calls(&h.photoshelter).await;
    serve_feed(&h.smintio, &[license(LICENSE)]).await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    failure(outcome, FailureKind::Permanent, "no_distribution_gallery");
}

#[tokio::test]
async fn fails_permanent_on_a_smintio_asset_event_without_calling_either_platform() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    no_calls(&h.smintio).await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::AssetUpdated)))
        .await;

    failure(outcome, FailureKind::Permanent, "unsupported_event");
}

#[tokio::test]
async fn fails_permanent_on_a_photoshelter_event_without_calling_either_platform() {
    let h = Harness::start().await;
    no_calls(&h.photoshelter).await;
    no_calls(&h.smintio).await;
    let media = event(
        Platform::PhotoShelter,
        EventType::AssetApproved,
        Some("I0000APPROVED0A1"),
    );

    let outcome = h.to_photoshelter().handle(&delivery(&media)).await;

    failure(outcome, FailureKind::Permanent, "wrong_flow");
}

/// The claim key of the first upload of version 1 of [`LICENSE`]'s binary.
fn upload_claim() -> String {
    format!("upload/{CONNECTION}/{LICENSE}/bbinary-{LICENSE}/v1/r0")
}

#[tokio::test]
async fn does_not_upload_while_another_replica_holds_the_upload_claim() {
    let h = Harness::start().await;
    serve_feed(&h.smintio, &[license(LICENSE)]).await;
    binaries(&h.smintio, LICENSE).mount(&h.smintio).await;
    any_upload().expect(0).mount(&h.photoshelter).await;
    let taken = h
        .store
        .claim(
            &upload_claim(),
            "another-replica",
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(taken, assetrelay_store::Claim::Taken);

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    failure(outcome, FailureKind::Transient, "upload_in_progress");
    assert!(h.recorded_copies(LICENSE).await.is_empty());
}

#[tokio::test]
async fn after_taking_over_a_dead_replicas_claim_it_finds_that_replicas_upload_instead_of_uploading_again()
 {
    let h = Harness::start().await;
    let cleared = license(LICENSE);
    serve_feed(&h.smintio, std::slice::from_ref(&cleared)).await;
    binaries(&h.smintio, LICENSE).mount(&h.smintio).await;
    // A replica claimed the upload, uploaded, and died before recording it.
    h.store
        .claim(
            &upload_claim(),
            "dead-replica",
            std::time::Duration::from_millis(1),
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    gallery_children(DISTRIBUTION_GALLERY, &[(COPY, &copy_file_name())])
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    any_upload().expect(0).mount(&h.photoshelter).await;
    distributed_copy(json!({})).serve(&h.photoshelter).await;
    update_iptc(COPY, json!({"trans_ref": format!("smintio:{LICENSE}")}))
        .expect(1)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&license_event(EventType::LicensePurchased)))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [format!("bbinary-{LICENSE}/v1:{COPY}")]
    );
    let again = h
        .store
        .claim(
            &upload_claim(),
            "someone",
            std::time::Duration::from_secs(1),
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        assetrelay_store::Claim::Done {
            target_id: COPY.to_owned()
        }
    );
}
