//! The Pusher subscription of one connection (research §3.1): Smint.io announces every
//! change of the transaction history with a data-less `global-transaction-history-update`
//! on the tenant's private channel. Each one nudges the sync; a burst of them while a sync
//! runs, or while one is already queued, causes one more sync, not one each.
//!
//! Every replica subscribes, the standbys included: a nudge only starts a sync where the
//! lease is held, and a replica that takes the lease over is already subscribed.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_pusher::config::TRANSACTION_HISTORY_UPDATE;
use assetrelay_pusher::{AuthError, ConnectionState, FnAuth, Notification, PusherConfig};
use assetrelay_smintio::client::SmintioClient;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use assetrelay_store::Store;

use crate::telemetry_names::{PUSHER_CONNECTED, PUSHER_NOTIFICATIONS};

/// The `source` name of a Pusher subscription in the store's source health.
pub const PUSHER_SOURCE: &str = "pusher";

/// The state as the console shows it.
fn state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "connected",
        ConnectionState::Connecting => "connecting",
        ConnectionState::Disconnected => "disconnected",
        ConnectionState::Failed => "failed",
    }
}

/// What subscribing one connection takes.
pub struct PusherSubscription {
    pub connection: String,
    pub config: PusherConfig,
    /// Authorizes the private channel with the CLAPI-C bearer token.
    pub client: Arc<SmintioClient>,
    /// Where the subscription's state is reported for the console (store, this replica's
    /// holder name); `None` reports it to metrics and the log only.
    pub status: Option<(Store, String)>,
}

impl PusherSubscription {
    /// The subscription `settings` describe, or `None` when it is switched off (also for
    /// a negative channel id, as the SDKs skip Pusher then).
    pub fn from_settings(
        connection: &str,
        settings: &assetrelay_config::SmintioPusher,
        client: Arc<SmintioClient>,
    ) -> Option<Self> {
        if !settings.enabled || settings.channel_id < 0 {
            return None;
        }
        let channel = PusherConfig::smintio_channel(settings.channel_id);
        let mut config = match &settings.url {
            Some(url) => PusherConfig::new(url.clone(), &settings.app_key, channel),
            None => PusherConfig::for_cluster(&settings.cluster, &settings.app_key, channel),
        };
        config.reconnect_after_error = Duration::from_secs(settings.reconnect_secs);
        Some(Self {
            connection: connection.to_owned(),
            config,
            client,
            status: None,
        })
    }

    /// Report the subscription's state to `store` as `holder` too.
    #[must_use]
    pub fn reporting_to(mut self, store: Store, holder: String) -> Self {
        self.status = Some((store, holder));
        self
    }

    /// Subscribe until `shutdown`; the receiver gets one message per wanted sync.
    pub fn spawn(self, shutdown: CancellationToken) -> mpsc::Receiver<()> {
        // Room for one: a nudge that finds one queued is already answered by it.
        let (nudge, nudges) = mpsc::channel(1);
        let (events_tx, events) = mpsc::channel(16);
        let (state_tx, state) = watch::channel(ConnectionState::Disconnected);
        let client = self.client;
        let auth = Arc::new(FnAuth::new(move |socket_id: String, channel: String| {
            let client = Arc::clone(&client);
            async move {
                client
                    .authorize_pusher_channel(&socket_id, &channel)
                    .await
                    .map_err(|e| AuthError::classified(e.is_transient(), e))
            }
        }));
        tokio::spawn(forward(self.connection.clone(), events, nudge));
        tokio::spawn(report(self.connection.clone(), state, self.status));
        tokio::spawn(assetrelay_pusher::run(
            self.config,
            auth,
            events_tx,
            state_tx,
            shutdown,
        ));
        nudges
    }
}

async fn forward(
    connection: String,
    mut events: mpsc::Receiver<Notification>,
    nudge: mpsc::Sender<()>,
) {
    let counter = metrics::counter!(PUSHER_NOTIFICATIONS, "connection" => connection.clone());
    while let Some(notification) = events.recv().await {
        if notification.event != TRANSACTION_HISTORY_UPDATE {
            tracing::debug!(%connection, event = %notification.event, "Pusher event ignored");
            continue;
        }
        counter.increment(1);
        tracing::debug!(%connection, "Pusher: the transaction history changed; sync wanted");
        // Full: a sync is already queued and will read this change too.
        let _ = nudge.try_send(());
    }
}

async fn report(
    connection: String,
    mut state: watch::Receiver<ConnectionState>,
    status: Option<(Store, String)>,
) {
    let gauge = metrics::gauge!(PUSHER_CONNECTED, "connection" => connection.clone());
    loop {
        let now = *state.borrow_and_update();
        gauge.set(if now == ConnectionState::Connected {
            1.0
        } else {
            0.0
        });
        if let Some((store, holder)) = &status
            && let Err(e) = store
                .record_source_state(&connection, PUSHER_SOURCE, holder, state_name(now))
                .await
        {
            tracing::debug!(%connection, error.message = %e, "cannot record the Pusher state");
        }
        match now {
            ConnectionState::Connected => {
                tracing::info!(%connection, "Pusher subscribed; license changes sync at once")
            }
            ConnectionState::Failed => tracing::error!(
                %connection,
                "Pusher gave up (refused key, channel or authorization); syncing on the interval only"
            ),
            ConnectionState::Disconnected | ConnectionState::Connecting => {
                tracing::debug!(%connection, state = ?now, "Pusher state")
            }
        }
        if state.changed().await.is_err() {
            gauge.set(0.0);
            return;
        }
    }
}
