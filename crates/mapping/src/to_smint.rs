//! to-smint: the Portals `AssetDataObject` for an exposed PhotoShelter media item (DESIGN
//! §7 PhotoShelter → Smint.io; use case 3).
//!
//! `RawData` carries what Portals has no property for; its keys are ours (documented
//! here), values follow Smint.io's license-term vocabulary where one exists:
//!
//! | key | content |
//! |---|---|
//! | `source` | always `"photoshelter"` |
//! | `attribution` | `{credit, copyright, author}` from IPTC, only the keys present |
//! | `releases` | `{model_released, property_released}`, only the known ones |
//! | `license_terms` | `{valid_until, rights_text, web_statement}`, only the keys present |
//! | `exposure` | `{regions, languages, campaigns, rules}`, only non-empty arrays; absent when unrestricted |
//! | `allowed_geographies`, `allowed_languages` | the audience's regions / languages (our configured codes, not tenant generic-metadata keys), plus what restriction fields add |
//! | `allowed_usages`, `restricted_usages`, `allowed_distributions`, `restricted_distributions`, `restricted_geographies`, `restricted_languages`, `campaigns` | from the connection's restriction fields (`rules.restrictions`: a custom metadata field → one of these, values mapped to the tenant's keys), only when filled; `campaigns` joins the audience's |
//! | `unmapped_restrictions` | `{field: [value]}`: values of a restriction field its map does not list |
//!
//! `PermissionUuids` (who may see the asset in Portals) comes only from a restriction
//! field configured `into = "permission_uuids"`. Nothing is derived from the free-text
//! IPTC `rights` field: neither PhotoShelter nor IPTC documents a machine-readable
//! convention inside it, so the text is passed on verbatim as `rights_text` instead of
//! guessed at.

use assetrelay_photoshelter::client::{Iptc, Media};
use assetrelay_smintio::client::model::portals::{DEFAULT_CULTURE, LocalizedStrings};
use assetrelay_smintio::client::{AssetDataObject, PortalsContentType};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::approval::Audience;
use crate::expiry::media_expires_at;
use crate::restrictions::Restrictions;
use crate::text::{dedup_in_order, non_blank};
use assetrelay_config::TermField;

/// `RawData.source` of every asset this flow writes.
pub const SOURCE: &str = "photoshelter";

/// The Portals asset for an exposed media item. ExternalId = media.id. Name (x-default)
/// from IPTC title, else headline, else file_name; Description from caption; ContentType
/// from media_type; LocalizedTags x-default = keywords; PublishUntil = media_expires_at;
/// Version = media.version as string, else modified_at RFC 3339; CreatedAt/ModifiedAt.
/// `RawData` as in the module table; `restrictions` as the connection's restriction
/// fields read them from the item ([`crate::restrictions()`]).
pub fn asset_for_media(
    media: &Media,
    audience: &Audience,
    restrictions: &Restrictions,
) -> AssetDataObject {
    let iptc = media.iptc.as_ref();
    let field = |get: fn(&Iptc) -> Option<&String>| {
        iptc.and_then(|i| non_blank(get(i).map(String::as_str)))
    };

    let mut asset = AssetDataObject::new(media.id.clone());
    asset.name = field(|i| i.title.as_ref())
        .or_else(|| field(|i| i.headline.as_ref()))
        .or_else(|| non_blank(media.file_name.as_deref()))
        .map(default_culture);
    asset.description = field(|i| i.caption.as_ref()).map(default_culture);
    asset.content_type = media.media_type.as_deref().map(content_type);
    let keywords = dedup_in_order(
        iptc.and_then(|i| i.keywords.as_deref())
            .unwrap_or_default()
            .iter()
            .filter_map(|k| non_blank(Some(k)))
            .map(str::to_owned),
    );
    if !keywords.is_empty() {
        asset.localized_tags = Some([(DEFAULT_CULTURE.to_owned(), keywords)].into());
    }
    let expires_at = media_expires_at(media);
    asset.publish_until = expires_at;
    asset.version = media
        .version
        .map(|v| v.to_string())
        .or_else(|| media.modified_at.map(rfc3339));
    asset.created_at = media.created_at;
    asset.modified_at = media.modified_at;

    let mut raw = Map::new();
    raw.insert("source".into(), SOURCE.into());
    let attribution = object([
        ("credit", field(|i| i.credit.as_ref()).map(Value::from)),
        (
            "copyright",
            field(|i| i.copyright.as_ref()).map(Value::from),
        ),
        ("author", field(|i| i.author.as_ref()).map(Value::from)),
    ]);
    insert_object(&mut raw, "attribution", attribution);
    let releases = object([
        ("model_released", media.model_released.map(Value::from)),
        (
            "property_released",
            media.property_released.map(Value::from),
        ),
    ]);
    insert_object(&mut raw, "releases", releases);
    let terms = object([
        ("valid_until", expires_at.map(|t| Value::from(rfc3339(t)))),
        ("rights_text", field(|i| i.rights.as_ref()).map(Value::from)),
        (
            "web_statement",
            field(|i| i.web_statement.as_ref()).map(Value::from),
        ),
    ]);
    insert_object(&mut raw, "license_terms", terms);
    let exposure = object([
        ("regions", strings(&audience.regions)),
        ("languages", strings(&audience.languages)),
        ("campaigns", strings(&audience.campaigns)),
        ("rules", strings(&audience.rules)),
    ]);
    insert_object(&mut raw, "exposure", exposure);
    if let Some(regions) = strings(&audience.regions) {
        raw.insert("allowed_geographies".into(), regions);
    }
    if let Some(languages) = strings(&audience.languages) {
        raw.insert("allowed_languages".into(), languages);
    }
    for (field, values) in &restrictions.fields {
        let values = match field {
            TermField::PermissionUuids => {
                asset.permission_uuids = Some(values.clone());
                continue;
            }
            TermField::AllowedGeographies => joined(&audience.regions, values),
            TermField::AllowedLanguages => joined(&audience.languages, values),
            TermField::Campaigns => joined(&audience.campaigns, values),
            _ => values.clone(),
        };
        if let Some(values) = strings(&values) {
            raw.insert(field.key().into(), values);
        }
    }
    let unmapped: Map<String, Value> = restrictions
        .unmapped
        .iter()
        .filter_map(|(field, values)| Some((field.clone(), strings(values)?)))
        .collect();
    insert_object(&mut raw, "unmapped_restrictions", unmapped);
    asset.raw_data = Some(raw);
    asset
}

/// `first`, then what `more` adds.
fn joined(first: &[String], more: &[String]) -> Vec<String> {
    dedup_in_order(first.iter().chain(more).cloned())
}

/// Portals content type of a PhotoShelter `media_type`; an unrecognised value is `other`.
fn content_type(media_type: &str) -> PortalsContentType {
    match media_type.trim().to_ascii_lowercase().as_str() {
        "image" => PortalsContentType::Image,
        "video" => PortalsContentType::Video,
        "audio" => PortalsContentType::Audio,
        "document" | "doc" => PortalsContentType::Document,
        _ => PortalsContentType::Other,
    }
}

fn default_culture(value: &str) -> LocalizedStrings {
    [(DEFAULT_CULTURE.to_owned(), value.to_owned())].into()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A JSON array of the values, `None` when there are none.
fn strings(values: &[String]) -> Option<Value> {
    (!values.is_empty()).then(|| values.iter().map(|v| Value::from(v.as_str())).collect())
}

/// An object of the present entries.
fn object<const N: usize>(entries: [(&str, Option<Value>); N]) -> Map<String, Value> {
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect()
}

fn insert_object(raw: &mut Map<String, Value>, key: &str, value: Map<String, Value>) {
    if !value.is_empty() {
        raw.insert(key.to_owned(), Value::Object(value));
    }
}
