//! Tests of the simulated PhotoShelter surface over real HTTP: envelopes, status codes and
//! error bodies of the documented shapes, control routes and the webhooks they emit.

// Helpers here are not `#[test]` functions, so clippy.toml's allowance does not reach
// them; in tests a panic is a failed assertion, not a crash in production.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "photoshelter/support.rs"]
mod support;

#[path = "photoshelter/api.rs"]
mod api;
#[path = "photoshelter/control.rs"]
mod control;
#[path = "photoshelter/fidelity.rs"]
mod fidelity;
#[path = "photoshelter/upload.rs"]
mod upload;
