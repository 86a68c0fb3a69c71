//! Harness of the `sync` and `cursor` tests: the real `assetrelay` binary, configured by
//! `config/example.toml` and `ASSETRELAY_*` variables, against the in-process sandbox (its
//! webhooks off), the real RabbitMQ under a topology of the test's own, and a real store
//! (a migrated SQLite file in a temp directory, or a scratch PostgreSQL schema).

// Each test binary uses its own part of the harness.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assetrelay_config::{StoreConfig, StoreUrl};
use assetrelay_contract::{CloudEvent, Flow};
use assetrelay_sandbox::{RunningSandbox, SandboxConfig};
use assetrelay_store::Store;
use assetrelay_store::scratch::ScratchSchema;
use assetrelay_testkit::{TestBed, amqp_url, topology};
use serde_json::{Value, json};

pub const CONNECTION: &str = "demo";
pub const SMINTIO_CURSOR: &str = assetrelay_contract::source::SMINTIO_SYNC;
pub const PHOTOSHELTER_CURSOR: &str = assetrelay_contract::source::PHOTOSHELTER_POLL;

pub struct Setup {
    pub sandbox: RunningSandbox,
    pub bed: TestBed,
    pub store: Store,
    store_url: String,
    place: Place,
}

enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(Box<ScratchSchema>),
}

impl Setup {
    /// Everything on a SQLite store.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = StoreUrl::sqlite(dir.path().join("store.db"));
        Self::start(url, Place::Sqlite(dir)).await
    }

    /// Everything on a scratch schema of the PostgreSQL test database.
    pub async fn postgres() -> Self {
        let base = std::env::var("ASSETRELAY_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/assetrelay_test".to_owned());
        let schema = ScratchSchema::create(&base)
            .await
            .expect("PostgreSQL at ASSETRELAY_TEST_POSTGRES_URL (default assetrelay_test)");
        let url = schema.url.clone();
        Self::start(url, Place::Postgres(Box::new(schema))).await
    }

    async fn start(url: StoreUrl, place: Place) -> Self {
        let mut config = SandboxConfig::for_tests();
        config.ingress_url = None;
        let sandbox = assetrelay_sandbox::spawn(config).await.unwrap();
        let bed = TestBed::declare(topology("cli-sync")).await;
        // Migrated here: the operations commands never migrate as a side effect.
        let store = Store::connect(&StoreConfig {
            url: url.clone(),
            ..StoreConfig::default()
        })
        .await
        .unwrap();
        Self {
            sandbox,
            bed,
            store,
            store_url: url.expose().to_owned(),
            place,
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Place::Postgres(schema) = self.place {
            schema.drop_schema().await.unwrap();
        }
        self.bed.finish().await;
    }

    /// Run `assetrelay ARGS` with the example configuration pointed at this setup.
    pub async fn assetrelay(&self, args: &[&str]) -> Output {
        let example = example_config();
        let base = &self.sandbox.base_url;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
            .arg("--config")
            .arg(&example)
            .args(args)
            .env("ASSETRELAY_TOPOLOGY__PREFIX", &self.bed.topology.prefix)
            .env("ASSETRELAY_BROKER__URL", amqp_url())
            .env("ASSETRELAY_STORE__URL", &self.store_url)
            .env(
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__BASE_URL",
                base,
            )
            .env(
                "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__POLL__PAGE_SIZE",
                "2",
            )
            .env(
                "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__IDENTITY_URL",
                base,
            )
            .env(
                "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__API__CLAPI_URL",
                format!("{base}/consumer/v1"),
            )
            .env(
                "ASSETRELAY_CONNECTIONS__DEMO__SMINTIO__SYNC__PAGE_SIZE",
                "2",
            )
            // Logs go to stderr (stdout is the command's result): info says how far a
            // command got when it does not exit.
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let drain = |pipe: Option<Box<dyn tokio::io::AsyncRead + Send + Unpin>>| {
            tokio::spawn(async move {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = tokio::io::AsyncReadExt::read_to_end(&mut pipe, &mut bytes).await;
                }
                bytes
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        // A command that does not exit is a failure, not a CI run that never ends; what
        // it logged is the only account of why.
        let Ok(status) =
            tokio::time::timeout(std::time::Duration::from_secs(120), child.wait()).await
        else {
            let _ = child.kill().await;
            let logged = stderr.await.unwrap_or_default();
            panic!(
                "assetrelay {args:?} did not exit within 120 s; its log:\n{}",
                String::from_utf8_lossy(&logged)
            );
        };
        Output {
            status: status.unwrap(),
            stdout: stdout.await.unwrap(),
            stderr: stderr.await.unwrap(),
        }
    }

    /// Creates a license purchase transaction in the sandbox; its uuid.
    pub async fn create_license(&self) -> String {
        let url = format!(
            "{}/_sandbox/smintio/license-purchase-transactions",
            self.sandbox.base_url
        );
        let body = post(&url, json!({"action": "create"})).await;
        body["license_purchase_transaction"]["uuid"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a media item in the sandbox; its id.
    pub async fn create_media(&self) -> String {
        let url = format!("{}/_sandbox/photoshelter/media", self.sandbox.base_url);
        post(&url, json!({})).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Gives media item `id` the modification time `at`.
    pub async fn set_modified(&self, id: &str, at: chrono::DateTime<chrono::Utc>) {
        let state = self.sandbox.state();
        let mut ps = state.photoshelter.lock().await;
        ps.media.get_mut(id).unwrap().modified_at = at;
    }

    /// The license events the to-photoshelter flow would receive, taken off its queue.
    pub async fn license_events(&self) -> Vec<CloudEvent> {
        self.events(Flow::ToPhotoshelter).await
    }

    /// The media events the to-smint flow would receive, taken off its queue.
    pub async fn media_events(&self) -> Vec<CloudEvent> {
        self.events(Flow::ToSmint).await
    }

    async fn events(&self, flow: Flow) -> Vec<CloudEvent> {
        self.bed
            .drain(&self.bed.topology.work_queue(flow))
            .await
            .into_iter()
            .map(|t| serde_json::from_slice(&t.body).unwrap())
            .collect()
    }
}

async fn post(url: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON summary a `--json` run printed.
pub fn summary(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

pub fn subjects(events: &[CloudEvent]) -> Vec<String> {
    sorted(events.iter().filter_map(|e| e.subject.clone()).collect())
}

pub fn ids(events: &[CloudEvent]) -> Vec<String> {
    sorted(events.iter().map(|e| e.id.clone()).collect())
}
