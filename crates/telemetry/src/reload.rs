//! Configuration reloads on SIGHUP. The file (and the environment the process started
//! with) is read and validated again; a configuration that does not load is refused with
//! the reason and the running one stays. What a binary does with a new configuration is
//! its own business (the ingress swaps its verifiers, the flows their connections, the
//! sources restart their runners); each counts the outcome with [`count_reload`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use assetrelay_config::Config;
use tokio::sync::watch;

/// Where a binary's configuration comes from, to read it again.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub file: Option<PathBuf>,
    pub env: BTreeMap<String, String>,
}

impl ConfigSource {
    pub fn load(&self) -> Result<Config, assetrelay_config::ConfigError> {
        assetrelay_config::load(self.file.as_deref(), &self.env)
    }
}

/// `assetrelay_config_reloads_total{outcome}`: `applied` (the new connections are in
/// use), `refused` (the file did not load, or a connection could not be built; the
/// running configuration stays), `unchanged` (nothing in `[connections]` differed).
pub fn count_reload(outcome: &'static str) {
    metrics::counter!("assetrelay_config_reloads_total", "outcome" => outcome).increment(1);
}

/// The configurations the process should run with: `initial` first, then every one a
/// SIGHUP loaded. Every outcome is counted once, so each family exists from the start.
pub fn reload_on_sighup(source: ConfigSource, initial: Config) -> watch::Receiver<Arc<Config>> {
    for outcome in ["applied", "refused", "unchanged"] {
        metrics::counter!("assetrelay_config_reloads_total", "outcome" => outcome).absolute(0);
    }
    let (tx, rx) = watch::channel(Arc::new(initial));
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP: configuration reloads are off");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!(file = ?source.file, "SIGHUP: reading the configuration again");
            match source.load() {
                Ok(config) => {
                    if tx.send(Arc::new(config)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    count_reload("refused");
                    tracing::error!(error.message = %error_chain(&e), "configuration reload refused; the running configuration stays");
                }
            }
        }
    });
    #[cfg(not(unix))]
    drop((source, tx));
    rx
}

/// Apply every configuration `reloads` brings after the one the process started with:
/// `apply` gets the new configuration and what changed in `[connections]`, and the
/// outcome is counted and logged (`unchanged` when no connection differs, `refused` with
/// the reason when `apply` fails, which keeps the running set). Ends when the sender is
/// gone.
pub async fn follow_connection_reloads<E: std::error::Error>(
    mut reloads: watch::Receiver<Arc<Config>>,
    mut apply: impl FnMut(&Config, &assetrelay_config::ConnectionChanges) -> Result<(), E>,
) {
    let mut running = Arc::clone(&reloads.borrow_and_update());
    while reloads.changed().await.is_ok() {
        let new = Arc::clone(&reloads.borrow_and_update());
        let changes = assetrelay_config::ConnectionChanges::between(&running, &new);
        if changes.is_empty() {
            count_reload("unchanged");
            tracing::info!("configuration reloaded: no connection changed");
            continue;
        }
        match apply(&new, &changes) {
            Ok(()) => {
                count_reload("applied");
                tracing::info!(%changes, "connections reloaded; sections other than [connections] need a restart");
                running = new;
            }
            Err(e) => {
                count_reload("refused");
                tracing::error!(error.message = %error_chain(&e), "configuration reload refused; the running connections stay");
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
