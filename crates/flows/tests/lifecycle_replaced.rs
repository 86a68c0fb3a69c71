//! Use case 7, "replaced": lifecycle retires a media item another one says it replaces,
//! and only while that one still says so.

mod support;

use assetrelay_broker::consumer::{Handled, Handler};
use assetrelay_contract::{EventType, Platform};
use serde_json::json;
use wiremock::ResponseTemplate;

use support::photoshelter::{MediaItem, any_media_update, set_private};
use support::smintio::{any_push, push};
use support::{APPROVED_GALLERY, Harness, delivery, event};

const OLD: &str = "I0000REPLACEDOLD";
const NEW: &str = "I0000REPLACESNEW";

fn replaced_event() -> assetrelay_contract::CloudEvent {
    let mut replaced = event(Platform::PhotoShelter, EventType::AssetArchived, Some(OLD));
    replaced.data.hint.insert("replaced_by".into(), NEW.into());
    replaced
}

#[tokio::test]
async fn a_replaced_item_is_made_private_and_leaves_smintio() {
    let h = Harness::start().await;
    MediaItem::image(OLD)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    MediaItem::image(NEW)
        .in_gallery(APPROVED_GALLERY)
        .with_iptc(json!({"keywords": [format!("replaces:{OLD}")]}))
        .serve(&h.photoshelter)
        .await;
    set_private(OLD).expect(1).mount(&h.photoshelter).await;
    push("AssetDeletion", OLD).expect(1).mount(&h.smintio).await;

    let outcome = h.lifecycle().handle(&delivery(&replaced_event())).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn a_relation_taken_back_before_lifecycle_got_to_it_retires_nothing() {
    let h = Harness::start().await;
    MediaItem::image(OLD)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    // The successor no longer names the old item.
    MediaItem::image(NEW)
        .in_gallery(APPROVED_GALLERY)
        .with_iptc(json!({"keywords": ["hero"]}))
        .serve(&h.photoshelter)
        .await;
    any_media_update(OLD).expect(0).mount(&h.photoshelter).await;
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;

    let outcome = h.lifecycle().handle(&delivery(&replaced_event())).await;

    assert_eq!(outcome, Ok(Handled::Skipped("in_use")));
}
