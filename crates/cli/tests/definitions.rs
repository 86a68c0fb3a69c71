//! `deploy/rabbitmq/definitions.json` is `assetrelay topology definitions` for the example
//! configuration (and for compose's, which shares its topology): generated, never edited.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::path::{Path, PathBuf};

use serde_json::Value;

const REGENERATE: &str = "cargo run -q -p assetrelay-cli -- topology definitions --config config/example.toml > deploy/rabbitmq/definitions.json";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The secrets deploy/config/compose.toml reads from the environment (compose.yaml sets
/// them), with the sandbox's dev values: the file must load for its topology to be read.
const COMPOSE_ENV: &[(&str, &str)] = &[
    ("ADMIN_TOKEN", "compose-dev-admin-token"),
    (
        "DEMO_PS_WEBHOOK_SECRET",
        "whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA==",
    ),
    (
        "DEMO_SMINTIO_WEBHOOK_SECRET",
        "whsec_ZGV2LXNtaW50aW8td2ViaG9vay1zZWNyZXQtMDAwMA==",
    ),
    ("DEMO_PS_API_KEY", "ps-dev-api-key"),
    ("DEMO_PS_PASSWORD", "dev-password"),
    ("DEMO_SMINTIO_CLIENT_SECRET", "dev-client-secret"),
    ("DEMO_SMINTIO_REFRESH_TOKEN", "dev-refresh-token"),
    ("DEMO_SMINTIO_ADAPTER_SECRET", "dev-adapter-secret"),
];

async fn generated(config: &str, env: &[(&str, &str)]) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .args(["topology", "definitions", "--config"])
        .arg(root().join(config))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn committed() -> Value {
    let text = std::fs::read_to_string(root().join("deploy/rabbitmq/definitions.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn the_committed_definitions_are_what_the_example_config_declares() {
    let generated = generated("config/example.toml", &[]).await;

    assert!(
        generated == committed(),
        "deploy/rabbitmq/definitions.json differs from `assetrelay topology definitions` (the topology in code changed): regenerate it from the repository root with\n  {REGENERATE}\nand commit it"
    );
}

#[tokio::test]
async fn the_compose_config_declares_the_same_topology() {
    let generated = generated("deploy/config/compose.toml", COMPOSE_ENV).await;

    assert!(
        generated == committed(),
        "deploy/config/compose.toml's [topology] (or its broker vhost) declares other objects than deploy/rabbitmq/definitions.json, which RabbitMQ loads in compose: keep them equal, or regenerate with\n  {REGENERATE}"
    );
}

/// The secrets deploy/k8s/base/assetrelay.toml reads (the Secret `assetrelay-secrets`).
const K8S_ENV: &[(&str, &str)] = &[
    ("ADMIN_TOKEN", "k8s-example-admin-token"),
    (
        "ACME_PS_WEBHOOK_SECRET",
        "whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA==",
    ),
    (
        "ACME_SMINTIO_WEBHOOK_SECRET",
        "whsec_ZGV2LXNtaW50aW8td2ViaG9vay1zZWNyZXQtMDAwMA==",
    ),
    ("ACME_PS_API_KEY", "k"),
    ("ACME_PS_PASSWORD", "p"),
    ("ACME_SMINTIO_CLIENT_SECRET", "s"),
    ("ACME_SMINTIO_REFRESH_TOKEN", "r"),
    ("ACME_SMINTIO_ADAPTER_SECRET", "a"),
];

#[tokio::test]
async fn the_kubernetes_config_loads_and_declares_the_same_topology() {
    let generated = generated("deploy/k8s/base/assetrelay.toml", K8S_ENV).await;

    assert!(
        generated == committed(),
        "deploy/k8s/base/assetrelay.toml's [topology] declares other objects than deploy/rabbitmq/definitions.json: keep them equal, or regenerate with\n  {REGENERATE}"
    );
}
