#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! Two replicas polling one connection through a PostgreSQL store: only the lease holder
//! publishes; on its graceful shutdown it releases the lease and the standby takes over.
//!
//! Each replica reads a sandbox of its own, so an event says which replica published it.

mod support;

use std::time::Duration;

use assetrelay_sandbox::{FaultRule, Platform};
use assetrelay_sources::lease::{SourceLease, lease_name};
use assetrelay_sources::photoshelter::{Poller, SOURCE};
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, topology, wait_for};
use support::*;
use tokio_util::sync::CancellationToken;

const INTERVAL: Duration = Duration::from_millis(100);
const TTL: Duration = Duration::from_secs(2);

fn replica(
    context: assetrelay_sources::photoshelter::PollContext,
    store: &Store,
    holder: &str,
) -> Poller {
    Poller {
        context,
        lease: SourceLease::new(
            store.clone(),
            lease_name(CONNECTION, SOURCE),
            holder.into(),
            TTL,
        ),
        interval: INTERVAL,
    }
}

#[tokio::test]
async fn only_the_lease_holder_polls_and_the_standby_takes_over_after_a_graceful_shutdown() {
    let (sandbox_a, sandbox_b) = (sandbox_with_ids(1).await, sandbox_with_ids(2).await);
    let bed = TestBed::declare(topology("sources-lease")).await;
    let (store, place) = postgres_store().await;
    let name = lease_name(CONNECTION, SOURCE);
    assert_eq!(name, "source/demo/photoshelter.poll");

    let stop_a = CancellationToken::new();
    let a = replica(
        context(&sandbox_a, &bed.topology, &store, 500).await,
        &store,
        "replica-a",
    );
    let running_a = tokio::spawn(a.run(stop_a.clone()));
    wait_for("replica a holds the lease", PATIENCE, || async {
        let holder = store.lease_holder(&name).await.unwrap()?;
        (holder.holder == "replica-a").then_some(())
    })
    .await
    .unwrap();
    let stop_b = CancellationToken::new();
    let b = replica(
        context(&sandbox_b, &bed.topology, &store, 500).await,
        &store,
        "replica-b",
    );
    let running_b = tokio::spawn(b.run(stop_b.clone()));

    let from_a = create_media(&sandbox_a).await;
    let from_b = create_media(&sandbox_b).await;
    assert_ne!(from_a, from_b);
    let seen = wait_for("replica a publishes its change", PATIENCE, || async {
        let published = events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&seen), vec![from_a.clone()]);
    // Twenty of replica b's intervals and more than one lease TTL: it never polls while
    // replica a holds (and renews) the lease.
    tokio::time::sleep(TTL + INTERVAL * 5).await;
    assert!(events(&bed).await.is_empty(), "the standby published");
    assert_eq!(
        store
            .lease_holder(&name)
            .await
            .unwrap()
            .map(|l| l.holder)
            .as_deref(),
        Some("replica-a")
    );

    stop_a.cancel();
    running_a.await.unwrap();
    let taken_over = wait_for(
        "replica b publishes after the takeover",
        PATIENCE,
        || async {
            let published = events(&bed).await;
            (!published.is_empty()).then_some(published)
        },
    )
    .await
    .unwrap();
    // Replica b continues from replica a's watermark, and lists its own sandbox.
    assert_eq!(subjects(&taken_over), vec![from_b]);
    assert_eq!(
        store
            .lease_holder(&name)
            .await
            .unwrap()
            .map(|l| l.holder)
            .as_deref(),
        Some("replica-b")
    );

    stop_b.cancel();
    running_b.await.unwrap();
    assert!(
        store.lease_holder(&name).await.unwrap().is_none(),
        "a graceful shutdown releases the lease"
    );
    bed.finish().await;
    store.close().await;
    place.remove().await;
    sandbox_a.stop().await;
    sandbox_b.stop().await;
}

#[tokio::test]
async fn a_poll_whose_lease_is_taken_away_is_abandoned_without_storing_a_position() {
    let sandbox = sandbox().await;
    create_media(&sandbox).await;
    // Every listing takes 3 s: the poll is still running when the lease goes.
    sandbox
        .state()
        .faults
        .set(vec![FaultRule {
            endpoint: Some("/psapi/v4.0/media".into()),
            latency_ms: 3_000,
            ..FaultRule::none(Platform::PhotoShelter)
        }])
        .unwrap();
    let bed = TestBed::declare(topology("sources-lease")).await;
    let (store, place) = sqlite_store().await;
    let name = lease_name(CONNECTION, SOURCE);
    let stop = CancellationToken::new();
    let poller = Poller {
        lease: SourceLease::new(
            store.clone(),
            name.clone(),
            "replica-a".into(),
            Duration::from_millis(600),
        ),
        ..replica(
            context(&sandbox, &bed.topology, &store, 500).await,
            &store,
            "replica-a",
        )
    };
    let running = tokio::spawn(poller.run(stop.clone()));
    wait_for("replica a holds the lease", PATIENCE, || async {
        let holder = store.lease_holder(&name).await.unwrap()?;
        (holder.holder == "replica-a").then_some(())
    })
    .await
    .unwrap();

    // Another holder takes the lease from under the running poll (as after a pause longer
    // than the TTL): replica a's next renewal fails.
    wait_for("the intruder holds the lease", PATIENCE, || async {
        store.release_lease(&name, "replica-a").await.unwrap();
        store
            .try_acquire_lease(&name, "intruder", Duration::from_secs(60))
            .await
            .unwrap()
            .then_some(())
    })
    .await
    .unwrap();
    // Past the listing's 3 s: a poll that had gone on would have published by now.
    tokio::time::sleep(Duration::from_millis(3_500)).await;

    assert!(
        events(&bed).await.is_empty(),
        "the abandoned poll published"
    );
    assert_eq!(store.cursor(CONNECTION, SOURCE).await.unwrap(), None);
    stop.cancel();
    running.await.unwrap();
    assert_eq!(
        store
            .lease_holder(&name)
            .await
            .unwrap()
            .map(|l| l.holder)
            .as_deref(),
        Some("intruder"),
        "shutting down releases only a lease of its own"
    );
    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
