#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! Two replicas polling one connection through a PostgreSQL store: only the lease holder
//! publishes; on its graceful shutdown it releases the lease and the standby takes over.
//!
//! Each replica reads a sandbox of its own, so an event says which replica published it.

mod support;

use std::time::Duration;

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
