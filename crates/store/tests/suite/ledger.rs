//! The asset ledger's compare-and-set.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_store::{Acquired, AssetKey, LedgerWrite, Recorded, SourceVersion};

use crate::support::Harness;

fn write(modified_ms: i64, read_ms: i64, fingerprint: &str) -> LedgerWrite {
    LedgerWrite {
        target_ids: vec![format!("S-{fingerprint}")],
        fingerprint: fingerprint.into(),
        source: SourceVersion {
            modified_ms,
            read_ms,
        },
        outcome: "written".into(),
    }
}

fn key(asset: &str) -> AssetKey {
    AssetKey::new("acme", "to-smint", "photoshelter", asset)
}

pub async fn the_ledger_replaces_only_a_strictly_older_source_version(h: &Harness) {
    let store = &h.store;
    let asset = key("I0001");
    assert_eq!(store.ledger(&asset).await.unwrap(), None);

    let first = store
        .record_write(&asset, &write(200, 10, "v2"))
        .await
        .unwrap();
    let older = store
        .record_write(&asset, &write(100, 99, "v1"))
        .await
        .unwrap();
    let same = store
        .record_write(&asset, &write(200, 10, "v2-again"))
        .await
        .unwrap();
    let reread = store
        .record_write(&asset, &write(200, 11, "v2-reread"))
        .await
        .unwrap();

    assert_eq!(first, Recorded::Applied);
    let Recorded::Stale { current } = older else {
        panic!("an older version replaced a newer one: {older:?}");
    };
    assert_eq!(current.fingerprint, "v2");
    assert!(matches!(same, Recorded::Stale { .. }), "{same:?}");
    assert_eq!(reread, Recorded::Applied);
    let entry = store.ledger(&asset).await.unwrap().unwrap();
    assert_eq!(entry.fingerprint, "v2-reread");
    assert_eq!(entry.target_ids, vec!["S-v2-reread".to_owned()]);
    assert_eq!(
        entry.source,
        SourceVersion {
            modified_ms: 200,
            read_ms: 11
        }
    );
    let other_flow = AssetKey::new("acme", "lifecycle", "photoshelter", "I0001");
    assert_eq!(store.ledger(&other_flow).await.unwrap(), None);
}

pub async fn two_racing_writes_leave_the_newest_version_whatever_the_order(h: &Harness) {
    let store = Arc::new(h.store.clone());
    for round in 0..20_u32 {
        let asset = key(&format!("I-race-{round}"));
        // Even rounds start the older write first, odd rounds the newer one.
        let (a, b) = if round.is_multiple_of(2) {
            (write(100, 1, "old"), write(100, 2, "new"))
        } else {
            (write(100, 2, "new"), write(100, 1, "old"))
        };
        let tasks = [a, b].map(|w| {
            let (store, asset) = (store.clone(), asset.clone());
            tokio::spawn(async move { store.record_write(&asset, &w).await.unwrap() })
        });
        let mut applied = 0;
        for task in tasks {
            if task.await.unwrap() == Recorded::Applied {
                applied += 1;
            }
        }

        let entry = store.ledger(&asset).await.unwrap().unwrap();
        assert_eq!(entry.fingerprint, "new", "round {round}");
        assert!((1..=2).contains(&applied), "round {round}: {applied}");
    }
}

/// 48 writes at once (on PostgreSQL they go out in batches, `batch`): 40 distinct assets,
/// and one asset written 8 times with versions 1‥8, so one batch cannot hold them all.
/// Each write gets its own answer, and the newest version of the repeated asset stays.
pub async fn concurrent_writes_each_get_their_own_answer(h: &Harness) {
    let store = Arc::new(h.store.clone());
    let stale = key("I-batch-stale");
    store
        .record_write(&stale, &write(500, 0, "newer"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..40_i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let asset = key(&format!("I-batch-{n}"));
            (
                n,
                store
                    .record_write(&asset, &write(n, 0, &format!("d{n}")))
                    .await
                    .unwrap(),
            )
        }));
    }
    for n in 1..=8_i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let asset = key("I-batch-repeated");
            (
                100 + n,
                store
                    .record_write(&asset, &write(n, 0, &format!("r{n}")))
                    .await
                    .unwrap(),
            )
        }));
    }
    let stale_write = {
        let (store, stale) = (store.clone(), stale.clone());
        tokio::spawn(async move {
            store
                .record_write(&stale, &write(400, 0, "older"))
                .await
                .unwrap()
        })
    };
    let mut repeated_applied = 0;
    for task in tasks {
        let (n, recorded) = task.await.unwrap();
        if n < 100 {
            assert_eq!(recorded, Recorded::Applied, "distinct asset {n}");
        } else if recorded == Recorded::Applied {
            repeated_applied += 1;
        }
    }
    assert!(repeated_applied >= 1);
    let Recorded::Stale { current } = stale_write.await.unwrap() else {
        panic!("an older version replaced a newer one");
    };
    assert_eq!(current.fingerprint, "newer");
    for n in 0..40_i64 {
        let entry = store
            .ledger(&key(&format!("I-batch-{n}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.fingerprint, format!("d{n}"));
        assert_eq!(entry.target_ids, vec![format!("S-d{n}")]);
    }
    let repeated = store
        .ledger(&key("I-batch-repeated"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(repeated.fingerprint, "r8");
}

pub async fn recording_an_outcome_only_keeps_the_version_and_the_targets(h: &Harness) {
    let store = &h.store;
    let asset = key("I0002");
    assert!(
        !store
            .record_outcome_only(&asset, "parked: 403")
            .await
            .unwrap()
    );
    store
        .record_write(&asset, &write(300, 5, "v3"))
        .await
        .unwrap();

    assert!(
        store
            .record_outcome_only(&asset, "parked: 403")
            .await
            .unwrap()
    );

    let entry = store.ledger(&asset).await.unwrap().unwrap();
    assert_eq!(entry.last_outcome, "parked: 403");
    assert_eq!(entry.fingerprint, "v3");
    assert_eq!(entry.source.modified_ms, 300);
    assert_eq!(entry.target_ids, vec!["S-v3".to_owned()]);
}

pub async fn the_ledger_rows_of_an_asset_are_listed_across_flows_and_connections(h: &Harness) {
    let store = &h.store;
    let rows = [
        AssetKey::new("beta", "to-smint", "photoshelter", "I0003"),
        AssetKey::new("acme", "to-smint", "photoshelter", "I0003"),
        AssetKey::new("acme", "lifecycle", "photoshelter", "I0003"),
        // Same id, other platform or other asset: never part of the answer.
        AssetKey::new("acme", "to-photoshelter", "smintio", "I0003"),
        AssetKey::new("acme", "to-smint", "photoshelter", "I0004"),
    ];
    for (n, key) in rows.iter().enumerate() {
        let n = i64::try_from(n).unwrap();
        let write = write(100 + n, 1, &format!("{}-{}", key.connection, key.flow));
        store.record_write(key, &write).await.unwrap();
    }

    let everywhere = store
        .asset_ledgers(None, "photoshelter", "I0003")
        .await
        .unwrap();
    let acme = store
        .asset_ledgers(Some("acme"), "photoshelter", "I0003")
        .await
        .unwrap();
    let nowhere = store
        .asset_ledgers(Some("gamma"), "photoshelter", "I0003")
        .await
        .unwrap();

    let keys: Vec<(&str, &str)> = everywhere
        .iter()
        .map(|(k, _)| (k.connection.as_str(), k.flow.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("acme", "lifecycle"),
            ("acme", "to-smint"),
            ("beta", "to-smint")
        ]
    );
    for (key, entry) in &everywhere {
        assert_eq!(Some(entry), store.ledger(key).await.unwrap().as_ref());
        assert_eq!(
            entry.fingerprint,
            format!("{}-{}", key.connection, key.flow)
        );
        assert_eq!(
            (key.platform.as_str(), key.asset_id.as_str()),
            ("photoshelter", "I0003")
        );
    }
    assert_eq!(acme.len(), 2);
    assert!(acme.iter().all(|(k, _)| k.connection == "acme"));
    assert!(nowhere.is_empty());
}

pub async fn the_ledger_rows_of_one_flow_and_platform_are_listed_by_asset(h: &Harness) {
    let store = &h.store;
    for asset in ["I0003", "I0001", "I0002"] {
        store
            .record_write(&key(asset), &write(1, 1, asset))
            .await
            .unwrap();
    }
    let other_flow = AssetKey::new("acme", "lifecycle", "photoshelter", "I0009");
    let other_connection = AssetKey::new("other", "to-smint", "photoshelter", "I0008");
    store
        .record_write(&other_flow, &write(1, 1, "x"))
        .await
        .unwrap();
    store
        .record_write(&other_connection, &write(1, 1, "y"))
        .await
        .unwrap();

    let rows = store
        .ledger_rows("acme", "to-smint", "photoshelter")
        .await
        .unwrap();

    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["I0001", "I0002", "I0003"]);
    assert_eq!(rows[1].1.fingerprint, "I0002");
    assert_eq!(rows[1].1.target_ids, ["S-I0002"]);
    assert!(
        store
            .ledger_rows("acme", "to-smint", "smintio")
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_turn_taken_with_the_ledger_row_reads_it_only_once_the_turn_is_ours(h: &Harness) {
    let store = &h.store;
    let asset = key("I-turn");
    let (turn, ttl) = ("asset/acme/photoshelter/I-turn", Duration::from_secs(30));

    let first = store
        .try_acquire_lease_reading(turn, "a", ttl, &asset)
        .await
        .unwrap();
    let other = store
        .try_acquire_lease_reading(turn, "b", ttl, &asset)
        .await
        .unwrap();
    store
        .record_write(&asset, &write(7, 1, "v7"))
        .await
        .unwrap();
    let renewed = store
        .try_acquire_lease_reading(turn, "a", ttl, &asset)
        .await
        .unwrap();
    assert!(store.release_lease(turn, "a").await.unwrap());
    let handed_over = store
        .try_acquire_lease_reading(turn, "b", ttl, &asset)
        .await
        .unwrap();

    assert_eq!(first, Acquired::Taken { ledger: None });
    assert_eq!(other, Acquired::HeldElsewhere);
    let row = store.ledger(&asset).await.unwrap();
    assert_eq!(row.as_ref().map(|r| r.fingerprint.as_str()), Some("v7"));
    assert_eq!(
        renewed,
        Acquired::Taken {
            ledger: row.clone()
        }
    );
    assert_eq!(handed_over, Acquired::Taken { ledger: row });
    assert_eq!(store.lease_holder(turn).await.unwrap().unwrap().holder, "b");
}

/// Two holders pass one turn back and forth; each reads the row with the turn and writes
/// the next version. A read that missed the previous holder's write would write a version
/// that is already there, and be answered stale.
pub async fn whoever_takes_the_turn_reads_every_write_of_the_holder_before(h: &Harness) {
    const ROUNDS: i64 = 40;
    let asset = key("I-turn-race");
    let turn = "asset/acme/photoshelter/I-turn-race";
    let mut tasks = Vec::new();
    for holder in ["a", "b"] {
        let (store, asset) = (h.store.clone(), asset.clone());
        tasks.push(tokio::spawn(async move {
            let mut stale = Vec::new();
            for _ in 0..ROUNDS {
                let ledger = loop {
                    let acquired = store
                        .try_acquire_lease_reading(turn, holder, Duration::from_secs(30), &asset)
                        .await
                        .unwrap();
                    if let Acquired::Taken { ledger } = acquired {
                        break ledger;
                    }
                    tokio::task::yield_now().await;
                };
                let next = ledger.map_or(1, |row| row.source.modified_ms + 1);
                let recorded = store
                    .record_write(&asset, &write(next, 0, &format!("{holder}{next}")))
                    .await
                    .unwrap();
                if recorded != Recorded::Applied {
                    stale.push(next);
                }
                assert!(store.release_lease(turn, holder).await.unwrap());
            }
            stale
        }));
    }
    for task in tasks {
        let stale = task.await.unwrap();
        assert!(
            stale.is_empty(),
            "writes made from a stale read: versions {stale:?}"
        );
    }
    let row = h.store.ledger(&asset).await.unwrap().unwrap();
    assert_eq!(row.source.modified_ms, 2 * ROUNDS);
}
