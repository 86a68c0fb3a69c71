//! Archive replay against the real broker: each test archives CloudEvents in the archive
//! stream of its own topology, replays, and reads the flow queues. The filters:
//! `replay_filters.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support_replay;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::options::QueueDeleteOptions;
use assetrelay_contract::{Flow, header};
use assetrelay_ops::OpsError;
use assetrelay_ops::replay::{ReplayProgress, ReplayRequest, replay};
use assetrelay_testkit::declare;
use support_replay::{Archive, TestEvent, assert_replayed_exactly, event, hours_ago, mixed, run};

#[tokio::test]
async fn replays_only_the_time_window_into_the_chosen_flow_and_stops_after_until() {
    let archive = &Archive::start().await;
    let events = vec![
        event("old", "photoshelter", "acme", "asset.updated", "I1").at(hours_ago(3)),
        event("inside", "photoshelter", "acme", "asset.updated", "I1").at(hours_ago(2)),
        event("late", "photoshelter", "acme", "asset.updated", "I1").at(hours_ago(1)),
        event("now", "photoshelter", "acme", "asset.updated", "I1"),
    ];
    archive.archive(&events).await;
    let mut request =
        ReplayRequest::new(hours_ago(2) - chrono::Duration::minutes(30), Flow::ToSmint);
    request.until = Some(hours_ago(2) + chrono::Duration::minutes(30));

    let summary = run(archive, &request).await.unwrap();

    assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["inside"]).await;
    // Reading stopped at `late`, the first message past `until`; `now` was never read.
    assert_eq!(summary.read, 3, "{summary:?}");
}

#[tokio::test]
async fn a_copy_keeps_the_event_body_id_and_properties() {
    let archive = &Archive::start().await;
    let original = event("keep-me", "smintio", "acme", "license.purchased", "L1");
    archive.archive(std::slice::from_ref(&original)).await;

    let summary = run(
        archive,
        &ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter),
    )
    .await
    .unwrap();

    let copies =
        assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["keep-me"]).await;
    let copy = &copies[0];
    assert_eq!(copy.body, original.body());
    let properties = &copy.properties;
    assert_eq!(
        properties.content_type(),
        &Some("application/cloudevents+json".into())
    );
    assert_eq!(properties.delivery_mode(), &Some(2));
    assert_eq!(
        properties.timestamp(),
        &Some(original.archived_at.timestamp() as u64)
    );
    assert_eq!(properties.kind(), &Some("license.purchased".into()));
    assert_eq!(copy.header(header::CONNECTION), Some("acme"));
    assert_eq!(
        copy.header(header::TRACEPARENT),
        Some(support_replay::traceparent("keep-me").as_str())
    );
    assert!(
        !copy.headers.contains_key(header::STREAM_OFFSET),
        "{:?}",
        copy.headers
    );
}

#[tokio::test]
async fn a_dry_run_publishes_nothing_and_reports_counts_and_first_matches() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.types = vec!["asset.*".into()];
    request.dry_run = true;
    request.sample = 2;

    let summary = run(archive, &request).await.unwrap();

    assert!(summary.dry_run);
    assert_eq!(
        (summary.read, summary.matched, summary.published),
        (7, 4, 0)
    );
    let by_type: Vec<(&str, u64)> = summary
        .by_type
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        by_type,
        [
            ("asset.approved", 1),
            ("asset.deleted", 1),
            ("asset.updated", 2)
        ]
    );
    let by_connection: Vec<(&str, u64)> = summary
        .by_connection
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(by_connection, [("acme", 3), ("beta", 1)]);
    let first: Vec<&str> = summary
        .first_matches
        .iter()
        .map(|m| m.event_id.as_str())
        .collect();
    assert_eq!(first, ["a1", "a2"]);
    assert_eq!(summary.first_matches[0].subject.as_deref(), Some("I1"));
    assert_eq!(summary.first_matches[0].connection, "acme");
    for flow in Flow::ALL {
        assert_eq!(archive.depth(flow).await, 0, "{}", flow.as_str());
    }
}

#[tokio::test]
async fn an_empty_window_ends_quickly() {
    let archive = &Archive::start().await;
    archive
        .archive(&[event("old", "photoshelter", "acme", "asset.updated", "I1").at(hours_ago(5))])
        .await;
    let started = Instant::now();

    let summary = run(archive, &ReplayRequest::new(hours_ago(1), Flow::ToSmint))
        .await
        .unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((summary.matched, summary.published), (0, 0));
    assert_eq!(archive.depth(Flow::ToSmint).await, 0);
}

#[tokio::test]
async fn an_empty_archive_ends_quickly() {
    let archive = &Archive::start().await;
    let started = Instant::now();

    let summary = run(archive, &ReplayRequest::new(hours_ago(1), Flow::Lifecycle))
        .await
        .unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((summary.read, summary.matched), (0, 0));
}

#[tokio::test]
async fn a_second_replay_reads_the_same_messages_skipping_earlier_end_markers() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.dry_run = true;

    let first = run(archive, &request).await.unwrap();
    let second = run(archive, &request).await.unwrap();

    assert_eq!((first.read, first.matched), (7, 4));
    assert_eq!((second.read, second.matched), (7, 4));
    assert_ne!(first.replay_id, second.replay_id);
}

#[tokio::test]
async fn the_rate_caps_publishes_per_second() {
    let archive = &Archive::start().await;
    let events: Vec<TestEvent> = (0..10)
        .map(|i| {
            event(
                &format!("r{i}"),
                "photoshelter",
                "acme",
                "asset.updated",
                "I1",
            )
        })
        .collect();
    archive.archive(&events).await;
    let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    request.rate = Some(20);
    let started = Instant::now();

    let summary = run(archive, &request).await.unwrap();

    // Publish n starts no earlier than n/20 s: the tenth at 450 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary.published, 10);
}

#[tokio::test]
async fn counts_copies_the_broker_refused_as_unconfirmed() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    // Swap the to-photoshelter work queue for one that holds a single message and nacks
    // more.
    let channel = archive.channel().await;
    let queue = archive.topology.work_queue(Flow::ToPhotoshelter);
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    declare::capped_queue(&channel, &queue, 1).await;

    let summary = run(
        archive,
        &ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter),
    )
    .await
    .unwrap();

    assert_eq!(
        (summary.matched, summary.published, summary.unconfirmed),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn reports_progress_and_ends_with_the_final_counts() {
    let archive = &Archive::start().await;
    archive.archive(&mixed()).await;
    let seen: Mutex<Vec<ReplayProgress>> = Mutex::new(Vec::new());

    let summary = replay(
        &archive.broker,
        &archive.publisher,
        &archive.topology,
        &ReplayRequest::new(hours_ago(1), Flow::ToSmint),
        &|p| seen.lock().unwrap().push(p.clone()),
    )
    .await
    .unwrap();

    let last = seen
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a final progress report");
    assert_eq!((last.read, last.matched, last.published), (7, 4, 4));
    assert_eq!(summary.published, 4);
}

#[tokio::test]
async fn refuses_an_until_before_since_and_a_zero_rate() {
    let archive = &Archive::start().await;
    let mut backwards = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    backwards.until = Some(hours_ago(2));
    let mut zero = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
    zero.rate = Some(0);

    for request in [backwards, zero] {
        assert!(matches!(
            run(archive, &request).await,
            Err(OpsError::Invalid(_))
        ));
    }
}
