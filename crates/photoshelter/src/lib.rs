//! PhotoShelter connector.
//!
//! - [`webhook`]: the inbound webhook payload we accept (documented in `docs/webhooks.md`)
//!   and its normalization into the canonical event.
//! - [`client`]: the REST API client (v3 and v4), with one error type classifying failures
//!   as transient or permanent.

pub mod client;
pub mod webhook;
