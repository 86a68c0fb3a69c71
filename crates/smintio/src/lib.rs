//! Smint.io connector.
//!
//! - [`webhook`]: the inbound webhook payload we accept (documented in `docs/webhooks.md`)
//!   and its normalization into the canonical event.
//! - [`client`]: CLAPI-C (OAuth2, license-purchase-transaction feed, binaries) and the
//!   Portals data-adapter push, with one error type classifying failures.

pub mod client;
pub mod webhook;
