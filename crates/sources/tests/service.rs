#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! The service as the binary builds it: `config/example.toml` with `ASSETRELAY_*`
//! overrides pointing connection `demo` at the sandbox, a private topology and a SQLite
//! store; run until shutdown.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use assetrelay_broker::Topology;
use assetrelay_contract::source::SMINTIO_SYNC;
use assetrelay_sources::Sources;
use assetrelay_sources::lease::lease_name;
use assetrelay_sources::photoshelter::SOURCE;
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, amqp_url, unique_prefix, wait_for};
use support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn the_configured_sources_publish_sandbox_changes_serve_metrics_and_release_their_leases() {
    // Installed before the first metric: /metrics renders this recorder.
    let _ = assetrelay_telemetry::metrics_handle();
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = [
        (
            "ASSETRELAY_TOPOLOGY__PREFIX",
            unique_prefix("sources-service"),
        ),
        ("ASSETRELAY_BROKER__URL", amqp_url()),
        (
            "ASSETRELAY_STORE__URL",
            format!("sqlite://{}", dir.path().join("store.db").display()),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__BASE_URL",
            sandbox.base_url.clone(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__INTERVAL_SECS",
            "1".to_owned(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__IDENTITY_URL",
            sandbox.base_url.clone(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__CLAPI_URL",
            format!("{}/consumer/v1", sandbox.base_url),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__SYNC__INTERVAL_SECS",
            "1".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let config = assetrelay_config::load(Some(&example), &env).unwrap();
    let bed = TestBed::declare(Topology::from_config(&config.topology)).await;
    let created = create_media(&sandbox).await;
    let license = create_license(&sandbox).await;

    let sources = Sources::build(&config).await.unwrap();
    assert_eq!((sources.poller_count(), sources.syncer_count()), (1, 1));
    let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ops_url = format!("http://{}", ops.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(sources.run(Some(ops), shutdown.clone()));
    let published = wait_for("the poller publishes the new item", PATIENCE, || async {
        let published = events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    let licenses = wait_for("the sync publishes the new license", PATIENCE, || async {
        let published = license_events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let ready = http.get(format!("{ops_url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = wait_for("both sources in /metrics", PATIENCE, || async {
        let text = http
            .get(format!("{ops_url}/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (text.contains(r#"source="smintio.sync""#)
            && text.contains(r#"source="photoshelter.poll""#))
        .then_some(text)
    })
    .await
    .unwrap();
    shutdown.cancel();
    running.await.unwrap();

    assert_eq!(subjects(&published), vec![created]);
    assert_eq!(subjects(&licenses), vec![license]);
    for name in [
        "assetrelay_source_polls_total",
        "assetrelay_source_last_success_timestamp_seconds",
        "assetrelay_source_lease_held",
        "assetrelay_source_pages_total",
        "assetrelay_source_last_success_age_seconds",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    let store = Store::connect(&config.store).await.unwrap();
    for source in [SOURCE, SMINTIO_SYNC] {
        assert!(store.cursor(CONNECTION, source).await.unwrap().is_some());
        assert!(
            store
                .lease_holder(&lease_name(CONNECTION, source))
                .await
                .unwrap()
                .is_none(),
            "{source}'s lease released"
        );
    }
    store.close().await;
    bed.finish().await;
    sandbox.stop().await;
}

#[tokio::test]
async fn a_connection_with_polling_disabled_gets_no_poller() {
    let dir = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = [
        (
            "ASSETRELAY_STORE__URL",
            format!("sqlite://{}", dir.path().join("store.db").display()),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__ENABLED",
            "false".to_owned(),
        ),
        // Nothing of the shared broker's default `assetrelay` topology is touched.
        ("ASSETRELAY_TOPOLOGY__DECLARE_ON_START", "false".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let config = assetrelay_config::load(Some(&example), &env).unwrap();

    let sources = Sources::build(&config).await.unwrap();

    assert_eq!(sources.poller_count(), 0);
}
