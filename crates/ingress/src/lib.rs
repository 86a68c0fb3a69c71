#![doc = include_str!("../README.md")]
//! Modules: [`app`] (building and running the service), [`webhook`] (the webhook
//! handler), [`problem`] (errors as problem+json), [`dedup`] (recently seen deliveries),
//! [`ops`] (health, readiness, metrics and the concurrency guard), [`state`] (what handlers
//! share), [`telemetry_names`].

pub mod app;
pub mod dedup;
pub mod ops;
pub mod problem;
pub mod state;
pub mod telemetry_names;
pub mod webhook;

pub use app::{BuildError, Ingress};
