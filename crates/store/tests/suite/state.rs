//! Cursors, credentials, leases, status.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_store::{Store, StoreError, Swap};
use secrecy::{ExposeSecret, SecretString};

use crate::support::{Harness, eventually};

pub async fn a_cursor_is_absent_until_set_then_overwritten(h: &Harness) {
    let store = &h.store;
    assert_eq!(store.cursor("acme", "licenses").await.unwrap(), None);

    store
        .set_cursor("acme", "licenses", "page-1")
        .await
        .unwrap();
    store
        .set_cursor("acme", "licenses", "page-2")
        .await
        .unwrap();
    store
        .set_cursor("other", "licenses", "page-9")
        .await
        .unwrap();

    assert_eq!(
        store.cursor("acme", "licenses").await.unwrap().as_deref(),
        Some("page-2")
    );
    assert_eq!(store.cursor("acme", "media").await.unwrap(), None);
}

pub async fn a_cursor_entry_says_when_it_was_stored(h: &Harness) {
    let store = &h.store;
    assert_eq!(
        store.cursor_entry("acme", "smintio.sync").await.unwrap(),
        None
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;

    store
        .set_cursor("acme", "smintio.sync", "c-1")
        .await
        .unwrap();

    let entry = store
        .cursor_entry("acme", "smintio.sync")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.value, "c-1");
    // The database's clock, not ours: allow a little skew.
    assert!((entry.updated_at_ms - before).abs() < 60_000, "{entry:?}");
}

pub async fn a_deleted_cursor_is_gone_and_only_its_own(h: &Harness) {
    let store = &h.store;
    store
        .set_cursor("acme", "smintio.sync", "c-1")
        .await
        .unwrap();
    store
        .set_cursor("acme", "photoshelter.poll", "w")
        .await
        .unwrap();
    store
        .set_cursor("other", "smintio.sync", "c-9")
        .await
        .unwrap();

    assert!(store.delete_cursor("acme", "smintio.sync").await.unwrap());
    assert!(!store.delete_cursor("acme", "smintio.sync").await.unwrap());

    assert_eq!(store.cursor("acme", "smintio.sync").await.unwrap(), None);
    assert_eq!(
        store
            .cursor("acme", "photoshelter.poll")
            .await
            .unwrap()
            .as_deref(),
        Some("w")
    );
    assert_eq!(
        store
            .cursor("other", "smintio.sync")
            .await
            .unwrap()
            .as_deref(),
        Some("c-9")
    );
}

pub async fn each_run_request_is_a_new_token_beside_the_cursor(h: &Harness) {
    let store = &h.store;
    assert_eq!(
        store.run_request("acme", "smintio.sync").await.unwrap(),
        None
    );
    store
        .set_cursor("acme", "smintio.sync", "c-1")
        .await
        .unwrap();

    store.request_run("acme", "smintio.sync").await.unwrap();
    let first = store.run_request("acme", "smintio.sync").await.unwrap();
    store.request_run("acme", "smintio.sync").await.unwrap();
    let second = store.run_request("acme", "smintio.sync").await.unwrap();

    assert!(first.is_some());
    assert_ne!(first, second);
    assert_eq!(
        store.run_request("other", "smintio.sync").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .cursor("acme", "smintio.sync")
            .await
            .unwrap()
            .as_deref(),
        Some("c-1"),
        "a request leaves the position alone"
    );
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

pub async fn a_credential_is_inserted_only_if_absent_then_swapped_by_version(h: &Harness) {
    let store = &h.store;
    let kind = "smintio_refresh_token";

    let first = store
        .swap_credential("acme", kind, None, &secret("rt-1"))
        .await
        .unwrap();
    let again = store
        .swap_credential("acme", kind, None, &secret("rt-x"))
        .await
        .unwrap();
    let second = store
        .swap_credential("acme", kind, Some(1), &secret("rt-2"))
        .await
        .unwrap();
    let stale = store
        .swap_credential("acme", kind, Some(1), &secret("rt-y"))
        .await
        .unwrap();

    assert!(matches!(first, Swap::Won { version: 1 }), "{first:?}");
    let Swap::Lost { current } = again else {
        panic!("an insert over a stored credential won: {again:?}");
    };
    assert_eq!(
        (current.value.expose_secret(), current.version),
        ("rt-1", 1)
    );
    assert!(matches!(second, Swap::Won { version: 2 }), "{second:?}");
    let Swap::Lost { current } = stale else {
        panic!("a swap from an old version won: {stale:?}");
    };
    assert_eq!(
        (current.value.expose_secret(), current.version),
        ("rt-2", 2)
    );
    let stored = store.credential("acme", kind).await.unwrap().unwrap();
    assert_eq!((stored.value.expose_secret(), stored.version), ("rt-2", 2));
    assert!(
        !format!("{stored:?}").contains("rt-2"),
        "Debug shows the value"
    );
}

pub async fn of_16_concurrent_swaps_from_one_version_exactly_one_wins(h: &Harness) {
    let store = Arc::new(h.store.clone());
    let kind = "smintio_refresh_token";
    store
        .swap_credential("acme", kind, None, &secret("rt-0"))
        .await
        .unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let swaps = (0..16).map(|i| {
        let (store, barrier) = (store.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            let value = secret(&format!("rt-{i}-new"));
            (
                i,
                store
                    .swap_credential("acme", kind, Some(1), &value)
                    .await
                    .unwrap(),
            )
        })
    });
    let results: Vec<_> = futures_join(swaps).await;

    let winners: Vec<usize> = results
        .iter()
        .filter(|(_, r)| matches!(r, Swap::Won { version: 2 }))
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let expected = format!("rt-{}-new", winners[0]);
    for (_, result) in &results {
        if let Swap::Lost { current } = result {
            assert_eq!(
                (current.value.expose_secret(), current.version),
                (expected.as_str(), 2)
            );
        }
    }
    let stored = store.credential("acme", kind).await.unwrap().unwrap();
    assert_eq!(
        (stored.value.expose_secret(), stored.version),
        (expected.as_str(), 2)
    );
}

pub async fn futures_join<T: Send + 'static>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.unwrap());
    }
    out
}

pub async fn a_swap_from_a_version_without_a_stored_credential_is_an_error(h: &Harness) {
    let result = h
        .store
        .swap_credential("acme", "photoshelter_oauth", Some(3), &secret("s3cr3t"))
        .await;

    let err = result.unwrap_err();
    assert!(matches!(err, StoreError::NoCredential { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cr3t"));
}

pub async fn a_lease_is_held_by_one_holder_renewed_by_it_and_released(h: &Harness) {
    let store = &h.store;
    let ttl = Duration::from_secs(30);

    assert!(
        store
            .try_acquire_lease("poller.acme", "a", ttl)
            .await
            .unwrap()
    );
    let first = store.lease_holder("poller.acme").await.unwrap().unwrap();
    assert!(
        !store
            .try_acquire_lease("poller.acme", "b", ttl)
            .await
            .unwrap()
    );
    assert!(
        store
            .try_acquire_lease("poller.acme", "a", ttl)
            .await
            .unwrap()
    );
    let renewed = store.lease_holder("poller.acme").await.unwrap().unwrap();
    assert_eq!(renewed.holder, "a");
    assert!(renewed.expires_at_ms >= first.expires_at_ms);

    assert!(!store.release_lease("poller.acme", "b").await.unwrap());
    assert!(store.release_lease("poller.acme", "a").await.unwrap());
    assert_eq!(store.lease_holder("poller.acme").await.unwrap(), None);
    assert!(
        store
            .try_acquire_lease("poller.acme", "b", ttl)
            .await
            .unwrap()
    );
}

pub async fn an_expired_lease_is_taken_over_by_another_holder(h: &Harness) {
    let store = &h.store;
    assert!(
        store
            .try_acquire_lease("poller.acme", "a", Duration::from_millis(300))
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_acquire_lease("poller.acme", "b", Duration::from_secs(30))
            .await
            .unwrap()
    );

    let took_over = eventually(Duration::from_secs(5), async || {
        store
            .try_acquire_lease("poller.acme", "b", Duration::from_secs(30))
            .await
            .unwrap()
    })
    .await;

    assert!(took_over, "b never took the expired lease");
    assert_eq!(
        store
            .lease_holder("poller.acme")
            .await
            .unwrap()
            .unwrap()
            .holder,
        "b"
    );
    assert!(
        !store
            .try_acquire_lease("poller.acme", "a", Duration::from_secs(1))
            .await
            .unwrap()
    );
}

pub async fn status_reports_the_backend_the_migrations_and_the_rows(h: &Harness) {
    let store = &h.store;
    store.set_cursor("acme", "licenses", "p1").await.unwrap();
    store.set_cursor("acme", "media", "p7").await.unwrap();

    store.readiness_check().await.unwrap();
    let status = store.status().await.unwrap();

    assert_eq!(status.backend, store.backend_name());
    assert_eq!(status.applied.len(), 8, "{status:?}");
    assert!(status.pending.is_empty(), "{status:?}");
    assert!(status.rows.contains(&("cursors", 2)), "{status:?}");
    assert!(status.rows.contains(&("outcomes", 0)), "{status:?}");
    // Migrating again is a no-op.
    store.migrate().await.unwrap();
}

pub async fn a_store_connected_without_migrating_reports_them_pending_until_migrate(h: &Harness) {
    let store: &Store = &h.store;
    let before = store.status().await.unwrap();

    store.migrate().await.unwrap();
    let after = store.status().await.unwrap();

    assert!(before.applied.is_empty(), "{before:?}");
    assert_eq!(before.pending.len(), 8, "{before:?}");
    assert!(before.rows.is_empty(), "{before:?}");
    assert_eq!(after.applied, before.pending);
    assert_eq!(after.rows.len(), 9, "{after:?}");
    // Config says migrate_on_start = false: connect did not migrate.
    assert!(!h.config.migrate_on_start);
}
