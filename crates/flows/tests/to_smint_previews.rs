//! Use case 1: every exposed asset carries PhotoShelter rendition links; a link
//! PhotoShelter refuses leaves the asset without it, a transient failure retries.

mod support;

use assetrelay_broker::consumer::{FailureKind, Handled, Handler};
use assetrelay_contract::{EventType, Platform};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use support::photoshelter::MediaItem;
use support::smintio::{ADAPTER, any_push, push};
use support::{APPROVED_GALLERY, Harness, delivery, event};

fn media_event(media_id: &str) -> assetrelay_contract::CloudEvent {
    event(
        Platform::PhotoShelter,
        EventType::AssetUpdated,
        Some(media_id),
    )
}

fn link(id: &str, size: &str, answer: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("/psapi/v4.0/media/{id}/link")))
        .and(query_param("image_size", size))
        .respond_with(answer)
        // Before the item's own catch-all link (MediaItem::serve).
        .with_priority(1)
        .named(format!("link of {id} at {size}"))
}

/// The adapter push of `id` whose `AssetDataObject` holds at least `asset`.
fn push_with(id: &str, asset: serde_json::Value) -> Mock {
    Mock::given(method("POST"))
        .and(path(ADAPTER))
        .and(body_partial_json(json!({"changes": [{
            "Type": "AssetUpdate",
            "UnscopedAssetIdentifier": id,
            "AssetDataObject": asset,
        }]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"accepted": 1})))
        .named(format!("push of {id} with its renditions"))
}

fn served(url: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"data": {"id": "x", "type": "link", "attributes": {"link": url}}}))
}

#[tokio::test]
async fn an_exposed_asset_carries_both_rendition_links_and_their_flags() {
    let h = Harness::start().await;
    let id = "I0000PREVIEW0001";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    link(id, "300x300", served("https://cdn.example/small.jpg"))
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    link(id, "1200x1200", served("https://cdn.example/large.jpg"))
        .expect(1)
        .mount(&h.photoshelter)
        .await;
    push_with(
        id,
        json!({
            "PreviewThumbnailUrl": "https://cdn.example/small.jpg",
            "LargeThumbnailUrl": "https://cdn.example/large.jpg",
            "IsPreviewThumbnailAvailable": true,
            "IsLargeThumbnailAvailable": true,
        }),
    )
    .expect(1)
    .mount(&h.smintio)
    .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn a_link_photoshelter_refuses_is_left_out_and_the_metadata_still_pushed() {
    let h = Harness::start().await;
    let id = "I0000PREVIEW0002";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    link(id, "300x300", served("https://cdn.example/small.jpg"))
        .mount(&h.photoshelter)
        .await;
    link(
        id,
        "1200x1200",
        ResponseTemplate::new(404)
            .set_body_json(json!({"errors": [{"status": "404", "title": "Resource not found"}]})),
    )
    .mount(&h.photoshelter)
    .await;
    push_with(
        id,
        json!({
            "PreviewThumbnailUrl": "https://cdn.example/small.jpg",
            "IsPreviewThumbnailAvailable": true,
            "IsLargeThumbnailAvailable": false,
        }),
    )
    .expect(1)
    .mount(&h.smintio)
    .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn a_link_photoshelter_cannot_give_now_retries_the_delivery_and_pushes_nothing() {
    let h = Harness::start().await;
    let id = "I0000PREVIEW0003";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    for size in ["300x300", "1200x1200"] {
        link(id, size, ResponseTemplate::new(503))
            .mount(&h.photoshelter)
            .await;
    }
    any_push(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.smintio)
        .await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    let failure = outcome.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Transient, "{failure:?}");
}

#[tokio::test]
async fn with_previews_off_photoshelter_is_not_asked_for_links() {
    let h = Harness::with_rules(|rules| rules.previews.enabled = false).await;
    let id = "I0000PREVIEW0004";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/psapi/v4.0/media/{id}/link")))
        .respond_with(served("https://cdn.example/x.jpg"))
        .with_priority(1)
        .expect(0)
        .mount(&h.photoshelter)
        .await;
    push("AssetUpdate", id).expect(1).mount(&h.smintio).await;

    let outcome = h.to_smint().handle(&delivery(&media_event(id))).await;

    assert_eq!(outcome, Ok(Handled::Ok));
}

#[tokio::test]
async fn with_a_refresh_interval_an_unchanged_asset_is_pushed_again_once_its_links_are_old() {
    let h = Harness::with_rules(|rules| rules.previews.refresh_secs = 1).await;
    let id = "I0000PREVIEW0005";
    MediaItem::image(id)
        .in_gallery(APPROVED_GALLERY)
        .serve(&h.photoshelter)
        .await;
    push("AssetUpdate", id).expect(2).mount(&h.smintio).await;
    let handler = h.to_smint();

    let first = handler.handle(&delivery(&media_event(id))).await;
    let at_once = handler.handle(&delivery(&media_event(id))).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let later = handler.handle(&delivery(&media_event(id))).await;

    assert_eq!(first, Ok(Handled::Ok));
    assert_eq!(at_once, Ok(Handled::Skipped("unchanged")));
    assert_eq!(later, Ok(Handled::Ok), "pushed again with fresh links");
}
