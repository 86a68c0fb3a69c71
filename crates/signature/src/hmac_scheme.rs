//! A generic HMAC scheme for senders that do not speak Standard Webhooks (e.g. Smint.io's
//! own data-adapter recipe: HMAC-SHA256 over `"{timestamp}.{body}"`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::verifier::{Verified, check_tolerance, header_str, parse_timestamp};
use crate::{SigningKey, VerifyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Sha256,
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Hex,
    Base64,
}

/// What the MAC covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignedContent {
    /// The raw body only.
    #[serde(rename = "body")]
    Body,
    /// `"{timestamp}.{body}"`, timestamp as sent in the timestamp header.
    #[serde(rename = "timestamp.body")]
    TimestampDotBody,
}

/// How one sender signs. Header names are matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HmacScheme {
    /// Header carrying the signature, e.g. `x-signature`.
    pub signature_header: String,
    /// Header carrying the Unix timestamp (seconds). Required for `timestamp.body`;
    /// when set, the tolerance window is enforced.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// Header carrying the sender's delivery id, if it sends one.
    #[serde(default)]
    pub id_header: Option<String>,
    #[serde(default = "default_algorithm")]
    pub algorithm: Algorithm,
    #[serde(default = "default_encoding")]
    pub encoding: Encoding,
    /// Text in front of the encoded MAC, e.g. `sha256=`.
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default = "default_signed_content")]
    pub signed_content: SignedContent,
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u64,
}

fn default_algorithm() -> Algorithm {
    Algorithm::Sha256
}
fn default_encoding() -> Encoding {
    Encoding::Hex
}
fn default_signed_content() -> SignedContent {
    SignedContent::Body
}
fn default_tolerance() -> u64 {
    crate::DEFAULT_TOLERANCE_SECS
}

impl HmacScheme {
    /// Smint.io's recipe: `X-Signature`/`X-Timestamp`, HMAC-SHA256 hex over
    /// `"{timestamp}.{body}"`, 5 minutes.
    pub fn timestamp_dot_body(signature_header: &str, timestamp_header: &str) -> Self {
        Self {
            signature_header: signature_header.into(),
            timestamp_header: Some(timestamp_header.into()),
            id_header: None,
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            prefix: None,
            signed_content: SignedContent::TimestampDotBody,
            tolerance_secs: crate::DEFAULT_TOLERANCE_SECS,
        }
    }

    /// A scheme that signs the timestamp needs the header that carries it.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.signature_header.trim().is_empty() {
            return Err("signature_header must not be empty");
        }
        if self.signed_content == SignedContent::TimestampDotBody && self.timestamp_header.is_none()
        {
            return Err("signed_content `timestamp.body` needs timestamp_header");
        }
        Ok(())
    }

    /// Verify against any of `keys`; `now` is Unix seconds.
    pub fn verify(
        &self,
        keys: &[SigningKey],
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Verified, VerifyError> {
        let signature = header_str(headers, &self.signature_header)?;
        let timestamp = match &self.timestamp_header {
            Some(name) => {
                let ts = parse_timestamp(name, header_str(headers, name)?)?;
                check_tolerance(ts, now, self.tolerance_secs)?;
                Some(ts)
            }
            None => None,
        };
        let delivery_id = match &self.id_header {
            Some(name) => Some(header_str(headers, name)?.to_owned()),
            None => None,
        };
        let candidates: Vec<Vec<u8>> = signature
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .filter_map(|entry| self.decode(entry))
            .collect();
        if candidates.is_empty() {
            return Err(VerifyError::Malformed {
                header: self.signature_header.to_ascii_lowercase(),
                problem: "no decodable signature",
            });
        }
        for key in keys {
            let expected = self.mac(key, timestamp, body);
            if candidates
                .iter()
                .any(|c| bool::from(c.as_slice().ct_eq(&expected)))
            {
                return Ok(Verified {
                    delivery_id,
                    timestamp,
                });
            }
        }
        Err(VerifyError::NoMatch)
    }

    fn decode(&self, entry: &str) -> Option<Vec<u8>> {
        let raw = match &self.prefix {
            Some(prefix) => entry.strip_prefix(prefix.as_str())?,
            None => entry,
        };
        match self.encoding {
            Encoding::Hex => hex::decode(raw).ok(),
            Encoding::Base64 => STANDARD.decode(raw).ok(),
        }
    }

    fn mac(&self, key: &SigningKey, timestamp: Option<i64>, body: &[u8]) -> Vec<u8> {
        let prefix = match (self.signed_content, timestamp) {
            (SignedContent::TimestampDotBody, Some(ts)) => format!("{ts}."),
            _ => String::new(),
        };
        match self.algorithm {
            Algorithm::Sha256 => mac_with::<Hmac<Sha256>>(key, prefix.as_bytes(), body),
            Algorithm::Sha512 => mac_with::<Hmac<Sha512>>(key, prefix.as_bytes(), body),
        }
    }

    fn encode(&self, mac: &[u8]) -> String {
        let encoded = match self.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => STANDARD.encode(mac),
        };
        format!("{}{encoded}", self.prefix.as_deref().unwrap_or(""))
    }
}

fn mac_with<M: Mac + hmac::digest::KeyInit>(
    key: &SigningKey,
    prefix: &[u8],
    body: &[u8],
) -> Vec<u8> {
    let mut mac = match <M as Mac>::new_from_slice(key.bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(prefix);
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Signs with one scheme and one key; the counterpart of [`HmacScheme::verify`].
#[derive(Debug, Clone)]
pub struct HmacSigner {
    scheme: HmacScheme,
    key: SigningKey,
}

impl HmacSigner {
    pub fn new(scheme: HmacScheme, key: SigningKey) -> Self {
        Self { scheme, key }
    }

    /// The signature header's value for `body` sent at `timestamp` (Unix seconds).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let mac = self.scheme.mac(&self.key, Some(timestamp), body);
        self.scheme.encode(&mac)
    }

    /// Header name/value pairs to send: signature, and timestamp/id when the scheme has them.
    pub fn headers(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
        let mut out = vec![(
            self.scheme.signature_header.clone(),
            self.sign(timestamp, body),
        )];
        if let Some(name) = &self.scheme.timestamp_header {
            out.push((name.clone(), timestamp.to_string()));
        }
        if let Some(name) = &self.scheme.id_header {
            out.push((name.clone(), id.to_owned()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FailureReason;

    fn key() -> SigningKey {
        SigningKey::from_bytes(b"It's a Secret to Everybody".to_vec()).unwrap()
    }

    fn github_style() -> HmacScheme {
        HmacScheme {
            signature_header: "X-Hub-Signature-256".into(),
            timestamp_header: None,
            id_header: Some("X-GitHub-Delivery".into()),
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            prefix: Some("sha256=".into()),
            signed_content: SignedContent::Body,
            tolerance_secs: 300,
        }
    }

    fn headers(pairs: &[(String, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::try_from(k.as_str()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn matches_githubs_published_example_signature() {
        // GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
        let signer = HmacSigner::new(github_style(), key());
        assert_eq!(
            signer.sign(0, b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn verifies_what_its_signer_signed_for_each_algorithm_and_encoding() {
        for algorithm in [Algorithm::Sha256, Algorithm::Sha512] {
            for encoding in [Encoding::Hex, Encoding::Base64] {
                let scheme = HmacScheme {
                    algorithm,
                    encoding,
                    ..HmacScheme::timestamp_dot_body("x-sig", "x-ts")
                };
                let signed = HmacSigner::new(scheme.clone(), key()).headers("d1", 1_000, b"{}");
                assert!(
                    scheme
                        .verify(&[key()], &headers(&signed), b"{}", 1_000)
                        .is_ok(),
                    "{algorithm:?} {encoding:?}"
                );
            }
        }
    }

    #[test]
    fn timestamp_dot_body_signs_the_timestamp_too() {
        let scheme = HmacScheme::timestamp_dot_body("x-sig", "x-ts");
        let mut signed = HmacSigner::new(scheme.clone(), key()).headers("d1", 1_000, b"{}");
        signed[1].1 = "1001".into();
        let err = scheme
            .verify(&[key()], &headers(&signed), b"{}", 1_000)
            .unwrap_err();
        assert_eq!(err, VerifyError::NoMatch);
    }

    #[test]
    fn enforces_the_tolerance_window_in_both_directions() {
        let scheme = HmacScheme::timestamp_dot_body("x-sig", "x-ts");
        let signed = headers(&HmacSigner::new(scheme.clone(), key()).headers("d", 1_000, b"{}"));
        assert!(scheme.verify(&[key()], &signed, b"{}", 1_300).is_ok());
        assert_eq!(
            scheme
                .verify(&[key()], &signed, b"{}", 1_301)
                .unwrap_err()
                .reason(),
            FailureReason::Expired
        );
        assert_eq!(
            scheme
                .verify(&[key()], &signed, b"{}", 699)
                .unwrap_err()
                .reason(),
            FailureReason::FromTheFuture
        );
    }

    #[test]
    fn requires_the_prefix_when_one_is_configured() {
        let scheme = github_style();
        let sig = HmacSigner::new(scheme.clone(), key()).sign(0, b"x");
        let h = headers(&[
            (
                "x-hub-signature-256".into(),
                sig.trim_start_matches("sha256=").into(),
            ),
            ("x-github-delivery".into(), "d".into()),
        ]);
        assert_eq!(
            scheme.verify(&[key()], &h, b"x", 0).unwrap_err().reason(),
            FailureReason::Malformed
        );
    }

    #[test]
    fn reports_a_missing_signature_header() {
        let err = github_style()
            .verify(&[key()], &HeaderMap::new(), b"x", 0)
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::MissingHeader("x-hub-signature-256".into())
        );
    }

    #[test]
    fn refuses_timestamp_dot_body_without_a_timestamp_header() {
        let scheme = HmacScheme {
            timestamp_header: None,
            ..HmacScheme::timestamp_dot_body("x-sig", "x-ts")
        };
        assert!(scheme.check().is_err());
    }
}
