#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! Issue 12 item 7: a reloaded configuration restarts the sources with the new
//! connections, without a restart of the process. Connection `demo` starts with every
//! source off; a reload turns its poller on and the poller publishes the sandbox's media.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::Topology;
use assetrelay_config::Config;
use assetrelay_sandbox::RunningSandbox;
use assetrelay_sources::Sources;
use assetrelay_sources::lease::lease_name;
use assetrelay_sources::photoshelter::SOURCE;
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, amqp_url, unique_prefix, wait_for};
use support::*;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

fn config(sandbox: &RunningSandbox, prefix: &str, store: &Path, polling: bool) -> Config {
    let demo = "ASSETRELAY_CONNECTIONS__DEMO__";
    let env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX".to_owned(), prefix.to_owned()),
        ("ASSETRELAY_BROKER__URL".to_owned(), amqp_url()),
        (
            "ASSETRELAY_STORE__URL".to_owned(),
            format!("sqlite://{}", store.display()),
        ),
        (
            format!("{demo}PHOTOSHELTER__API__BASE_URL"),
            sandbox.base_url.clone(),
        ),
        (
            format!("{demo}PHOTOSHELTER__POLL__ENABLED"),
            polling.to_string(),
        ),
        (
            format!("{demo}PHOTOSHELTER__POLL__INTERVAL_SECS"),
            "1".into(),
        ),
        (
            format!("{demo}PHOTOSHELTER__RECONCILE__ENABLED"),
            "false".into(),
        ),
        (format!("{demo}SMINTIO__SYNC__ENABLED"), "false".into()),
    ]
    .into_iter()
    .collect();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    assetrelay_config::load(Some(&example), &env).unwrap()
}

#[tokio::test]
async fn a_reload_that_enables_a_poller_starts_it_in_the_running_process() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.db");
    let prefix = unique_prefix("sources-reload");
    let off = config(&sandbox, &prefix, &file, false);
    let on = config(&sandbox, &prefix, &file, true);
    let bed = TestBed::declare(Topology::from_config(&off.topology)).await;
    let created = create_media(&sandbox).await;

    let sources = Sources::build(&off).await.unwrap();
    assert_eq!(sources.poller_count(), 0);
    let (reload, reloads) = watch::channel(Arc::new(off.clone()));
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(sources.with_reloads(reloads).run(None, shutdown.clone()));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(events(&bed).await.is_empty(), "no source runs yet");

    reload.send(Arc::new(on)).unwrap();
    let published = wait_for("the reloaded poller publishes", PATIENCE, || async {
        let published = events(&bed).await;
        (!published.is_empty()).then_some(published)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&published), vec![created]);

    // And back off: the poller stops and gives its lease back, the process goes on.
    reload.send(Arc::new(off.clone())).unwrap();
    let store = Store::connect(&off.store).await.unwrap();
    wait_for("the poller's lease released", PATIENCE, || async {
        let holder = store.lease_holder(&lease_name(CONNECTION, SOURCE)).await;
        holder.unwrap().is_none().then_some(())
    })
    .await
    .unwrap();
    assert!(!running.is_finished());
    shutdown.cancel();
    running.await.unwrap();
    store.close().await;
    bed.finish().await;
    sandbox.stop().await;
}
