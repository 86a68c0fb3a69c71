//! Localization shapes of CLAPI-C (research §2.1) and a lenient date decoder.
//!
//! - `LocalizedStrings` = `[{"culture": "en", "value": "..."}]`
//! - `LocalizedMetadataElements` = `[{"culture": "en", "metadata_element": {"key", "name", "url"?}}]`

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// One entry of a `LocalizedStrings` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedString {
    #[serde(default)]
    pub culture: String,
    #[serde(default)]
    pub value: String,
}

impl LocalizedString {
    pub fn new(culture: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            culture: culture.into(),
            value: value.into(),
        }
    }
}

/// A generic-metadata element: `key` is what license terms refer to, `name` is for humans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataElement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One entry of a `LocalizedMetadataElements` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedMetadataElement {
    #[serde(default)]
    pub culture: String,
    #[serde(default)]
    pub metadata_element: MetadataElement,
}

/// Decode an optional date-time. The wire format is not public (research "Unknown" #2):
/// RFC 3339 with an offset is assumed; a date-time without offset is read as UTC rather
/// than failing the whole transaction.
pub(crate) fn lenient_datetime<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(raw) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Ok(dt) = DateTime::parse_from_rfc3339(&raw) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| Some(naive.and_utc()))
        .map_err(|_| serde::de::Error::custom(format!("`{raw}` is not an ISO-8601 date-time")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Dated {
        #[serde(default, deserialize_with = "lenient_datetime")]
        at: Option<DateTime<Utc>>,
    }

    #[test]
    fn reads_rfc3339_with_an_offset_and_without_one() {
        let a: Dated =
            serde_json::from_str(r#"{"at": "2019-07-01T07:18:51.397267+02:00"}"#).unwrap();
        let b: Dated = serde_json::from_str(r#"{"at": "2019-07-01T05:18:51.397267"}"#).unwrap();
        assert_eq!(a.at, b.at);
        assert!(
            serde_json::from_str::<Dated>(r#"{"at": null}"#)
                .unwrap()
                .at
                .is_none()
        );
        assert!(serde_json::from_str::<Dated>("{}").unwrap().at.is_none());
    }
}
