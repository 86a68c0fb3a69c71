//! The outcome history: batching writer, timeline, pruning.

use std::time::Duration;

use assetrelay_store::{OutcomeWriter, WriterOptions, spawn_pruner};
use tokio_util::sync::CancellationToken;

use crate::support::{Harness, eventually, now_ms, outcome};

const DAY_MS: i64 = 24 * 3_600_000;

pub async fn the_outcome_writer_batches_and_history_is_the_latest_rows_oldest_first(h: &Harness) {
    let store = &h.store;
    let options = WriterOptions {
        capacity: 64,
        batch_rows: 50,
        flush_every: Duration::from_millis(20),
    };
    let (writer, task) = OutcomeWriter::spawn(store.clone(), options);
    let start = now_ms();
    // Written newest first, so the order returned comes from `at`, not from insertion.
    for n in (0..300).rev() {
        writer
            .record(outcome("I0001", start + n as i64, n))
            .await
            .unwrap();
    }
    writer.record(outcome("I0002", start, 7)).await.unwrap();
    drop(writer);
    task.await.unwrap();

    let all = store
        .history(None, "photoshelter", "I0001", 1_000)
        .await
        .unwrap();
    let latest = store
        .history(Some("acme"), "photoshelter", "I0001", 10)
        .await
        .unwrap();
    let elsewhere = store
        .history(Some("other"), "photoshelter", "I0001", 10)
        .await
        .unwrap();

    assert_eq!(all.len(), 300);
    assert!(
        all.windows(2).all(|w| w[0].at_ms < w[1].at_ms),
        "not oldest first"
    );
    assert_eq!(all[0], outcome("I0001", start, 0));
    assert_eq!(all[299], outcome("I0001", start + 299, 299));
    let ids: Vec<&str> = latest.iter().map(|o| o.event_id.as_str()).collect();
    let expected: Vec<String> = (290..300).map(|n| format!("evt-{n}")).collect();
    assert_eq!(ids, expected);
    assert!(elsewhere.is_empty());
}

pub async fn pruning_deletes_only_rows_older_than_the_retention_in_batches(h: &Harness) {
    let store = &h.store;
    let now = now_ms();
    let old: Vec<_> = (0..2_500)
        .map(|n| outcome("I-old", now - 40 * DAY_MS + n, n as usize))
        .collect();
    let recent: Vec<_> = (0..5)
        .map(|n| outcome("I-new", now - DAY_MS + n, n as usize))
        .collect();
    store.record_outcomes(&old).await.unwrap();
    store.record_outcomes(&recent).await.unwrap();

    let deleted = store.prune_history(30).await.unwrap();
    let again = store.prune_history(30).await.unwrap();

    assert_eq!(deleted, 2_500);
    assert_eq!(again, 0);
    let left_old = store
        .history(None, "photoshelter", "I-old", 10_000)
        .await
        .unwrap();
    let left_new = store
        .history(None, "photoshelter", "I-new", 10_000)
        .await
        .unwrap();
    assert!(left_old.is_empty());
    assert_eq!(left_new, recent);
}

pub async fn the_pruner_task_prunes_until_shut_down(h: &Harness) {
    let store = &h.store;
    let old = outcome("I-old", now_ms() - 40 * DAY_MS, 0);
    store.record_outcome(&old).await.unwrap();
    let shutdown = CancellationToken::new();

    let pruner = spawn_pruner(
        store.clone(),
        30,
        Duration::from_millis(50),
        shutdown.clone(),
    );
    let pruned = eventually(Duration::from_secs(5), async || {
        store
            .history(None, "photoshelter", "I-old", 10)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    shutdown.cancel();

    assert!(pruned, "the pruner never pruned");
    tokio::time::timeout(Duration::from_secs(5), pruner)
        .await
        .unwrap()
        .unwrap();
}
