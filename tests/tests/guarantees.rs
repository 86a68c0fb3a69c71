//! DESIGN §6 delivery rules, end to end: redelivery, transient and permanent target
//! failures, echo suppression and competing replicas. Real consumer processes (SIGTERM,
//! SIGKILL) are in `processes.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::{CloudEvent, EventType, Flow, Normalized, Platform, header};
use assetrelay_e2e::{Options, Stack, Value, json};

fn event(platform: Platform, event_type: EventType, subject: &str, delivery: &str) -> CloudEvent {
    CloudEvent::from_normalized(
        platform,
        "demo",
        Normalized {
            delivery_id: delivery.into(),
            event_type,
            subject: Some(subject.into()),
            occurred_at: chrono::Utc::now(),
            change: serde_json::Map::new(),
        },
        assetrelay_contract::new_traceparent(),
    )
}

/// PhotoShelter writes other than logins (the test's own reads log in too).
async fn ps_changes(stack: &Stack) -> Vec<Value> {
    let writes = stack.control.writes("photoshelter").await.unwrap();
    writes
        .into_iter()
        .filter(|w| !w["path"].as_str().unwrap_or("").ends_with("/authenticate"))
        .collect()
}

fn updates(asset: &Value) -> u64 {
    asset["updates"].as_u64().unwrap()
}

#[tokio::test]
async fn a_redelivered_event_has_no_second_effect() {
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;
    let media = c
        .create_media(json!({"file_name": "once.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    assert_eq!(updates(&stack.smint_asset_appears(&media).await), 1);
    let license = c
        .license(json!({"action": "create", "name": "Once"}))
        .await
        .unwrap();
    stack
        .wait_for("license distributed", Duration::from_secs(30), || async {
            stack.distributed_copies(&license).await.into_iter().next()
        })
        .await;
    stack.settle(Duration::from_millis(300)).await;
    let ps_writes = ps_changes(&stack).await.len();

    // The same events again, twice, as a broker redelivery or a replay brings them.
    let again = event(
        Platform::PhotoShelter,
        EventType::AssetUpdated,
        &media,
        "redelivered-1",
    );
    let license_again = event(
        Platform::Smintio,
        EventType::LicensePurchased,
        &license,
        "redelivered-2",
    );
    for _ in 0..2 {
        stack.publish_to_flow(Flow::ToSmint, &again).await;
        stack
            .publish_to_flow(Flow::ToPhotoshelter, &license_again)
            .await;
    }
    stack.settle(Duration::from_millis(500)).await;

    assert_eq!(
        updates(&c.smint_asset(&media).await.unwrap().unwrap()),
        1,
        "Smint.io asset written again"
    );
    assert_eq!(
        stack.distributed_copies(&license).await.len(),
        1,
        "a second copy was uploaded"
    );
    let writes = ps_changes(&stack).await;
    assert_eq!(
        writes.len(),
        ps_writes,
        "PhotoShelter written again: {:?}",
        &writes[ps_writes.min(writes.len())..]
    );
    stack.stop().await;
}

#[tokio::test]
async fn transient_target_faults_are_retried_until_success() {
    // Retries enough that the event is still being retried while the test looks.
    let stack = Stack::start(Options {
        env: vec![("ASSETRELAY_FLOWS__MAX_RETRIES", "50")],
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let adapter = "/portals/data-adapter/webhook";
    c.call(reqwest::Method::POST, "/_sandbox/faults",
        Some(json!({"surface": "smintio", "endpoint": adapter, "error_rate": 1.0, "error_status": 503})))
        .await
        .unwrap();
    let media = c
        .create_media(json!({"file_name": "retry.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    // The first attempt fails and waits in a retry tier.
    let tiers: Vec<String> = stack
        .topology
        .retry_tiers_secs
        .iter()
        .map(|&t| stack.topology.retry_queue(Flow::ToSmint, t))
        .collect();
    stack
        .wait_for(
            "a message in a to-smint retry tier",
            Duration::from_secs(10),
            || async {
                let tier = stack.topology.retry_queue(Flow::ToSmint, 1);
                stack
                    .queue_stats(&tier)
                    .await
                    .ok()
                    .filter(|s| s.0 > 0)
                    .map(|_| ())
            },
        )
        .await;
    // Then rate limited: a retry copy is published per failed attempt, so the third one
    // is from an attempt the 429 answered (the second could, at worst, still have met the
    // 503 had it left the tier just as the rule changed).
    c.call(reqwest::Method::POST, "/_sandbox/faults",
        Some(json!({"surface": "smintio", "endpoint": adapter, "rate_limit_rate": 1.0, "retry_after_secs": 1})))
        .await
        .unwrap();
    stack
        .wait_for(
            "three retries of the event",
            Duration::from_secs(30),
            || async {
                let mut retries = 0;
                for tier in &tiers {
                    retries += stack.queue_sample(tier).await.published;
                }
                (retries >= 3).then_some(())
            },
        )
        .await;
    assert!(c.smint_asset(&media).await.unwrap().is_none());
    // …then the adapter recovers and the retried event lands.
    c.call(reqwest::Method::DELETE, "/_sandbox/faults", None)
        .await
        .unwrap();
    let asset = stack.smint_asset_appears(&media).await;
    assert_eq!(updates(&asset), 1);
    let parked = stack
        .drain(&stack.topology.parked_queue(Flow::ToSmint))
        .await;
    assert!(parked.is_empty(), "parked: {parked:?}");
    stack.stop().await;
}

#[tokio::test]
async fn a_permanent_rejection_is_parked_with_its_reason() {
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;
    c.call(reqwest::Method::POST, "/_sandbox/faults",
        Some(json!({"surface": "smintio", "endpoint": "/portals/data-adapter/webhook", "error_rate": 1.0, "error_status": 400})))
        .await
        .unwrap();
    let media = c
        .create_media(json!({"file_name": "refused.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    let parked_queue = stack.topology.parked_queue(Flow::ToSmint);
    let parked = stack
        .wait_for(
            "the event in to-smint.parked",
            Duration::from_secs(20),
            || async {
                let messages = stack.drain(&parked_queue).await;
                (!messages.is_empty()).then_some(messages)
            },
        )
        .await;
    assert_eq!(parked.len(), 1);
    let (headers, body) = &parked[0];
    assert_eq!(body["subject"], json!(media));
    assert_eq!(headers[header::ERROR], "smintio_400");
    assert_eq!(headers[header::STATUS], "400");
    assert_eq!(headers[header::FLOW], "to-smint");
    assert_eq!(headers[header::ATTEMPTS], "1");
    assert!(headers[header::ERROR_DETAIL].contains("400"), "{headers:?}");
    assert!(headers.contains_key(header::FIRST_SEEN));
    assert!(!headers[header::ERROR_DETAIL].contains("dev-adapter-secret"));
    stack.stop().await;
}

#[tokio::test]
async fn a_bidirectional_change_stops_after_one_round_trip() {
    // The distribution gallery is also approved for Smint.io: without echo suppression a
    // license would travel Smint.io → PhotoShelter → Smint.io → … forever.
    let stack = Stack::start(Options {
        rules: |rules, g| {
            assetrelay_e2e::default_rules(rules, g);
            rules.approval.galleries.push(g.distribution.clone());
        },
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let license = c
        .license(json!({"action": "create", "name": "Round trip"}))
        .await
        .unwrap();
    let copy = stack
        .wait_for("license distributed", Duration::from_secs(30), || async {
            stack.distributed_copies(&license).await.into_iter().next()
        })
        .await;
    let copy_id = copy["id"].as_str().unwrap().to_owned();
    c.patch_media(&copy_id, json!({"rating": 4})).await.unwrap();
    stack.settle(Duration::from_millis(500)).await;
    let ps_writes = ps_changes(&stack).await.len();
    let smint_writes = c.writes("smintio").await.unwrap().len();
    let webhooks = c
        .get("/_sandbox/webhooks")
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .len();

    // Settled again: anything the round trip still had scheduled (a retry, an expiry)
    // has run, and changed nothing.
    stack.settle(Duration::from_millis(300)).await;
    assert!(
        c.smint_asset(&copy_id).await.unwrap().is_none(),
        "the copy was echoed back to Smint.io"
    );
    assert_eq!(c.writes("smintio").await.unwrap().len(), smint_writes);
    assert_eq!(
        ps_changes(&stack).await.len(),
        ps_writes,
        "writes keep bouncing"
    );
    assert_eq!(
        c.get("/_sandbox/webhooks")
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        webhooks
    );
    stack.stop().await;
}

#[tokio::test]
async fn two_replicas_apply_each_event_exactly_once_in_effect() {
    let options = Options {
        flows: vec![
            (Flow::ToSmint, 2),
            (Flow::Lifecycle, 1),
            (Flow::ToPhotoshelter, 1),
        ],
        ..Options::default()
    };
    let stack = Stack::start(options).await;
    let c = &stack.control;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(
            c.create_media(json!({"file_name": format!("batch-{i}.jpg"), "galleries": [stack.galleries.approved]}))
                .await
                .unwrap(),
        );
    }
    for id in &ids {
        stack.smint_asset_appears(id).await;
    }
    stack.settle(Duration::from_millis(500)).await;
    for id in &ids {
        assert_eq!(
            updates(&c.smint_asset(id).await.unwrap().unwrap()),
            1,
            "{id} written more than once"
        );
    }
    let changes = c.get("/_sandbox/smintio/changes").await.unwrap();
    assert_eq!(changes.as_array().unwrap().len(), ids.len());
    assert_eq!(
        stack
            .consumers(&stack.topology.work_queue(Flow::ToSmint))
            .await
            .unwrap(),
        2
    );
    stack.stop().await;
}

#[tokio::test]
async fn two_replicas_racing_on_one_asset_leave_its_newest_state_in_smintio() {
    let options = Options {
        flows: vec![
            (Flow::ToSmint, 2),
            (Flow::Lifecycle, 1),
            (Flow::ToPhotoshelter, 1),
        ],
        ..Options::default()
    };
    let stack = Stack::start(options).await;
    let c = &stack.control;
    let media = c
        .create_media(
            json!({"file_name": "raced.jpg", "galleries": [stack.galleries.approved],
                             "iptc": {"title": "Version 0"}}),
        )
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    stack.settle(Duration::from_millis(300)).await;

    // Two changes back to back: two webhooks, which the two replicas may take one each.
    for title in ["Version 1", "Version 2"] {
        c.patch_media(&media, json!({"iptc": {"title": title}}))
            .await
            .unwrap();
    }
    stack.settle(Duration::from_millis(500)).await;

    let asset = c.smint_asset(&media).await.unwrap().unwrap();
    let changes = c.get("/_sandbox/smintio/changes").await.unwrap();
    let written: Vec<&Value> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|ch| ch.pointer("/asset_data_object/Name/x-default"))
        .collect();
    assert_eq!(
        asset.pointer("/asset_data_object/Name/x-default"),
        Some(&json!("Version 2")),
        "a replica wrote older state over newer; titles in write order: {written:?}"
    );
    stack.stop().await;
}
