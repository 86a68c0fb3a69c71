#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! The service as the binary builds it: `config/example.toml` with `ASSETRELAY_*`
//! overrides pointing connection `demo` at the sandbox, a private topology and a SQLite
//! store; run until shutdown.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use assetrelay_broker::Topology;
use assetrelay_sources::Sources;
use assetrelay_sources::lease::lease_name;
use assetrelay_sources::photoshelter::SOURCE;
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, amqp_url, unique_prefix, wait_for};
use support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn the_configured_poller_publishes_sandbox_changes_and_releases_its_lease_on_shutdown() {
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
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let config = assetrelay_config::load(Some(&example), &env).unwrap();
    let bed = TestBed::declare(Topology::from_config(&config.topology)).await;
    let created = create_media(&sandbox).await;

    let sources = Sources::build(&config).await.unwrap();
    assert_eq!(sources.poller_count(), 1);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(sources.run(shutdown.clone()));
    let published = wait_for("the poller publishes the new item", PATIENCE, || async {
        let published = events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    shutdown.cancel();
    running.await.unwrap();

    assert_eq!(subjects(&published), vec![created]);
    let store = Store::connect(&config.store).await.unwrap();
    assert!(store.cursor(CONNECTION, SOURCE).await.unwrap().is_some());
    assert!(
        store
            .lease_holder(&lease_name(CONNECTION, SOURCE))
            .await
            .unwrap()
            .is_none()
    );
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
