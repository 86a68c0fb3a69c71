//! End-to-end harness: the sandbox, the ingress and the flows in this process, a private
//! topology prefix per test on the real RabbitMQ, and helpers to wait for effects.
//! Everything a test observes goes through the sandbox's control API, the way an operator
//! would look at the platforms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::options::{BasicAckOptions, BasicGetOptions};
use assetrelay_broker::lapin::types::FieldTable;
use assetrelay_broker::{Broker, BrokerSettings, Topology};
use assetrelay_cli::control::SandboxControl;
use assetrelay_cli::seed::Galleries;
use assetrelay_cli::stack::{Part, start_flow, start_ingress, start_sandbox, use_sandbox};
use assetrelay_config::{Config, ConnectionRules, MediaMatch};
use assetrelay_contract::Flow;
use assetrelay_sandbox::SandboxConfig;
use tokio::net::TcpListener;

pub use assetrelay_cli;
pub use serde_json::{Value, json};

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
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    assetrelay_config::load(Some(&example_config()), &env).unwrap()
}

/// How a test wants the stack.
pub struct Options {
    /// Replicas per flow.
    pub flows: Vec<(Flow, usize)>,
    /// Extra environment overrides.
    pub env: Vec<(&'static str, &'static str)>,
    /// Changes the rules after the demo galleries exist.
    pub rules: fn(&mut ConnectionRules, &Galleries),
    /// Add connection `client_b`, with its own sandbox, credentials, galleries and rules.
    pub second_connection: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            flows: Flow::ALL.into_iter().map(|f| (f, 1)).collect(),
            env: Vec::new(),
            rules: default_rules,
            second_connection: false,
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

/// Connection `client_b`: another PhotoShelter organization and Smint.io tenant with
/// credentials of its own (the sandbox serving it accepts only these).
const CLIENT_B_ENV: &[(&str, &str)] = &[
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==\"]",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SCHEME",
        "standard-webhooks",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SECRETS",
        "[\"whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=\"]",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__BASE_URL",
        "http://127.0.0.1:1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__API_KEY",
        "client-b-ps-key",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__MODE",
        "token",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__EMAIL",
        "ops@client-b.example",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__PASSWORD",
        "client-b-password",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__API__AUTH__ORG_ID",
        "O0000CLIENTB0001",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__IDENTITY_URL",
        "http://127.0.0.1:1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLAPI_URL",
        "http://127.0.0.1:1/consumer/v1",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLIENT_ID",
        "client-b",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__CLIENT_SECRET",
        "client-b-secret",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__REFRESH_TOKEN",
        "client-b-refresh",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__WEBHOOK_URL",
        "http://127.0.0.1:1/portals/data-adapter/webhook",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__SECRET",
        "client-b-adapter-secret",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__SIGNATURE_HEADER",
        "X-Assetrelay-Signature",
    ),
    (
        "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__API__ADAPTER__TIMESTAMP_HEADER",
        "X-Assetrelay-Timestamp",
    ),
];

fn client_b_sandbox() -> SandboxConfig {
    use secrecy::SecretString;
    let mut config = SandboxConfig::for_tests();
    config.connection = "client_b".into();
    config.photoshelter_webhook = assetrelay_sandbox::WebhookSigning::standard(
        "whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==",
    );
    config.smintio_webhook =
        assetrelay_sandbox::WebhookSigning::standard("whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=");
    config.photoshelter.api_key = SecretString::from("client-b-ps-key");
    config.photoshelter.email = "ops@client-b.example".into();
    config.photoshelter.password = SecretString::from("client-b-password");
    config.photoshelter.org_id = "O0000CLIENTB0001".into();
    config.smintio.client_id = "client-b".into();
    config.smintio.client_secret = SecretString::from("client-b-secret");
    config.smintio.refresh_token = SecretString::from("client-b-refresh");
    config.data_adapter.secret = SecretString::from("client-b-adapter-secret");
    config
}

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
    /// The test's own platform clients (one login per connection, reused by every look).
    readers: assetrelay_flows::shared::connections::Connections,
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
        let prefix = format!("e2e-{}", uuid::Uuid::new_v4().simple());
        let mut env = options.env.clone();
        if options.second_connection {
            env.extend_from_slice(CLIENT_B_ENV);
        }
        let mut config = test_config(&prefix, &env);
        let ingress_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ingress_url = format!("http://{}", ingress_listener.local_addr().unwrap());
        let sandbox_url = format!("http://{}", sandbox_listener.local_addr().unwrap());
        config.ingress.listen = ingress_listener.local_addr().unwrap();
        let sandbox = start_sandbox(SandboxConfig::for_tests(), sandbox_listener, &ingress_url);
        use_sandbox(&mut config, Some("demo"), &sandbox_url).unwrap();
        let control = SandboxControl::new(&sandbox_url);
        let galleries = assetrelay_cli::seed::galleries(&control).await.unwrap();
        let rules = &mut config.connections.get_mut("demo").unwrap().rules;
        (options.rules)(rules, &galleries);
        let mut second = None;
        if options.second_connection {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let part = start_sandbox(client_b_sandbox(), listener, &ingress_url);
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
                parts.push(start_flow(&config, *flow, None).unwrap());
            }
        }
        let config_broker = config.broker.clone();
        let readers = assetrelay_flows::shared::connections::Connections::from_config(&config);
        let stack = Self {
            control,
            galleries,
            topology: Topology::from_config(&config.topology),
            config,
            ingress_url,
            parts,
            sandbox: Some(sandbox),
            second,
            topology_deleted: false,
            readers,
            inspector: Broker::start(
                BrokerSettings::from_config(&config_broker, "e2e-test"),
                None,
            ),
        };
        // Every flow consumes before the test makes its first change.
        for (flow, replicas) in &options.flows {
            let queue = stack.topology.work_queue(*flow);
            stack
                .wait_for(
                    &format!("{replicas} consumer(s) on {queue}"),
                    Duration::from_secs(20),
                    || async {
                        stack
                            .consumers(&queue)
                            .await
                            .ok()
                            .filter(|n| *n as usize >= *replicas)
                    },
                )
                .await;
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
    pub async fn add_flow_with_ops(&mut self, flow: Flow) -> std::net::SocketAddr {
        let _ = assetrelay_telemetry::metrics_handle();
        let ops = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = ops.local_addr().unwrap();
        self.parts
            .push(start_flow(&self.config, flow, Some(ops)).unwrap());
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
    pub async fn publish_to_flow(&self, flow: Flow, event: &assetrelay_contract::CloudEvent) {
        use assetrelay_broker::lapin::BasicProperties;
        use assetrelay_broker::lapin::types::{AMQPValue, LongString};
        let broker = self.broker().await;
        let publisher =
            assetrelay_broker::Publisher::new(broker.clone(), 1, Duration::from_secs(5));
        let mut headers = FieldTable::default();
        headers.insert(
            "x-connection".into(),
            AMQPValue::LongString(LongString::from(event.assetrelayconnection.as_str())),
        );
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(LongString::from(event.traceparent.as_str())),
        );
        let message = assetrelay_contract::OutgoingMessage {
            exchange: String::new(),
            routing_key: self.topology.work_queue(flow),
            body: event.to_json(),
            properties: BasicProperties::default()
                .with_message_id(event.id.as_str().into())
                .with_content_type(assetrelay_contract::CLOUDEVENTS_CONTENT_TYPE.into())
                .with_delivery_mode(2)
                .with_headers(headers),
        };
        publisher.publish(&message).await.unwrap();
    }

    /// Messages and consumers of a queue.
    pub async fn queue_stats(&self, queue: &str) -> anyhow::Result<(u32, u32)> {
        let counts = self.broker().await.queue_counts(queue).await?;
        Ok((counts.messages, counts.consumers))
    }

    pub async fn consumers(&self, queue: &str) -> anyhow::Result<u32> {
        Ok(self.queue_stats(queue).await?.1)
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
            let headers = message
                .properties
                .headers()
                .as_ref()
                .map(|h| {
                    h.inner()
                        .iter()
                        .map(|(k, v)| (k.to_string(), header_text(v)))
                        .collect()
                })
                .unwrap_or_default();
            let body = serde_json::from_slice(&message.data).unwrap_or(Value::Null);
            message.ack(BasicAckOptions::default()).await.unwrap();
            out.push((headers, body));
        }
        let _ = channel.close(200, "done".into()).await;
        out
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

    /// The Smint.io asset once it exists.
    pub async fn smint_asset_appears(&self, external_id: &str) -> Value {
        self.wait_for(
            &format!("Smint.io asset {external_id}"),
            Duration::from_secs(30),
            || async { self.control.smint_asset(external_id).await.unwrap() },
        )
        .await
    }

    /// Media ids in a PhotoShelter gallery whose file name starts with `prefix`, read
    /// through the PhotoShelter API as the flows read it.
    pub async fn gallery_media(&self, gallery: &str, prefix: &str) -> Vec<String> {
        self.gallery_media_of("demo", gallery, prefix).await
    }

    /// [`Self::gallery_media`] of another connection.
    pub async fn gallery_media_of(
        &self,
        connection: &str,
        gallery: &str,
        prefix: &str,
    ) -> Vec<String> {
        let reader = self.readers.get(connection).unwrap();
        reader
            .photoshelter
            .gallery_children(gallery)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| {
                m.file_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .map(|m| m.id)
            .collect()
    }

    /// The sandbox's full state of every media item made from license `uuid` that is still
    /// in the distribution gallery.
    pub async fn distributed_copies(&self, uuid: &str) -> Vec<Value> {
        let mut copies = Vec::new();
        for id in self
            .gallery_media(&self.galleries.distribution, &format!("smintio-{uuid}-"))
            .await
        {
            if let Some(media) = self.control.media(&id).await.unwrap() {
                copies.push(media);
            }
        }
        copies
    }

    /// Wait until nothing is queued or in flight in any flow for `quiet` in a row.
    pub async fn settle(&self, quiet: Duration) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut since: Option<Instant> = None;
        loop {
            let mut busy = false;
            for flow in Flow::ALL {
                for q in [self.topology.work_queue(flow)].into_iter().chain(
                    self.topology
                        .retry_tiers_secs
                        .iter()
                        .map(|&t| self.topology.retry_queue(flow, t)),
                ) {
                    if self.queue_stats(&q).await.map(|s| s.0 > 0).unwrap_or(false) {
                        busy = true;
                    }
                }
            }
            let webhooks_pending = self
                .control
                .get("/_sandbox/webhooks?status=pending")
                .await
                .ok()
                .and_then(|v| v.as_array().map(|a| !a.is_empty()))
                .unwrap_or(false);
            busy |= webhooks_pending;
            match (busy, since) {
                (true, _) => since = None,
                (false, None) => since = Some(Instant::now()),
                (false, Some(t)) if t.elapsed() >= quiet => return,
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "the system did not settle within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn header_text(value: &assetrelay_broker::lapin::types::AMQPValue) -> String {
    use assetrelay_broker::lapin::types::AMQPValue;
    match value {
        AMQPValue::LongString(s) => s.to_string(),
        AMQPValue::ShortString(s) => s.to_string(),
        AMQPValue::LongLongInt(n) => n.to_string(),
        AMQPValue::LongInt(n) => n.to_string(),
        AMQPValue::ShortInt(n) => n.to_string(),
        AMQPValue::LongUInt(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}
