//! The state every handler shares: configuration, both platforms' data, the write log,
//! the webhook emitter, the fault settings and the Pusher sockets. Cloning is cheap (all `Arc`s inside).

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::config::SandboxConfig;
use crate::emitter::WebhookEmitter;
use crate::faults::Faults;
use crate::log::WriteLog;
use crate::{photoshelter, smintio};

/// Shared by every route (`Router<AppState>`).
#[derive(Clone)]
pub struct AppState {
    /// The configuration the sandbox was started with.
    pub config: Arc<SandboxConfig>,
    /// Simulated PhotoShelter data (owned by the PhotoShelter module).
    pub photoshelter: Arc<Mutex<photoshelter::State>>,
    /// Simulated Smint.io data (owned by the Smint.io module).
    pub smintio: Arc<Mutex<smintio::State>>,
    /// Every write the platforms received, in order.
    pub log: WriteLog,
    /// Sends the platforms' outgoing webhooks.
    pub emitter: WebhookEmitter,
    /// Fault injection settings for the platform surfaces.
    pub faults: Faults,
    /// The simulated Smint.io's Pusher sockets (owned by the Smint.io module).
    pub pusher: smintio::PusherHub,
}
