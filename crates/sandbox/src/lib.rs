//! Simulated PhotoShelter and Smint.io for tests, demos and benchmarks: one HTTP listener
//! serving both platforms' documented paths, a control API under `/_sandbox/`, signed
//! outgoing webhooks, fault injection and a log of every write received.
//!
//! Modules:
//! - [`config`]: [`SandboxConfig`] (credentials, webhook signing, seed, state file).
//! - [`state`]: [`AppState`], shared by every route.
//! - [`photoshelter`], [`smintio`]: the platform surfaces and their control routes.
//! - [`ids`]: the instance's id space (`id_seed`), behind every generated id.
//! - [`emitter`]: outgoing webhooks with retries; [`log`]: the write log;
//!   [`faults`]: fault injection; [`control`]: core `/_sandbox/` routes;
//!   [`persist`]: the state file.
//!
//! Start one in a test with [`spawn`]; run one on a given listener with [`serve`].

pub mod cli;
pub mod config;
pub mod control;
pub mod emitter;
pub mod faults;
pub mod ids;
pub mod log;
pub mod persist;
pub mod photoshelter;
pub mod smintio;
pub mod state;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{SandboxConfig, WebhookSigning};
pub use emitter::{Delivery, DeliveryOutcome, DeliveryStatus, WebhookEmitter};
pub use faults::{FaultRule, Faults};
pub use log::{LogEntry, WriteLog};
pub use state::AppState;

/// The two simulated platforms (serialized as `photoshelter` / `smintio`, as in the
/// webhook URL path and the control API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Platform {
    #[serde(rename = "photoshelter")]
    PhotoShelter,
    #[serde(rename = "smintio")]
    Smintio,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PhotoShelter => "photoshelter",
            Self::Smintio => "smintio",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds the shared state: loads the state file (if configured and present) and the
/// webhook signers. `stop` releases hanging fault-injected requests.
pub fn build_state(config: SandboxConfig, stop: CancellationToken) -> io::Result<AppState> {
    let emitter =
        WebhookEmitter::new(&config).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut snapshot = match &config.state_file {
        Some(path) => persist::load(path)
            .map_err(io::Error::other)?
            .unwrap_or_default(),
        None => persist::Snapshot::default(),
    };
    let ids = ids::IdSpace::new(config.id_seed);
    snapshot.photoshelter.ids = ids;
    snapshot.smintio.ids = ids;
    Ok(AppState {
        pusher: smintio::PusherHub::new(stop.clone()),
        faults: Faults::new(config.seed, stop),
        config: Arc::new(config),
        photoshelter: Arc::new(tokio::sync::Mutex::new(snapshot.photoshelter)),
        smintio: Arc::new(tokio::sync::Mutex::new(snapshot.smintio)),
        log: WriteLog::default(),
        emitter,
    })
}

/// Every route: both platform surfaces, their control routes and the core control
/// routes, with fault injection over the platform surfaces.
pub fn router(state: AppState) -> Router {
    let faults = axum::middleware::from_fn_with_state(state.faults.clone(), faults::apply);
    Router::new()
        .merge(photoshelter::api_router())
        .merge(smintio::api_router())
        .merge(photoshelter::control_router())
        .merge(smintio::control_router())
        .merge(control::router())
        // An unknown path (404) or method (405) in the platform's own error shape.
        .fallback(faults::middleware::unserved)
        .method_not_allowed_fallback(faults::middleware::unserved_method)
        .layer(faults)
        .layer(axum::middleware::from_fn(log::with_traceparent))
        .with_state(state)
}

/// Serves the sandbox on `listener` until `shutdown` fires, then stops retrying webhooks
/// and saves the state file (if configured).
pub async fn serve(
    config: SandboxConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let state = build_state(config, shutdown.clone())?;
    run(state, listener, shutdown).await
}

async fn run(
    state: AppState,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let served = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
    state.emitter.shutdown().await;
    // Save even when serving failed: the state in memory is still the newest there is.
    let saved = save_state(&state).await;
    served.and(saved)
}

/// Writes both platforms' state to the configured state file (no-op without one).
pub async fn save_state(state: &AppState) -> io::Result<()> {
    let Some(path) = &state.config.state_file else {
        return Ok(());
    };
    let photoshelter = state.photoshelter.lock().await.clone();
    let smintio = state.smintio.lock().await.clone();
    persist::save(path, photoshelter, smintio).map_err(io::Error::other)?;
    tracing::info!(path = %path.display(), "sandbox state saved");
    Ok(())
}

/// A sandbox serving on `127.0.0.1:<random port>` in a background task.
pub struct RunningSandbox {
    /// `http://127.0.0.1:<port>`: the base URL of both platform surfaces.
    pub base_url: String,
    pub addr: SocketAddr,
    state: AppState,
    shutdown: CancellationToken,
    task: Option<JoinHandle<io::Result<()>>>,
}

/// Starts a sandbox on `127.0.0.1:0` (loading the state file, if configured).
pub async fn spawn(config: SandboxConfig) -> io::Result<RunningSandbox> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let state = build_state(config, shutdown.clone())?;
    let task = tokio::spawn(run(state.clone(), listener, shutdown.clone()));
    Ok(RunningSandbox {
        base_url: format!("http://{addr}"),
        addr,
        state,
        shutdown,
        task: Some(task),
    })
}

impl RunningSandbox {
    /// The live state (to arrange data or inspect it directly in tests).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Stops serving, ends webhook retries and saves the state file. Errors are logged;
    /// use [`RunningSandbox::try_stop`] to get them.
    pub async fn stop(self) {
        if let Err(e) = self.try_stop().await {
            tracing::error!(error.message = %e, "sandbox stopped with an error");
        }
    }

    /// Like [`RunningSandbox::stop`], returning what went wrong (serving or saving).
    pub async fn try_stop(mut self) -> io::Result<()> {
        self.shutdown.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSandbox {
    /// A sandbox dropped without `stop` still shuts down instead of serving forever.
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
