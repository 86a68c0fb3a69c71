//! DESIGN §10: the metric names docs/operations.md lists are the ones the binaries serve.
//! Each binary runs as its own process, so its `/metrics` holds its own families only.
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
