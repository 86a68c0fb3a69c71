//! `assetrelay dev` as the README runs it: from the repository root, against the local
//! RabbitMQ, seeding the demo; it must bring approved images into Smint.io and stop
//! cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use assetrelay_broker::Topology;
use assetrelay_testkit::{TopologyGuard, free_port, terminate, unique_prefix, wait_for};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Four consecutive free ports for the flows' and the sources' metrics listeners.
fn free_port_run() -> u16 {
    loop {
        let first = free_port();
        let all_free = (0..4)
            .all(|i| std::net::TcpListener::bind(("127.0.0.1", first.wrapping_add(i))).is_ok());
        if all_free && first < 65_000 {
            return first;
        }
    }
}

#[tokio::test]
async fn dev_runs_the_whole_system_with_the_demo_and_stops_cleanly() {
    run_dev(&[]).await;
}

/// As the real platforms: no webhook at all, the sources hear every change.
#[tokio::test]
async fn dev_with_polling_only_still_brings_the_demo_across() {
    run_dev(&["--events", "polling", "--poll-interval-secs", "1"]).await;
}

async fn run_dev(extra: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = unique_prefix("dev-test");
    let env = [("ASSETRELAY_TOPOLOGY__PREFIX".to_owned(), prefix.clone())].into();
    let config = assetrelay_config::load(Some(&root.join("config/example.toml")), &env).unwrap();
    // What `dev` declares, deleted however the test ends.
    let _topology = TopologyGuard::new(Topology::from_config(&config.topology));
    let (ingress, sandbox, metrics) = (free_port(), free_port(), free_port_run());
    // A store of its own: `dev` resets its store at start, and another test's dev may run.
    let store_dir = tempfile::tempdir().unwrap();
    let store_url = format!("sqlite://{}", store_dir.path().join("dev.db").display());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .current_dir(&root)
        .args([
            "dev",
            "--ingress-port",
            &ingress.to_string(),
            "--sandbox-port",
            &sandbox.to_string(),
        ])
        .args(["--metrics-port", &metrics.to_string()])
        .args(extra)
        .env("ASSETRELAY_TOPOLOGY__PREFIX", &prefix)
        .env("ASSETRELAY_STORE__URL", &store_url)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let log = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push(line);
        }
        seen
    });

    let http = reqwest::Client::new();
    let assets_url = format!("http://127.0.0.1:{sandbox}/_sandbox/smintio/assets");
    // The demo seeds two approved images; the unapproved one must not appear.
    let names = wait_for(
        "the demo's approved images reach Smint.io",
        Duration::from_secs(60),
        || async {
            let assets: serde_json::Value =
                http.get(&assets_url).send().await.ok()?.json().await.ok()?;
            let assets = assets.as_array().filter(|a| a.len() >= 2)?;
            let names: Vec<String> = assets
                .iter()
                .filter_map(|a| {
                    a.pointer("/asset_data_object/Name/x-default")?
                        .as_str()
                        .map(str::to_owned)
                })
                .collect();
            Some(names)
        },
    )
    .await
    .unwrap();
    assert!(!names.iter().any(|n| n.contains("Draft")), "{names:?}");
    let metrics_text = http
        .get(format!("http://127.0.0.1:{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics_text.contains("assetrelay_flow_messages_total"),
        "{metrics_text}"
    );
    let sources_metrics = http
        .get(format!("http://127.0.0.1:{}/metrics", metrics + 3))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sources_metrics.contains("assetrelay_source_polls_total"),
        "{sources_metrics}"
    );

    let status = terminate(&mut child, Duration::from_secs(30)).await;
    let lines = log.await.unwrap();
    assert!(
        status.success(),
        "exit {status}; log:\n{}",
        lines.join("\n")
    );
    assert!(
        lines.iter().any(|l| l.contains("4/4 all running")),
        "{}",
        lines.join("\n")
    );
}
