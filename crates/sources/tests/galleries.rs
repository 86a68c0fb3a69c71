#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! Approval by gallery without a modification time: the sandbox, as the real platform may,
//! leaves an item's modification time alone when it joins or leaves a gallery; the poller
//! watches the rules' galleries and publishes each join and leave once.

mod support;

use assetrelay_sources::photoshelter::galleries::MEMBERSHIP;
use assetrelay_testkit::{TestBed, topology};
use serde_json::{Value, json};
use support::*;

async fn control(
    sandbox: &assetrelay_sandbox::RunningSandbox,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.base_url))
        .json(&body)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_item_joining_or_leaving_a_watched_gallery_is_published_once_each() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-galleries")).await;
    let (store, place) = sqlite_store().await;
    let gallery = control(
        &sandbox,
        reqwest::Method::POST,
        "/_sandbox/photoshelter/galleries",
        json!({"name": "Approved"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = create_media(&sandbox).await;
    let mut poller = context(&sandbox, &bed.topology, &store, 500).await;
    poller.watched_galleries = vec![gallery.clone()];

    // The first poll publishes the new item and stores the (empty) membership.
    poller.poll_once().await.unwrap();
    assert_eq!(subjects(&events(&bed).await), std::slice::from_ref(&item));
    assert!(
        store
            .cursor(CONNECTION, MEMBERSHIP)
            .await
            .unwrap()
            .is_some()
    );
    let modified = control(
        &sandbox,
        reqwest::Method::GET,
        &format!("/_sandbox/photoshelter/media/{item}"),
        Value::Null,
    )
    .await["modified_at"]
        .clone();

    let path = format!("/_sandbox/photoshelter/media/{item}");
    control(
        &sandbox,
        reqwest::Method::PATCH,
        &path,
        json!({"galleries": [gallery]}),
    )
    .await;
    let after = control(&sandbox, reqwest::Method::GET, &path, Value::Null).await;
    assert_eq!(after["modified_at"], modified, "the item's own time stays");

    let joined = poller.poll_once().await.unwrap();
    let published = events(&bed).await;
    assert_eq!(joined.published, 1);
    assert_eq!(subjects(&published), std::slice::from_ref(&item));
    assert_eq!(
        published[0].data.change["platform_event"],
        "gallery.media_added"
    );
    assert_eq!(poller.poll_once().await.unwrap().published, 0, "once");

    control(
        &sandbox,
        reqwest::Method::PATCH,
        &path,
        json!({"galleries": []}),
    )
    .await;
    poller.poll_once().await.unwrap();
    let left = events(&bed).await;
    assert_eq!(subjects(&left), [item]);
    assert_eq!(
        left[0].data.change["platform_event"],
        "gallery.media_removed"
    );

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
