//! The write log over HTTP.

use assetrelay_sandbox::{LogEntry, SandboxConfig, spawn};
use serde_json::json;

#[tokio::test]
async fn the_log_lists_writes_in_order_and_filters_by_surface() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let log = sandbox.state().log;
    log.record(
        "photoshelter",
        "PATCH",
        "/psapi/v4.0/media/I1/iptc",
        json!({"media_id": "I1"}),
    );
    log.record(
        "smintio",
        "POST",
        "/portals/data-adapter/webhook",
        json!({"changes": 2}),
    );
    log.record("photoshelter", "DELETE", "/psapi/v4.0/media/I1", json!({}));

    let all: Vec<LogEntry> = reqwest::get(format!("{}/_sandbox/log", sandbox.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ps: Vec<LogEntry> = reqwest::get(format!(
        "{}/_sandbox/log?surface=photoshelter",
        sandbox.base_url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();

    let seen: Vec<_> = all.iter().map(|e| (e.seq, e.method.as_str())).collect();
    assert_eq!(seen, [(1, "PATCH"), (2, "POST"), (3, "DELETE")]);
    assert_eq!(all[1].detail, json!({"changes": 2}));
    assert!(all[0].at <= all[2].at);
    let ps_seqs: Vec<_> = ps.iter().map(|e| e.seq).collect();
    assert_eq!(ps_seqs, [1, 3]);
    sandbox.stop().await;
}

#[tokio::test]
async fn clearing_the_log_restarts_the_sequence() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let log = sandbox.state().log;
    log.record("smintio", "POST", "/x", json!(null));

    let cleared = reqwest::Client::new()
        .delete(format!("{}/_sandbox/log", sandbox.base_url))
        .send()
        .await
        .unwrap();
    log.record("smintio", "POST", "/y", json!(null));

    assert_eq!(cleared.status(), 204);
    let all: Vec<LogEntry> = reqwest::get(format!("{}/_sandbox/log", sandbox.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].seq, all[0].path.as_str()), (1, "/y"));
    sandbox.stop().await;
}

#[tokio::test]
async fn a_write_records_the_traceparent_its_request_carried() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let login = |traced: bool| {
        let request = reqwest::Client::new()
            .post(format!("{}/psapi/v3/mem/authenticate", sandbox.base_url))
            .header("X-PS-Api-Key", "ps-dev-api-key")
            .form(&[
                ("email", "dev@example.com"),
                ("password", "dev-password"),
                ("mode", "token"),
            ]);
        if traced {
            request.header("traceparent", traceparent)
        } else {
            request
        }
    };
    assert_eq!(login(true).send().await.unwrap().status(), 200);
    assert_eq!(login(false).send().await.unwrap().status(), 200);

    let log: Vec<serde_json::Value> = reqwest::get(format!("{}/_sandbox/log", sandbox.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["traceparent"], json!(traceparent));
    assert!(log[1].get("traceparent").is_none(), "{log:?}");
    sandbox.stop().await;
}
