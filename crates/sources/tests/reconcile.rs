#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! The reconciliation against the sandbox, RabbitMQ and a real store: an item the ledger
//! says is exposed in Smint.io but PhotoShelter deleted becomes an `asset.deleted` event,
//! one whose expiry passed an `asset.expired`, one the rules no longer approve an event
//! for the flow that removes it; a removed or still-approved item does not; a dry run
//! publishes nothing.

mod support;

use assetrelay_config::{ConnectionRules, MediaMatch};
use assetrelay_contract::{CloudEvent, EventType};
use assetrelay_sources::photoshelter::reconcile::{Reconciler, Revoked};
use assetrelay_store::{AssetKey, LedgerWrite, SourceVersion};
use assetrelay_testkit::{TestBed, topology};
use serde_json::{Value, json};
use support::*;

/// What to-smint records after pushing `media_id` (or, with `removed`, deleting it).
async fn recorded_in_smintio(store: &assetrelay_store::Store, media_id: &str, removed: bool) {
    let key = AssetKey::new(CONNECTION, "to-smint", "photoshelter", media_id);
    let write = LedgerWrite {
        target_ids: vec![media_id.to_owned()],
        fingerprint: if removed { "deleted" } else { "f1" }.to_owned(),
        source: SourceVersion {
            modified_ms: 1,
            read_ms: 1,
        },
        outcome: "written".into(),
    };
    store.record_write(&key, &write).await.unwrap();
}

async fn delete_media(sandbox: &assetrelay_sandbox::RunningSandbox, id: &str) {
    patch_media(sandbox, id, json!({"deleted": true})).await;
}

async fn patch_media(sandbox: &assetrelay_sandbox::RunningSandbox, id: &str, patch: Value) {
    let url = format!("{}/_sandbox/photoshelter/media/{id}", sandbox.base_url);
    reqwest::Client::new()
        .patch(url)
        .json(&patch)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn an_exposed_item_deleted_from_photoshelter_becomes_one_deleted_event() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-reconcile")).await;
    let (store, place) = postgres_store().await;
    let kept = create_media(&sandbox).await;
    let deleted = create_media(&sandbox).await;
    let removed_earlier = create_media(&sandbox).await;
    for id in [&kept, &deleted] {
        recorded_in_smintio(&store, id, false).await;
    }
    recorded_in_smintio(&store, &removed_earlier, true).await;
    delete_media(&sandbox, &deleted).await;
    delete_media(&sandbox, &removed_earlier).await;
    let reconciler = Reconciler::new(
        context(&sandbox, &bed.topology, &store, 2).await,
        ConnectionRules::default(),
    );

    // Rules approving nothing would call `kept` revoked; this test is about deletion.
    let reconciler = Reconciler {
        rules: std::sync::Arc::new(approving("approved")),
        ..reconciler
    };
    patch_media(&sandbox, &kept, json!({"iptc": {"keywords": ["approved"]}})).await;

    let dry = reconciler.reconcile_once(true).await.unwrap();
    assert_eq!((dry.exposed, dry.listed), (2, 1));
    assert!(dry.expired.is_empty() && dry.revoked.is_empty(), "{dry:?}");
    assert_eq!(dry.deleted, std::slice::from_ref(&deleted));
    assert_eq!(dry.published, 0);
    assert!(events(&bed).await.is_empty(), "a dry run publishes nothing");

    let report = reconciler.reconcile_once(false).await.unwrap();
    let published = events(&bed).await;

    assert_eq!(report.published, 1);
    assert_eq!(subjects(&published), std::slice::from_ref(&deleted));
    assert_eq!(published[0].event_type, EventType::AssetDeleted);
    assert_eq!(published[0].data.hint["source"], "photoshelter.reconcile");
    // Until to-smint acts, a second reconciliation says the same, under the same id.
    reconciler.reconcile_once(false).await.unwrap();
    assert_eq!(ids(&events(&bed).await), ids(&published));

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

fn approving(keyword: &str) -> ConnectionRules {
    ConnectionRules {
        approval: MediaMatch {
            keywords: vec![keyword.to_owned()],
            ..MediaMatch::default()
        },
        ..ConnectionRules::default()
    }
}

#[tokio::test]
async fn an_exposed_item_expired_or_no_longer_approved_becomes_one_event_for_its_flow() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-reconcile-rules")).await;
    let lifecycle = bed
        .topology
        .work_queue(assetrelay_contract::Flow::Lifecycle);
    let (store, place) = sqlite_store().await;
    let mut items = Vec::new();
    for _ in 0..4 {
        let id = create_media(&sandbox).await;
        patch_media(&sandbox, &id, json!({"iptc": {"keywords": ["approved"]}})).await;
        recorded_in_smintio(&store, &id, false).await;
        items.push(id);
    }
    let (approved, expired, unapproved, archived) = (&items[0], &items[1], &items[2], &items[3]);
    patch_media(
        &sandbox,
        expired,
        json!({"license_expiration_date": "2020-01-31"}),
    )
    .await;
    patch_media(
        &sandbox,
        unapproved,
        json!({"iptc": {"keywords": ["draft"]}}),
    )
    .await;
    patch_media(&sandbox, archived, json!({"archived": true})).await;
    let reconciler = Reconciler::new(
        context(&sandbox, &bed.topology, &store, 3).await,
        approving("approved"),
    );

    let dry = reconciler.reconcile_once(true).await.unwrap();
    assert_eq!((dry.exposed, dry.listed), (4, 4));
    assert!(dry.deleted.is_empty(), "{dry:?}");
    assert_eq!(dry.expired, std::slice::from_ref(expired));
    let mut revoked = vec![
        Revoked {
            media_id: unapproved.clone(),
            reason: "not_approved",
        },
        Revoked {
            media_id: archived.clone(),
            reason: "archived",
        },
    ];
    revoked.sort_by(|a, b| a.media_id.cmp(&b.media_id));
    assert_eq!(dry.revoked, revoked);
    assert_eq!(dry.published, 0);
    assert!(events(&bed).await.is_empty() && bed.drain_ids(&lifecycle).await.is_empty());

    let report = reconciler.reconcile_once(false).await.unwrap();
    assert_eq!(report.published, 3);
    let to_smint = events(&bed).await;
    let by_subject = |subject: &str| {
        to_smint
            .iter()
            .find(|e| e.subject.as_deref() == Some(subject))
            .unwrap_or_else(|| panic!("no event for {subject} in {to_smint:?}"))
    };
    // to-smint is bound to every asset event; lifecycle to the removals.
    assert_eq!(to_smint.len(), 3, "{to_smint:?}");
    assert_eq!(by_subject(expired).event_type, EventType::AssetExpired);
    assert_eq!(by_subject(unapproved).event_type, EventType::AssetUpdated);
    assert_eq!(by_subject(archived).event_type, EventType::AssetArchived);
    let removals: Vec<CloudEvent> = bed
        .drain(&lifecycle)
        .await
        .into_iter()
        .map(|t| serde_json::from_slice(&t.body).unwrap())
        .collect();
    assert_eq!(
        subjects(&removals),
        sorted(vec![expired.clone(), archived.clone()])
    );
    assert!(!subjects(&to_smint).contains(approved));

    // Nothing changed since: the same drift, under the same ids.
    reconciler.reconcile_once(false).await.unwrap();
    assert_eq!(ids(&events(&bed).await), ids(&to_smint));

    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn with_a_preview_refresh_interval_an_old_push_gets_an_updated_event() {
    let sandbox = sandbox().await;
    let bed = TestBed::declare(topology("sources-reconcile")).await;
    let (store, place) = sqlite_store().await;
    let exposed = create_media(&sandbox).await;
    patch_media(
        &sandbox,
        &exposed,
        json!({"iptc": {"keywords": ["approved"]}}),
    )
    .await;
    recorded_in_smintio(&store, &exposed, false).await;
    let mut rules = approving("approved");
    let reconciler = |rules: ConnectionRules| {
        let (sandbox, bed, store) = (&sandbox, &bed, &store);
        async move { Reconciler::new(context(sandbox, &bed.topology, store, 2).await, rules) }
    };

    // Without an interval the links are stable: nothing to do.
    let stable = reconciler(rules.clone())
        .await
        .reconcile_once(false)
        .await
        .unwrap();
    assert!(stable.previews_due.is_empty(), "{stable:?}");
    rules.previews.refresh_secs = 1;
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let due = reconciler(rules).await.reconcile_once(false).await.unwrap();

    assert_eq!(due.previews_due, std::slice::from_ref(&exposed));
    assert_eq!(due.drift(), 0, "not drift");
    let published = events(&bed).await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].event_type, EventType::AssetUpdated);
    assert_eq!(
        published[0].data.change["platform_event"],
        "media.previews_due"
    );
    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
