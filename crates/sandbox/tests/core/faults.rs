//! Fault injection over real HTTP: seeded error rates, 429 + Retry-After, latency, hang.
//! Requests go to platform paths no route serves: faults apply by surface prefix, so
//! these tests do not depend on the platform routes.

use std::time::{Duration, Instant};

use assetrelay_sandbox::{SandboxConfig, spawn};
use serde_json::{Value, json};

async fn set_faults(base: &str, rules: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/_sandbox/faults"))
        .json(&rules)
        .send()
        .await
        .unwrap()
}

async fn statuses(base: &str, path: &str, n: usize) -> Vec<u16> {
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            http.get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    out
}

const PROBE: &str = "/psapi/v4.0/sandbox-fault-probe";

#[tokio::test]
async fn a_seeded_error_rate_reproduces_the_same_sequence_twice() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sandbox = spawn(SandboxConfig {
            seed: 7,
            ..SandboxConfig::for_tests()
        })
        .await
        .unwrap();
        let set = set_faults(
            &sandbox.base_url,
            json!({"surface": "photoshelter", "error_rate": 0.5}),
        )
        .await;
        assert_eq!(set.status(), 200);
        runs.push(statuses(&sandbox.base_url, PROBE, 30).await);
        sandbox.stop().await;
    }

    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503), "some requests fail: {:?}", runs[0]);
    assert!(
        runs[0].iter().any(|s| *s != 503),
        "some requests pass: {:?}",
        runs[0]
    );
}

#[tokio::test]
async fn changing_the_fault_settings_restarts_the_seeded_sequence() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let rule = json!({"surface": "smintio", "error_rate": 0.5, "error_status": 500});

    set_faults(&sandbox.base_url, rule.clone()).await;
    let first = statuses(&sandbox.base_url, "/consumer/v1/sandbox-fault-probe", 20).await;
    set_faults(&sandbox.base_url, rule).await;
    let second = statuses(&sandbox.base_url, "/consumer/v1/sandbox-fault-probe", 20).await;

    assert_eq!(first, second);
    assert!(first.contains(&500));
    sandbox.stop().await;
}

#[tokio::test]
async fn an_injected_429_carries_retry_after_and_the_photoshelter_error_shape() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "rate_limit_rate": 1.0, "retry_after_secs": 180}),
    )
    .await;

    let answer = reqwest::get(format!("{}{PROBE}", sandbox.base_url))
        .await
        .unwrap();

    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers()["retry-after"], "180");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["errors"][0]["id"], "TooManyRequestsException");
    assert_eq!(body["errors"][0]["status"], "429");
    sandbox.stop().await;
}

#[tokio::test]
async fn injected_smintio_errors_use_the_smintio_error_shape() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!({"surface": "smintio", "error_rate": 1.0}),
    )
    .await;

    let answer = reqwest::Client::new()
        .post(format!("{}/connect/token", sandbox.base_url))
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 503);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error_code"], "service_unavailable");
    assert!(body["error_message"].is_string());
    sandbox.stop().await;
}

#[tokio::test]
async fn injected_latency_delays_the_answer() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "latency_ms": 300}),
    )
    .await;

    let started = Instant::now();
    reqwest::get(format!("{}{PROBE}", sandbox.base_url))
        .await
        .unwrap();

    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn a_hanging_endpoint_makes_a_client_with_a_200_ms_timeout_time_out() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "endpoint": PROBE, "hang": true}),
    )
    .await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let error = http
        .get(format!("{}{PROBE}", sandbox.base_url))
        .send()
        .await
        .unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
    let other = http
        .get(format!("{}/psapi/v4.0/other", sandbox.base_url))
        .send()
        .await
        .unwrap();
    assert_ne!(
        other.status(),
        503,
        "an endpoint rule leaves other endpoints alone"
    );
    let stopped = tokio::time::timeout(Duration::from_secs(5), sandbox.stop()).await;
    assert!(stopped.is_ok(), "a hanging request does not block shutdown");
}

#[tokio::test]
async fn the_control_api_is_never_faulted() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!([{"surface": "photoshelter", "error_rate": 1.0},
                                         {"surface": "smintio", "error_rate": 1.0}]),
    )
    .await;

    let answer = reqwest::get(format!("{}/_sandbox/health", sandbox.base_url))
        .await
        .unwrap();

    assert_eq!(answer.status(), 200);
    sandbox.stop().await;
}

#[tokio::test]
async fn clearing_faults_restores_normal_answers() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "error_rate": 1.0}),
    )
    .await;

    let cleared = reqwest::Client::new()
        .delete(format!("{}/_sandbox/faults", sandbox.base_url))
        .send()
        .await
        .unwrap();

    assert_eq!(cleared.status(), 200);
    let settings: Value = cleared.json().await.unwrap();
    assert_eq!(settings["rules"], json!([]));
    assert_ne!(statuses(&sandbox.base_url, PROBE, 1).await, [503]);
    sandbox.stop().await;
}

#[tokio::test]
async fn an_invalid_fault_rule_is_refused_and_changes_nothing() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();

    let answer = set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "error_rate": 1.5}),
    )
    .await;

    assert_eq!(answer.status(), 422);
    let settings: Value = reqwest::get(format!("{}/_sandbox/faults", sandbox.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["rules"], json!([]));
    sandbox.stop().await;
}

/// A v3 login: the simplest request the sandbox applies and logs as a write.
fn login(base: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{base}/psapi/v3/mem/authenticate"))
        .header("X-PS-Api-Key", "ps-dev-api-key")
        .form(&[
            ("email", "dev@example.com"),
            ("password", "dev-password"),
            ("mode", "token"),
        ])
}

#[tokio::test]
async fn an_answer_delay_holds_the_answer_after_the_write_is_applied() {
    let sandbox = spawn(SandboxConfig::for_tests()).await.unwrap();
    let set = set_faults(
        &sandbox.base_url,
        json!({"surface": "photoshelter", "endpoint": "/psapi/v3/mem/authenticate",
               "answer_delay_ms": 60_000}),
    )
    .await;
    assert_eq!(set.status(), 200);

    let mut answer = tokio::spawn(login(&sandbox.base_url).send());
    let log = sandbox.state().log;
    let deadline = Instant::now() + Duration::from_secs(5);
    while log.entries(Some("photoshelter")).is_empty() {
        assert!(Instant::now() < deadline, "the login was never applied");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let held = tokio::time::timeout(Duration::from_millis(300), &mut answer).await;
    assert!(held.is_err(), "the answer left with the write: {held:?}");
    // Stopping releases the held answer, so the sandbox stops at once.
    let stopped = tokio::time::timeout(Duration::from_secs(5), sandbox.stop()).await;
    assert!(
        stopped.is_ok(),
        "the held answer kept the sandbox from stopping"
    );
    answer.abort();
}
