//! Key material. Standard Webhooks secrets are `whsec_<base64>` and the *decoded* bytes are
//! the HMAC key; generic HMAC secrets are used as the raw bytes of the string.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::SecretError;

/// HMAC key bytes. `Debug` is redacted so a key never reaches a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// A key from raw bytes (generic HMAC schemes use the secret string's bytes).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, SecretError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Decode a Standard Webhooks secret: optional `whsec_` prefix, then standard base64.
/// Unpadded base64 is accepted too, as the Python reference library does.
pub fn decode_whsec(secret: &str) -> Result<SigningKey, SecretError> {
    let encoded = secret
        .trim()
        .strip_prefix("whsec_")
        .unwrap_or(secret.trim());
    if encoded.is_empty() {
        return Err(SecretError::Empty);
    }
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| SecretError::NotBase64)?;
    SigningKey::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_whsec_secret_to_its_24_key_bytes() {
        let key = decode_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(key.bytes().len(), 24);
    }

    #[test]
    fn accepts_the_secret_without_its_prefix() {
        assert_eq!(
            decode_whsec("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
            decode_whsec("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        );
    }

    #[test]
    fn rejects_an_empty_secret_with_or_without_prefix() {
        assert_eq!(decode_whsec("whsec_"), Err(SecretError::Empty));
        assert_eq!(decode_whsec(""), Err(SecretError::Empty));
    }

    #[test]
    fn rejects_a_secret_that_is_not_base64() {
        assert_eq!(decode_whsec("whsec_!!!!"), Err(SecretError::NotBase64));
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = SigningKey::from_bytes(b"super-secret".to_vec()).unwrap();
        assert!(!format!("{key:?}").contains("super"));
    }
}
