//! Lenient decoding of v4 resources (`{id, type, attributes}`) into the typed model.
//!
//! The 2019 draft is inconsistent (`updated_at` vs `modified_at`, timestamps with and
//! without `GMT`, v3 `t`/`f` booleans), so values are read from JSON by hand, accepting
//! every spelling seen in the sources, and anything unreadable becomes `None` (unknown).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use super::model::{GalleryRef, Iptc, Media, MediaSummary, Visibility};

/// The attributes object of a resource (or the object itself when it has none).
fn attributes(resource: &Value) -> &Value {
    resource.get("attributes").unwrap_or(resource)
}

pub(crate) fn id(resource: &Value) -> Option<String> {
    ["id", "media_id", "image_id", "gallery_id"]
        .iter()
        .find_map(|k| resource.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

fn string(attrs: &Value, key: &str) -> Option<String> {
    match attrs.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// JSON booleans, and v3's `"t"`/`"f"` [CLIENT `S-drupal`].
fn boolean(attrs: &Value, key: &str) -> Option<bool> {
    match attrs.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "t" | "true" | "1" => Some(true),
            "f" | "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

fn integer(attrs: &Value, key: &str) -> Option<i64> {
    match attrs.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Parses the timestamp spellings of the sources: RFC 3339, `2019-10-02 14:39:23 GMT`
/// [SPEC-DRAFT example], and naive ISO `2019-04-25T14:54:12.136828` (taken as UTC).
pub(crate) fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = s.trim().trim_end_matches(" GMT").trim_end_matches(" UTC");
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
        .map(|n| n.and_utc())
}

fn time(attrs: &Value, keys: &[&str]) -> Option<DateTime<Utc>> {
    keys.iter()
        .find_map(|k| attrs.get(*k).and_then(Value::as_str))
        .and_then(timestamp)
}

fn date(attrs: &Value, key: &str) -> Option<NaiveDate> {
    let s = attrs.get(key)?.as_str()?;
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// A media resource (`GET /media/{id}`, list entries) without the side calls filled in.
pub(crate) fn media(resource: &Value) -> Option<Media> {
    let a = attributes(resource);
    Some(Media {
        id: id(resource)?,
        media_type: string(resource, "type").or_else(|| string(a, "media_type")),
        file_name: string(a, "file_name"),
        file_size: integer(a, "file_size").and_then(|n| u64::try_from(n).ok()),
        hash: string(a, "hash"),
        model_released: boolean(a, "model_released"),
        property_released: boolean(a, "property_released"),
        rating: integer(a, "rating"),
        searchable: boolean(a, "searchable").or_else(|| boolean(a, "f_searchable")),
        visibility: string(a, "mode").as_deref().and_then(Visibility::parse),
        archived: boolean(a, "archived"),
        license_expiration_date: date(a, "license_expiration_date"),
        version: integer(a, "version").and_then(|n| u64::try_from(n).ok()),
        created_at: time(a, &["created_at", "uploaded_at"]),
        modified_at: time(a, &["modified_at", "updated_at"]),
        iptc: None,
        galleries: None,
        custom_metadata: None,
    })
}

pub(crate) fn summary(resource: &Value) -> Option<MediaSummary> {
    let m = media(resource)?;
    Some(MediaSummary {
        id: m.id,
        media_type: m.media_type,
        file_name: m.file_name,
        modified_at: m.modified_at,
    })
}

/// The IPTC resource (`GET /media/{id}/iptc`), reading v3's `keyword` string too.
pub(crate) fn iptc(resource: &Value) -> Iptc {
    let a = attributes(resource);
    let keywords = match a.get("keywords").or_else(|| a.get("keyword")) {
        Some(Value::Array(list)) => Some(
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Some(Value::String(s)) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    };
    Iptc {
        title: string(a, "title"),
        headline: string(a, "headline"),
        caption: string(a, "caption"),
        caption_writer: string(a, "caption_writer"),
        author: string(a, "author"),
        position: string(a, "position"),
        credit: string(a, "credit"),
        source: string(a, "source"),
        copyright: string(a, "copyright"),
        rights: string(a, "rights"),
        web_statement: string(a, "web_statement"),
        trans_ref: string(a, "trans_ref"),
        instructions: string(a, "instructions"),
        keywords,
        location: string(a, "location"),
        city: string(a, "city"),
        state: string(a, "state"),
        country: string(a, "country"),
    }
}

pub(crate) fn gallery(resource: &Value) -> Option<GalleryRef> {
    Some(GalleryRef {
        id: id(resource)?,
        name: string(attributes(resource), "name"),
    })
}

/// Custom metadata entries (ASSUMED shape: a list of resources whose attributes carry the
/// field `name` and the chosen tag `value`; one tag per field [support 115000046893]).
pub(crate) fn custom_metadata(data: &Value) -> BTreeMap<String, String> {
    let entries: Vec<&Value> = match data {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    entries
        .into_iter()
        .filter_map(|e| {
            let a = attributes(e);
            let name = string(a, "name").or_else(|| string(a, "field_name"))?;
            let value = string(a, "value").or_else(|| string(a, "tag"))?;
            Some((name, value))
        })
        .collect()
}

/// The resources of a list answer (`data` as an array; a lone object counts as one).
pub(crate) fn list(data: Option<&Value>) -> Vec<&Value> {
    match data {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(obj @ Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_draft_media_example_with_its_alternate_field_names() {
        let resource = json!({"id":"VD000EXAMPLE_VID","type":"video","attributes":{
            "file_name":"Sample Video","file_size":10000,"hash":"051a","model_released":true,
            "property_released":"f","rating":1,
            "updated_at":"2019-10-02 14:39:23 GMT","uploaded_at":"2019-10-02 14:39:23 GMT"}});
        let m = media(&resource).unwrap();
        assert_eq!(m.media_type.as_deref(), Some("video"));
        assert_eq!(m.model_released, Some(true));
        assert_eq!(m.property_released, Some(false));
        assert_eq!(m.modified_at, timestamp("2019-10-02T14:39:23Z"));
        assert_eq!(m.license_expiration_date, None);
        assert_eq!(m.visibility, None);
    }

    #[test]
    fn missing_releases_stay_unknown() {
        let m = media(&json!({"id":"I0000AAAAAAAAAAA","type":"image","attributes":{}})).unwrap();
        assert_eq!((m.model_released, m.property_released), (None, None));
    }

    #[test]
    fn reads_keywords_as_list_or_comma_string() {
        let a = iptc(&json!({"attributes":{"keywords":["a","b"]}}));
        let b = iptc(&json!({"attributes":{"keyword":"a, b,"}}));
        assert_eq!(a.keywords, b.keywords);
    }

    #[test]
    fn parses_naive_iso_timestamps_as_utc() {
        assert_eq!(
            timestamp("2019-04-25T14:54:12.136828").map(|t| t.timestamp()),
            Some(1_556_204_052)
        );
    }
}
