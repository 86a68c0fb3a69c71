//! Issue 12 item 7: connections change without a restart. A reloaded configuration is
//! applied to the running ingress; one whose connections cannot be built is refused and
//! the running set stays.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;

const CLIENT_B_SECRET: &str = "whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==";

const CLIENT_B: &[(&str, &str)] = &[
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==\"]",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=\"]",
    ),
];

async fn post_client_b(app: &TestApp, id: &str) -> reqwest::StatusCode {
    let body = ps_body(id, "media.updated");
    let headers = sign(CLIENT_B_SECRET, id, now(), body.as_bytes());
    app.post("/webhooks/photoshelter/client_b", &body, &headers)
        .await
        .status()
}

async fn until_status(app: &TestApp, want: u16, what: &str) {
    for attempt in 0.. {
        let status = post_client_b(app, &format!("d-{want}-{attempt}")).await;
        if status == want {
            return;
        }
        assert!(attempt < 100, "{what}: still {status} after 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn reloads(outcome: &str) -> u64 {
    let text = assetrelay_telemetry::render_metrics();
    let line = format!("assetrelay_config_reloads_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn a_connection_added_removed_or_broken_by_a_reload() {
    let _ = assetrelay_telemetry::metrics_handle();
    let demo_only = test_config(&[]);
    let mut with_b = demo_only.clone();
    let b = test_config(CLIENT_B).connections["client_b"].clone();
    with_b.connections.insert("client_b".into(), b.clone());
    let (app, reload) = TestApp::spawn_reloading(demo_only.clone()).await;

    assert_eq!(post_client_b(&app, "before").await, 404);

    reload.send(Arc::new(with_b.clone())).unwrap();
    until_status(&app, 202, "client_b added").await;
    assert_eq!(
        app.post_signed("photoshelter", &ps_body("demo-1", "media.updated"))
            .await
            .status(),
        202,
        "demo goes on"
    );

    // A connection name the ingress cannot serve: the whole reload is refused and the
    // running connections stay, client_b included.
    let refused_before = reloads("refused");
    let mut broken = with_b.clone();
    broken.connections.insert("Not A Name".into(), b);
    reload.send(Arc::new(broken)).unwrap();
    for _ in 0..100 {
        if reloads("refused") > refused_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(reloads("refused"), refused_before + 1);
    assert_eq!(post_client_b(&app, "after-refused").await, 202);

    reload.send(Arc::new(demo_only)).unwrap();
    until_status(&app, 404, "client_b removed").await;
    assert!(reloads("applied") >= 2);
    app.stop().await;
}
