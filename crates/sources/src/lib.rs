#![doc = include_str!("../README.md")]
//! Modules: [`photoshelter`] (the poller: watermark, events, one poll, the run loop),
//! [`lease`] (one active replica per connection and source), [`service`] (building every
//! configured source and running them), [`error`], [`telemetry_names`].

pub mod error;
pub mod lease;
pub mod photoshelter;
pub mod service;
pub mod telemetry_names;

pub use error::PollError;
pub use service::{BuildError, Sources};
