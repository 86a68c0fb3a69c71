//! One verifier type over every scheme, and the header helpers the schemes share.

use http::HeaderMap;

use crate::{HmacScheme, SigningKey, StandardWebhooks, VerifyError};

/// What a successful verification learned from the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The sender's delivery id, when the scheme carries one (`webhook-id`).
    pub delivery_id: Option<String>,
    /// The signed timestamp, when the scheme carries one.
    pub timestamp: Option<i64>,
}

/// A configured verifier for one source.
#[derive(Debug, Clone)]
pub enum Verifier {
    Standard(StandardWebhooks),
    Hmac {
        scheme: HmacScheme,
        keys: Vec<SigningKey>,
    },
}

impl Verifier {
    /// `now` is Unix seconds (injected so tests can pin the clock).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Verified, VerifyError> {
        match self {
            Self::Standard(v) => v.verify(headers, body, now),
            Self::Hmac { scheme, keys } => scheme.verify(keys, headers, body, now),
        }
    }
}

pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, VerifyError> {
    let value = headers
        .get(name)
        .ok_or_else(|| VerifyError::MissingHeader(name.to_ascii_lowercase()))?;
    value.to_str().map_err(|_| VerifyError::Malformed {
        header: name.to_ascii_lowercase(),
        problem: "not visible ASCII",
    })
}

pub(crate) fn parse_timestamp(name: &str, text: &str) -> Result<i64, VerifyError> {
    text.trim().parse().map_err(|_| VerifyError::Malformed {
        header: name.to_ascii_lowercase(),
        problem: "not an integer Unix timestamp",
    })
}

pub(crate) fn check_tolerance(
    timestamp: i64,
    now: i64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let tolerance = i64::try_from(tolerance_secs).unwrap_or(i64::MAX);
    if now.saturating_sub(timestamp) > tolerance {
        return Err(VerifyError::Expired { tolerance_secs });
    }
    if timestamp.saturating_sub(now) > tolerance {
        return Err(VerifyError::FromTheFuture { tolerance_secs });
    }
    Ok(())
}
