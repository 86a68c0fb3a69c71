//! End-to-end harness: the sandbox, the ingress and the flows in this process, a private
//! topology prefix per test on the real RabbitMQ, and helpers to wait for effects.
//! Everything a test observes goes through the sandbox's control API, the way an operator
//! would look at the platforms.
//!
//! Modules: [`client_b`] (the second connection), [`looks`] (what the platforms hold),
//! [`quiet`] (what is still going on, and
//! [`Stack::settle`]), [`binaries`] (real flow and ingress processes against a stack),
//! [`webhooks`] (webhooks the test signs and sends itself), [`metrics`] (Prometheus text
//! and the metric names docs/operations.md lists).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod binaries;
pub mod client_b;
pub mod looks;
pub mod metrics;
pub mod quiet;
pub mod webhooks;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::options::{BasicAckOptions, BasicGetOptions};
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_cli::control::SandboxControl;
use assetrelay_cli::seed::Galleries;
use assetrelay_cli::stack::{
    Part, start_flow, start_ingress, start_sandbox, start_sources, use_sandbox,
};
use assetrelay_config::{Config, ConnectionRules, MediaMatch};
use assetrelay_contract::amqp::text_headers;
use assetrelay_contract::{CloudEvent, Flow, OutgoingMessage};
use assetrelay_sandbox::SandboxConfig;
use assetrelay_store::Store;
use assetrelay_store::scratch::ScratchSchema;
use tokio::net::TcpListener;

pub use assetrelay_cli;
pub use serde_json::{Value, json};

/// Where a stack's sandbox sends its webhooks when a test wants to send them itself
/// ([`Options::sandbox_webhooks`]): nothing listens on port 1, so each delivery fails fast.
const NOWHERE: &str = "http://127.0.0.1:1";

/// The AMQP `app_id` of what the tests publish themselves.
const PRODUCER: &str = "assetrelay-e2e";

pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

pub fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/example.toml")
}

/// The configuration of a test: the example file, a unique prefix, short tiers.
pub fn test_config(prefix: &str, extra: &[(&str, &str)]) -> Config {
    let mut env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix),
        ("ASSETRELAY_TOPOLOGY__RETRY_TIERS_SECS", "[1, 2]"),
        ("ASSETRELAY_TOPOLOGY__SCHEDULER_TIERS_SECS", "[2, 10]"),
        ("ASSETRELAY_TOPOLOGY__ARCHIVE_MAX_AGE", "1h"),
        ("ASSETRELAY_BROKER__URL", &amqp_url()),
        ("ASSETRELAY_BROKER__RECONNECT_MAX_DELAY_MS", "200"),
        ("ASSETRELAY_FLOWS__MAX_RETRIES", "3"),
        ("ASSETRELAY_FLOWS__SHUTDOWN_GRACE_MS", "5000"),
        // A killed replica's turn expires quickly, so a redelivery is handled in the test's time.
        ("ASSETRELAY_FLOWS__ASSET_LEASE_SECS", "3"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    assetrelay_config::load(Some(&example_config()), &env).unwrap()
}

/// How a test wants the stack.
pub struct Options {
    /// Replicas per flow, in this process.
    pub flows: Vec<(Flow, usize)>,
    /// Extra environment overrides.
    pub env: Vec<(&'static str, &'static str)>,
    /// Changes the rules after the demo galleries exist.
    pub rules: fn(&mut ConnectionRules, &Galleries),
    /// Add connection `client_b`, with its own sandbox, credentials, galleries, rules and
    /// id space.
    pub second_connection: bool,
    /// `false`: the demo sandbox's webhooks go nowhere, so the only webhooks the ingress
    /// gets are those the test sends itself ([`Stack::resend_webhook`]).
    pub sandbox_webhooks: bool,
    /// Run the sources (PhotoShelter poller, Smint.io feed sync with Pusher) in the stack.
    pub sources: bool,
    /// Switch the sandboxes' webhooks off altogether, as the real platforms send none.
    pub webhooks_off: bool,
    /// The store every part of the stack shares.
    pub store: StoreBackend,
}

/// Where a stack keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreBackend {
    /// A SQLite file of its own (the embedded default).
    Sqlite,
    /// A schema of its own in the test PostgreSQL database (`ASSETRELAY_TEST_POSTGRES_URL`,
    /// default `postgres://postgres@127.0.0.1:5432/assetrelay_test`), as production runs
    /// several replicas. A test that asks for it fails when PostgreSQL does not answer.
    Postgres,
}

/// The test PostgreSQL database.
pub fn postgres_url() -> String {
    std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/assetrelay_test".into())
}

impl Default for Options {
    fn default() -> Self {
        Self {
            flows: Flow::ALL.into_iter().map(|f| (f, 1)).collect(),
            env: Vec::new(),
            rules: default_rules,
            second_connection: false,
            sandbox_webhooks: true,
            sources: false,
            webhooks_off: false,
            store: StoreBackend::Sqlite,
        }
    }
}

impl Options {
    /// As with the real platforms: no webhook at all; the sources poll PhotoShelter every
    /// second, reconcile every 2 s, and follow the Smint.io feed through Pusher (and a 5 s
    /// timer).
    pub fn polling_only() -> Self {
        Self {
            sources: true,
            webhooks_off: true,
            ..Self::default()
        }
    }
}

/// Approved by gallery `approved`; DACH region rule on `dach`; distribution gallery.
pub fn default_rules(rules: &mut ConnectionRules, g: &Galleries) {
    rules.approval = MediaMatch {
        galleries: vec![g.approved.clone()],
        custom_metadata: [("Brand approval".to_owned(), vec!["Approved".to_owned()])].into(),
        ..MediaMatch::default()
    };
    rules.regions = vec![assetrelay_config::RegionRule {
        name: "dach".into(),
        when: MediaMatch {
            galleries: vec![g.dach.clone()],
            ..MediaMatch::default()
        },
        regions: vec!["DE".into(), "AT".into(), "CH".into()],
        languages: vec!["de".into()],
        campaigns: vec!["Winter 2026".into()],
    }];
    rules.distribution.gallery = Some(g.distribution.clone());
    // Smint.io flags every license with an end date as potentially restrictive; lifecycle
    // enforces the end, so these are distributed (as in the demo).
    rules.distribution.allow_restrictive = true;
}

/// The sandbox's Smint.io data-adapter endpoint, for fault rules.
pub const SMINTIO_ADAPTER: &str = "/portals/data-adapter/webhook";

/// A running system for one test.
pub struct Stack {
    pub control: SandboxControl,
    pub galleries: Galleries,
    pub config: Config,
    pub topology: Topology,
    pub ingress_url: String,
    parts: Vec<Part>,
    sandbox: Option<Part>,
    /// `client_b`'s sandbox: control, galleries, the running part.
    second: Option<(SandboxControl, Galleries, Part)>,
    /// Set by [`Stack::stop`]; otherwise (a failed assertion) `Drop` deletes the topology.
    topology_deleted: bool,
    /// The test's connection for looking at queues (not the services').
    inspector: Broker,
    /// The broker's management API, for what AMQP does not tell (unacked deliveries).
    management: quiet::Management,
    /// The operations listeners of the flow binaries this stack started.
    binary_ops: Mutex<Vec<SocketAddr>>,
    /// The test's own platform clients (one login per connection, reused by every look).
    readers: assetrelay_flows::shared::connections::Connections,
    /// The store the stack's flows use (the test reads the ledger and history from it).
    pub store: Store,
    /// Where that store lives, removed by [`Stack::stop`].
    store_place: StorePlace,
}

enum StorePlace {
    File(PathBuf),
    Schema(Box<ScratchSchema>),
}

impl Drop for Stack {
    /// A test that panicked never reached `stop`: still delete its queues, so a failing
    /// run does not leave quorum queues behind on the shared broker.
    fn drop(&mut self) {
        if self.topology_deleted {
            return;
        }
        let (broker_config, topology) = (self.config.broker.clone(), self.topology.clone());
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let broker = Broker::start(
                    BrokerSettings::from_config(&broker_config, "e2e-cleanup"),
                    None,
                );
                if broker.wait_ready(Duration::from_secs(10)).await
                    && let Ok(channel) = broker.channel().await
                {
                    let _ = topology.delete(&channel).await;
                }
                broker.close().await;
            });
        });
        let _ = cleanup.join();
    }
}

impl Stack {
    pub async fn start(options: Options) -> Self {
        // RUST_LOG=info shows what the flows did, interleaved with the test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        // Installed before any flow runs: `settle` reads the flows' in-flight gauge.
        let _ = assetrelay_telemetry::metrics_handle();
        let prefix = format!("e2e-{}", uuid::Uuid::new_v4().simple());
        let mut env: Vec<(String, String)> = options
            .env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        if options.second_connection {
            env.extend(
                client_b::CLIENT_B_ENV
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
        }
        let (store_url, store_place) = match options.store {
            StoreBackend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{prefix}.db"));
                (
                    format!("sqlite://{}", file.display()),
                    StorePlace::File(file),
                )
            }
            StoreBackend::Postgres => {
                let schema = ScratchSchema::create(&postgres_url())
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "this test needs PostgreSQL at {} (ASSETRELAY_TEST_POSTGRES_URL): {e}",
                            postgres_url()
                        )
                    });
                (
                    schema.url.expose().to_owned(),
                    StorePlace::Schema(Box::new(schema)),
                )
            }
        };
        env.push(("ASSETRELAY_STORE__URL".to_owned(), store_url));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut config = test_config(&prefix, &env);
        let store = Store::connect(&config.store).await.unwrap();
        let ingress_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ingress_url = format!("http://{}", ingress_listener.local_addr().unwrap());
        let sandbox_url = format!("http://{}", sandbox_listener.local_addr().unwrap());
        config.ingress.listen = ingress_listener.local_addr().unwrap();
        let webhooks_to = if options.sandbox_webhooks {
            ingress_url.as_str()
        } else {
            NOWHERE
        };
        let sandbox_config = SandboxConfig {
            webhooks_enabled: !options.webhooks_off,
            ..SandboxConfig::for_tests()
        };
        let sandbox = start_sandbox(sandbox_config, sandbox_listener, webhooks_to);
        use_sandbox(&mut config, Some("demo"), &sandbox_url).unwrap();
        let control = SandboxControl::new(&sandbox_url);
        let galleries = assetrelay_cli::seed::galleries(&control).await.unwrap();
        let rules = &mut config.connections.get_mut("demo").unwrap().rules;
        (options.rules)(rules, &galleries);
        let mut second = None;
        if options.second_connection {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let sandbox_b = SandboxConfig {
                webhooks_enabled: !options.webhooks_off,
                ..client_b::client_b_sandbox()
            };
            let part = start_sandbox(sandbox_b, listener, &ingress_url);
            use_sandbox(&mut config, Some("client_b"), &url).unwrap();
            let control_b = SandboxControl::new(&url);
            let galleries_b = assetrelay_cli::seed::galleries(&control_b).await.unwrap();
            default_rules(
                &mut config.connections.get_mut("client_b").unwrap().rules,
                &galleries_b,
            );
            second = Some((control_b, galleries_b, part));
        }

        let mut parts = vec![start_ingress(&config, ingress_listener).unwrap()];
        for (flow, replicas) in &options.flows {
            for _ in 0..*replicas {
                parts.push(start_flow(&config, *flow, None).await.unwrap());
            }
        }
        if options.sources {
            for connection in config.connections.values_mut() {
                connection.photoshelter.poll.interval_secs = 1;
                connection.photoshelter.reconcile.interval_secs = 2;
                connection.smintio.sync.interval_secs = 5;
            }
            parts.push(start_sources(&config, None).await.unwrap());
        }
        let readers =
            assetrelay_flows::shared::connections::Connections::from_config(&config, &store);
        let stack = Self {
            control,
            galleries,
            topology: Topology::from_config(&config.topology),
            ingress_url,
            parts,
            sandbox: Some(sandbox),
            second,
            topology_deleted: false,
            readers,
            inspector: Broker::start(
                BrokerSettings::from_config(&config.broker, "e2e-test"),
                None,
            ),
            management: quiet::Management::new(&config.broker.management_url),
            binary_ops: Mutex::new(Vec::new()),
            config,
            store,
            store_place,
        };
        // Every flow consumes before the test makes its first change.
        for (flow, replicas) in &options.flows {
            stack.wait_for_consumers(*flow, *replicas).await;
        }
        stack
    }

    /// `client_b`'s sandbox and galleries (with `second_connection`).
    pub fn client_b(&self) -> (&SandboxControl, &Galleries) {
        let (control, galleries, _) = self
            .second
            .as_ref()
            .expect("started without second_connection");
        (control, galleries)
    }

    /// Start one more replica of `flow` with its operations listener; its address.
    pub async fn add_flow_with_ops(&mut self, flow: Flow) -> SocketAddr {
        let ops = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = ops.local_addr().unwrap();
        self.parts
            .push(start_flow(&self.config, flow, Some(ops)).await.unwrap());
        addr
    }

    /// Stop everything and delete this test's topology.
    pub async fn stop(mut self) {
        for part in self.parts.drain(..).rev() {
            part.stop().await.unwrap();
        }
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.stop().await.unwrap();
        }
        if let Some((_, _, part)) = self.second.take() {
            part.stop().await.unwrap();
        }
        let broker = self.broker().await;
        let channel = broker.channel().await.unwrap();
        self.topology.delete(&channel).await.unwrap();
        broker.close().await;
        self.topology_deleted = true;
        match std::mem::replace(&mut self.store_place, StorePlace::File(PathBuf::new())) {
            StorePlace::File(file) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
            }
            StorePlace::Schema(schema) => {
                self.store.close().await;
                schema.drop_schema().await.unwrap();
            }
        }
    }

    /// The test's own broker connection (one per stack), for inspecting queues.
    async fn broker(&self) -> Broker {
        assert!(
            self.inspector.wait_ready(Duration::from_secs(10)).await,
            "broker not reachable"
        );
        self.inspector.clone()
    }

    /// Publish `event` (confirmed) straight into `flow`'s work queue, as a redelivery or a
    /// replay would bring it.
    pub async fn publish_to_flow(&self, flow: Flow, event: &CloudEvent) {
        let publisher = Publisher::new(self.broker().await, 1, Duration::from_secs(5));
        let message =
            OutgoingMessage::for_event(event, "", &self.topology.work_queue(flow), PRODUCER);
        publisher.publish(&message).await.unwrap();
    }

    /// Ready messages and consumers of a queue (exact, from the broker).
    pub async fn queue_stats(&self, queue: &str) -> anyhow::Result<(u32, u32)> {
        let counts = self.broker().await.queue_counts(queue).await?;
        Ok((counts.messages, counts.consumers))
    }

    pub async fn consumers(&self, queue: &str) -> anyhow::Result<u32> {
        Ok(self.queue_stats(queue).await?.1)
    }

    /// Wait until at least `n` consumers consume `flow`'s work queue.
    pub async fn wait_for_consumers(&self, flow: Flow, n: usize) {
        let queue = self.topology.work_queue(flow);
        self.wait_for(
            &format!("{n} consumer(s) on {queue}"),
            Duration::from_secs(30),
            || async {
                self.consumers(&queue)
                    .await
                    .ok()
                    .filter(|c| *c as usize >= n)
                    .map(|_| ())
            },
        )
        .await;
    }

    /// Take every message of `queue` (acknowledging it): headers as strings and body.
    pub async fn drain(&self, queue: &str) -> Vec<(BTreeMap<String, String>, Value)> {
        let broker = self.broker().await;
        let channel = broker.channel().await.unwrap();
        let mut out = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions::default())
            .await
            .unwrap()
        {
            let headers = text_headers(&message.properties);
            let body = serde_json::from_slice(&message.data).unwrap_or(Value::Null);
            message.ack(BasicAckOptions::default()).await.unwrap();
            out.push((headers, body));
        }
        let _ = channel.close(200, "done".into()).await;
        out
    }

    /// The decisions `flow` recorded for the PhotoShelter image `media` of the demo
    /// connection, oldest first (the store's outcome history).
    pub async fn decisions(&self, flow: Flow, media: &str) -> Vec<assetrelay_store::Outcome> {
        self.store
            .history(Some("demo"), "photoshelter", media, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.flow == flow.as_str())
            .collect()
    }

    /// Add a sandbox fault rule (`POST /_sandbox/faults`, docs/sandbox.md).
    pub async fn fault(&self, rule: Value) {
        self.control
            .call(reqwest::Method::POST, "/_sandbox/faults", Some(rule))
            .await
            .unwrap();
    }

    /// Clear every sandbox fault rule.
    pub async fn no_faults(&self) {
        self.control
            .call(reqwest::Method::DELETE, "/_sandbox/faults", None)
            .await
            .unwrap();
    }

    /// Poll `check` until it gives a value, failing the test after `timeout`.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, timeout: Duration, check: F) -> T
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(value) = check().await {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for: {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every sandbox of this stack: `demo`'s, then `client_b`'s if it runs.
    fn sandboxes(&self) -> impl Iterator<Item = &SandboxControl> {
        std::iter::once(&self.control).chain(self.second.as_ref().map(|(c, _, _)| c))
    }

    /// Remember a flow binary's operations listener, so [`Stack::activity`] sees its
    /// handlers.
    fn watch_binary(&self, ops: SocketAddr) {
        self.binary_ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(ops);
    }
}
