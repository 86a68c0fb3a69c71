#![doc = include_str!("../README.md")]
//! Modules: [`model`] (the typed structs and their defaults; the platform parts of a
//! connection live in `platform`, the broker's URLs in `endpoint`, the store's in `store`), [`secret`] (secret sources),
//! [`load`] (layering and validation), [`env`] (the environment provider), `webhook`
//! (the verifier a connection's secrets make), [`reload`] (what a reload changes).

mod admin;
mod endpoint;
mod env;
mod flows;
mod load;
pub mod model;
mod platform;
pub mod reload;
mod rules;
pub mod secret;
mod sources;
mod store;
mod webhook;

pub use load::{ConfigError, load};
pub use model::*;
pub use reload::ConnectionChanges;
pub use secret::{ResolveError, Secret, SecretSource};
pub use webhook::VerifierError;
