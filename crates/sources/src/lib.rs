#![doc = include_str!("../README.md")]
//! Modules: [`photoshelter`] (the poller: watermark, events, one poll), [`smintio`] (the
//! license feed sync: events carrying each transaction, one sync), [`runner`] (the run
//! loop every source shares), [`lease`] (one active replica per connection and source), [`service`] (building every
//! configured source and running them), [`backfill`] (the initial sync, `assetrelay
//! sync`), [`error`], [`telemetry_names`].

pub mod backfill;
pub mod error;
pub mod lease;
pub mod photoshelter;
pub mod runner;
mod running;
pub mod service;
pub mod smintio;
pub mod telemetry_names;

pub use error::PollError;

/// The AMQP `app_id` of the events the sources publish.
pub const PRODUCER: &str = "assetrelay-sources";

/// Publish `event` as every source does: through the confirmed publisher, returning once
/// the broker confirmed it; the error names the event.
pub async fn publish_confirmed(
    publisher: &assetrelay_broker::Publisher,
    topology: &assetrelay_broker::Topology,
    event: &assetrelay_contract::CloudEvent,
) -> Result<(), PollError> {
    publisher
        .publish_event(topology, event, PRODUCER)
        .await
        .map_err(|source| PollError::Publish {
            event_id: event.id.clone(),
            source,
        })
}
pub use service::{BuildError, Sources};
