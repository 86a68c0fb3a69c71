//! Parked messages on the real RabbitMQ, one topology prefix per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use assetrelay_contract::header;
use assetrelay_ops::OpsError;
use assetrelay_ops::parked::{self, DELIVERY_LIMIT, ParkedFilter, ParkedOutcome};
use assetrelay_testkit::{PATIENCE, start_broker, wait_until};
use support::{FLOW, TestBed};

fn by_reason(reason: &str) -> ParkedFilter {
    ParkedFilter {
        reason: Some(reason.into()),
        ..Default::default()
    }
}

fn sorted(ids: Vec<String>) -> Vec<String> {
    let mut ids = ids;
    ids.sort();
    ids
}

#[tokio::test]
async fn list_counts_by_reason_oldest_first_and_removes_nothing() {
    let bed = TestBed::start().await;
    bed.park("evt-new", "not_found", "2024-03-01T00:00:00.000Z")
        .await;
    bed.park("evt-old", "not_found", "2024-01-01T00:00:00.000Z")
        .await;
    bed.park("evt-mid", "invalid_event", "2024-02-01T00:00:00.000Z")
        .await;
    bed.park_by_delivery_limit("evt-poison").await;

    let list = parked::list(&bed.broker, &bed.topology, FLOW, 3)
        .await
        .unwrap();

    assert_eq!(list.total, 4);
    assert_eq!(list.by_reason.get("not_found"), Some(&2));
    assert_eq!(list.by_reason.get("invalid_event"), Some(&1));
    assert_eq!(list.by_reason.get(DELIVERY_LIMIT), Some(&1));
    let ids: Vec<_> = list
        .oldest_first
        .iter()
        .map(|m| m.event_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["evt-old", "evt-mid", "evt-new"]);
    let oldest = &list.oldest_first[0];
    assert_eq!(oldest.subject.as_deref(), Some("asset-evt-old"));
    assert_eq!(oldest.attempts, Some(3));
    assert_eq!(oldest.status.as_deref(), Some("404"));
    assert_eq!(
        oldest.event_type.as_deref(),
        Some("photoshelter.asset.updated")
    );
    assert_eq!(bed.wait_ready(&bed.parked(), 4).await, 4);
    bed.finish().await;
}

#[tokio::test]
async fn show_finds_one_message_by_event_id_and_removes_nothing() {
    let bed = TestBed::start().await;
    bed.park("evt-1", "not_found", "2024-01-01T00:00:00.000Z")
        .await;
    bed.park("evt-2", "not_found", "2024-01-02T00:00:00.000Z")
        .await;

    let found = parked::show(&bed.broker, &bed.topology, FLOW, "evt-2")
        .await
        .unwrap()
        .expect("evt-2 is parked");
    let missing = parked::show(&bed.broker, &bed.topology, FLOW, "evt-nope")
        .await
        .unwrap();

    assert_eq!(found.event_id.as_deref(), Some("evt-2"));
    assert_eq!(found.reason.as_deref(), Some("not_found"));
    assert_eq!(found.detail.as_deref(), Some("the platform said no"));
    assert_eq!(found.connection.as_deref(), Some("c1"));
    assert_eq!(
        found.headers.get(header::FLOW).map(String::as_str),
        Some("to-smint")
    );
    assert_eq!(found.body["id"], "evt-2");
    assert!(missing.is_none());
    assert_eq!(bed.wait_ready(&bed.parked(), 2).await, 2);
    bed.finish().await;
}

#[tokio::test]
async fn a_message_dead_lettered_by_the_broker_is_listed_as_delivery_limit() {
    let bed = TestBed::start().await;
    bed.park_by_delivery_limit("evt-poison").await;

    let message = parked::show(&bed.broker, &bed.topology, FLOW, "evt-poison")
        .await
        .unwrap()
        .unwrap();

    assert_eq!(message.reason.as_deref(), Some(DELIVERY_LIMIT));
    assert!(
        message.parked_at.is_some(),
        "the broker's {} header carries the time",
        header::DEATH
    );
    assert_eq!(message.subject.as_deref(), Some("asset-evt-poison"));
    bed.finish().await;
}

#[tokio::test]
async fn replay_moves_exactly_the_selected_messages_to_the_work_queue() {
    let bed = TestBed::start().await;
    bed.park("evt-a1", "platform_4xx", "2024-01-01T00:00:00.000Z")
        .await;
    bed.park("evt-b1", "not_found", "2024-01-01T00:00:01.000Z")
        .await;
    bed.park("evt-a2", "platform_4xx", "2024-01-01T00:00:02.000Z")
        .await;
    bed.park("evt-b2", "not_found", "2024-01-01T00:00:03.000Z")
        .await;

    let outcome = parked::replay(
        &bed.broker,
        &bed.publisher,
        &bed.topology,
        FLOW,
        &by_reason("platform_4xx"),
    )
    .await
    .unwrap();

    assert_eq!(
        outcome,
        ParkedOutcome {
            matched: 2,
            moved: 2,
            kept: 2
        }
    );
    let replayed = bed.drain(&bed.work()).await;
    let ids: Vec<_> = replayed
        .iter()
        .filter_map(|t| t.message_id.clone())
        .collect();
    assert_eq!(sorted(ids), ["evt-a1", "evt-a2"]);
    let replay_ids: BTreeSet<_> = replayed
        .iter()
        .map(|t| t.header(header::REPLAY_ID))
        .collect();
    assert_eq!(replay_ids.len(), 1, "one replay id per replay");
    for copy in &replayed {
        assert!(copy.header(header::REPLAY_ID).is_some());
        assert!(copy.header(header::REPLAYED_AT).is_some());
        assert_eq!(copy.header(header::ATTEMPT), Some("0"));
        assert_eq!(copy.header(header::ERROR), None);
        assert_eq!(copy.header(header::ERROR_DETAIL), None);
        assert_eq!(copy.header(header::PARKED_AT), None);
        assert_eq!(
            copy.header(header::FIRST_SEEN),
            Some("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(copy.header(header::CONNECTION), Some("c1"));
        assert_eq!(copy.properties.delivery_mode(), &Some(2));
        let body: serde_json::Value = serde_json::from_slice(&copy.body).unwrap();
        assert_eq!(
            Some(body["id"].as_str().unwrap().to_owned()),
            copy.message_id
        );
    }
    assert_eq!(
        sorted(bed.drain_ids(&bed.parked()).await),
        ["evt-b1", "evt-b2"]
    );
    bed.finish().await;
}

#[tokio::test]
async fn replay_by_event_id_moves_only_those_messages() {
    let bed = TestBed::start().await;
    for id in ["evt-1", "evt-2", "evt-3"] {
        bed.park(id, "not_found", "2024-01-01T00:00:00.000Z").await;
    }
    let filter = ParkedFilter {
        event_ids: vec!["evt-3".into(), "evt-1".into(), "evt-absent".into()],
        ..Default::default()
    };

    let outcome = parked::replay(&bed.broker, &bed.publisher, &bed.topology, FLOW, &filter)
        .await
        .unwrap();

    assert_eq!((outcome.matched, outcome.moved, outcome.kept), (2, 2, 1));
    assert_eq!(sorted(bed.drain_ids(&bed.work()).await), ["evt-1", "evt-3"]);
    assert_eq!(bed.drain_ids(&bed.parked()).await, ["evt-2"]);
    bed.finish().await;
}

#[tokio::test]
async fn replay_and_purge_without_a_selection_need_all() {
    let bed = TestBed::start().await;
    bed.park("evt-1", "not_found", "2024-01-01T00:00:00.000Z")
        .await;
    let nothing = ParkedFilter::default();

    let replayed = parked::replay(&bed.broker, &bed.publisher, &bed.topology, FLOW, &nothing).await;
    let purged = parked::purge(&bed.broker, &bed.topology, FLOW, &nothing).await;

    for result in [replayed, purged] {
        match result {
            Err(OpsError::Invalid(message)) => assert!(message.contains("--all"), "{message}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(bed.ready(&bed.parked()).await, 1);
    let all = ParkedFilter {
        all: true,
        ..Default::default()
    };
    let outcome = parked::replay(&bed.broker, &bed.publisher, &bed.topology, FLOW, &all)
        .await
        .unwrap();
    assert_eq!((outcome.matched, outcome.moved, outcome.kept), (1, 1, 0));
    bed.finish().await;
}

#[tokio::test]
async fn purge_drops_only_the_matching_messages() {
    let bed = TestBed::start().await;
    bed.park("evt-a", "invalid_event", "2024-01-01T00:00:00.000Z")
        .await;
    bed.park("evt-b", "not_found", "2024-01-01T00:00:00.000Z")
        .await;
    bed.park("evt-c", "invalid_event", "2024-01-01T00:00:00.000Z")
        .await;

    let outcome = parked::purge(
        &bed.broker,
        &bed.topology,
        FLOW,
        &by_reason("invalid_event"),
    )
    .await
    .unwrap();

    assert_eq!((outcome.matched, outcome.moved, outcome.kept), (2, 2, 1));
    assert_eq!(bed.drain_ids(&bed.parked()).await, ["evt-b"]);
    assert_eq!(bed.ready(&bed.work()).await, 0);
    bed.finish().await;
}

/// The process running a replay dies midway (here: the replay future is dropped and its
/// connection closed, as a kill would). Every message is still somewhere: copied to the
/// work queue, or back in parked; at worst in both.
#[tokio::test]
async fn an_interrupted_replay_loses_no_message() {
    const TOTAL: u32 = 400;
    let bed = TestBed::start().await;
    let ids: BTreeSet<String> = (0..TOTAL).map(|i| format!("evt-{i:04}")).collect();
    futures::future::join_all(
        ids.iter()
            .map(|id| bed.park(id, "not_found", "2024-01-01T00:00:00.000Z")),
    )
    .await;
    assert_eq!(bed.wait_ready(&bed.parked(), TOTAL).await, TOTAL);

    let doomed = start_broker("ops-test-doomed-replay", None).await;
    let publisher = assetrelay_broker::Publisher::new(doomed.clone(), 2, Duration::from_secs(10));
    let all = ParkedFilter {
        all: true,
        ..Default::default()
    };
    let finished = tokio::select! {
        result = parked::replay(&doomed, &publisher, &bed.topology, FLOW, &all) => Some(result),
        () = async {
            while bed.ready(&bed.work()).await < 20 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        } => None,
    };
    doomed.close().await;
    assert!(
        finished.is_none(),
        "the replay finished before it could be interrupted"
    );

    // The broker requeues the unacked messages when the connection closes.
    wait_until("every message is back in a queue", PATIENCE, || async {
        bed.ready(&bed.parked()).await + bed.ready(&bed.work()).await >= TOTAL
    })
    .await
    .unwrap();
    let in_work = bed.drain_ids(&bed.work()).await;
    let in_parked = bed.drain_ids(&bed.parked()).await;
    assert!(
        !in_work.is_empty() && in_work.len() < TOTAL as usize,
        "interrupted midway"
    );
    let everywhere: BTreeSet<String> = in_work.iter().chain(&in_parked).cloned().collect();
    assert_eq!(everywhere, ids);
    bed.finish().await;
}
