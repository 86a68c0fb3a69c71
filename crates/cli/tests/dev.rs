//! `assetrelay dev` as the README runs it: from the repository root, against the local
//! RabbitMQ, seeding the demo; it must bring approved images into Smint.io and stop
//! cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assetrelay_broker::{Broker, BrokerSettings, Topology};
use tokio::io::{AsyncBufReadExt, BufReader};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Three consecutive free ports for the flows' metrics listeners.
fn free_port_run() -> u16 {
    loop {
        let first = free_port();
        let all_free = (0..3)
            .all(|i| std::net::TcpListener::bind(("127.0.0.1", first.wrapping_add(i))).is_ok());
        if all_free && first < 65_000 {
            return first;
        }
    }
}

#[tokio::test]
async fn dev_runs_the_whole_system_with_the_demo_and_stops_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = format!("dev-test-{}", uuid::Uuid::new_v4().simple());
    let (ingress, sandbox, metrics) = (free_port(), free_port(), free_port_run());
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
        .env("ASSETRELAY_TOPOLOGY__PREFIX", &prefix)
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let assets: Option<serde_json::Value> = match http.get(&assets_url).send().await {
            Ok(r) => r.json().await.ok(),
            Err(_) => None,
        };
        // The demo seeds two approved images; the unapproved one must not appear.
        if assets
            .as_ref()
            .and_then(|a| a.as_array())
            .is_some_and(|a| a.len() >= 2)
        {
            let names: Vec<String> = assets
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| {
                    a.pointer("/asset_data_object/Name/x-default")?
                        .as_str()
                        .map(str::to_owned)
                })
                .collect();
            assert!(!names.iter().any(|n| n.contains("Draft")), "{names:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the demo's approved images did not reach Smint.io within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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

    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
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

    let env = [("ASSETRELAY_TOPOLOGY__PREFIX".to_owned(), prefix.clone())].into();
    let config = assetrelay_config::load(Some(&root.join("config/example.toml")), &env).unwrap();
    let broker = Broker::start(
        BrokerSettings::from_config(&config.broker, "dev-test-cleanup"),
        None,
    );
    assert!(broker.wait_ready(Duration::from_secs(10)).await);
    Topology::from_config(&config.topology)
        .delete(&broker.channel().await.unwrap())
        .await
        .unwrap();
    broker.close().await;
}
