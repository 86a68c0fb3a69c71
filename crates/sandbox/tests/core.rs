//! Tests of the sandbox core (webhook emitter and switch, fault injection, state file, write log,
//! binary), over real HTTP against an in-process sandbox. One test binary; the modules
//! live in `tests/core/` so each file stays small.

// Helpers here are not `#[test]` functions, so clippy.toml's allowance does not reach
// them; in tests a panic is a failed assertion, not a crash in production.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "core/support.rs"]
mod support;

#[path = "core/binary.rs"]
mod binary;
#[path = "core/faults.rs"]
mod faults;
#[path = "core/ids.rs"]
mod ids;
#[path = "core/log.rs"]
mod log;
#[path = "core/persistence.rs"]
mod persistence;
#[path = "core/webhook_headers.rs"]
mod webhook_headers;
#[path = "core/webhook_switch.rs"]
mod webhook_switch;
#[path = "core/webhooks.rs"]
mod webhooks;
