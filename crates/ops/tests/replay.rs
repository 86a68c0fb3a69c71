#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Archive replay against the real broker: each test archives CloudEvents through the
//! events exchange of its own topology, replays, and reads the flow queues.

mod support_replay;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_contract::Flow;
use assetrelay_ops::OpsError;
use assetrelay_ops::replay::{ReplayProgress, ReplayRequest, ReplaySummary, replay};
use chrono::{DateTime, Utc};
use support_replay::{Archive, TestEvent, event, with_archive};

fn hours_ago(hours: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::hours(hours)
}

/// Seven events across platforms, connections, types and subjects, archived now. a7 is a
/// Smint.io asset event, which no flow is bound to (an older ingress accepted those).
fn mixed() -> Vec<TestEvent> {
    vec![
        event("a1", "photoshelter", "acme", "asset.updated", "I1"),
        event("a2", "photoshelter", "acme", "asset.approved", "I2"),
        event("a3", "photoshelter", "beta", "asset.updated", "I3"),
        event("a4", "smintio", "acme", "license.purchased", "L1"),
        event("a5", "smintio", "beta", "license.cancelled", "L2"),
        event("a6", "photoshelter", "acme", "asset.deleted", "I4"),
        event("a7", "smintio", "beta", "asset.expired", "S1"),
    ]
}

async fn run(archive: &Archive, request: &ReplayRequest) -> Result<ReplaySummary, OpsError> {
    replay(
        &archive.broker,
        &archive.publisher,
        &archive.topology,
        request,
        &|_| {},
    )
    .await
}

/// The replayed copies are exactly `expected` (ids), all in `flow`'s queue, none elsewhere.
async fn assert_replayed_exactly(
    archive: &Archive,
    summary: &ReplaySummary,
    flow: Flow,
    expected: &[&str],
) -> Vec<support_replay::Received> {
    assert_eq!(summary.matched, expected.len() as u64, "{summary:?}");
    assert_eq!(summary.published, expected.len() as u64, "{summary:?}");
    assert_eq!(summary.unconfirmed, 0);
    for other in Flow::ALL.into_iter().filter(|&f| f != flow) {
        assert_eq!(
            archive.depth(other).await,
            0,
            "{} was touched",
            other.as_str()
        );
    }
    let received = archive.drain(flow).await;
    let ids: BTreeSet<String> = received
        .iter()
        .filter_map(|r| r.message_id.clone())
        .collect();
    let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(ids, expected);
    assert_eq!(received.len(), expected.len(), "duplicates: {received:?}");
    for copy in &received {
        assert_eq!(copy.headers.get("x-replay-id"), Some(&summary.replay_id));
        let at = copy.headers.get("x-replayed-at").expect("x-replayed-at");
        assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }
    received
}

#[tokio::test]
async fn replays_only_the_time_window_into_the_chosen_flow_and_stops_after_until() {
    with_archive(|archive| async move {
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
    })
    .await;
}

#[tokio::test]
async fn a_copy_keeps_the_event_body_id_and_properties() {
    with_archive(|archive| async move {
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
        assert_eq!(
            copy.content_type.as_deref(),
            Some("application/cloudevents+json")
        );
        assert_eq!(copy.delivery_mode, Some(2));
        assert_eq!(
            copy.timestamp,
            Some(original.archived_at.timestamp() as u64)
        );
        assert_eq!(copy.event_type.as_deref(), Some("license.purchased"));
        assert_eq!(
            copy.headers.get("x-connection").map(String::as_str),
            Some("acme")
        );
        assert_eq!(
            copy.headers.get("traceparent"),
            Some(&support_replay::traceparent("keep-me"))
        );
        assert!(
            !copy.headers.contains_key("x-stream-offset"),
            "{:?}",
            copy.headers
        );
    })
    .await;
}

#[tokio::test]
async fn filters_by_type_glob() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
        request.types = vec!["asset.up*".into(), "license.*".into()];

        let summary = run(archive, &request).await.unwrap();

        // a4 matches the glob but is a Smint.io license: to-smint is not bound to it.
        assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a1", "a3"]).await;
    })
    .await;
}

#[tokio::test]
async fn only_events_the_flow_is_bound_to_are_replayed_into_it() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;

        let summary = run(
            archive,
            &ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter),
        )
        .await
        .unwrap();

        // Its binding is smintio.*.license.*: not a7, a Smint.io asset event.
        assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4", "a5"]).await;
    })
    .await;
}

#[tokio::test]
async fn filters_by_subject() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter);
        request.subject = Some("L1".into());

        let summary = run(archive, &request).await.unwrap();

        assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4"]).await;
    })
    .await;
}

#[tokio::test]
async fn filters_by_connection() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
        request.connection = Some("beta".into());

        let summary = run(archive, &request).await.unwrap();

        assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a3"]).await;
    })
    .await;
}

#[tokio::test]
async fn filters_by_platform() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
        request.platform = Some("smintio".into());
        request.dry_run = true;
        let none = run(archive, &request).await.unwrap();
        request.platform = Some("photoshelter".into());
        request.dry_run = false;

        let summary = run(archive, &request).await.unwrap();

        assert_eq!(none.matched, 0, "{none:?}");
        assert_replayed_exactly(archive, &summary, Flow::ToSmint, &["a1", "a2", "a3", "a6"]).await;
    })
    .await;
}

#[tokio::test]
async fn filters_by_event_id() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToPhotoshelter);
        request.event_ids = vec!["a1".into(), "a4".into(), "a5".into(), "absent".into()];

        let summary = run(archive, &request).await.unwrap();

        // a1 is a PhotoShelter event: to-photoshelter is not bound to it.
        assert_replayed_exactly(archive, &summary, Flow::ToPhotoshelter, &["a4", "a5"]).await;
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_publishes_nothing_and_reports_counts_and_first_matches() {
    with_archive(|archive| async move {
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
    })
    .await;
}

#[tokio::test]
async fn an_empty_window_ends_quickly() {
    with_archive(|archive| async move {
        archive
            .archive(
                &[event("old", "photoshelter", "acme", "asset.updated", "I1").at(hours_ago(5))],
            )
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
    })
    .await;
}

#[tokio::test]
async fn an_empty_archive_ends_quickly() {
    with_archive(|archive| async move {
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
    })
    .await;
}

#[tokio::test]
async fn a_second_replay_reads_the_same_messages_skipping_earlier_end_markers() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        let mut request = ReplayRequest::new(hours_ago(1), Flow::ToSmint);
        request.dry_run = true;

        let first = run(archive, &request).await.unwrap();
        let second = run(archive, &request).await.unwrap();

        assert_eq!((first.read, first.matched), (7, 4));
        assert_eq!((second.read, second.matched), (7, 4));
        assert_ne!(first.replay_id, second.replay_id);
    })
    .await;
}

#[tokio::test]
async fn the_rate_caps_publishes_per_second() {
    with_archive(|archive| async move {
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
    })
    .await;
}

#[tokio::test]
async fn counts_copies_the_broker_refused_as_unconfirmed() {
    with_archive(|archive| async move {
        archive.archive(&mixed()).await;
        // Swap the to-photoshelter work queue for one that holds a single message and nacks
        // more.
        let channel = archive.channel().await;
        let queue = archive.topology.work_queue(Flow::ToPhotoshelter);
        channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
        let mut args = FieldTable::default();
        args.insert("x-max-length".into(), AMQPValue::LongLongInt(1));
        args.insert(
            "x-overflow".into(),
            AMQPValue::LongString(LongString::from("reject-publish")),
        );
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                args,
            )
            .await
            .unwrap();

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
    })
    .await;
}

#[tokio::test]
async fn reports_progress_and_ends_with_the_final_counts() {
    with_archive(|archive| async move {
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
    })
    .await;
}

#[tokio::test]
async fn refuses_an_until_before_since_and_a_zero_rate() {
    with_archive(|archive| async move {
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
    })
    .await;
}
