#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
//! Two `assetrelay-sources` processes on one PostgreSQL store: one is active per
//! (connection, source); `kill -9` of the active one in the middle of a poll loses
//! nothing, and the standby takes over within the lease time plus one interval.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use assetrelay_broker::Topology;
use assetrelay_config::StoreConfig;
use assetrelay_contract::source::{PHOTOSHELTER_POLL, SMINTIO_SYNC};
use assetrelay_sandbox::{FaultRule, Platform};
use assetrelay_sources::lease::lease_name;
use assetrelay_store::Store;
use assetrelay_testkit::{PATIENCE, TestBed, amqp_url, unique_prefix, wait_for};
use support::*;
use tokio::process::{Child, Command};

const LEASE_SECS: u64 = 4;

fn spawn(example: &Path, env: &[(&str, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_assetrelay-sources"))
        .arg("--config")
        .arg(example)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The pid in a holder name (`assetrelay-sources/<host>/<pid>/<random>`).
fn pid_of(holder: &str) -> u32 {
    holder.split('/').nth(2).unwrap().parse().unwrap()
}

#[tokio::test]
async fn kill_9_of_the_active_replica_mid_poll_loses_nothing_and_the_standby_takes_over() {
    let sandbox = sandbox().await;
    let (_, place) = postgres_store().await;
    let Place::Postgres(schema) = &place else {
        unreachable!()
    };
    let prefix = unique_prefix("sources-failover");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let env = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix.clone()),
        ("ASSETRELAY_BROKER__URL", amqp_url()),
        ("ASSETRELAY_STORE__URL", schema.url.expose().to_owned()),
        ("ASSETRELAY_SOURCES__METRICS_LISTEN", "127.0.0.1:0".into()),
        ("ASSETRELAY_SOURCES__LEASE_SECS", LEASE_SECS.to_string()),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__BASE_URL",
            sandbox.base_url.clone(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__INTERVAL_SECS",
            "1".into(),
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
            "1".into(),
        ),
    ];
    let config = assetrelay_config::load(
        Some(&example),
        &env.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
    .unwrap();
    let bed = TestBed::declare(Topology::from_config(&config.topology)).await;
    let store = Store::connect(&StoreConfig {
        url: config.store.url.clone(),
        ..StoreConfig::default()
    })
    .await
    .unwrap();
    let mut replicas = vec![spawn(&example, &env), spawn(&example, &env)];
    let first_media = create_media(&sandbox).await;
    let first_license = create_license(&sandbox).await;
    let seen = wait_for("the first changes published", PATIENCE, || async {
        let media = events(&bed).await;
        (!media.is_empty()).then_some(media)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&seen), [first_media]);
    let licenses = wait_for("the first license published", PATIENCE, || async {
        let l = license_events(&bed).await;
        (!l.is_empty()).then_some(l)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&licenses), [first_license]);

    // The active poller is inside a slow listing when it is killed.
    let active = store
        .lease_holder(&lease_name(CONNECTION, PHOTOSHELTER_POLL))
        .await
        .unwrap()
        .expect("a replica holds the poll lease");
    let active_pid = pid_of(&active.holder);
    sandbox
        .state()
        .faults
        .set(vec![FaultRule {
            endpoint: Some("/psapi/v4.0/media".into()),
            latency_ms: 3_000,
            ..FaultRule::none(Platform::PhotoShelter)
        }])
        .unwrap();
    let during = create_media(&sandbox).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let index = replicas
        .iter()
        .position(|c| c.id() == Some(active_pid))
        .expect("the holder is one of the two replicas");
    let mut killed = replicas.swap_remove(index);
    killed.start_kill().unwrap();
    killed.wait().await.unwrap();
    let killed_at = Instant::now();
    sandbox.state().faults.clear(None);
    let after = create_media(&sandbox).await;
    let later_license = create_license(&sandbox).await;

    let taken_over = wait_for(
        "the standby publishes what changed around the kill",
        Duration::from_secs(LEASE_SECS + 20),
        || async {
            let all = events(&bed).await;
            (!all.is_empty()).then_some(all)
        },
    )
    .await
    .unwrap();
    let mut published = taken_over;
    // The two may come in one poll or two.
    if published.len() < 2 {
        published.extend(
            wait_for("the second change", PATIENCE, || async {
                let all = events(&bed).await;
                (!all.is_empty()).then_some(all)
            })
            .await
            .unwrap(),
        );
    }
    let took = killed_at.elapsed();
    assert_eq!(subjects(&published), sorted(vec![during, after]));
    let license = wait_for("the later license published", PATIENCE, || async {
        let l = license_events(&bed).await;
        (!l.is_empty()).then_some(l)
    })
    .await
    .unwrap();
    assert_eq!(subjects(&license), [later_license]);
    for source in [PHOTOSHELTER_POLL, SMINTIO_SYNC] {
        let holder = store
            .lease_holder(&lease_name(CONNECTION, source))
            .await
            .unwrap()
            .expect("the standby holds it");
        assert_ne!(pid_of(&holder.holder), active_pid, "{source}");
    }
    println!(
        "took over and published {took:?} after the kill (lease {LEASE_SECS} s, interval 1 s)"
    );

    for mut replica in replicas {
        let _ = replica.start_kill();
        let _ = replica.wait().await;
    }
    store.close().await;
    bed.finish().await;
    place.remove().await;
    sandbox.stop().await;
}
