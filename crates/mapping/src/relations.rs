//! Relations between PhotoShelter media (use cases 7 and 8): "this item replaces that
//! one" and "this item is a variant of that one". PhotoShelter has neither, so they are
//! IPTC keywords `<prefix><media id>` as the connection's `rules.relations` configures.
//! The relation keywords are technical: they are taken out of the asset's tags, and the
//! relations go to `RawData.relations` (Smint.io's `RelatedAssets` shape is not public,
//! docs/platforms.md).

use assetrelay_config::RelationRules;
use assetrelay_photoshelter::client::Media;
use assetrelay_smintio::client::model::portals::AssetDataObject;
use serde_json::{Value, json};

/// What a media item says it replaces and is a variant of (media ids, in order, never
/// itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations {
    pub replaces: Vec<String>,
    pub variant_of: Vec<String>,
}

/// A PhotoShelter media id as the v4 draft's pattern gives it: `I` and 15 more letters or
/// digits. Anything else after a prefix is not a relation (and stays a keyword).
fn is_media_id(text: &str) -> bool {
    text.len() == 16 && text.starts_with('I') && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The id a keyword names after `prefix` (case-insensitive), if it is one.
fn named<'k>(keyword: &'k str, prefix: &str) -> Option<&'k str> {
    let keyword = keyword.trim();
    if prefix.is_empty() || keyword.len() < prefix.len() {
        return None;
    }
    let (head, rest) = keyword.split_at_checked(prefix.len())?;
    let id = rest.trim();
    (head.eq_ignore_ascii_case(prefix) && is_media_id(id)).then_some(id)
}

pub fn relations(media: &Media, rules: &RelationRules) -> Relations {
    let keywords = media
        .iptc
        .as_ref()
        .and_then(|i| i.keywords.as_deref())
        .unwrap_or_default();
    let collect = |prefix: &str| {
        let mut ids: Vec<String> = Vec::new();
        for id in keywords.iter().filter_map(|k| named(k, prefix)) {
            if id != media.id && !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
        ids
    };
    Relations {
        replaces: collect(&rules.replaces_prefix),
        variant_of: collect(&rules.variant_of_prefix),
    }
}

impl Relations {
    pub fn is_empty(&self) -> bool {
        self.replaces.is_empty() && self.variant_of.is_empty()
    }

    /// Put the relations into `asset.RawData.relations`, and take the relation keywords
    /// out of its tags.
    pub fn apply(&self, rules: &RelationRules, asset: &mut AssetDataObject) {
        if let Some(tags) = asset.localized_tags.as_mut() {
            for list in tags.values_mut() {
                list.retain(|k| {
                    named(k, &rules.replaces_prefix).is_none()
                        && named(k, &rules.variant_of_prefix).is_none()
                });
            }
            tags.retain(|_, list| !list.is_empty());
            if tags.is_empty() {
                asset.localized_tags = None;
            }
        }
        if self.is_empty() {
            return;
        }
        let mut relations = serde_json::Map::new();
        if !self.replaces.is_empty() {
            relations.insert("replaces".into(), json!(self.replaces));
        }
        if !self.variant_of.is_empty() {
            relations.insert("variant_of".into(), json!(self.variant_of));
        }
        asset
            .raw_data
            .get_or_insert_with(serde_json::Map::new)
            .insert("relations".into(), Value::Object(relations));
    }
}
