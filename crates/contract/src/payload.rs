//! Shared parsing of inbound webhook payloads: JSON object, required fields by name,
//! RFC 3339 times, and ids bounded by an [`IdRule`]. Platform crates describe their
//! events and declare the rules of their ids with these helpers.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Why a webhook payload was refused; the ingress maps these to 400 and 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not a JSON object")]
    NotAnObject,
    #[error("missing required field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}` {problem}")]
    InvalidField {
        field: &'static str,
        problem: &'static str,
    },
    /// The `event` names nothing we know: 422, listed in metrics, never dropped silently.
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
    /// A known event no flow can act on (yet): 422 with the reason, never accepted only
    /// to be retried and parked later.
    #[error("event `{event}` is not supported: {reason}")]
    UnsupportedEvent { event: String, reason: &'static str },
}

/// Which characters of an id must be a letter or a digit, besides being allowed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    Any,
    /// So the id cannot be `.`, `..` or start like an option, once it is a path segment.
    First,
    /// A DNS label (RFC 1123): no leading or trailing `-`.
    FirstAndLast,
}

/// What an id may look like. Ids become event subjects, URL path segments of platform
/// API calls, host names and log fields downstream, so they are bounded here, where the
/// payload is parsed, and a bad one is refused (400) naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRule {
    /// Longest accepted id in bytes (every accepted character is one ASCII byte).
    pub max_len: usize,
    /// Characters accepted besides ASCII letters and digits.
    pub punctuation: &'static str,
    pub ends: Ends,
    /// The refusal, completing "field `x` …"; says the rule so the sender can fix it.
    pub problem: &'static str,
}

impl IdRule {
    pub fn accepts(&self, id: &str) -> bool {
        let bytes = id.as_bytes();
        let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
            return false;
        };
        let ends_ok = match self.ends {
            Ends::Any => true,
            Ends::First => first.is_ascii_alphanumeric(),
            Ends::FirstAndLast => first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric(),
        };
        bytes.len() <= self.max_len
            && ends_ok
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || self.punctuation.as_bytes().contains(b))
    }
}

/// A delivery id (`id`): the sender's own, the same on every retry; it names the event
/// (a UUIDv5 of it) and travels in `data.hint.delivery_id`. Standard Webhooks ids look
/// like `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W`.
pub const DELIVERY_ID: IdRule = IdRule {
    max_len: 128,
    punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ends: Ends::Any,
    problem: "must be 1 to 128 visible ASCII characters (no spaces)",
};

/// An `event` name: the known ones are short (`license_purchase_transaction.completed`);
/// an unknown one is echoed in the 422, so it is bounded before that.
pub const EVENT_NAME: IdRule = IdRule {
    max_len: 64,
    punctuation: "._-",
    ends: Ends::First,
    problem: "must be 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit",
};

/// A parsed JSON object with typed accessors that name the field on failure.
pub struct Fields(Map<String, Value>);

impl Fields {
    pub fn parse(body: &[u8]) -> Result<Self, PayloadError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            _ => Err(PayloadError::NotAnObject),
        }
    }

    /// A required non-empty string.
    pub fn text(&self, field: &'static str) -> Result<String, PayloadError> {
        let s = self.string(field)?;
        if s.trim().is_empty() {
            return Err(PayloadError::InvalidField {
                field,
                problem: "must not be empty",
            });
        }
        Ok(s.to_owned())
    }

    /// A required id that `rule` accepts.
    pub fn id(&self, field: &'static str, rule: &IdRule) -> Result<String, PayloadError> {
        let s = self.string(field)?;
        if !rule.accepts(s) {
            return Err(PayloadError::InvalidField {
                field,
                problem: rule.problem,
            });
        }
        Ok(s.to_owned())
    }

    /// A required RFC 3339 timestamp.
    pub fn time(&self, field: &'static str) -> Result<DateTime<Utc>, PayloadError> {
        let text = self.text(field)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| PayloadError::InvalidField {
                field,
                problem: "must be an RFC 3339 timestamp",
            })
    }

    fn string(&self, field: &'static str) -> Result<&str, PayloadError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Err(PayloadError::MissingField(field)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(PayloadError::InvalidField {
                field,
                problem: "must be a string",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: IdRule = IdRule {
        max_len: 8,
        punctuation: "-",
        ends: Ends::FirstAndLast,
        problem: "must be a short label",
    };

    fn fields(json: &str) -> Fields {
        Fields::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn an_id_within_the_rule_is_returned() {
        assert_eq!(
            fields(r#"{"x":"ab-12"}"#).id("x", &RULE),
            Ok("ab-12".into())
        );
        assert_eq!(
            fields(r#"{"x":"abcd1234"}"#).id("x", &RULE),
            Ok("abcd1234".into())
        );
    }

    #[test]
    fn an_id_that_breaks_the_rule_is_an_invalid_field_with_the_rule_text() {
        for bad in ["", "abcd12345", "a b", "a/b", "-ab", "ab-", "é", "a\u{0}b"] {
            let json = serde_json::json!({ "x": bad }).to_string();
            assert_eq!(
                fields(&json).id("x", &RULE),
                Err(PayloadError::InvalidField {
                    field: "x",
                    problem: "must be a short label"
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_missing_or_non_string_id_is_named() {
        assert_eq!(
            fields("{}").id("x", &RULE),
            Err(PayloadError::MissingField("x"))
        );
        assert!(matches!(
            fields(r#"{"x":7}"#).id("x", &RULE),
            Err(PayloadError::InvalidField {
                problem: "must be a string",
                ..
            })
        ));
    }

    #[test]
    fn delivery_ids_are_visible_ascii_up_to_128_bytes() {
        assert!(DELIVERY_ID.accepts("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"));
        assert!(DELIVERY_ID.accepts("d-8f2c1"));
        assert!(DELIVERY_ID.accepts(&"x".repeat(128)));
        assert!(!DELIVERY_ID.accepts(&"x".repeat(129)));
        assert!(!DELIVERY_ID.accepts("two words"));
        assert!(!DELIVERY_ID.accepts("tab\there"));
    }

    #[test]
    fn event_names_are_bounded_and_start_with_a_letter_or_digit() {
        assert!(EVENT_NAME.accepts("license_purchase_transaction.completed"));
        assert!(EVENT_NAME.accepts("global-transaction-history-update"));
        assert!(!EVENT_NAME.accepts(&"e".repeat(65)));
        assert!(!EVENT_NAME.accepts(".hidden"));
    }
}
