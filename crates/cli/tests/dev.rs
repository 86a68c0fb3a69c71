//! `assetrelay dev` as the README runs it: from the repository root, against the local
//! RabbitMQ (or, when none answers, a private node it starts and stops), seeding the demo;
//! it must bring approved images into Smint.io and stop cleanly on SIGTERM.
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
    run_dev(&[], &[], &tempfile::tempdir().unwrap()).await;
}

/// As the real platforms: no webhook at all, the sources hear every change.
#[tokio::test]
async fn dev_with_polling_only_still_brings_the_demo_across() {
    let store_dir = tempfile::tempdir().unwrap();
    run_dev(
        &["--events", "polling", "--poll-interval-secs", "1"],
        &[],
        &store_dir,
    )
    .await;
}

/// A fresh machine: RabbitMQ installed but not running (here: broker.url names a port
/// nothing listens on). dev starts a node of its own and stops it on exit.
#[tokio::test]
async fn dev_without_a_broker_runs_a_private_node_and_stops_it() {
    let nobody = format!("amqp://guest:guest@127.0.0.1:{}/%2f", free_port());
    let store_dir = tempfile::tempdir().unwrap();
    let nodes = store_dir.path().join("rabbitmq");
    // The node's Erlang VM, from the pid file it writes while it runs.
    let watch = {
        let nodes = nodes.clone();
        tokio::spawn(async move {
            loop {
                let pid = std::fs::read_dir(&nodes).ok().and_then(|entries| {
                    entries.flatten().find_map(|e| {
                        std::fs::read_to_string(e.path().join("pid"))
                            .ok()?
                            .trim()
                            .parse::<u32>()
                            .ok()
                    })
                });
                if let Some(pid) = pid {
                    return pid;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let lines = run_dev(
        &[],
        &[("ASSETRELAY_BROKER__URL", nobody.as_str())],
        &store_dir,
    )
    .await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("private RabbitMQ node running")),
        "no private node started:\n{}",
        lines.join("\n")
    );
    let beam = tokio::time::timeout(Duration::from_secs(1), watch)
        .await
        .expect("the private node never wrote its pid file")
        .unwrap();
    assert!(
        !Path::new(&format!("/proc/{beam}")).exists(),
        "the private node (pid {beam}) still runs after dev stopped"
    );
    let left: Vec<_> = std::fs::read_dir(&nodes)
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "the node's directory is still there: {left:?}"
    );
}

/// `kill -9` of dev leaves its node running; the next dev stops it before starting its own.
#[tokio::test]
async fn a_node_left_by_a_killed_dev_is_stopped_by_the_next_dev() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let nobody = format!("amqp://guest:guest@127.0.0.1:{}/%2f", free_port());
    let store_dir = tempfile::tempdir().unwrap();
    let store_url = format!("sqlite://{}", store_dir.path().join("dev.db").display());
    let mut first = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .current_dir(&root)
        .args([
            "dev",
            "--no-seed",
            "--ingress-port",
            &free_port().to_string(),
        ])
        .args(["--sandbox-port", &free_port().to_string()])
        .args(["--admin-port", &free_port().to_string()])
        .args(["--metrics-port", &free_port_run().to_string()])
        .env("ASSETRELAY_BROKER__URL", &nobody)
        .env("ASSETRELAY_STORE__URL", &store_url)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let node_dir = store_dir
        .path()
        .join(format!("rabbitmq/assetrelay-dev-{}", first.id().unwrap()));
    let beam: u32 = wait_for("the first dev's node runs", Duration::from_secs(60), || {
        let pid_file = node_dir.join("pid");
        async move { std::fs::read_to_string(pid_file).ok()?.trim().parse().ok() }
    })
    .await
    .unwrap();
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    assert!(
        Path::new(&format!("/proc/{beam}")).exists(),
        "the node stopped with its dev: this test shows nothing"
    );

    run_dev(
        &[],
        &[("ASSETRELAY_BROKER__URL", nobody.as_str())],
        &store_dir,
    )
    .await;
    assert!(
        !Path::new(&format!("/proc/{beam}")).exists(),
        "the abandoned node (pid {beam}) still runs"
    );
    assert!(!node_dir.exists(), "its directory is still there");
}

/// Nothing answers and no server is installed (`--rabbitmq-server` names a missing file):
/// dev fails at once, saying what to do, instead of retrying forever.
#[tokio::test]
async fn dev_without_a_broker_or_a_server_fails_at_once_saying_how_to_get_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let nobody = format!("amqp://guest:guest@127.0.0.1:{}/%2f", free_port());
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .current_dir(&root)
        .args(["dev", "--ingress-port", &free_port().to_string()])
        .args(["--sandbox-port", &free_port().to_string()])
        .args(["--admin-port", &free_port().to_string()])
        .args(["--rabbitmq-server", "/nonexistent/rabbitmq-server"])
        .env("ASSETRELAY_BROKER__URL", &nobody)
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("dev kept running without a broker")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("apt-get install rabbitmq-server"), "{text}");
    assert!(
        !text.contains("guest:guest"),
        "credentials in the output: {text}"
    );
}

/// Runs dev, with its store in `store_dir`, to the demo's end and a clean stop; its log.
async fn run_dev(
    extra: &[&str],
    extra_env: &[(&str, &str)],
    store_dir: &tempfile::TempDir,
) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = unique_prefix("dev-test");
    let env = [("ASSETRELAY_TOPOLOGY__PREFIX".to_owned(), prefix.clone())].into();
    let config = assetrelay_config::load(Some(&root.join("config/example.toml")), &env).unwrap();
    // What `dev` declares, deleted however the test ends.
    let _topology = TopologyGuard::new(Topology::from_config(&config.topology));
    let (ingress, sandbox, metrics) = (free_port(), free_port(), free_port_run());
    let admin = free_port();
    // A store of its own: `dev` resets its store at start, and another test's dev may run.
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
        .args(["--admin-port", &admin.to_string()])
        .args(extra)
        .env("ASSETRELAY_TOPOLOGY__PREFIX", &prefix)
        .env("ASSETRELAY_STORE__URL", &store_url)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .envs(extra_env.iter().copied())
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
    .await;
    // On a timeout, what dev logged is the only account of why.
    let names = match names {
        Ok(names) => names,
        Err(timed_out) => {
            let _ = terminate(&mut child, Duration::from_secs(30)).await;
            let lines = log.await.unwrap_or_default();
            panic!("{timed_out:?}; dev's log:\n{}", lines.join("\n"));
        }
    };
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
    // The console answers, and the token dev made for this run (beside the store, never
    // in the log) signs in.
    let console = format!("http://127.0.0.1:{admin}");
    let sign_in = http.get(format!("{console}/")).send().await.unwrap();
    assert_eq!(sign_in.status(), 200);
    assert!(sign_in.text().await.unwrap().contains("Admin token"));
    let token_file = store_dir.path().join("dev-admin-token");
    let token = std::fs::read_to_string(&token_file).unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = no_redirects
        .post(format!("{console}/sign-in"))
        .form(&[("token", token.as_str()), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert!(signed_in.headers().contains_key("set-cookie"));

    let status = terminate(&mut child, Duration::from_secs(30)).await;
    let lines = log.await.unwrap();
    assert!(
        status.success(),
        "exit {status}; log:\n{}",
        lines.join("\n")
    );
    assert!(
        !lines.iter().any(|l| l.contains(token.trim())),
        "the dev admin token is in the log"
    );
    assert!(
        lines.iter().any(|l| l.contains("4/4 all running")),
        "{}",
        lines.join("\n")
    );
    lines
}
