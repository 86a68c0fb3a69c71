//! Harness of the sources tests: the in-process sandbox (its webhooks off), the real
//! RabbitMQ under a topology of the test's own, and a real store (a SQLite file in a temp
//! directory, or a scratch schema of the PostgreSQL test database).

// Each test binary uses its own part of the harness.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use assetrelay_broker::{Publisher, Topology};
use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_contract::{CloudEvent, Flow};
use assetrelay_photoshelter::client::{Auth, Client, ClientConfig};
use assetrelay_sandbox::{RunningSandbox, SandboxConfig};
use assetrelay_sources::photoshelter::PollContext;
use assetrelay_store::Store;
use assetrelay_store::scratch::ScratchSchema;
use assetrelay_testkit::{TestBed, start_broker};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const CONNECTION: &str = "demo";
pub const ORG: &str = "O0000DEVORG00001";
/// Long enough that everything a test creates lies inside it.
pub const OVERLAP_SECS: i64 = 300;

/// A sandbox without outgoing webhooks: polling is the only way its changes are heard.
pub async fn sandbox() -> RunningSandbox {
    sandbox_with_ids(0).await
}

/// [`sandbox`] numbering its ids in space `id_seed`, so two sandboxes never share an id.
pub async fn sandbox_with_ids(id_seed: u16) -> RunningSandbox {
    let mut config = SandboxConfig::for_tests();
    config.ingress_url = None;
    config.id_seed = id_seed;
    assetrelay_sandbox::spawn(config).await.unwrap()
}

/// Where the store lives; removed when dropped.
pub enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(Box<ScratchSchema>),
}

pub async fn sqlite_store() -> (Store, Place) {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        url: StoreUrl::sqlite(dir.path().join("store.db")),
        ..StoreConfig::default()
    };
    (Store::connect(&config).await.unwrap(), Place::Sqlite(dir))
}

pub async fn postgres_store() -> (Store, Place) {
    let base = std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/assetrelay_test".to_owned());
    let schema = ScratchSchema::create(&base)
        .await
        .expect("PostgreSQL at ASSETRELAY_TEST_POSTGRES_URL (default assetrelay_test)");
    let config = StoreConfig {
        url: schema.url.clone(),
        ..StoreConfig::default()
    };
    (
        Store::connect(&config).await.unwrap(),
        Place::Postgres(Box::new(schema)),
    )
}

impl Place {
    pub async fn remove(self) {
        if let Place::Postgres(schema) = self {
            schema.drop_schema().await.unwrap();
        }
    }
}

/// A client of the sandbox with the dev credentials.
pub fn client(sandbox: &RunningSandbox) -> Client {
    let mut config = ClientConfig::new(
        sandbox.base_url.parse().unwrap(),
        SecretString::from("ps-dev-api-key"),
        Auth::Token {
            email: "dev@example.com".into(),
            password: SecretString::from("dev-password"),
            org_id: ORG.into(),
        },
    );
    config.timeout = Duration::from_secs(10);
    Client::new(config).unwrap()
}

/// What a sources process builds for connection `demo`: its own broker connection.
pub async fn context(
    sandbox: &RunningSandbox,
    topology: &Topology,
    store: &Store,
    page_size: u32,
) -> PollContext {
    let broker = start_broker("assetrelay-sources-under-test", None).await;
    PollContext {
        connection: CONNECTION.into(),
        org_id: ORG.into(),
        client: Arc::new(client(sandbox)),
        publisher: Publisher::new(broker, 2, Duration::from_secs(10)),
        topology: topology.clone(),
        store: store.clone(),
        overlap: chrono::Duration::seconds(OVERLAP_SECS),
        page_size,
        watched_galleries: Vec::new(),
        watched_collections: Vec::new(),
    }
}

/// Creates a media item through the control API; its id.
pub async fn create_media(sandbox: &RunningSandbox) -> String {
    let url = format!("{}/_sandbox/photoshelter/media", sandbox.base_url);
    let body: Value = reqwest::Client::new()
        .post(url)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"].as_str().unwrap().to_owned()
}

/// Changes a media item's caption (a new modification time).
pub async fn touch(sandbox: &RunningSandbox, id: &str) {
    let url = format!("{}/_sandbox/photoshelter/media/{id}", sandbox.base_url);
    reqwest::Client::new()
        .patch(url)
        .json(&json!({"iptc": {"caption": uuid::Uuid::new_v4().to_string()}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// Gives every listed item the modification time `at`, as a platform that stamps whole
/// seconds would.
pub async fn set_modified(sandbox: &RunningSandbox, ids: &[String], at: DateTime<Utc>) {
    let state = sandbox.state();
    let mut ps = state.photoshelter.lock().await;
    for id in ids {
        ps.media.get_mut(id).unwrap().modified_at = at;
    }
}

/// The events the to-smint flow would receive, taken off its queue, in queue order.
pub async fn events(bed: &TestBed) -> Vec<CloudEvent> {
    bed.drain(&bed.topology.work_queue(Flow::ToSmint))
        .await
        .into_iter()
        .map(|t| serde_json::from_slice(&t.body).unwrap())
        .collect()
}

pub fn subjects(events: &[CloudEvent]) -> Vec<String> {
    let mut s: Vec<String> = events.iter().filter_map(|e| e.subject.clone()).collect();
    s.sort();
    s
}

pub fn ids(events: &[CloudEvent]) -> Vec<String> {
    let mut s: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    s.sort();
    s
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A Smint.io client of the sandbox with the dev credentials; its refresh token in `store`.
pub fn smintio_client(
    sandbox: &RunningSandbox,
    store: &Store,
) -> assetrelay_smintio::client::SmintioClient {
    use assetrelay_smintio::client::{ClientConfig, RetryPolicy, SmintioClient};
    let config = ClientConfig::new(
        sandbox.base_url.parse().unwrap(),
        format!("{}/consumer/v1", sandbox.base_url).parse().unwrap(),
        "assetrelay-dev",
        SecretString::from("dev-client-secret"),
        SecretString::from("dev-refresh-token"),
    )
    .with_retry(RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    });
    // As the binaries build it: the rotated refresh token kept in the store.
    let tokens = Arc::new(assetrelay_clients::StoredRefreshToken::new(
        store.clone(),
        CONNECTION,
        assetrelay_clients::SMINTIO_REFRESH_TOKEN,
    ));
    SmintioClient::with_token_store(config, tokens).unwrap()
}

/// What a sources process builds for the Smint.io sync of `demo`.
pub async fn sync_context(
    sandbox: &RunningSandbox,
    topology: &Topology,
    store: &Store,
    page_size: u32,
) -> assetrelay_sources::smintio::SyncContext {
    let broker = start_broker("assetrelay-sources-under-test", None).await;
    assetrelay_sources::smintio::SyncContext {
        connection: CONNECTION.into(),
        client: Arc::new(smintio_client(sandbox, store)),
        publisher: Publisher::new(broker, 2, Duration::from_secs(10)),
        topology: topology.clone(),
        store: store.clone(),
        page_size,
    }
}

/// Runs a control command on the sandbox's license purchase transactions; the LPT.
pub async fn lpt_command(sandbox: &RunningSandbox, command: Value) -> Value {
    let url = format!(
        "{}/_sandbox/smintio/license-purchase-transactions",
        sandbox.base_url
    );
    let body: Value = reqwest::Client::new()
        .post(url)
        .json(&command)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    body["license_purchase_transaction"].clone()
}

/// Creates a license purchase transaction; its uuid.
pub async fn create_license(sandbox: &RunningSandbox) -> String {
    let lpt = lpt_command(sandbox, json!({"action": "create"})).await;
    lpt["uuid"].as_str().unwrap().to_owned()
}

/// The events the to-photoshelter flow would receive, in queue order.
pub async fn license_events(bed: &TestBed) -> Vec<CloudEvent> {
    bed.drain(&bed.topology.work_queue(Flow::ToPhotoshelter))
        .await
        .into_iter()
        .map(|t| serde_json::from_slice(&t.body).unwrap())
        .collect()
}
