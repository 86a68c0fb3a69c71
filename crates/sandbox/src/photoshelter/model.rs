//! What the simulated PhotoShelter remembers, and how it renders it.
//!
//! Binaries are never kept: an upload is counted and hashed while it streams, and only its
//! length and sha256 are stored. Resources render in the v4 JSON:API shape of the 2019
//! draft [SPEC-DRAFT]; attributes not in the draft are marked ASSUMED where they are built.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::ids::IdSpace;

/// IPTC fields the surface accepts: the draft's `MediaSearchEmpty` vocabulary [SPEC-DRAFT].
pub const IPTC_FIELDS: &[&str] = &[
    "title",
    "edit_status",
    "urgency",
    "category",
    "keywords",
    "instructions",
    "author",
    "position",
    "location",
    "city",
    "state",
    "country",
    "headline",
    "trans_ref",
    "credit",
    "source",
    "copyright",
    "caption",
    "caption_writer",
    "ci_city",
    "ci_country",
    "ci_address",
    "ci_postal_code",
    "ci_region",
    "ci_email",
    "ci_phone",
    "ci_url",
    "genre",
    "rights",
    "scene",
    "subject_code",
    "web_statement",
];

/// IPTC fields whose change is a rights change (research §2.3/§2.7).
pub const RIGHTS_FIELDS: &[&str] = &["credit", "copyright", "rights", "web_statement", "author"];

/// Visibility modes (v3 `mode`, v4 `Mode`).
pub const MODES: &[&str] = &["everyone", "permission", "private"];

/// Everything the simulated platform remembers; saved in the state file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct State {
    /// Media by id.
    pub media: BTreeMap<String, MediaRecord>,
    /// Galleries by id.
    pub galleries: BTreeMap<String, GalleryRecord>,
    /// Collections by id (`collections` module).
    #[serde(default)]
    pub collections: BTreeMap<String, super::collections::CollectionRecord>,
    /// Live auth tokens.
    #[serde(default)]
    pub sessions: BTreeMap<String, Session>,
    /// Counter behind generated ids.
    #[serde(default)]
    pub next_id: u64,
    /// How ids are formed: from the configuration (`id_seed`), not the state file.
    #[serde(skip)]
    pub ids: IdSpace,
    /// Successful logins so far (`POST /psapi/v3/mem/authenticate`).
    #[serde(default)]
    pub logins: u64,
    /// The refresh token the OAuth endpoint accepts now (None: the configured one).
    #[serde(default)]
    pub oauth_refresh_token: Option<String>,
    /// Refresh grants so far.
    #[serde(default)]
    pub oauth_grants: u64,
}

/// A logged-in session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// Organization the session is authenticated to, once it is.
    pub org_id: Option<String>,
}

/// One version of a media item's binary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    /// 1-based version number.
    pub number: u64,
    /// Length in bytes.
    pub bytes: u64,
    /// Hex sha256 of the bytes.
    pub sha256: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// A media item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MediaRecord {
    pub id: String,
    /// `image`, `video`, `audio` or `document`.
    pub media_type: String,
    pub file_name: String,
    pub model_released: Option<bool>,
    pub property_released: Option<bool>,
    pub rating: Option<i64>,
    pub searchable: bool,
    /// `everyone` | `permission` | `private`.
    pub mode: String,
    pub archived: bool,
    pub restricted: bool,
    pub approved: bool,
    pub license_expiration_date: Option<NaiveDate>,
    /// IPTC field → value (string, or a list for `keywords`).
    pub iptc: BTreeMap<String, Value>,
    pub galleries: BTreeSet<String>,
    /// Custom metadata field name → tag (one tag per field).
    pub custom_metadata: BTreeMap<String, String>,
    /// Binary versions, oldest first (never empty).
    pub versions: Vec<Version>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

/// A gallery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GalleryRecord {
    pub id: String,
    pub name: String,
    pub mode: String,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl State {
    /// A new 16-character id starting with `prefix` ([SPEC-DRAFT] id patterns), in this
    /// instance's id space.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        self.ids.photoshelter(prefix, self.next_id)
    }
}

/// Timestamps as in the draft's ISO examples (`2019-04-25T14:54:12.136828`, UTC).
pub fn ps_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl MediaRecord {
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The v4 media resource [SPEC-DRAFT attributes; `mode`, `archived`,
    /// `license_expiration_date` and `version` ASSUMED].
    pub fn resource(&self, org_id: &str) -> Value {
        let current = self.current();
        json!({
            "id": self.id,
            "type": self.media_type,
            "attributes": {
                "owner_id": null,
                "organization_id": org_id,
                "file_name": self.file_name,
                "file_size": current.map(|v| v.bytes),
                "hash": current.map(|v| v.sha256.clone()),
                "model_released": self.model_released,
                "property_released": self.property_released,
                "rating": self.rating,
                "searchable": self.searchable,
                "mode": self.mode,
                "archived": self.archived,
                "license_expiration_date": self.license_expiration_date.map(|d| d.to_string()),
                "version": current.map(|v| v.number),
                "created_at": ps_time(self.created_at),
                "modified_at": ps_time(self.modified_at),
            },
            "links": { "self": format!("/psapi/v4.0/media/{}", self.id) },
        })
    }

    /// The v4 IPTC resource (`GET /media/{id}/iptc` \[CLIENT\]; `keywords` as a list ASSUMED).
    pub fn iptc_resource(&self) -> Value {
        let attributes: Map<String, Value> = self.iptc.clone().into_iter().collect();
        json!({ "id": self.id, "type": "iptc", "attributes": attributes })
    }

    /// Custom metadata entries (shape ASSUMED: `{id, type, attributes: {name, value}}`).
    pub fn custom_metadata_resources(&self) -> Value {
        Value::Array(
            self.custom_metadata
                .iter()
                .map(|(name, value)| {
                    json!({"id": name, "type": "custom_metadata",
                           "attributes": {"name": name, "value": value}})
                })
                .collect(),
        )
    }

    /// The full control-API view (everything, including versions and hashes).
    pub fn control_view(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl GalleryRecord {
    /// The v4 gallery resource [SPEC-DRAFT `GalleryAttributes`].
    pub fn resource(&self) -> Value {
        json!({
            "id": self.id,
            "type": "gallery",
            "attributes": {
                "name": self.name,
                "description": null,
                "is_listed": true,
                "mode": self.mode,
                "created_at": ps_time(self.created_at),
                "modified_at": ps_time(self.modified_at),
            },
        })
    }
}

/// `meta.rate_limit` window and its advertised limit. The draft shows
/// `{"limit":10,"current":1,"expires":40}` and names neither the unit nor the window;
/// ASSUMED: calls allowed per 60 s window, calls made in it, seconds until it resets. The
/// sandbox counts every v4 answer of the process in one window and refuses nothing for
/// it: 429s come from fault injection (`/_sandbox/faults`) only.
const RATE_WINDOW_SECS: u64 = 60;
const RATE_LIMIT: u64 = 6_000;
static RATE_WINDOW: std::sync::Mutex<Option<(std::time::Instant, u64)>> =
    std::sync::Mutex::new(None);

fn rate_limit() -> Value {
    let now = std::time::Instant::now();
    let mut window = RATE_WINDOW
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (started, calls) = match *window {
        Some((started, calls)) if now.duration_since(started).as_secs() < RATE_WINDOW_SECS => {
            (started, calls + 1)
        }
        _ => (now, 1),
    };
    *window = Some((started, calls));
    let expires = RATE_WINDOW_SECS.saturating_sub(now.duration_since(started).as_secs());
    json!({"limit": RATE_LIMIT, "current": calls, "expires": expires})
}

/// `meta` of v4 answers [SPEC-DRAFT]; `paging` for lists.
pub fn meta(paging: Option<Value>) -> Value {
    let mut meta = json!({
        "copyright": "PhotoShelter sandbox",
        "version": "2019-05-01",
        "rate_limit": rate_limit(),
    });
    if let (Some(p), Some(obj)) = (paging, meta.as_object_mut()) {
        obj.insert("paging".into(), p);
    }
    meta
}

/// One page of a list plus its `meta.paging` block [SPEC-DRAFT `PaginationMetaTag`];
/// `page` is 1-based as real clients use it (ASSUMED). Only the page's items are rendered:
/// a listing of a large organization renders one page, not every item (under the state's
/// lock, which every other call waits for).
pub fn page<T>(items: Vec<T>, page: usize, per_page: usize, render: impl Fn(T) -> Value) -> Value {
    let total = items.len();
    let last = total.div_ceil(per_page).max(1);
    let data: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(render)
        .collect();
    let paging = json!({
        "total": total,
        "page": page,
        "first": 1,
        "last": last,
        "next": if page < last { Some(page + 1) } else { None },
        "prev": if page > 1 { Some(page - 1) } else { None },
    });
    json!({ "data": data, "meta": meta(Some(paging)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_renders_its_own_items_only_and_says_where_it_is() {
        let rendered = std::cell::Cell::new(0);
        let body = page((1..=7).collect(), 2, 3, |n: i32| {
            rendered.set(rendered.get() + 1);
            json!(n)
        });

        assert_eq!(body["data"], json!([4, 5, 6]));
        assert_eq!(rendered.get(), 3);
        let paging = &body["meta"]["paging"];
        assert_eq!(paging["total"], 7);
        assert_eq!(paging["last"], 3);
        assert_eq!(paging["next"], 3);
        assert_eq!(paging["prev"], 1);
    }
}
