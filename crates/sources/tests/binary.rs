#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! `assetrelay-sources` as a process: configured by `config/example.toml` and
//! `ASSETRELAY_*` variables, it polls the sandbox, and on SIGTERM it abandons the poll in
//! progress (storing nothing), releases its lease and exits 0.

mod support;

use std::path::Path;
use std::time::Duration;

use assetrelay_broker::Topology;
use assetrelay_config::StoreConfig;
use assetrelay_sandbox::{FaultRule, Platform};
use assetrelay_sources::lease::lease_name;
use assetrelay_sources::photoshelter::SOURCE;
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, amqp_url, terminate, unique_prefix, wait_for};
use support::*;

#[tokio::test]
async fn on_sigterm_the_process_abandons_its_poll_releases_the_lease_and_exits_zero() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = unique_prefix("sources-binary");
    let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let env = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix.clone()),
        ("ASSETRELAY_BROKER__URL", amqp_url()),
        ("ASSETRELAY_STORE__URL", store_url.clone()),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__BASE_URL",
            sandbox.base_url.clone(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__INTERVAL_SECS",
            "1".into(),
        ),
        // This test is about the poller (the sync has its own tests).
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__SYNC__ENABLED",
            "false".into(),
        ),
        ("ASSETRELAY_SOURCES__METRICS_LISTEN", "127.0.0.1:0".into()),
    ];
    let config = assetrelay_config::load(
        Some(&example),
        &env.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
    .unwrap();
    let bed = TestBed::declare(Topology::from_config(&config.topology)).await;
    let first = create_media(&sandbox).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay-sources"))
        .arg("--config")
        .arg(&example)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let published = wait_for("the process publishes the first item", PATIENCE, || async {
        let published = events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&published), vec![first]);
    let store = Store::connect(&StoreConfig {
        url: config.store.url.clone(),
        ..StoreConfig::default()
    })
    .await
    .unwrap();
    let position = store.cursor(CONNECTION, SOURCE).await.unwrap();
    assert!(position.is_some());

    // Listings now take 10 s; within 2.5 s the process is inside one.
    sandbox
        .state()
        .faults
        .set(vec![FaultRule {
            endpoint: Some("/psapi/v4.0/media".into()),
            latency_ms: 10_000,
            ..FaultRule::none(Platform::PhotoShelter)
        }])
        .unwrap();
    let second = create_media(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let status = terminate(&mut child, Duration::from_secs(5)).await;

    assert!(status.success(), "{status:?}");
    assert!(
        events(&bed).await.is_empty(),
        "the abandoned poll published"
    );
    assert_eq!(store.cursor(CONNECTION, SOURCE).await.unwrap(), position);
    assert!(
        store
            .lease_holder(&lease_name(CONNECTION, SOURCE))
            .await
            .unwrap()
            .is_none()
    );
    // Its PhotoShelter login was given back (a user's concurrent sessions are capped).
    let sessions = sandbox.state().photoshelter.lock().await.sessions.len();
    assert_eq!(sessions, 0, "the stopped process left its session open");
    // The next holder finds what the abandoned poll did not publish.
    sandbox.state().faults.clear(None);
    let next = context(&sandbox, &bed.topology, &store, 500).await;
    assert_eq!(next.poll_once().await.unwrap().published, 1);
    assert_eq!(subjects(&events(&bed).await), vec![second]);

    store.close().await;
    bed.finish().await;
    sandbox.stop().await;
}
