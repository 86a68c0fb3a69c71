//! Changes to a media item shared by the API (`PATCH`) and the control routes, and the
//! events each kind of change produces.

use chrono::{NaiveDate, Utc};
use serde_json::{Map, Value};

use super::events::{self, Event};
use super::model::{IPTC_FIELDS, MODES, MediaRecord, RIGHTS_FIELDS};

/// What kinds of change happened (one webhook per kind).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    /// Something else changed (non-rights IPTC, custom metadata, rating, ...).
    pub other: bool,
    /// Rights: rights IPTC fields, license expiration, releases.
    pub rights: bool,
    /// Visibility became more restrictive than `everyone`.
    pub restricted: bool,
}

impl Changed {
    pub fn any(self) -> bool {
        self.other || self.rights || self.restricted
    }

    pub fn merge(&mut self, other: Changed) {
        self.other |= other.other;
        self.rights |= other.rights;
        self.restricted |= other.restricted;
    }

    /// The webhooks for these changes.
    pub fn events(self, media_id: &str) -> Vec<Event> {
        let mut out = Vec::new();
        if self.restricted {
            out.push(Event::media(events::RESTRICTED, media_id));
        }
        if self.rights {
            out.push(Event::media(events::RIGHTS_CHANGED, media_id));
        }
        if self.other && out.is_empty() {
            out.push(Event::media(events::UPDATED, media_id));
        }
        out
    }
}

/// Merges IPTC attributes: strings set a field, `""`/`null` clear it, `keywords` takes a
/// list or a comma-separated string. Unknown fields are rejected.
pub fn iptc(record: &mut MediaRecord, attrs: &Map<String, Value>) -> Result<Changed, String> {
    let mut changed = Changed::default();
    for (key, value) in attrs {
        if !IPTC_FIELDS.contains(&key.as_str()) {
            return Err(format!("unknown IPTC field {key:?}"));
        }
        let new = match value {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) if key == "keywords" => Some(Value::from(split_keywords(s))),
            Value::String(s) => Some(Value::from(s.as_str())),
            Value::Array(list) if key == "keywords" && list.iter().all(Value::is_string) => {
                Some(Value::Array(list.clone()))
            }
            _ => return Err(format!("IPTC field {key:?} must be a string")),
        };
        if record.iptc.get(key) != new.as_ref() {
            match new {
                Some(v) => record.iptc.insert(key.clone(), v),
                None => record.iptc.remove(key),
            };
            if RIGHTS_FIELDS.contains(&key.as_str()) {
                changed.rights = true;
            } else {
                changed.other = true;
            }
        }
    }
    touch(record, changed);
    Ok(changed)
}

fn split_keywords(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Applies media attributes: `mode`, `license_expiration_date` (`YYYY-MM-DD` or null),
/// `model_released`, `property_released` (bool or null), `rating`, `searchable`.
pub fn attributes(record: &mut MediaRecord, attrs: &Map<String, Value>) -> Result<Changed, String> {
    let mut changed = Changed::default();
    for (key, value) in attrs {
        match key.as_str() {
            "mode" => {
                let mode = value
                    .as_str()
                    .filter(|m| MODES.contains(m))
                    .ok_or("mode must be everyone, permission or private")?;
                if record.mode != mode {
                    record.mode = mode.to_owned();
                    if mode == "everyone" {
                        changed.other = true
                    } else {
                        changed.restricted = true
                    }
                }
            }
            "license_expiration_date" => {
                let date = match value {
                    Value::Null => None,
                    Value::String(s) => Some(
                        NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                            .map_err(|_| "license_expiration_date must be YYYY-MM-DD")?,
                    ),
                    _ => return Err("license_expiration_date must be a date string".into()),
                };
                if record.license_expiration_date != date {
                    record.license_expiration_date = date;
                    changed.rights = true;
                }
            }
            "model_released" | "property_released" => {
                let flag = match value {
                    Value::Null => None,
                    Value::Bool(b) => Some(*b),
                    _ => return Err(format!("{key} must be a boolean")),
                };
                let slot = if key == "model_released" {
                    &mut record.model_released
                } else {
                    &mut record.property_released
                };
                if *slot != flag {
                    *slot = flag;
                    changed.rights = true;
                }
            }
            "rating" => {
                let rating = match value {
                    Value::Null => None,
                    v => Some(
                        v.as_i64()
                            .filter(|r| (-1..=5).contains(r))
                            .ok_or("rating must be -1..5")?,
                    ),
                };
                if record.rating != rating {
                    record.rating = rating;
                    changed.other = true;
                }
            }
            "searchable" => {
                let flag = value.as_bool().ok_or("searchable must be a boolean")?;
                if record.searchable != flag {
                    record.searchable = flag;
                    changed.other = true;
                }
            }
            other => return Err(format!("attribute {other:?} cannot be changed")),
        }
    }
    touch(record, changed);
    Ok(changed)
}

/// Bumps the modification time when anything changed.
pub fn touch(record: &mut MediaRecord, changed: Changed) {
    if changed.any() {
        record.modified_at = Utc::now();
    }
}
