//! Test harness: the real ingress on 127.0.0.1:0 with a topology of its own per test
//! (deleted however the test ends), signing helpers and queue readers on the testkit.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use assetrelay_config::Config;
use tokio::sync::watch;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::{Channel, Connection, ConnectionProperties};
use assetrelay_contract::Flow;
use assetrelay_ingress::Ingress;
use assetrelay_signature::{StandardWebhooksSigner, decode_whsec};
pub use assetrelay_testkit::{PATIENCE, Taken, amqp_url, unique_prefix};
use assetrelay_testkit::{Queues, TestBed};
use tokio_util::sync::CancellationToken;

pub const PS_SECRET: &str = "whsec_ZGV2LXBob3Rvc2hlbHRlci13ZWJob29rLXNlY3JldA==";
pub const SMINT_SECRET: &str = "whsec_ZGV2LXNtaW50aW8td2ViaG9vay1zZWNyZXQtMDAwMA==";

/// What every topology of these tests is called: `ingress-test-<uuid>`.
pub const LABEL: &str = "ingress-test";

pub fn example_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml")
}

/// Environment for a test: unique prefix, short tiers, plus `extra` overrides.
pub fn test_env(prefix: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix),
        ("ASSETRELAY_TOPOLOGY__RETRY_TIERS_SECS", "[1]"),
        ("ASSETRELAY_TOPOLOGY__SCHEDULER_TIERS_SECS", "[1]"),
        ("ASSETRELAY_TOPOLOGY__ARCHIVE_MAX_AGE", "1h"),
        ("ASSETRELAY_BROKER__URL", &amqp_url()),
        ("ASSETRELAY_BROKER__RECONNECT_MAX_DELAY_MS", "200"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// The example configuration with a topology of the test's own and `extra` overrides.
pub fn test_config(extra: &[(&str, &str)]) -> Config {
    let prefix = unique_prefix(LABEL);
    assetrelay_config::load(Some(&example_config()), &test_env(&prefix, extra)).unwrap()
}

pub struct TestApp {
    pub base: String,
    pub topology: Topology,
    pub shutdown: CancellationToken,
    pub ingress_broker: assetrelay_broker::Broker,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub http: reqwest::Client,
    /// The ingress declares the topology; the bed deletes it.
    pub bed: TestBed,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Start with extra env overrides; waits until the broker connection is up unless
    /// the broker is meant to be unreachable (`wait_ready = false`).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        Self::spawn_opts(extra, true).await
    }

    pub async fn spawn_opts(extra: &[(&str, &str)], wait_ready: bool) -> Self {
        Self::spawn_config(test_config(extra), wait_ready, None).await
    }

    /// Start with `config`, applying every configuration sent on the returned channel
    /// as a SIGHUP reload would.
    pub async fn spawn_reloading(config: Config) -> (Self, watch::Sender<Arc<Config>>) {
        let (tx, rx) = watch::channel(Arc::new(config.clone()));
        (Self::spawn_config(config, true, Some(rx)).await, tx)
    }

    async fn spawn_config(
        config: Config,
        wait_ready: bool,
        reloads: Option<watch::Receiver<Arc<Config>>>,
    ) -> Self {
        let topology = Topology::from_config(&config.topology);
        let bed = TestBed::adopt(topology.clone()).await;
        let ingress = Ingress::build(&config).unwrap();
        if let Some(reloads) = reloads {
            ingress.follow_reloads(reloads);
        }
        let broker = ingress.broker().clone();
        if wait_ready {
            assert!(
                broker.wait_ready(PATIENCE).await,
                "broker not reachable at {}",
                amqp_url()
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(ingress.run(listener, shutdown.clone()));
        Self {
            base,
            topology,
            shutdown,
            ingress_broker: broker,
            task,
            http: reqwest::Client::new(),
            bed,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST a body signed with the connection's dev secret (Standard Webhooks).
    pub async fn post_signed(&self, platform: &str, body: &str) -> reqwest::Response {
        let secret = if platform == "smintio" {
            SMINT_SECRET
        } else {
            PS_SECRET
        };
        let headers = sign(secret, "msg_1", now(), body.as_bytes());
        self.post(&format!("/webhooks/{platform}/demo"), body, &headers)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        body: &str,
        headers: &[(&'static str, String)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        request.send().await.unwrap()
    }

    /// Stop the service and delete this test's queues.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        self.bed.finish().await;
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    StandardWebhooksSigner::new(decode_whsec(secret).unwrap()).headers(id, timestamp, body)
}

pub fn ps_body(id: &str, event: &str) -> String {
    format!(
        r#"{{"id":"{id}","event":"{event}","occurred_at":"2026-11-29T10:00:00Z","org_id":"O0000DEVORG00001","media_id":"I0000abcdEFGH123"}}"#
    )
}

/// A connection of the test's own, to set up what a test needs on the broker.
pub async fn test_channel() -> (Connection, Channel) {
    let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    (connection, channel)
}

/// Take one message from `queue`, waiting up to [`PATIENCE`] for it to appear.
pub async fn take(queue: &str) -> Option<Taken> {
    let queues = Queues::connect().await;
    let taken = queues.take_within(queue, PATIENCE).await;
    queues.close().await;
    taken
}

/// Ready messages in `queue` right now.
pub async fn depth(queue: &str) -> u32 {
    let queues = Queues::connect().await;
    let ready = queues.ready(queue).await;
    queues.close().await;
    ready
}

/// Drain every ready message id from `queue`.
pub async fn drain_ids(queue: &str) -> Vec<String> {
    let queues = Queues::connect().await;
    let ids = queues.drain_ids(queue).await;
    queues.close().await;
    ids
}

pub fn to_smint(app: &TestApp) -> String {
    app.topology.work_queue(Flow::ToSmint)
}
