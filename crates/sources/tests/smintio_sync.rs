#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! The Smint.io sync against the sandbox's CLAPI-C feed, RabbitMQ and a real store: one
//! event per transaction carrying its state, the continuation stored only after the
//! page's events were confirmed, and a sync run by a request in the store.

mod support;

use std::time::Duration;

use assetrelay_contract::EventType;
use assetrelay_sandbox::{FaultRule, Platform};
use assetrelay_smintio::client::LicensePurchaseTransaction;
use assetrelay_sources::PollError;
use assetrelay_sources::lease::SourceLease;
use assetrelay_sources::runner::Schedule;
use assetrelay_sources::smintio::{SOURCE, Start, Syncer};
use assetrelay_testkit::{TestBed, topology};
use serde_json::json;
use support::*;
use tokio_util::sync::CancellationToken;

fn carried(event: &assetrelay_contract::CloudEvent) -> LicensePurchaseTransaction {
    serde_json::from_value(event.data.state.clone().unwrap().body).unwrap()
}

#[tokio::test]
async fn each_transaction_becomes_one_event_carrying_it_and_a_resync_reads_only_changes() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-smint")).await;
    let (store, place) = sqlite_store().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(create_license(&sandbox).await);
    }
    // Two transactions a page: three pages.
    let sync = sync_context(&sandbox, &bed.topology, &store, 2).await;

    let first = sync.sync_once(Start::Stored).await.unwrap();
    let published = license_events(&bed).await;

    assert_eq!((first.pages, first.published), (3, 5));
    assert_eq!(subjects(&published), sorted(created.clone()));
    for event in &published {
        assert_eq!(event.event_type, EventType::LicenseUpdated);
        assert_eq!(event.source, "smintio/demo");
        assert_eq!(event.data.hint["source"], SOURCE);
        let lpt = carried(event);
        assert_eq!(Some(lpt.uuid.as_str()), event.subject.as_deref());
        assert_eq!(lpt.version, Some(1));
    }
    let stored = store.cursor(CONNECTION, SOURCE).await.unwrap();
    assert!(stored.is_some());
    assert_eq!(stored, first.continuation);

    // Nothing changed: nothing published, the position kept.
    let idle = sync.sync_once(Start::Stored).await.unwrap();
    assert_eq!(idle.published, 0);
    assert!(license_events(&bed).await.is_empty());

    // One update: exactly that transaction again, with its new version and a new id.
    lpt_command(
        &sandbox,
        json!({"action": "update", "uuid": created[2], "version": 2}),
    )
    .await;
    sync.sync_once(Start::Stored).await.unwrap();
    let changed = license_events(&bed).await;
    assert_eq!(subjects(&changed), [created[2].clone()]);
    assert_eq!(carried(&changed[0]).version, Some(2));
    assert!(!ids(&published).contains(&changed[0].id));

    // A full sync reads everything again, under the ids of the same states.
    let full = sync.sync_once(Start::Beginning).await.unwrap();
    assert!(full.published >= 5);
    let again = license_events(&bed).await;
    let latest: Vec<String> = again
        .iter()
        .filter(|e| e.subject.as_deref() != Some(created[2].as_str()))
        .map(|e| e.id.clone())
        .collect();
    for id in latest {
        assert!(ids(&published).contains(&id), "same state, same id");
    }

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn a_failed_read_keeps_the_continuation_of_the_last_confirmed_page() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-smint")).await;
    let (store, place) = postgres_store().await;
    for _ in 0..4 {
        create_license(&sandbox).await;
    }
    let sync = sync_context(&sandbox, &bed.topology, &store, 2).await;
    let faults = sandbox.state().faults.clone();

    // Once the first page is confirmed and stored, the feed fails on every call.
    let failed = sync
        .sync_with(Start::Stored, |_| {
            faults
                .set(vec![FaultRule {
                    endpoint: Some("/consumer/v1/sync/license-purchase-transactions".into()),
                    error_rate: 1.0,
                    error_status: 503,
                    ..FaultRule::none(Platform::Smintio)
                }])
                .unwrap();
        })
        .await;

    assert!(matches!(failed, Err(PollError::Feed(_))), "{failed:?}");
    let after_one_page = store.cursor(CONNECTION, SOURCE).await.unwrap();
    assert!(
        after_one_page.is_some(),
        "the confirmed first page is stored"
    );
    assert_eq!(license_events(&bed).await.len(), 2);

    faults.clear(None);
    let rest = sync.sync_once(Start::Stored).await.unwrap();
    assert_eq!(rest.published, 2, "the rest, not the first page again");
    assert_eq!(license_events(&bed).await.len(), 2);

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn an_unconfirmed_publish_leaves_the_continuation_where_it_was() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-smint")).await;
    let (store, place) = sqlite_store().await;
    create_license(&sandbox).await;
    let working = sync_context(&sandbox, &bed.topology, &store, 10).await;
    working.sync_once(Start::Stored).await.unwrap();
    license_events(&bed).await;
    let before = store.cursor(CONNECTION, SOURCE).await.unwrap();
    create_license(&sandbox).await;

    // A publisher whose exchange does not exist: the broker refuses every publish.
    let mut failing = working.clone();
    failing.topology = assetrelay_testkit::topology("sources-missing");
    let refused = failing.sync_once(Start::Stored).await;

    assert!(
        matches!(refused, Err(PollError::Publish { .. })),
        "{refused:?}"
    );
    assert_eq!(store.cursor(CONNECTION, SOURCE).await.unwrap(), before);
    let retried = working.sync_once(Start::Stored).await.unwrap();
    assert_eq!(retried.published, 1);

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn a_run_request_in_the_store_starts_a_sync_within_the_check_interval() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-smint")).await;
    let (store, place) = sqlite_store().await;
    let sync = sync_context(&sandbox, &bed.topology, &store, 10).await;
    let lease = SourceLease::new(
        store.clone(),
        assetrelay_sources::lease::lease_name(CONNECTION, SOURCE),
        "test-holder".into(),
        Duration::from_secs(30),
    );
    let syncer = Syncer {
        context: sync,
        lease,
        schedule: Schedule {
            // Only a request can start a sync in this test.
            interval: Duration::from_secs(3_600),
            at_start: false,
            request_check: Some((store.clone(), Duration::from_millis(200))),
            nudges: None,
        },
        pusher: None,
    };
    let stop = CancellationToken::new();
    let running = tokio::spawn(syncer.run(stop.clone()));
    let uuid = create_license(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        license_events(&bed).await.is_empty(),
        "no sync without a request"
    );

    // What the to-photoshelter flow does on a webhook feed ping.
    store.request_run(CONNECTION, SOURCE).await.unwrap();

    let events = eventually_events(&bed, 1).await;
    assert_eq!(subjects(&events), [uuid]);
    stop.cancel();
    running.await.unwrap();
    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

/// The to-photoshelter queue's events, waiting up to 10 s for at least `n`.
async fn eventually_events(bed: &TestBed, n: usize) -> Vec<assetrelay_contract::CloudEvent> {
    let mut all = Vec::new();
    for _ in 0..50 {
        all.extend(license_events(bed).await);
        if all.len() >= n {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{} of {n} events within 10 s", all.len());
}

#[tokio::test]
async fn a_pusher_notification_starts_a_sync_within_seconds_and_a_burst_is_published_once_each() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-smint")).await;
    let (store, place) = sqlite_store().await;
    let sync = sync_context(&sandbox, &bed.topology, &store, 10).await;
    let settings: assetrelay_config::SmintioPusher = serde_json::from_value(json!({
        "channel_id": 1,
        "url": sandbox.base_url.replace("http://", "ws://"),
        "reconnect_secs": 1,
    }))
    .unwrap();
    let pusher = assetrelay_sources::smintio::PusherSubscription::from_settings(
        CONNECTION,
        &settings,
        std::sync::Arc::clone(&sync.client),
    );
    let lease = SourceLease::new(
        store.clone(),
        assetrelay_sources::lease::lease_name(CONNECTION, SOURCE),
        "test-holder".into(),
        Duration::from_secs(30),
    );
    let syncer = Syncer {
        context: sync,
        lease,
        // Only Pusher can start a sync in this test.
        schedule: Schedule {
            interval: Duration::from_secs(3_600),
            at_start: false,
            request_check: None,
            nudges: None,
        },
        pusher,
    };
    let stop = CancellationToken::new();
    let running = tokio::spawn(syncer.run(stop.clone()));
    let http = reqwest::Client::new();
    let pusher_url = format!("{}/_sandbox/smintio/pusher", sandbox.base_url);
    for attempt in 0.. {
        let status: serde_json::Value = http
            .get(&pusher_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if status["subscribed"].as_u64() >= Some(1) {
            break;
        }
        assert!(attempt < 50, "not subscribed within 10 s: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let started = std::time::Instant::now();
    let first = create_license(&sandbox).await;
    let events = eventually_events(&bed, 1).await;
    assert_eq!(subjects(&events), [first]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a notification synced after {:?}",
        started.elapsed()
    );

    // Twenty changes at once: every one is published, each once.
    let mut burst = Vec::new();
    for _ in 0..20 {
        burst.push(create_license(&sandbox).await);
    }
    let events = eventually_events(&bed, 20).await;
    assert_eq!(subjects(&events), sorted(burst));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(license_events(&bed).await.is_empty(), "nothing twice");

    stop.cancel();
    running.await.unwrap();
    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
