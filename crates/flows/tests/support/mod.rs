//! Harness of the handler tests: wiremock fakes of PhotoShelter and Smint.io, the example
//! configuration pointed at them, the real RabbitMQ behind the expiry scheduler, and
//! deliveries built the way the consumer builds them.
//!
//! - [`photoshelter`]: answers and write mocks of the PhotoShelter API.
//! - [`smintio`]: the CLAPI-C feed, binaries and the data-adapter push.
//! - [`rabbit`]: a private topology prefix on the broker and a look at its queues.

// Each test binary uses its own part of the harness.
#![allow(dead_code)]
// Helpers outside #[test] fns panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod photoshelter;
pub mod rabbit;
pub mod smintio;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::consumer::{Delivery, FailureKind, Handled, HandlerError};
use assetrelay_config::{Config, ConnectionRules};
use assetrelay_contract::amqp::text_headers;
use assetrelay_contract::{
    CloudEvent, EventType, Normalized, OutgoingMessage, Platform, header, new_traceparent,
};
use assetrelay_flows::lifecycle::Lifecycle;
use assetrelay_flows::shared::connections::{Connections, LiveConnections};
use assetrelay_flows::shared::context::FlowContext;
use assetrelay_flows::shared::turn::holder_name;
use assetrelay_flows::to_photoshelter::ToPhotoshelter;
use assetrelay_flows::to_smint::ToSmint;
use assetrelay_store::Store;
use chrono::{DateTime, SecondsFormat, Utc};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use rabbit::Rabbit;

/// The connection of `config/example.toml`.
pub const CONNECTION: &str = "demo";
/// Its PhotoShelter organization.
pub const ORG: &str = "O0000DEVORG00001";
/// The gallery the test rules approve media by.
pub const APPROVED_GALLERY: &str = "G0000APPROVED001";
/// The distribution gallery of the test rules.
pub const DISTRIBUTION_GALLERY: &str = "G0000DISTRIB0001";
/// Secrets of the example config that must never show up in an error.
pub const SECRETS: &[&str] = &[
    "ps-dev-api-key",
    "dev-password",
    "ps-session-token",
    "dev-client-secret",
    "dev-refresh-token",
    "smint-access-token",
];

/// Both platforms faked, the broker and the store (a SQLite file of its own) real, one
/// connection configured against them.
pub struct Harness {
    pub photoshelter: MockServer,
    pub smintio: MockServer,
    pub config: Config,
    pub rabbit: Rabbit,
    /// Shared by every handler the harness builds: a new handler is a restarted process.
    pub store: Store,
    store_file: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.store_file.display()));
        }
    }
}

impl Harness {
    /// With [`test_rules`].
    pub async fn start() -> Self {
        Self::with_rules(|_| {}).await
    }

    /// With [`test_rules`], then `edit` applied to them.
    pub async fn with_rules(edit: impl FnOnce(&mut ConnectionRules)) -> Self {
        let photoshelter = MockServer::start().await;
        let smintio = MockServer::start().await;
        let prefix = format!("flowtests-{}", uuid::Uuid::new_v4().simple());
        let store_file = std::env::temp_dir().join(format!("{prefix}.db"));
        let mut config = load_config(&prefix, &photoshelter, &smintio, &store_file);
        let rules = &mut config
            .connections
            .get_mut(CONNECTION)
            .expect("the example config has connection `demo`")
            .rules;
        test_rules(rules);
        edit(rules);
        photoshelter::serve_login(&photoshelter).await;
        smintio::serve_token(&smintio).await;
        smintio::serve_metadata(&smintio).await;
        // Lowest priority: a call no test mock answers is answered 418 and fails the test
        // when the server is dropped.
        for server in [&photoshelter, &smintio] {
            Mock::given(any())
                .respond_with(ResponseTemplate::new(418))
                .with_priority(u8::MAX)
                .named("a call no mock expects")
                .expect(0)
                .mount(server)
                .await;
        }
        let rabbit = Rabbit::connect(&config).await;
        let store = Store::connect(&config.store).await.unwrap();
        Self {
            photoshelter,
            smintio,
            config,
            rabbit,
            store,
            store_file,
        }
    }

    /// Fresh clients and rules, as a flow process builds them at start.
    pub fn connections(&self) -> Arc<Connections> {
        let connections = Connections::from_config(&self.config, &self.store);
        assert!(
            connections.get(CONNECTION).is_ok(),
            "the test connection is usable"
        );
        Arc::new(connections)
    }

    /// Record in the ledger that `media_id` is the copy of `version` of license `uuid`,
    /// as to-photoshelter does after an upload.
    pub async fn record_copy(&self, uuid: &str, version: i64, media_id: &str) {
        let write = assetrelay_store::LedgerWrite {
            target_ids: vec![format!("v{version}:{media_id}")],
            fingerprint: String::new(),
            // Long ago: any state the test serves is newer.
            source: assetrelay_store::SourceVersion {
                modified_ms: 0,
                read_ms: 0,
            },
            outcome: "written".into(),
        };
        let key = assetrelay_flows::shared::ps_copies::license_key(CONNECTION, uuid);
        self.store.record_write(&key, &write).await.unwrap();
    }

    /// The ledger's target ids of license `uuid`.
    pub async fn recorded_copies(&self, uuid: &str) -> Vec<String> {
        let key = assetrelay_flows::shared::ps_copies::license_key(CONNECTION, uuid);
        let row = self.store.ledger(&key).await.unwrap();
        row.map(|r| r.target_ids).unwrap_or_default()
    }

    /// What a flow process builds at start; each call is a new process (a new holder).
    pub fn context(&self, flow: &str) -> FlowContext {
        FlowContext::new(
            Arc::new(LiveConnections::new(
                Arc::into_inner(self.connections()).unwrap(),
            )),
            self.rabbit.scheduler(),
            self.store.clone(),
            holder_name(flow),
            Duration::from_secs(30),
        )
    }

    pub fn to_smint(&self) -> ToSmint {
        ToSmint::new(self.context("to-smint"))
    }

    pub fn to_photoshelter(&self) -> ToPhotoshelter {
        ToPhotoshelter::new(self.context("to-photoshelter"))
    }

    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle::new(self.context("lifecycle"))
    }
}

/// `config/example.toml` with a private topology prefix and every API URL of connection
/// `demo` pointed at the fakes, through `ASSETRELAY_*` overrides as in production.
fn load_config(
    prefix: &str,
    photoshelter: &MockServer,
    smintio: &MockServer,
    store_file: &Path,
) -> Config {
    let smint = smintio.uri();
    let amqp = std::env::var("AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let env: BTreeMap<String, String> = [
        ("ASSETRELAY_TOPOLOGY__PREFIX", prefix.to_owned()),
        ("ASSETRELAY_BROKER__URL", amqp),
        (
            "ASSETRELAY_STORE__URL",
            format!("sqlite://{}", store_file.display()),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__BASE_URL",
            photoshelter.uri(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__IDENTITY_URL",
            smint.clone(),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__CLAPI_URL",
            format!("{smint}/consumer/v1"),
        ),
        (
            "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__ADAPTER__WEBHOOK_URL",
            format!("{smint}{}", smintio::ADAPTER),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    assetrelay_config::load(Some(&file), &env).unwrap()
}

/// Media in [`APPROVED_GALLERY`] are approved; licenses are distributed into
/// [`DISTRIBUTION_GALLERY`], end dates allowed (lifecycle enforces them).
pub fn test_rules(rules: &mut ConnectionRules) {
    rules.approval.galleries = vec![APPROVED_GALLERY.to_owned()];
    rules.distribution.gallery = Some(DISTRIBUTION_GALLERY.to_owned());
    rules.distribution.allow_restrictive = true;
}

/// An event as the ingress normalizes a webhook of `platform` about `subject`.
pub fn event(platform: Platform, event_type: EventType, subject: Option<&str>) -> CloudEvent {
    CloudEvent::from_normalized(
        platform,
        CONNECTION,
        Normalized {
            delivery_id: uuid::Uuid::new_v4().to_string(),
            event_type,
            subject: subject.map(str::to_owned),
            occurred_at: Utc::now(),
            change: serde_json::Map::new(),
        },
        new_traceparent(),
    )
}

/// The delivery of `event` as it arrives from the events exchange.
pub fn delivery(event: &CloudEvent) -> Delivery {
    delivery_of(OutgoingMessage::for_event(
        event,
        "",
        &event.routing_key(),
        "flowtests",
    ))
}

/// The delivery of `event` as the expiry scheduler sends it: due at `due`.
pub fn scheduled(event: &CloudEvent, due: DateTime<Utc>) -> Delivery {
    let message = OutgoingMessage::for_event(event, "", &event.routing_key(), "flowtests")
        .with_header(
            header::DUE_AT,
            &due.to_rfc3339_opts(SecondsFormat::Millis, true),
        );
    delivery_of(message)
}

/// What the consumer hands the handler for `message`.
fn delivery_of(message: OutgoingMessage) -> Delivery {
    Delivery {
        message_id: message
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.to_string()),
        headers: text_headers(&message.properties),
        body: message.body,
        routing_key: message.routing_key,
        attempt: 0,
        redelivered: false,
    }
}

/// The failure of `outcome`, which must be of `kind` and `class`, and name no secret.
pub fn failure(
    outcome: Result<Handled, HandlerError>,
    kind: FailureKind,
    class: &str,
) -> HandlerError {
    let error = match outcome {
        Ok(handled) => panic!("expected a {kind:?} `{class}` failure, got {handled:?}"),
        Err(error) => error,
    };
    assert_eq!(
        (error.kind, error.class.as_str()),
        (kind, class),
        "{error:?}"
    );
    for secret in SECRETS {
        assert!(!error.detail.contains(secret), "{error:?} shows a secret");
    }
    error
}

/// Mount a mock that fails the test if `server` receives any call at all (logins
/// included), for decisions that must be made before touching a platform.
pub async fn no_calls(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418))
        .with_priority(1)
        .named("no call at all")
        .expect(0)
        .mount(server)
        .await;
}
