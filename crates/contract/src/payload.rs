//! Shared parsing of inbound webhook payloads: JSON object, required fields by name,
//! RFC 3339 times. Platform crates describe their events with these helpers.

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
        match self.0.get(field) {
            None | Some(Value::Null) => Err(PayloadError::MissingField(field)),
            Some(Value::String(s)) if s.trim().is_empty() => Err(PayloadError::InvalidField {
                field,
                problem: "must not be empty",
            }),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(PayloadError::InvalidField {
                field,
                problem: "must be a string",
            }),
        }
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
}
