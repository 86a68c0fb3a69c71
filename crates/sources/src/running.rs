//! A [`SourceSet`] running: one task per source under a token of its own, so a
//! configuration reload can stop the set (each source releases its lease) and start the
//! next one while the process goes on.

use std::sync::Arc;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::runner::{self, Schedule};
use crate::service::SourceSet;

/// A started [`SourceSet`]: its tasks, the token that stops them, and the PhotoShelter
/// clients whose login sessions are given back after.
pub(crate) struct Running {
    tasks: JoinSet<()>,
    stop: CancellationToken,
    clients: Vec<(String, Arc<assetrelay_photoshelter::client::Client>)>,
}

impl SourceSet {
    /// Spawn every source under a token of its own (a child of `shutdown`).
    pub(crate) fn start(self, shutdown: &CancellationToken) -> Running {
        if self.pollers.is_empty() && self.syncers.is_empty() && self.reconcilers.is_empty() {
            tracing::warn!(
                "no connection has photoshelter.poll, .reconcile or smintio.sync enabled with an api; idle"
            );
        }
        let stop = shutdown.child_token();
        // One PhotoShelter client per connection (the poller's and reconciler's context
        // share it): its login session is given back at the end.
        let mut clients: Vec<(String, Arc<assetrelay_photoshelter::client::Client>)> = Vec::new();
        for poller in &self.pollers {
            clients.push((
                poller.context.connection.clone(),
                Arc::clone(&poller.context.client),
            ));
        }
        for r in &self.reconcilers {
            let context = &r.reconciler.context;
            if !clients.iter().any(|(_, c)| Arc::ptr_eq(c, &context.client)) {
                clients.push((context.connection.clone(), Arc::clone(&context.client)));
            }
        }
        let mut tasks = JoinSet::new();
        for poller in self.pollers {
            tasks.spawn(poller.run(stop.clone()));
        }
        for syncer in self.syncers {
            tasks.spawn(syncer.run(stop.clone()));
        }
        for r in self.reconcilers {
            let connection = r.reconciler.context.connection.clone();
            let schedule = Schedule {
                at_start: false,
                ..Schedule::every(r.interval)
            };
            tasks.spawn(runner::run(
                r.reconciler,
                connection,
                r.lease,
                schedule,
                stop.clone(),
            ));
        }
        Running {
            tasks,
            stop,
            clients,
        }
    }
}

impl Running {
    /// Stop every source (each releases its lease) and give back the login sessions.
    pub(crate) async fn stop(mut self) {
        self.stop.cancel();
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error.message = %e, "a source ended abnormally");
            }
        }
        for (connection, client) in self.clients {
            if let Err(e) = client.logout().await {
                tracing::warn!(%connection, error.message = %e, "PhotoShelter logout failed; the session times out on its own");
            }
        }
    }
}
