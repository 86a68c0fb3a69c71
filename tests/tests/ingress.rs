//! Webhooks end to end: a refused event reaches no queue while the others still flow, and
//! a webhook's trace context reaches the platform writes it causes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Publisher};
use assetrelay_contract::{Flow, Platform, header};
use assetrelay_e2e::{Options, Stack, Value, json};
use assetrelay_ops::replay::{ReplayRequest, replay};

/// A Smint.io `asset.updated` webhook, as a relay of Smint.io's would send it.
fn smintio_asset_updated(id: &str) -> Value {
    json!({
        "id": id,
        "event": "asset.updated",
        "occurred_at": chrono::Utc::now().to_rfc3339(),
        "tenant_id": "devtenant",
        "asset_id": "A-42",
    })
}

/// How many events the archive stream holds, read for real (a dry-run replay).
async fn archived_events(stack: &Stack) -> u64 {
    let broker = Broker::start(
        BrokerSettings::from_config(&stack.config.broker, "e2e-archive"),
        None,
    );
    assert!(broker.wait_ready(Duration::from_secs(10)).await);
    let publisher = Publisher::new(broker.clone(), 1, Duration::from_secs(5));
    let mut request = ReplayRequest::new(
        chrono::Utc::now() - chrono::Duration::hours(1),
        Flow::ToSmint,
    );
    request.dry_run = true;
    let summary = replay(&broker, &publisher, &stack.topology, &request, &|_| {})
        .await
        .unwrap();
    broker.close().await;
    summary.read
}

#[tokio::test]
async fn a_smintio_asset_webhook_is_refused_as_unsupported_and_the_other_webhooks_still_flow() {
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;

    // Signed as the sandbox signs, sent by the test to read the answer…
    let answer = stack
        .send_webhook(
            Platform::Smintio,
            &smintio_asset_updated("evt_asset_1"),
            &[],
        )
        .await;
    assert_eq!(answer.status(), 422);
    assert_eq!(
        answer.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem: Value = answer.json().await.unwrap();
    assert_eq!(problem["type"], "urn:assetrelay:problem:unsupported_event");
    // …and by the sandbox itself: refused once, never retried.
    let emitted = c
        .call(
            reqwest::Method::POST,
            "/_sandbox/webhooks",
            Some(json!({"platform": "smintio", "payload": smintio_asset_updated("evt_asset_2")})),
        )
        .await
        .unwrap();
    let delivery = stack
        .wait_for(
            "the sandbox's delivery done",
            Duration::from_secs(10),
            || async {
                stack
                    .sandbox_webhooks()
                    .await
                    .into_iter()
                    .find(|d| d["id"] == emitted["id"] && d["status"] != "pending")
            },
        )
        .await;
    assert_eq!(delivery["status"], "rejected", "{delivery}");
    let statuses: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(422)]);

    // Nothing in any queue, nor in the archive.
    stack.settle(Duration::from_millis(300)).await;
    for queue in stack.topology.queue_names() {
        if queue != stack.topology.archive_stream() {
            assert_eq!(stack.queue_stats(&queue).await.unwrap().0, 0, "{queue}");
        }
    }
    assert_eq!(
        archived_events(&stack).await,
        0,
        "a refused event was archived"
    );

    // The sandbox's other webhooks, of both platforms, still flow.
    let media = c
        .create_media(json!({"file_name": "after.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    let license = c
        .license(json!({"action": "create", "name": "After the refusal"}))
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    stack
        .wait_for(
            "the license distributed",
            Duration::from_secs(30),
            || async { stack.distributed_copies(&license).await.into_iter().next() },
        )
        .await;
    // The archive count above was a real look: these events are in it.
    assert!(archived_events(&stack).await >= 2);
    stack.stop().await;
}

/// The trace id of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`).
fn trace_id(traceparent: &str) -> &str {
    traceparent.split('-').nth(1).unwrap_or_default()
}

/// The `traceparent` of every write in `surface`'s write log, logins left out (the test's
/// own readers log in too).
async fn traced_writes(stack: &Stack, surface: &str) -> Vec<(String, Option<String>)> {
    let writes = stack.control.writes(surface).await.unwrap();
    writes
        .iter()
        .filter(|w| !w["path"].as_str().unwrap_or("").ends_with("/authenticate"))
        .map(|w| {
            (
                format!(
                    "{} {}",
                    w["method"].as_str().unwrap_or_default(),
                    w["path"].as_str().unwrap_or_default()
                ),
                w["traceparent"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_webhooks_trace_context_reaches_the_platform_writes_it_causes() {
    // The sandbox's own webhooks go nowhere: the test sends them, each with a trace.
    let stack = Stack::start(Options {
        sandbox_webhooks: false,
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let media = c
        .create_media(json!({"file_name": "traced.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    let license = c
        .license(json!({"action": "create", "name": "Traced"}))
        .await
        .unwrap();
    stack.settle(Duration::from_millis(300)).await;
    let media_trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let license_trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    for delivery in stack.sandbox_webhooks().await {
        let trace = match delivery["platform"].as_str() {
            Some("photoshelter") => media_trace,
            _ => license_trace,
        };
        stack
            .resend_webhook(&delivery, &[(header::TRACEPARENT, trace)])
            .await;
    }
    stack.smint_asset_appears(&media).await;
    stack
        .wait_for(
            "the license distributed",
            Duration::from_secs(30),
            || async { stack.distributed_copies(&license).await.into_iter().next() },
        )
        .await;
    stack.settle(Duration::from_millis(300)).await;

    for (surface, trace) in [("smintio", media_trace), ("photoshelter", license_trace)] {
        let writes = traced_writes(&stack, surface).await;
        assert!(!writes.is_empty(), "no {surface} writes");
        assert!(
            writes
                .iter()
                .all(|(_, t)| t.as_deref().map(trace_id) == Some(trace_id(trace))),
            "{surface} writes without the webhook's trace id {}: {writes:?}",
            trace_id(trace)
        );
    }
    stack.stop().await;
}
