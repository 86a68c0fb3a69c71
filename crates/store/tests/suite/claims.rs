//! Write claims.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_store::{AssetKey, Claim, LedgerWrite, Recorded, SourceVersion};

use crate::state::futures_join;
use crate::support::{Harness, eventually};

const KEY: &str = "acme/license-17/binary-3";

pub async fn of_16_concurrent_claims_of_one_key_exactly_one_is_taken(h: &Harness) {
    let store = Arc::new(h.store.clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(16));

    let claims = (0..16).map(|i| {
        let (store, barrier) = (store.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            let holder = format!("replica-{i}");
            let claim = store
                .claim(KEY, &holder, Duration::from_secs(60))
                .await
                .unwrap();
            (holder, claim)
        })
    });
    let results = futures_join(claims).await;

    let taken: Vec<&String> = results
        .iter()
        .filter(|(_, c)| *c == Claim::Taken)
        .map(|(holder, _)| holder)
        .collect();
    assert_eq!(taken.len(), 1, "{results:?}");
    for (holder, claim) in &results {
        if holder != taken[0] {
            assert!(
                matches!(claim, Claim::HeldElsewhere { holder: h, .. } if h == taken[0]),
                "{claim:?}"
            );
        }
    }
}

pub async fn a_completed_claim_answers_done_and_a_released_one_is_free_again(h: &Harness) {
    let store = &h.store;
    let ttl = Duration::from_secs(60);

    assert_eq!(store.claim(KEY, "a", ttl).await.unwrap(), Claim::Taken);
    assert_eq!(
        store.claim(KEY, "a", ttl).await.unwrap(),
        Claim::Taken,
        "re-entrant"
    );
    assert!(!store.release_claim(KEY, "b").await.unwrap());
    assert!(store.release_claim(KEY, "a").await.unwrap());
    assert_eq!(store.claim(KEY, "b", ttl).await.unwrap(), Claim::Taken);
    assert!(!store.complete_claim(KEY, "a", "M-1").await.unwrap());
    assert!(store.complete_claim(KEY, "b", "M-2").await.unwrap());

    let done = Claim::Done {
        target_id: "M-2".into(),
    };
    assert_eq!(store.claim(KEY, "c", ttl).await.unwrap(), done);
    assert_eq!(store.claim(KEY, "b", ttl).await.unwrap(), done);
    assert!(
        !store.release_claim(KEY, "b").await.unwrap(),
        "a done claim stays"
    );
}

pub async fn an_expired_claim_of_another_holder_is_taken_over(h: &Harness) {
    let store = &h.store;
    assert_eq!(
        store
            .claim(KEY, "a", Duration::from_millis(300))
            .await
            .unwrap(),
        Claim::Taken
    );
    assert!(matches!(
        store.claim(KEY, "b", Duration::from_secs(60)).await.unwrap(),
        Claim::HeldElsewhere { holder, .. } if holder == "a"
    ));

    let mut last = None;
    let taken = eventually(Duration::from_secs(5), async || {
        let claim = store
            .claim(KEY, "b", Duration::from_secs(60))
            .await
            .unwrap();
        let over = !matches!(claim, Claim::HeldElsewhere { .. });
        last = Some(claim);
        over
    })
    .await;

    assert!(taken, "the claim never expired: {last:?}");
    assert_eq!(
        last,
        Some(Claim::TakenOver {
            previous_holder: "a".into()
        })
    );
    assert!(!store.complete_claim(KEY, "a", "M-late").await.unwrap());
    assert!(store.complete_claim(KEY, "b", "M-1").await.unwrap());
}

pub async fn completing_a_claim_with_its_ledger_write_records_both_at_once(h: &Harness) {
    let store = &h.store;
    let asset = AssetKey::new("acme", "to-photoshelter", "smintio", "L-17");
    let write = |modified_ms, fingerprint: &str| LedgerWrite {
        target_ids: vec!["M-1".into()],
        fingerprint: fingerprint.into(),
        source: SourceVersion {
            modified_ms,
            read_ms: 1,
        },
        outcome: "written".into(),
    };
    store
        .claim(KEY, "a", Duration::from_secs(60))
        .await
        .unwrap();

    let first = store
        .complete_claim_with_write(KEY, "a", "M-1", &asset, &write(200, "v2"))
        .await
        .unwrap();
    let older = store
        .complete_claim_with_write(KEY, "b", "M-9", &asset, &write(100, "v1"))
        .await
        .unwrap();

    assert_eq!(first, (true, Recorded::Applied));
    assert!(!older.0, "b never held the claim");
    assert!(matches!(&older.1, Recorded::Stale { current } if current.fingerprint == "v2"));
    assert_eq!(
        store
            .claim(KEY, "c", Duration::from_secs(60))
            .await
            .unwrap(),
        Claim::Done {
            target_id: "M-1".into()
        }
    );
    assert_eq!(
        store.ledger(&asset).await.unwrap().unwrap().fingerprint,
        "v2"
    );
    // The ledger write stands on its own: made even when the claim is not ours.
    let newer = store
        .complete_claim_with_write(KEY, "b", "M-9", &asset, &write(300, "v3"))
        .await
        .unwrap();
    assert_eq!(newer, (false, Recorded::Applied));
    assert_eq!(
        store.ledger(&asset).await.unwrap().unwrap().fingerprint,
        "v3"
    );
}
