#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! One poll against the sandbox, RabbitMQ and a SQLite store: the events it publishes,
//! their ids, and when the watermark moves.

mod support;

use assetrelay_sandbox::{FaultRule, Platform};
use assetrelay_sources::PollError;
use assetrelay_sources::photoshelter::{SOURCE, Watermark};
use assetrelay_testkit::{TestBed, topology};
use support::*;

#[tokio::test]
async fn media_created_in_the_sandbox_become_events_with_ids_stable_across_polls() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources")).await;
    let (store, place) = sqlite_store().await;
    let created = vec![
        create_media(&sandbox).await,
        create_media(&sandbox).await,
        create_media(&sandbox).await,
    ];
    let poller = context(&sandbox, &bed.topology, &store, 500).await;

    let first = poller.poll_once().await.unwrap();
    let published = events(&bed).await;

    assert_eq!(first.published, 3);
    assert_eq!(subjects(&published), sorted(created.clone()));
    for event in &published {
        assert_eq!(event.event_type.as_str(), "asset.updated");
        assert_eq!(event.source, "photoshelter/demo");
        assert_eq!(event.data.change["platform_event"], "media.updated");
    }

    // The watermark remembers what it published: a second poll re-reads the overlap and
    // publishes nothing.
    let second = poller.poll_once().await.unwrap();
    assert_eq!((second.listed, second.published), (3, 0));
    assert!(events(&bed).await.is_empty());

    // Without the stored position (a fresh store), the same changes get the same ids.
    let (other_store, other_place) = sqlite_store().await;
    let restarted = context(&sandbox, &bed.topology, &other_store, 500).await;
    restarted.poll_once().await.unwrap();
    assert_eq!(ids(&events(&bed).await), ids(&published));

    bed.finish().await;
    place.remove().await;
    other_place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn a_modified_item_is_published_again_under_a_new_id() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources")).await;
    let (store, place) = sqlite_store().await;
    let item = create_media(&sandbox).await;
    let other = create_media(&sandbox).await;
    let poller = context(&sandbox, &bed.topology, &store, 500).await;
    poller.poll_once().await.unwrap();
    let before = events(&bed).await;

    touch(&sandbox, &item).await;
    let outcome = poller.poll_once().await.unwrap();
    let after = events(&bed).await;

    assert_eq!(outcome.published, 1);
    assert_eq!(subjects(&after), vec![item.clone()]);
    assert!(
        !ids(&before).contains(&after[0].id),
        "a new modification, a new id"
    );
    assert!(subjects(&before).contains(&other));

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn the_watermark_moves_only_after_every_event_was_confirmed() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources")).await;
    let (store, place) = sqlite_store().await;
    create_media(&sandbox).await;
    // A topology nobody declared: the events exchange does not exist.
    let missing = topology("sources-missing");
    let failing = context(&sandbox, &missing, &store, 500).await;

    let refused = failing.poll_once().await;
    assert!(
        matches!(refused, Err(PollError::Publish { .. })),
        "{refused:?}"
    );
    assert_eq!(store.cursor(CONNECTION, SOURCE).await.unwrap(), None);

    let working = context(&sandbox, &bed.topology, &store, 500).await;
    let first = working.poll_once().await.unwrap();
    let stored = store.cursor(CONNECTION, SOURCE).await.unwrap().unwrap();
    assert_eq!(Watermark::parse(&stored).unwrap(), first.watermark);
    assert_eq!(events(&bed).await.len(), 1);

    let late = create_media(&sandbox).await;
    assert!(failing.poll_once().await.is_err());
    assert_eq!(
        store.cursor(CONNECTION, SOURCE).await.unwrap().as_deref(),
        Some(stored.as_str()),
        "a failed publish leaves the watermark where it was"
    );
    let retried = working.poll_once().await.unwrap();
    assert_eq!(retried.published, 1);
    assert_eq!(subjects(&events(&bed).await), vec![late]);
    assert!(retried.watermark.at >= first.watermark.at);

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn equal_modification_times_across_a_page_boundary_lose_nothing() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources")).await;
    let (store, place) = sqlite_store().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(create_media(&sandbox).await);
    }
    // Whole seconds, as the v4 draft writes them: five items share one time.
    let stamp = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
    set_modified(&sandbox, &created, stamp).await;
    let poller = context(&sandbox, &bed.topology, &store, 2).await;

    let first = poller.poll_once().await.unwrap();
    assert_eq!(first.published, 5);
    assert_eq!(subjects(&events(&bed).await), sorted(created.clone()));
    assert_eq!(first.watermark.at, stamp);

    // An item that becomes visible later with the same time (committed after the poll)
    // is still found: the next poll re-reads the overlap and publishes only that one.
    let late = create_media(&sandbox).await;
    set_modified(&sandbox, std::slice::from_ref(&late), stamp).await;
    let second = poller.poll_once().await.unwrap();
    assert_eq!(second.published, 1);
    assert_eq!(subjects(&events(&bed).await), vec![late]);

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn a_failing_listing_publishes_nothing_and_stores_no_position() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources")).await;
    let (store, place) = sqlite_store().await;
    create_media(&sandbox).await;
    sandbox
        .state()
        .faults
        .set(vec![FaultRule {
            endpoint: Some("/psapi/v4.0/media".into()),
            error_rate: 1.0,
            ..FaultRule::none(Platform::PhotoShelter)
        }])
        .unwrap();
    let poller = context(&sandbox, &bed.topology, &store, 500).await;

    let failed = poller.poll_once().await;

    assert!(matches!(failed, Err(PollError::List(_))), "{failed:?}");
    assert!(events(&bed).await.is_empty());
    assert_eq!(store.cursor(CONNECTION, SOURCE).await.unwrap(), None);
    sandbox.state().faults.clear(None);
    assert_eq!(poller.poll_once().await.unwrap().published, 1);

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
