//! Typed results and inputs of the client.
//!
//! Everything PhotoShelter may leave out is an `Option`: a missing value means *unknown*,
//! never `false` or empty (DESIGN §7). Field names follow the v4 draft unless marked.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Who may see a media item or gallery: the v3 `mode` / v4 `Mode` enum [DOC, SPEC-DRAFT].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// "Everyone".
    Everyone,
    /// "Those with permission".
    Permission,
    /// "No one but me".
    Private,
}

impl Visibility {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Everyone => "everyone",
            Visibility::Permission => "permission",
            Visibility::Private => "private",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "everyone" => Some(Visibility::Everyone),
            "permission" => Some(Visibility::Permission),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// IPTC fields, named as in the v4 draft's `MediaSearchEmpty` vocabulary [SPEC-DRAFT].
///
/// Used both to read (`GET /media/{id}/iptc`) and to write (`PATCH /media/{id}/iptc`): on
/// write, `None` fields are left untouched and `Some("")` clears a field (ASSUMED).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iptc {
    /// Title (object name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// Caption / description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Caption writer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption_writer: Option<String>,
    /// By-line (the creator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// By-line title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Credit line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Copyright notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    /// Rights usage terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    /// Copyright info URL (XMP `WebStatement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_statement: Option<String>,
    /// Job identifier (IPTC transmission reference), where support suggests contract refs go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trans_ref: Option<String>,
    /// Special instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Keywords. v3 sends one comma-separated `keyword` string [CLIENT `S-drupal`]; both
    /// shapes are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Sublocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province / state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A gallery a media item belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryRef {
    /// `G0000…`.
    pub id: String,
    /// Gallery name, when the answer carried it.
    pub name: Option<String>,
}

/// One media item with everything the flows map (DESIGN §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// `I0000…`, `VD000…`, `AD000…` or `DO000…`.
    pub id: String,
    /// `image`, `video`, `audio` or `document`.
    pub media_type: Option<String>,
    /// Original file name.
    pub file_name: Option<String>,
    /// Size of the original in bytes.
    pub file_size: Option<u64>,
    /// Content hash as PhotoShelter reports it (algorithm undocumented).
    pub hash: Option<String>,
    /// Model release on file.
    pub model_released: Option<bool>,
    /// Property release on file.
    pub property_released: Option<bool>,
    /// Rating (-1..5).
    pub rating: Option<i64>,
    /// Whether the item is searchable.
    pub searchable: Option<bool>,
    /// Visibility of the item itself (v4 attribute `mode`; ASSUMED on media).
    pub visibility: Option<Visibility>,
    /// Archived flag (attribute `archived`; ASSUMED, not in any public source).
    pub archived: Option<bool>,
    /// Brands "License Expiration Date" (attribute `license_expiration_date`; ASSUMED: the
    /// API name of this field is undocumented).
    pub license_expiration_date: Option<NaiveDate>,
    /// Version number of the *file* (attribute `version`; ASSUMED): it counts binaries,
    /// so it stays `1` through every metadata edit and cannot order reads; use
    /// [`MediaSnapshot::source_version`](super::MediaSnapshot::source_version).
    pub version: Option<u64>,
    /// Creation time (`created_at` or `uploaded_at`).
    pub created_at: Option<DateTime<Utc>>,
    /// Last modification (`modified_at` or `updated_at`).
    pub modified_at: Option<DateTime<Utc>>,
    /// IPTC block (`GET /media/{id}/iptc`).
    pub iptc: Option<Iptc>,
    /// Galleries holding the item (`GET /media/{id}/galleries`).
    pub galleries: Option<Vec<GalleryRef>>,
    /// Custom metadata, field name → tag (`GET /media/{id}/custom-metadata`); `None` when
    /// the organization has no custom metadata endpoint (404).
    pub custom_metadata: Option<BTreeMap<String, String>>,
}

/// A media item as listed (modified-since listing, gallery children).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaSummary {
    /// Media id.
    pub id: String,
    /// `image`, `video`, `audio` or `document`.
    pub media_type: Option<String>,
    /// Original file name.
    pub file_name: Option<String>,
    /// Last modification.
    pub modified_at: Option<DateTime<Utc>>,
}

/// One page of the media listing ([`Client::media_page`](super::Client::media_page)).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPage {
    /// The items of this page, newest modification first.
    pub items: Vec<MediaSummary>,
    /// Whether a next page exists (`meta.paging.next`, else: this page was full).
    pub more: bool,
}

/// Changes to the media item's own attributes (`PATCH /media/{id}`; UNVERIFIED path,
/// ASSUMED body). `None` leaves a field untouched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaUpdate {
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New license expiration; `Some(None)` removes it.
    pub license_expiration_date: Option<Option<NaiveDate>>,
    /// New model release state.
    pub model_released: Option<bool>,
    /// New property release state.
    pub property_released: Option<bool>,
}

impl MediaUpdate {
    pub(crate) fn attributes(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        let mut attrs = serde_json::Map::new();
        if let Some(v) = self.visibility {
            attrs.insert("mode".into(), Value::from(v.as_str()));
        }
        if let Some(exp) = self.license_expiration_date {
            let value = exp.map_or(Value::Null, |d| Value::from(d.to_string()));
            attrs.insert("license_expiration_date".into(), value);
        }
        if let Some(b) = self.model_released {
            attrs.insert("model_released".into(), Value::from(b));
        }
        if let Some(b) = self.property_released {
            attrs.insert("property_released".into(), Value::from(b));
        }
        attrs
    }
}

/// Where the bytes of an upload come from. The client streams them; it never holds a
/// whole file in memory, and re-opens the source if the call must be repeated (re-login).
#[derive(Debug, Clone)]
pub enum UploadSource {
    /// A local file.
    File(std::path::PathBuf),
    /// A URL fetched with a plain GET (no PhotoShelter credentials are sent to it).
    Url(url::Url),
}

/// An upload into a gallery (`POST /psapi/v3/mem/image/upload` \[DOC\]).
#[derive(Debug, Clone)]
pub struct Upload {
    /// Target gallery `G0000…`.
    pub gallery_id: String,
    /// File name announced in the multipart part.
    pub file_name: String,
    /// MIME type of the file, when known.
    pub content_type: Option<String>,
    /// `f_searchable` [CLIENT `S-R`].
    pub searchable: Option<bool>,
    /// The bytes.
    pub source: UploadSource,
}

/// The answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The new media id.
    pub id: String,
    /// Size PhotoShelter reports, when it does.
    pub file_size: Option<u64>,
}
