//! One PhotoShelter copy per Smint.io binary: a license update that changes no binary
//! updates the copies in place (same ids, no upload), a new binary version is uploaded and
//! its old copy retired, a compound license gets one copy per binary, and a binary the
//! license no longer has loses its copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use assetrelay_broker::consumer::{Handled, Handler};
use assetrelay_contract::{CloudEvent, EventType, Platform, SourceState};
use chrono::Utc;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::photoshelter::{
    MediaItem, any_upload, remove_from_gallery, set_private, update_iptc, upload,
};
use support::smintio::{cart_of, license};
use support::{CONNECTION, DISTRIBUTION_GALLERY, Harness, delivery, event};

const LICENSE: &str = "5b0c1a52-3f4e-4d7a-9a55-0d6f3c7e1b01";

/// The event the Smint.io sync publishes for `lpt`, read now.
fn carrying(lpt: Value) -> CloudEvent {
    let mut event = event(Platform::Smintio, EventType::LicenseUpdated, Some(LICENSE));
    event.data.state = Some(SourceState {
        read_at: Utc::now(),
        body: lpt,
    });
    event
}

/// The license's binaries, `(uuid, version)`, each downloadable from `server`.
async fn serve_binaries(server: &MockServer, binaries: &[(&str, i64)]) {
    let cart = cart_of(LICENSE);
    let listed: Vec<Value> = binaries
        .iter()
        .map(|(uuid, version)| {
            json!({
                "uuid": uuid,
                "content_type": "image",
                "binary_type": "download",
                "download_url": format!("{}/downloads/{uuid}-{version}.jpg", server.uri()),
                "recommended_file_name": "lake-at-dawn.jpg",
                "version": version
            })
        })
        .collect();
    Mock::given(method("GET"))
        .and(path(format!(
            "/consumer/v1/sync/cart-purchase-transactions/{cart}/license-purchase-transactions/{LICENSE}/binaries"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed))
        .mount(server)
        .await;
    for (uuid, version) in binaries {
        Mock::given(method("GET"))
            .and(path(format!("/downloads/{uuid}-{version}.jpg")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "image/jpeg")
                    .set_body_string(format!("JFIF: binary {uuid} version {version}")),
            )
            .mount(server)
            .await;
    }
}

fn file_name(binary: &str, version: i64) -> String {
    format!("smintio-{LICENSE}_{binary}-v{version}.jpg")
}

/// Copy `id` of `binary` at `version` in the distribution gallery, with no IPTC yet.
async fn serve_copy(server: &MockServer, id: &str, binary: &str, version: i64) {
    MediaItem::image(id)
        .with("file_name", json!(file_name(binary, version)))
        .in_gallery(DISTRIBUTION_GALLERY)
        .serve(server)
        .await;
}

/// The ledger row of an earlier delivery: `target_ids`, written long ago.
async fn recorded(h: &Harness, target_ids: &[&str]) {
    let write = assetrelay_store::LedgerWrite {
        target_ids: target_ids.iter().map(|&id| id.to_owned()).collect(),
        fingerprint: String::new(),
        source: assetrelay_store::SourceVersion {
            modified_ms: 0,
            read_ms: 0,
        },
        outcome: "written".into(),
    };
    let key = assetrelay_flows::shared::ps_copies::license_key(CONNECTION, LICENSE);
    h.store.record_write(&key, &write).await.unwrap();
}

fn trans_ref() -> Value {
    json!({"trans_ref": format!("smintio:{LICENSE}")})
}

/// Version 2 of the license: new terms and name, the same file.
fn license_v2() -> Value {
    let mut lpt = license(LICENSE);
    lpt["version"] = json!(2);
    lpt["content_element"]["name"] =
        json!([{"culture": "x-default", "value": "Lake at dawn (final)"}]);
    lpt
}

#[tokio::test]
async fn a_license_version_that_changes_no_binary_updates_the_copy_in_place() {
    let h = Harness::start().await;
    // The copy recorded by the version before copies were kept per binary ("v1:…").
    h.record_copy(LICENSE, 1, "I0000COPYKEPT001").await;
    serve_binaries(&h.smintio, &[("main", 1)]).await;
    serve_copy(&h.photoshelter, "I0000COPYKEPT001", "main", 1).await;
    any_upload().expect(0).mount(&h.photoshelter).await;
    update_iptc("I0000COPYKEPT001", trans_ref())
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    remove_from_gallery(DISTRIBUTION_GALLERY, "I0000COPYKEPT001")
        .expect(0)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license_v2())))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        ["bmain/v1:I0000COPYKEPT001"],
        "the same copy, now known as the main binary's"
    );
}

#[tokio::test]
async fn a_new_version_of_a_binary_is_uploaded_and_its_old_copy_retired() {
    let h = Harness::start().await;
    recorded(&h, &["bmain/v1:I0000COPYOLD0001"]).await;
    serve_binaries(&h.smintio, &[("main", 2)]).await;
    serve_copy(&h.photoshelter, "I0000COPYOLD0001", "main", 1).await;
    upload(
        DISTRIBUTION_GALLERY,
        &file_name("main", 2),
        "I0000COPYNEW0001",
    )
    .expect(1)
    .mount(&h.photoshelter)
    .await;
    serve_copy(&h.photoshelter, "I0000COPYNEW0001", "main", 2).await;
    update_iptc("I0000COPYNEW0001", trans_ref())
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    remove_from_gallery(DISTRIBUTION_GALLERY, "I0000COPYOLD0001")
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    set_private("I0000COPYOLD0001")
        .expect(1)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license_v2())))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [
            "bmain/v2:I0000COPYNEW0001",
            "retired:bmain/v1:I0000COPYOLD0001"
        ]
    );
}

#[tokio::test]
async fn a_license_with_two_binaries_gets_one_copy_of_each_and_keeps_them() {
    let h = Harness::start().await;
    serve_binaries(&h.smintio, &[("front", 1), ("back", 1)]).await;
    for (binary, id) in [("front", "I0000COPYFRONT01"), ("back", "I0000COPYBACK001")] {
        upload(DISTRIBUTION_GALLERY, &file_name(binary, 1), id)
            .expect(1)
            .mount(&h.photoshelter)
            .await;
        serve_copy(&h.photoshelter, id, binary, 1).await;
        update_iptc(id, trans_ref())
            .expect(1..)
            .mount(&h.photoshelter)
            .await;
    }

    let first = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license(LICENSE))))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // A later read of the same license: nothing is uploaded again (the mocks expect one
    // upload each), the same copies are recorded.
    let second = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license(LICENSE))))
        .await;

    assert_eq!(first, Ok(Handled::Ok));
    assert!(second.is_ok(), "{second:?}");
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        ["bback/v1:I0000COPYBACK001", "bfront/v1:I0000COPYFRONT01"]
    );
}

#[tokio::test]
async fn a_binary_the_license_no_longer_has_loses_its_copy() {
    let h = Harness::start().await;
    recorded(
        &h,
        &["bfront/v1:I0000COPYFRONT01", "bback/v1:I0000COPYBACK001"],
    )
    .await;
    serve_binaries(&h.smintio, &[("front", 1)]).await;
    serve_copy(&h.photoshelter, "I0000COPYFRONT01", "front", 1).await;
    serve_copy(&h.photoshelter, "I0000COPYBACK001", "back", 1).await;
    any_upload().expect(0).mount(&h.photoshelter).await;
    update_iptc("I0000COPYFRONT01", trans_ref())
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    remove_from_gallery(DISTRIBUTION_GALLERY, "I0000COPYBACK001")
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    set_private("I0000COPYBACK001")
        .expect(1)
        .mount(&h.photoshelter)
        .await;

    let outcome = h
        .to_photoshelter()
        .handle(&delivery(&carrying(license_v2())))
        .await;

    assert_eq!(outcome, Ok(Handled::Ok));
    assert_eq!(
        h.recorded_copies(LICENSE).await,
        [
            "bfront/v1:I0000COPYFRONT01",
            "retired:bback/v1:I0000COPYBACK001"
        ]
    );
}
