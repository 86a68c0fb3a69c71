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
pub mod service;
pub mod smintio;
pub mod telemetry_names;

pub use error::PollError;

/// The AMQP `app_id` of the events the sources publish.
pub const PRODUCER: &str = "assetrelay-sources";
pub use service::{BuildError, Sources};
