//! The sources as the real platforms need them: nothing but the Smint.io Pusher ping and
//! the PhotoShelter poll, under platform faults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_e2e::{Options, Stack, json};
use assetrelay_flows::shared::ps_copies::license_key;

/// Issue 11: with only the ping (no per-license webhook) and 10 % 5xx + 5 % 429 on both
/// platforms, 131 of 200 licenses never reached PhotoShelter. Now the sources read the
/// feed and store its position only after the events are confirmed.
#[tokio::test]
async fn with_only_the_ping_and_platform_faults_every_license_reaches_photoshelter_once() {
    const LICENSES: usize = 40;
    let stack = Stack::start(Options {
        env: vec![("ASSETRELAY_FLOWS__MAX_RETRIES", "50")],
        ..Options::polling_only()
    })
    .await;
    let c = &stack.control;
    for surface in ["smintio", "photoshelter"] {
        c.call(
            reqwest::Method::POST,
            "/_sandbox/faults",
            Some(
                json!({"surface": surface, "error_rate": 0.10, "error_status": 503,
                        "rate_limit_rate": 0.05, "retry_after_secs": 1}),
            ),
        )
        .await
        .unwrap();
    }
    let mut licenses = Vec::new();
    for i in 0..LICENSES {
        let uuid = c
            .license(json!({"action": "create", "name": format!("Licensed {i}")}))
            .await
            .unwrap();
        licenses.push(uuid);
    }

    // The ledger (not the faulty platform) says when each license has its copy.
    stack
        .wait_for(
            "every license recorded with a copy",
            Duration::from_secs(180),
            || async {
                for uuid in &licenses {
                    let row = stack
                        .store
                        .ledger(&license_key("demo", uuid))
                        .await
                        .ok()??;
                    row.target_ids
                        .iter()
                        .any(|t| t.starts_with('v'))
                        .then_some(())?;
                }
                Some(())
            },
        )
        .await;
    c.call(reqwest::Method::DELETE, "/_sandbox/faults", None)
        .await
        .unwrap();
    stack.settle(Duration::from_millis(1_000)).await;

    for uuid in &licenses {
        let copies = stack.distributed_copies(uuid).await;
        assert_eq!(copies.len(), 1, "license {uuid}: {copies:?}");
    }
    let parked = stack
        .drain(&stack.topology.parked_queue(Flow::ToPhotoshelter))
        .await;
    assert!(parked.is_empty(), "parked: {parked:?}");
    stack.stop().await;
}
