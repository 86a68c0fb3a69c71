//! Tests of the simulated Smint.io (identity, CLAPI-C, downloads, data adapter, control
//! routes, Pusher) over real HTTP against an in-process sandbox. Modules live in `tests/smintio/`.

// Helpers here are not `#[test]` functions, so clippy.toml's allowance does not reach
// them; in tests a panic is a failed assertion, not a crash in production.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "smintio/support.rs"]
mod support;

#[path = "smintio/adapter.rs"]
mod adapter;
#[path = "smintio/clapi.rs"]
mod clapi;
#[path = "smintio/control.rs"]
mod control;
#[path = "smintio/identity.rs"]
mod identity;
#[path = "smintio/pusher.rs"]
mod pusher;
