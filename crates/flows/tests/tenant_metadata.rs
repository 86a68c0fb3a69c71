//! The tenant's generic metadata as the flows hold it: read once per refresh interval, a
//! transient failure without a copy fails the delivery (retried), a failed refresh keeps
//! the copy held, and a tenant that refuses the call (4xx) gets keys, not a parked license.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use assetrelay_broker::consumer::FailureKind;
use assetrelay_mapping::{Labels, List};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use support::{CONNECTION, Harness};

const METADATA: &str = "/consumer/v1/sync/generic-metadata";

fn named(name: &str) -> serde_json::Value {
    json!({"license_usages": [
        {"culture": "en", "metadata_element": {"key": "usage_print", "name": name}}
    ]})
}

async fn serve(harness: &Harness, status: u16, body: serde_json::Value, times: u64) {
    Mock::given(method("GET"))
        .and(path(METADATA))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&harness.smintio)
        .await;
}

async fn reads(harness: &Harness) -> usize {
    let requests = harness.smintio.received_requests().await.unwrap();
    requests.iter().filter(|r| r.url.path() == METADATA).count()
}

#[tokio::test]
async fn read_once_per_interval_retried_when_transient_and_kept_when_a_refresh_fails() {
    let mut harness = Harness::start().await;
    let api = harness
        .config
        .connections
        .get_mut(CONNECTION)
        .unwrap()
        .smintio
        .api
        .as_mut()
        .unwrap();
    api.metadata_refresh_secs = 1;
    let connections = harness.connections();
    let metadata = &connections.get(CONNECTION).unwrap().metadata;

    // Unavailable and nothing held: the delivery is retried rather than writing keys.
    serve(&harness, 503, json!({}), 1).await;
    let failure = metadata.get().await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Transient, "{failure:?}");

    serve(&harness, 200, named("Print"), 1).await;
    let held = metadata.get().await.unwrap();
    assert_eq!(
        Labels::new(&held, "en").name(List::Usages, "usage_print"),
        "Print"
    );
    let before = reads(&harness).await;
    for _ in 0..5 {
        metadata.get().await.unwrap();
    }
    assert_eq!(
        reads(&harness).await,
        before,
        "read again within the interval"
    );

    // Due again, and the tenant fails: the copy held is used.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    serve(&harness, 503, json!({}), 1).await;
    let kept = metadata.get().await.unwrap();
    assert_eq!(
        Labels::new(&kept, "en").name(List::Usages, "usage_print"),
        "Print"
    );
    assert_eq!(reads(&harness).await, before + 1);
}

#[tokio::test]
async fn a_tenant_refusing_the_call_gets_keys_not_a_failed_delivery() {
    let harness = Harness::start().await;
    serve(&harness, 403, json!({"error": "forbidden"}), 1).await;
    let connections = harness.connections();
    let metadata = connections
        .get(CONNECTION)
        .unwrap()
        .metadata
        .get()
        .await
        .unwrap();
    assert_eq!(
        Labels::new(&metadata, "en").name(List::Usages, "usage_print"),
        "usage_print"
    );
}
