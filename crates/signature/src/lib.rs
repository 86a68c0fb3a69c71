#![doc = include_str!("../README.md")]
//! Modules: [`secret`] (key material), [`standard`] (Standard Webhooks), [`hmac_scheme`]
//! (generic HMAC), [`verifier`] (one verifier over both), [`error`].

pub mod error;
pub mod hmac_scheme;
pub mod secret;
pub mod standard;
pub mod verifier;

pub use error::{FailureReason, SecretError, VerifyError};
pub use hmac_scheme::{Algorithm, Encoding, HmacScheme, HmacSigner, SignedContent};
pub use secret::{SigningKey, decode_whsec};
pub use standard::{StandardWebhooks, StandardWebhooksSigner};
pub use verifier::{Verified, Verifier};

/// Default tolerance between a webhook's timestamp and our clock, in either direction:
/// the 5 minutes every Standard Webhooks reference library uses.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;
