//! The harness's own promises, which every "nothing else happened" assertion rests on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, Stack, json};

#[tokio::test]
async fn settle_waits_for_a_delivery_a_flow_is_still_handling() {
    let stack = Stack::start(Options::default()).await;
    let c = &stack.control;
    // Each push takes 2 s: long after the work queue has given the event to the flow.
    c.call(
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(
            json!({"surface": "smintio", "endpoint": "/portals/data-adapter/webhook",
                    "latency_ms": 2000}),
        ),
    )
    .await
    .unwrap();
    let media = c
        .create_media(json!({"file_name": "slow.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack
        .wait_for(
            "the event taken from the work queue",
            Duration::from_secs(10),
            || async {
                let delivered = c
                    .get("/_sandbox/webhooks?status=delivered")
                    .await
                    .ok()?
                    .as_array()?
                    .len();
                let queue = stack.topology.work_queue(Flow::ToSmint);
                let ready = stack.queue_stats(&queue).await.ok()?.0;
                (delivered == 1 && ready == 0).then_some(())
            },
        )
        .await;

    stack.settle(Duration::from_millis(500)).await;

    assert!(
        c.smint_asset(&media).await.unwrap().is_some(),
        "settled while the flow was still writing"
    );
    stack.stop().await;
}
