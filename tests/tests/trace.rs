//! "What happened to asset X", end to end (issue 10): the outcome history and
//! `assetrelay trace` (the real binary, reading the store alone) show an event that was
//! retried then written, and one that was parked then re-driven, with the platform call,
//! its status and the retry tier.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, SMINTIO_ADAPTER, Stack, Value, json};

#[tokio::test]
async fn the_history_shows_a_retried_then_written_event_and_a_parked_then_redriven_one() {
    use assetrelay_store::Decision::{Parked, Replayed, Retried, Written};
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;

    // Retried, then written: the adapter fails with 503 until the first retry is seen.
    stack.fault(json!({"surface": "smintio", "endpoint": SMINTIO_ADAPTER, "error_rate": 1.0, "error_status": 503}),
    )
    .await;
    let retried = c
        .create_media(json!({"file_name": "retried.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack
        .wait_for("a retry recorded", Duration::from_secs(30), || async {
            stack
                .decisions(Flow::ToSmint, &retried)
                .await
                .iter()
                .any(|o| o.decision == Retried)
                .then_some(())
        })
        .await;
    stack.no_faults().await;
    stack.smint_asset_appears(&retried).await;
    stack.settle(Duration::from_millis(300)).await;
    let timeline = stack.decisions(Flow::ToSmint, &retried).await;
    let first_retry = timeline.iter().position(|o| o.decision == Retried).unwrap();
    let retry = &timeline[first_retry];
    assert_eq!(retry.target_call.as_deref(), Some("smintio.push_changes"));
    assert_eq!(retry.target_status.as_deref(), Some("503"));
    assert!(retry.tier.is_some(), "the retry names its tier: {retry:?}");
    assert!(
        timeline[first_retry..]
            .iter()
            .any(|o| o.decision == Written),
        "written after the retry: {timeline:?}"
    );

    // Parked (the adapter refuses with 400), then re-driven once the adapter accepts.
    stack.fault(json!({"surface": "smintio", "endpoint": SMINTIO_ADAPTER, "error_rate": 1.0, "error_status": 400}),
    )
    .await;
    let parked = c
        .create_media(json!({"file_name": "parked.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack
        .wait_for("the parking recorded", Duration::from_secs(30), || async {
            stack
                .decisions(Flow::ToSmint, &parked)
                .await
                .iter()
                .any(|o| o.decision == Parked)
                .then_some(())
        })
        .await;
    stack.no_faults().await;
    let broker = assetrelay_broker::Broker::start(
        assetrelay_broker::BrokerSettings::from_config(&stack.config.broker, "e2e-redrive"),
        None,
    );
    assert!(broker.wait_ready(Duration::from_secs(10)).await);
    let publisher = assetrelay_broker::Publisher::new(broker.clone(), 1, Duration::from_secs(5));
    let filter = assetrelay_ops::parked::ParkedFilter {
        all: true,
        ..Default::default()
    };
    let moved = assetrelay_ops::parked::replay(
        &broker,
        &publisher,
        &stack.topology,
        Flow::ToSmint,
        &filter,
    )
    .await
    .unwrap();
    assert!(moved.moved >= 1, "{moved:?}");
    broker.close().await;
    stack.smint_asset_appears(&parked).await;
    stack.settle(Duration::from_millis(300)).await;

    let timeline: Vec<_> = stack
        .decisions(Flow::ToSmint, &parked)
        .await
        .iter()
        .map(|o| o.decision)
        .collect();
    let parked_at = timeline.iter().position(|d| *d == Parked).unwrap();
    assert_eq!(
        &timeline[parked_at..],
        [Parked, Replayed, Written],
        "whole timeline: {timeline:?}"
    );

    // `assetrelay trace`, the real binary, answers the same from the store alone.
    let retried_trace = trace(&stack, &retried).await;
    let steps: Vec<Value> = retried_trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["flows"].as_array().unwrap().clone())
        .filter(|f| f["flow"] == "to-smint")
        .flat_map(|f| f["decisions"].as_array().unwrap().clone())
        .collect();
    let first_retry = steps
        .iter()
        .position(|s| s["decision"] == "retried")
        .unwrap_or_else(|| panic!("no retry in the trace: {retried_trace:#}"));
    assert_eq!(steps[first_retry]["target_status"], "503");
    assert!(steps[first_retry]["retry_tier_secs"].is_i64());
    assert!(
        steps[first_retry..]
            .iter()
            .any(|s| s["decision"] == "written"),
        "{retried_trace:#}"
    );
    let parked_trace = trace(&stack, &parked).await;
    // The parked event's own decisions: parked, re-driven (replayed), written.
    let names: Vec<String> = parked_trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["flows"].as_array().unwrap().clone())
        .filter(|f| f["flow"] == "to-smint")
        .map(|f| {
            f["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["decision"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .find(|names| names.iter().any(|d| d == "parked"))
        .unwrap_or_else(|| panic!("no parked event in the trace: {parked_trace:#}"));
    let parked_at = names.iter().position(|d| d == "parked").unwrap();
    assert_eq!(
        &names[parked_at..],
        ["parked", "replayed", "written"],
        "{parked_trace:#}"
    );
    let ledger = parked_trace["ledger"].as_array().unwrap();
    assert!(
        ledger
            .iter()
            .any(|row| row["flow"] == "to-smint" && row["last_outcome"] == "written"),
        "the ledger row of the written asset: {parked_trace:#}"
    );
    stack.stop().await;
}

/// `assetrelay trace photoshelter/<media> --connection demo --json`, parsed.
async fn trace(stack: &Stack, media: &str) -> Value {
    let asset = format!("photoshelter/{media}");
    let (ok, out) = stack
        .run_cli(&["trace", &asset, "--connection", "demo", "--json"])
        .await;
    assert!(ok, "assetrelay trace failed: {out}");
    let timeline: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(timeline["found"], true, "{timeline:#}");
    timeline
}
