//! to-photoshelter with what the Smint.io sync publishes: license events carrying the
//! transaction as the feed served it (applied without reading the feed, unless the ledger
//! holds a newer state), and the data-less feed ping (a sync request, no feed read).

mod support;

use assetrelay_broker::consumer::{FailureKind, Handled, Handler};
use assetrelay_contract::source::SMINTIO_SYNC;
use assetrelay_contract::{CloudEvent, EventType, Platform, SourceState};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use support::photoshelter::{MediaItem, gallery_children, update_iptc, upload};
use support::smintio::{binaries, download, feed_start, license};
use support::{CONNECTION, DISTRIBUTION_GALLERY, Harness, delivery, event, failure, no_calls};

const LICENSE: &str = "7e1d2c3b-4a59-4f6e-8d7c-1b2a3c4d5e60";
const COPY: &str = "I0000COPYOFLPT07";

/// The event the Smint.io sync publishes for `lpt`, read at `read_at`.
fn carrying(lpt: Value, read_at: chrono::DateTime<Utc>) -> CloudEvent {
    let mut event = event(Platform::Smintio, EventType::LicenseUpdated, Some(LICENSE));
    event.data.state = Some(SourceState { read_at, body: lpt });
    event
}

fn copy_file_name() -> String {
    format!("smintio-{LICENSE}_binary-{LICENSE}-v1.jpg")
}

#[tokio::test]
async fn a_carried_license_is_uploaded_without_reading_the_feed() {
    let h = Harness::start().await;
    feed_start()
        .respond_with(wiremock::ResponseTemplate::new(500))
        .expect(0)
        .mount(&h.smintio)
        .await;
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
    MediaItem::image(COPY)
        .with("file_name", json!(copy_file_name()))
        .in_gallery(DISTRIBUTION_GALLERY)
        .with_iptc(json!({}))
        .serve(&h.photoshelter)
        .await;
    update_iptc(COPY, json!({"trans_ref": format!("smintio:{LICENSE}")}))
        .expect(1)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license(LICENSE), Utc::now())))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [format!("bbinary-{LICENSE}/v1:{COPY}")]
    );
}

#[tokio::test]
async fn a_carried_state_older_than_the_applied_one_changes_nothing() {
    let h = Harness::start().await;
    no_calls(&h.smintio).await;
    no_calls(&h.photoshelter).await;
    let now = Utc::now();
    // The ledger holds the state read a minute ago; the event carries one read before it.
    let mut lpt = license(LICENSE);
    lpt["last_updated_at"] = json!("2026-12-01T10:00:00Z");
    let key = assetrelay_flows::shared::ps_copies::license_key(CONNECTION, LICENSE);
    let applied = assetrelay_store::LedgerWrite {
        target_ids: vec![format!("v1:{COPY}")],
        fingerprint: String::new(),
        source: assetrelay_store::SourceVersion {
            modified_ms: "2026-12-01T10:00:00Z"
                .parse::<chrono::DateTime<Utc>>()
                .unwrap()
                .timestamp_millis(),
            read_ms: (now - Duration::minutes(1)).timestamp_millis(),
        },
        outcome: "written".into(),
    };
    h.store.record_write(&key, &applied).await.unwrap();

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&carrying(lpt, now - Duration::minutes(5))))
        .await;

    assert_eq!(outcome, Ok(Handled::Skipped("stale")));
    assert_eq!(h.recorded_copies(LICENSE).await, [format!("v1:{COPY}")]);
}

#[tokio::test]
async fn a_feed_ping_requests_a_sync_and_reads_nothing() {
    let h = Harness::start().await;
    no_calls(&h.smintio).await;
    no_calls(&h.photoshelter).await;
    assert_eq!(
        h.store.run_request(CONNECTION, SMINTIO_SYNC).await.unwrap(),
        None
    );
    let ping = event(Platform::Smintio, EventType::LicenseUpdated, None);

    let first = h.to_photoshelter().handle(&delivery(&ping)).await;
    let requested = h.store.run_request(CONNECTION, SMINTIO_SYNC).await.unwrap();
    let second = h.to_photoshelter().handle(&delivery(&ping)).await;

    assert_eq!(first, Ok(Handled::Skipped("sync_requested")));
    assert_eq!(second, Ok(Handled::Skipped("sync_requested")));
    assert!(requested.is_some());
    assert_ne!(
        h.store.run_request(CONNECTION, SMINTIO_SYNC).await.unwrap(),
        requested,
        "each ping is a new request"
    );
}

#[tokio::test]
async fn a_carried_state_of_another_license_or_no_license_is_parked() {
    let h = Harness::start().await;
    no_calls(&h.smintio).await;
    no_calls(&h.photoshelter).await;
    for body in [
        license("00000000-0000-4000-8000-000000000001"),
        json!({"not": "a transaction"}),
    ] {
        let outcome = h
            .to_photoshelter()
            .handle(&delivery(&carrying(body, Utc::now())))
            .await;
        failure(outcome, FailureKind::Permanent, "bad_state");
    }
}
