//! DESIGN §10: the metric names docs/operations.md lists are the ones the binaries serve
//! (each binary as its own process, so its `/metrics` holds its own families only), and a
//! flow's operations listener serves health, readiness and metrics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use assetrelay_contract::{Flow, Platform};
use assetrelay_e2e::metrics::documented_metrics;
use assetrelay_e2e::webhooks::{send_signed, send_signed_with};
use assetrelay_e2e::{Options, Stack, json};

/// Who serves a family, as the table's *Served by* column names them.
fn binaries_of(role: &str) -> Vec<String> {
    match role {
        "ingress" => vec!["assetrelay-ingress".into()],
        "sources" => vec!["assetrelay-sources".into()],
        "flows" => Flow::ALL
            .iter()
            .map(|f| format!("assetrelay-{}", f.as_str()))
            .collect(),
        other => panic!("docs/operations.md names an unknown server `{other}`"),
    }
}

#[tokio::test]
async fn the_documented_metric_families_are_exactly_those_the_binaries_serve() {
    // Only the binaries consume; the in-process ingress carries the sandbox's webhooks.
    let stack = Stack::start(Options {
        flows: Vec::new(),
        ..Options::default()
    })
    .await;
    let c = &stack.control;
    let ingress = stack.spawn_ingress_binary().await;
    let mut processes = vec![("assetrelay-ingress".to_owned(), ingress)];
    for flow in Flow::ALL {
        let process = stack.spawn_flow_binary(flow).await;
        stack.wait_for_consumers(flow, 1).await;
        processes.push((format!("assetrelay-{}", flow.as_str()), process));
    }
    let sources = stack.spawn_sources_binary().await;
    processes.push(("assetrelay-sources".to_owned(), sources));

    // Traffic through every flow: a media item (to-smint), a license (to-photoshelter),
    // and archiving the media item (lifecycle).
    let media = c
        .create_media(json!({"file_name": "m.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack.smint_asset_appears(&media).await;
    let license = c
        .license(json!({"action": "create", "name": "Measured"}))
        .await
        .unwrap();
    stack
        .wait_for(
            "the license distributed",
            Duration::from_secs(30),
            || async { stack.distributed_copies(&license).await.into_iter().next() },
        )
        .await;
    c.patch_media(&media, json!({"archived": true}))
        .await
        .unwrap();
    stack
        .wait_for(
            "archived media out of Smint.io",
            Duration::from_secs(30),
            || async { c.smint_asset(&media).await.unwrap().is_none().then_some(()) },
        )
        .await;
    // …and through the ingress binary: one webhook accepted, one refused signature.
    let ingress_url = format!("http://{}", processes[0].1.ops);
    let created = stack
        .sandbox_webhooks()
        .await
        .into_iter()
        .find(|d| d["event"] == "media.created")
        .unwrap();
    let accepted = send_signed(
        &ingress_url,
        Platform::PhotoShelter,
        &created["payload"],
        &[],
    )
    .await;
    assert_eq!(accepted.status(), 202);
    // Signed with a key the demo connection does not accept.
    let forged = send_signed_with(
        "whsec_bm90IHRoZSBkZW1vIGNvbm5lY3Rpb24ncyBzZWNyZXQ=",
        &ingress_url,
        Platform::PhotoShelter,
        &created["payload"],
        &[],
    )
    .await;
    assert_eq!(forged.status(), 401);
    stack.settle(Duration::from_millis(300)).await;
    // The sources have polled, synced and reconciled (every 1, 5 and 2 s) by now.
    stack
        .wait_for(
            "a reconciliation of the sources binary",
            Duration::from_secs(20),
            || async {
                let scrape = processes.last()?.1.metrics().await;
                scrape
                    .families()
                    .contains("assetrelay_source_reconcile_drift_total")
                    .then_some(())
            },
        )
        .await;

    let mut served: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, process) in &processes {
        let families = process.metrics().await.families().clone();
        served.insert(name.clone(), families);
    }
    let documented = documented_metrics();
    let mut problems = Vec::new();
    for metric in &documented {
        for role in &metric.served_by {
            for binary in binaries_of(role) {
                if !served[&binary].contains(&metric.family) {
                    problems.push(format!("{binary} does not serve {}", metric.family));
                }
            }
        }
    }
    for (binary, families) in &served {
        for family in families.iter().filter(|f| f.starts_with("assetrelay_")) {
            let listed = documented.iter().find(|m| &m.family == family);
            let by_it = listed.is_some_and(|m| {
                m.served_by
                    .iter()
                    .any(|role| binaries_of(role).contains(binary))
            });
            if !by_it {
                problems.push(format!(
                    "{binary} serves {family}, which docs/operations.md does not list for it"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/operations.md and the binaries disagree:\n{}\nserved: {served:#?}",
        problems.join("\n")
    );
    for (_, mut process) in processes {
        process.kill_9().await;
    }
    stack.stop().await;
}

#[tokio::test]
async fn each_flow_binary_serves_health_readiness_and_metrics() {
    let options = Options {
        flows: vec![
            (assetrelay_contract::Flow::Lifecycle, 1),
            (assetrelay_contract::Flow::ToPhotoshelter, 1),
        ],
        ..Options::default()
    };
    let mut stack = Stack::start(options).await;
    let ops = stack
        .add_flow_with_ops(assetrelay_contract::Flow::ToSmint)
        .await;
    let id = stack
        .control
        .create_media(json!({"file_name": "m.jpg", "galleries": [stack.galleries.approved]}))
        .await
        .unwrap();
    stack.smint_asset_appears(&id).await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("http://{ops}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        http.get(format!("http://{ops}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = http
        .get(format!("http://{ops}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "assetrelay_flow_messages_total{flow=\"to-smint\",connection=\"demo\",outcome=\"ok\"}",
        "assetrelay_flow_handler_seconds_bucket{flow=\"to-smint\"",
        "assetrelay_flow_in_flight{flow=\"to-smint\"}",
        "assetrelay_platform_call_seconds_bucket{platform=\"smintio\",operation=\"push_changes\",status=\"ok\"",
        "assetrelay_platform_call_seconds_bucket{platform=\"photoshelter\",operation=\"media\",status=\"ok\"",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in:\n{metrics}");
    }
    stack.stop().await;
}
