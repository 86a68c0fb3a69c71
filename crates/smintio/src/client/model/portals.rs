//! The Portals data-adapter change model we push into Smint.io (research §3.2, §2.3).
//!
//! Names are the Portals SDK's PascalCase property names: `ChangeModel` with
//! `UnscopedAssetIdentifier`, `Type` (`AssetUpdate` | `AssetDeletion`) and
//! `AssetDataObject` (DOC: Portals-ComponentFramework-Interfaces
//! `Models/DataObjects/AssetDataObject.md`). The envelope `{"changes": [...]}` and the
//! delivery by signed webhook are ASSUMED (contract): Smint.io publishes no push API.
//!
//! Localized values use the Portals shapes: `LocalizedStringsModel` is a map from language
//! code (`x-default`, `en`, ...) to a string, `LocalizedStringsArrayModel` to a list.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `LocalizedStringsModel`: language code → value; `x-default` is the fallback.
pub type LocalizedStrings = BTreeMap<String, String>;
/// `LocalizedStringsArrayModel`: language code → values.
pub type LocalizedStringArrays = BTreeMap<String, Vec<String>>;

/// The language key Portals falls back to.
pub const DEFAULT_CULTURE: &str = "x-default";

/// `ChangeModel`, restricted to assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The asset id without the adapter scope (the platform adds
    /// `{dataAdapterInstanceKey}:{contentType}:`).
    #[serde(rename = "UnscopedAssetIdentifier")]
    pub unscoped_asset_identifier: String,
    #[serde(rename = "Type")]
    pub change_type: ChangeType,
    /// `None` (sent as `null`) for a deletion.
    #[serde(rename = "AssetDataObject")]
    pub asset_data_object: Option<AssetDataObject>,
}

impl Change {
    /// Create or replace the asset `id`.
    pub fn update(id: impl Into<String>, asset: AssetDataObject) -> Self {
        Self {
            unscoped_asset_identifier: id.into(),
            change_type: ChangeType::AssetUpdate,
            asset_data_object: Some(asset),
        }
    }

    /// Remove the asset `id`; a deletion carries no data object.
    pub fn deletion(id: impl Into<String>) -> Self {
        Self {
            unscoped_asset_identifier: id.into(),
            change_type: ChangeType::AssetDeletion,
            asset_data_object: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeType {
    AssetUpdate,
    AssetDeletion,
}

/// `ContentTypeEnumDataObject` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortalsContentType {
    Unknown,
    Image,
    Document,
    Video,
    Audio,
    Other,
    Composite,
}

/// The subset of `AssetDataObject` we set. Properties left `None` are absent on the
/// wire, as on Smint.io's dictionary-backed data objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssetDataObject {
    /// Our source asset id (e.g. the PhotoShelter media id); the upsert key.
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LocalizedStrings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LocalizedStrings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<PortalsContentType>,
    /// `LocalizedTags` in the SDK docs; the contract's shorter `Tags` is accepted when read.
    #[serde(
        default,
        rename = "LocalizedTags",
        alias = "Tags",
        skip_serializing_if = "Option::is_none"
    )]
    pub localized_tags: Option<LocalizedStringArrays>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_until: Option<DateTime<Utc>>,
    /// A string in the SDK (`Version: string`); we send the source's version or
    /// modification stamp so the adapter can refuse to go backwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// Rendition URLs Smint.io uses verbatim (it stores no originals): the small
    /// thumbnail of lists and the large one of the detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_thumbnail_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_thumbnail_url: Option<String>,
    /// The `Is*Available` rendition flags (names ASSUMED from the model's
    /// `Is*Available` pattern, docs/platforms.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_preview_thumbnail_available: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_large_thumbnail_available: Option<bool>,
    /// The Portals permission groups that may see the asset (absent: the adapter's
    /// default); filled only from a connection's configured restriction fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_uuids: Option<Vec<String>>,
    /// Source-specific metadata interpreted by the connector's meta-model: license terms,
    /// attribution, regions (contract: one JSON object; the SDK types it `DataObject[]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<Map<String, Value>>,
}

impl AssetDataObject {
    /// An object with only its external id set.
    pub fn new(external_id: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            name: None,
            description: None,
            content_type: None,
            localized_tags: None,
            publish_from: None,
            publish_until: None,
            version: None,
            created_at: None,
            modified_at: None,
            preview_thumbnail_url: None,
            large_thumbnail_url: None,
            is_preview_thumbnail_available: None,
            is_large_thumbnail_available: None,
            permission_uuids: None,
            raw_data: None,
        }
    }
}

/// The adapter's answer to a delivery (contract: `{"accepted": n}`); `None` when the
/// adapter said 2xx with a body we could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    #[serde(default)]
    pub accepted: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_pascal_case_and_omits_unset_properties() {
        let mut asset = AssetDataObject::new("I0000abc");
        asset.name = Some(BTreeMap::from([(
            DEFAULT_CULTURE.to_owned(),
            "Harbour".to_owned(),
        )]));
        asset.content_type = Some(PortalsContentType::Image);
        let value = serde_json::to_value(Change::update("I0000abc", asset)).unwrap();
        assert_eq!(
            value,
            json!({
                "UnscopedAssetIdentifier": "I0000abc",
                "Type": "AssetUpdate",
                "AssetDataObject": {"ExternalId": "I0000abc", "Name": {"x-default": "Harbour"}, "ContentType": "image"}
            })
        );
    }

    #[test]
    fn a_deletion_carries_a_null_data_object() {
        let value = serde_json::to_value(Change::deletion("I0000abc")).unwrap();
        assert_eq!(
            value,
            json!({"UnscopedAssetIdentifier": "I0000abc", "Type": "AssetDeletion", "AssetDataObject": null})
        );
    }

    #[test]
    fn reads_tags_under_either_name() {
        let a: AssetDataObject =
            serde_json::from_value(json!({"ExternalId": "x", "Tags": {"en": ["a"]}})).unwrap();
        let b: AssetDataObject =
            serde_json::from_value(json!({"ExternalId": "x", "LocalizedTags": {"en": ["a"]}}))
                .unwrap();
        assert_eq!(a, b);
    }
}
