//! The verifier of a platform side's inbound webhooks, built from its resolved secrets.

use assetrelay_signature::{SecretError, SigningKey, StandardWebhooks, Verifier, decode_whsec};

use crate::{SchemeName, WebhookVerification};

/// Why [`WebhookVerification::verifier`] cannot build a verifier. [`crate::load`] builds
/// each one once, so after a successful load this does not happen.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    #[error("secrets[{index}] cannot be used as a key")]
    Key {
        index: usize,
        #[source]
        source: SecretError,
    },
    #[error("scheme `hmac` needs an [hmac] table")]
    MissingHmacTable,
}

impl WebhookVerification {
    /// The verifier for this platform side. Only valid after [`crate::load`] resolved the
    /// secrets.
    pub fn verifier(&self) -> Result<Verifier, VerifierError> {
        let keys = |decode: fn(&str) -> Result<SigningKey, SecretError>| {
            self.secrets
                .iter()
                .enumerate()
                .map(|(index, s)| {
                    decode(s.expose()).map_err(|source| VerifierError::Key { index, source })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        match self.scheme {
            SchemeName::StandardWebhooks => Ok(Verifier::Standard(StandardWebhooks::new(
                keys(decode_whsec)?,
                self.tolerance_secs,
            ))),
            SchemeName::Hmac => {
                let scheme = self.hmac.clone().ok_or(VerifierError::MissingHmacTable)?;
                let keys = keys(|text| SigningKey::from_bytes(text.as_bytes().to_vec()))?;
                Ok(Verifier::Hmac { scheme, keys })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{Secret, SecretSource};

    fn webhook(scheme: SchemeName) -> WebhookVerification {
        WebhookVerification {
            scheme,
            // Never resolved, so its text is empty.
            secrets: vec![Secret::from(SecretSource::Literal("whsec_AAAA".into()))],
            tolerance_secs: 300,
            hmac: None,
        }
    }

    #[test]
    fn a_key_that_cannot_be_decoded_is_the_cause_naming_its_index() {
        let error = webhook(SchemeName::StandardWebhooks)
            .verifier()
            .err()
            .unwrap();

        assert!(
            matches!(
                error,
                VerifierError::Key {
                    index: 0,
                    source: SecretError::Empty
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.to_string(), "secrets[0] cannot be used as a key");
    }

    #[test]
    fn the_hmac_scheme_without_its_table_is_its_own_error() {
        let error = webhook(SchemeName::Hmac).verifier().err().unwrap();

        assert!(
            matches!(error, VerifierError::MissingHmacTable),
            "{error:?}"
        );
    }
}
