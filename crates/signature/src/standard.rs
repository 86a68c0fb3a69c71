//! Standard Webhooks: `HMAC-SHA256(key, "{id}.{timestamp}.{body}")`, base64, sent as
//! space-separated `v1,<sig>` entries in `webhook-signature`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::verifier::{Verified, check_tolerance, header_str, parse_timestamp};
use crate::{SigningKey, VerifyError};

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// Verifier for one source: every active secret (rotation) and the tolerance window.
#[derive(Debug, Clone)]
pub struct StandardWebhooks {
    keys: Vec<SigningKey>,
    tolerance_secs: u64,
}

impl StandardWebhooks {
    /// `keys` are the decoded secrets (see [`crate::decode_whsec`]); any may match.
    pub fn new(keys: Vec<SigningKey>, tolerance_secs: u64) -> Self {
        Self {
            keys,
            tolerance_secs,
        }
    }

    /// Verify a request. The timestamp is checked before the signature, as the reference
    /// libraries do; `now` is Unix seconds.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Verified, VerifyError> {
        let id = header_str(headers, ID_HEADER)?;
        let timestamp_text = header_str(headers, TIMESTAMP_HEADER)?;
        let signatures = header_str(headers, SIGNATURE_HEADER)?;
        let timestamp = parse_timestamp(TIMESTAMP_HEADER, timestamp_text)?;
        check_tolerance(timestamp, now, self.tolerance_secs)?;

        let candidates: Vec<Vec<u8>> = signatures
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
            .collect();
        if candidates.is_empty() {
            return Err(VerifyError::Malformed {
                header: SIGNATURE_HEADER.into(),
                problem: "no decodable v1 entry",
            });
        }
        for key in &self.keys {
            for candidate in &candidates {
                // `verify_slice` compares in constant time.
                if mac(key, id, timestamp, body)
                    .verify_slice(candidate)
                    .is_ok()
                {
                    return Ok(Verified {
                        delivery_id: Some(id.to_owned()),
                        timestamp: Some(timestamp),
                    });
                }
            }
        }
        Err(VerifyError::NoMatch)
    }
}

/// Signs outgoing webhooks (the sandbox, tests and benchmarks use it).
#[derive(Debug, Clone)]
pub struct StandardWebhooksSigner {
    key: SigningKey,
}

impl StandardWebhooksSigner {
    pub fn new(key: SigningKey) -> Self {
        Self { key }
    }

    /// The `webhook-signature` value: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = mac(&self.key, id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// The three headers of a signed delivery.
    pub fn headers(&self, id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
        vec![
            (ID_HEADER, id.to_owned()),
            (TIMESTAMP_HEADER, timestamp.to_string()),
            (SIGNATURE_HEADER, self.sign(id, timestamp, body)),
        ]
    }
}

fn mac(key: &SigningKey, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    //! The vectors and negative cases published with the Standard Webhooks reference
    //! libraries (see shared research notes, §5).
    use super::*;
    use crate::{FailureReason, decode_whsec};

    const VECTOR_A_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const VECTOR_A_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const VECTOR_A_TS: i64 = 1614265330;
    const VECTOR_A_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const VECTOR_A_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(id: &str, ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ID_HEADER, id.parse().unwrap());
        h.insert(TIMESTAMP_HEADER, ts.parse().unwrap());
        h.insert(SIGNATURE_HEADER, sig.parse().unwrap());
        h
    }

    fn verifier(secrets: &[&str]) -> StandardWebhooks {
        StandardWebhooks::new(
            secrets.iter().map(|s| decode_whsec(s).unwrap()).collect(),
            300,
        )
    }

    fn vector_a_headers(sig: &str) -> HeaderMap {
        headers(VECTOR_A_ID, &VECTOR_A_TS.to_string(), sig)
    }

    #[test]
    fn signs_vector_a_from_the_reference_libraries() {
        let signer = StandardWebhooksSigner::new(decode_whsec(VECTOR_A_SECRET).unwrap());
        assert_eq!(
            signer.sign(VECTOR_A_ID, VECTOR_A_TS, VECTOR_A_BODY),
            VECTOR_A_SIG
        );
    }

    #[test]
    fn signs_vector_b_from_the_rust_library() {
        let signer = StandardWebhooksSigner::new(
            decode_whsec("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap(),
        );
        assert_eq!(
            signer.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn verifies_vector_a_at_its_own_time() {
        let verified = verifier(&[VECTOR_A_SECRET])
            .verify(&vector_a_headers(VECTOR_A_SIG), VECTOR_A_BODY, VECTOR_A_TS)
            .unwrap();
        assert_eq!(verified.delivery_id.as_deref(), Some(VECTOR_A_ID));
    }

    #[test]
    fn verifies_with_a_secret_written_without_prefix() {
        assert!(
            verifier(&["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
                .verify(&vector_a_headers(VECTOR_A_SIG), VECTOR_A_BODY, VECTOR_A_TS)
                .is_ok()
        );
    }

    #[test]
    fn rejects_each_missing_header_naming_it() {
        for missing in [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            let mut h = vector_a_headers(VECTOR_A_SIG);
            h.remove(missing);
            let err = verifier(&[VECTOR_A_SECRET])
                .verify(&h, VECTOR_A_BODY, VECTOR_A_TS)
                .unwrap_err();
            assert_eq!(err, VerifyError::MissingHeader(missing.into()));
        }
    }

    #[test]
    fn rejects_a_bare_or_truncated_v1_entry() {
        let v = verifier(&[VECTOR_A_SECRET]);
        for sig in ["v1,", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1O"] {
            let err = v
                .verify(&vector_a_headers(sig), VECTOR_A_BODY, VECTOR_A_TS)
                .unwrap_err();
            assert!(
                matches!(
                    err.reason(),
                    FailureReason::Malformed | FailureReason::NoMatch
                ),
                "{sig}: {err}"
            );
        }
    }

    #[test]
    fn rejects_a_wrong_signature_as_no_match() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(
                &vector_a_headers("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="),
                VECTOR_A_BODY,
                VECTOR_A_TS,
            )
            .unwrap_err();
        assert_eq!(err, VerifyError::NoMatch);
    }

    #[test]
    fn rejects_a_tampered_body() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(
                &vector_a_headers(VECTOR_A_SIG),
                br#"{"test": 2432232315}"#,
                VECTOR_A_TS,
            )
            .unwrap_err();
        assert_eq!(err, VerifyError::NoMatch);
    }

    #[test]
    fn accepts_a_list_with_wrong_entries_and_a_v2_entry_plus_one_valid() {
        let sig = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,{} v1,AAAAqEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {VECTOR_A_SIG}",
            &VECTOR_A_SIG[3..]
        );
        assert!(
            verifier(&[VECTOR_A_SECRET])
                .verify(&vector_a_headers(&sig), VECTOR_A_BODY, VECTOR_A_TS)
                .is_ok()
        );
    }

    #[test]
    fn rejects_the_same_list_without_the_valid_entry() {
        let sig = format!(
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,{}",
            &VECTOR_A_SIG[3..]
        );
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(&vector_a_headers(&sig), VECTOR_A_BODY, VECTOR_A_TS)
            .unwrap_err();
        assert_eq!(err, VerifyError::NoMatch);
    }

    #[test]
    fn accepts_the_old_and_the_new_secret_during_rotation() {
        let new = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let v = verifier(&[new, VECTOR_A_SECRET]);
        let signed_with_new = StandardWebhooksSigner::new(decode_whsec(new).unwrap()).sign(
            VECTOR_A_ID,
            VECTOR_A_TS,
            VECTOR_A_BODY,
        );
        assert!(
            v.verify(&vector_a_headers(VECTOR_A_SIG), VECTOR_A_BODY, VECTOR_A_TS)
                .is_ok()
        );
        assert!(
            v.verify(
                &vector_a_headers(&signed_with_new),
                VECTOR_A_BODY,
                VECTOR_A_TS
            )
            .is_ok()
        );
    }

    #[test]
    fn accepts_exactly_the_tolerance_in_both_directions() {
        let v = verifier(&[VECTOR_A_SECRET]);
        let h = vector_a_headers(VECTOR_A_SIG);
        assert!(v.verify(&h, VECTOR_A_BODY, VECTOR_A_TS + 300).is_ok());
        assert!(v.verify(&h, VECTOR_A_BODY, VECTOR_A_TS - 300).is_ok());
    }

    #[test]
    fn rejects_one_second_past_the_tolerance_as_expired() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(
                &vector_a_headers(VECTOR_A_SIG),
                VECTOR_A_BODY,
                VECTOR_A_TS + 301,
            )
            .unwrap_err();
        assert_eq!(err.reason(), FailureReason::Expired);
    }

    #[test]
    fn rejects_one_second_too_far_in_the_future() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(
                &vector_a_headers(VECTOR_A_SIG),
                VECTOR_A_BODY,
                VECTOR_A_TS - 301,
            )
            .unwrap_err();
        assert_eq!(err.reason(), FailureReason::FromTheFuture);
    }

    #[test]
    fn rejects_an_unparsable_timestamp_as_malformed() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(
                &headers(VECTOR_A_ID, "yesterday", VECTOR_A_SIG),
                VECTOR_A_BODY,
                VECTOR_A_TS,
            )
            .unwrap_err();
        assert_eq!(err.reason(), FailureReason::Malformed);
    }

    #[test]
    fn errors_never_contain_the_expected_signature() {
        let err = verifier(&[VECTOR_A_SECRET])
            .verify(&vector_a_headers("v1,AAAA"), VECTOR_A_BODY, VECTOR_A_TS)
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains(&VECTOR_A_SIG[3..]));
    }
}
