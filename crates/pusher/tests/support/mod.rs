//! A sandbox with the Smint.io client as the channel authorizer, and `run` in a task whose
//! notifications and states the test reads.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assetrelay_pusher::config::SMINTIO_APP_KEY;
use assetrelay_pusher::{
    AuthError, ChannelAuth, ConnectionState, FnAuth, Notification, PusherConfig,
};
use assetrelay_sandbox::{RunningSandbox, SandboxConfig, spawn};
use assetrelay_smintio::client::{ClientConfig, SmintioClient};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

pub const CHANNEL: &str = "private-2-1";

pub struct Harness {
    pub sandbox: RunningSandbox,
    http: reqwest::Client,
}

/// `run` in a background task.
pub struct Client {
    pub events: mpsc::Receiver<Notification>,
    pub state: watch::Receiver<ConnectionState>,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<()>,
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(SandboxConfig::for_tests()).await
    }

    pub async fn with(config: SandboxConfig) -> Self {
        Self {
            sandbox: spawn(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    /// The sandbox's Pusher endpoint, Smint.io's app key and channel, and timings short
    /// enough for tests.
    pub fn config(&self) -> PusherConfig {
        let mut config = PusherConfig::new(
            Url::parse(&format!("ws://{}", self.sandbox.addr)).unwrap(),
            SMINTIO_APP_KEY,
            CHANNEL,
        );
        config.reconnect_after_error = Duration::from_millis(200);
        config.pong_timeout = Duration::from_millis(500);
        config
    }

    /// The Smint.io client's auth call as the authorizer, as production wires it.
    pub fn smintio_auth(&self) -> Arc<dyn ChannelAuth> {
        let client = SmintioClient::new(ClientConfig::new(
            Url::parse(&self.sandbox.base_url).unwrap(),
            Url::parse(&format!("{}/consumer/v1", self.sandbox.base_url)).unwrap(),
            "assetrelay-dev",
            SecretString::from("dev-client-secret"),
            SecretString::from("dev-refresh-token"),
        ))
        .unwrap();
        Arc::new(FnAuth::new(move |socket_id: String, channel: String| {
            let client = client.clone();
            async move {
                client
                    .authorize_pusher_channel(&socket_id, &channel)
                    .await
                    .map_err(|e| AuthError::classified(e.is_transient(), e))
            }
        }))
    }

    pub fn run(&self, config: PusherConfig, auth: Arc<dyn ChannelAuth>) -> Client {
        let (events_tx, events) = mpsc::channel(16);
        // `run` starts by announcing `Connecting`, so `Disconnected` is seen only after an attempt.
        let (state_tx, state) = watch::channel(ConnectionState::Connecting);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(assetrelay_pusher::run(
            config,
            auth,
            events_tx,
            state_tx,
            shutdown.clone(),
        ));
        Client {
            events,
            state,
            shutdown,
            task,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn delete(&self, path: &str) {
        self.http
            .delete(format!("{}{path}", self.sandbox.base_url))
            .send()
            .await
            .unwrap();
    }

    pub async fn pusher_stats(&self) -> Value {
        self.http
            .get(format!("{}/_sandbox/smintio/pusher", self.sandbox.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until the sandbox counts `total` connections so far with one subscribed.
    pub async fn subscribed_after(&self, total: u64) {
        eventually(&format!("connection {total} subscribed"), || async {
            let stats = self.pusher_stats().await;
            (stats["connections_total"] == total && stats["subscribed"] == 1).then_some(())
        })
        .await;
    }

    pub async fn create_lpt(&self) {
        self.post(
            "/_sandbox/smintio/license-purchase-transactions",
            json!({"action": "create", "name": "pushed"}),
        )
        .await;
    }
}

impl Client {
    pub async fn reaches(&mut self, wanted: ConnectionState) {
        let reached = tokio::time::timeout(
            Duration::from_secs(5),
            self.state.wait_for(|s| *s == wanted),
        )
        .await
        .map(|seen| seen.is_ok());
        assert_eq!(
            reached,
            Ok(true),
            "no {wanted:?} within 5 s (now {:?})",
            *self.state.borrow()
        );
    }

    pub async fn next_event(&mut self) -> Notification {
        tokio::time::timeout(Duration::from_secs(5), self.events.recv())
            .await
            .expect("a notification within 5 s")
            .expect("run is still sending")
    }

    /// Stops `run` and waits for it to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("run returns within 5 s of shutdown")
            .unwrap();
    }
}

/// Polls `check` until it returns `Some`, failing after ten seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
