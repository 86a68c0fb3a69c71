#![doc = include_str!("../README.md")]
//! Modules: [`model`] (the typed structs and their defaults; the platform parts of a
//! connection live in `platform`), [`secret`] (secret sources),
//! [`load`] (layering and validation), [`env`] (the environment provider).

mod admin;
mod env;
mod flows;
mod load;
pub mod model;
mod platform;
mod rules;
pub mod secret;

pub use load::{ConfigError, load};
pub use model::*;
pub use secret::{Secret, SecretSource};
