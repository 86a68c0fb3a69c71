#![doc = include_str!("../README.md")]
//! Modules: [`app`] (building and running the service, the layers), [`admit`] (path,
//! content type, counting answers), [`webhook`] (the webhook handler), [`problem`]
//! (errors as problem+json), [`dedup`] (recently seen deliveries), [`ops`] (request ids,
//! spans, over capacity, fallbacks), [`state`] (what handlers share),
//! [`telemetry_names`].

pub mod admit;
pub mod app;
pub mod dedup;
pub mod ops;
pub mod problem;
pub mod state;
pub mod telemetry_names;
pub mod webhook;

pub use app::{BuildError, Ingress};
