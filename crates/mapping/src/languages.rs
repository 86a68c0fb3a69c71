//! Use case 8: the languages an asset may be used in, as the tenant's Smint.io keys.
//!
//! Region rules name languages the way people configure them (`de`, `fr`), while a
//! Smint.io tenant's license languages are keys of its own (`language_german`), listed
//! with their names in its generic metadata (`license_languages`, research/smintio.md §2).
//! A configured value is matched to a key as it is (already a key), by its ISO 639-1 code's
//! English name, or by one of the key's names. One that matches nothing stays in the list
//! as configured (dropping it would widen the restriction) and is also named in
//! `RawData.unmapped_languages`, so nobody takes it for a tenant key. A tenant whose metadata lists no languages cannot be
//! matched at all: the values stay as configured.

use assetrelay_smintio::client::AssetDataObject;
use assetrelay_smintio::client::GenericMetadata;
use serde_json::Value;

/// ISO 639-1 codes and the English names Smint.io's metadata uses for them.
const ISO_639_1: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hu", "Hungarian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("nb", "Norwegian"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sv", "Swedish"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("zh", "Chinese"),
];

/// The language lists of the asset's `RawData`.
const LANGUAGE_KEYS: [&str; 2] = ["allowed_languages", "restricted_languages"];

/// Replace the language values of `asset`'s `RawData` by the tenant's keys; values no key
/// matches stay and are named in `RawData.unmapped_languages`. Nothing changes when the
/// tenant's metadata lists no languages.
pub fn use_tenant_languages(asset: &mut AssetDataObject, metadata: &GenericMetadata) {
    let Some(elements) = metadata
        .license_languages
        .as_deref()
        .filter(|e| !e.is_empty())
    else {
        return;
    };
    let Some(raw) = asset.raw_data.as_mut() else {
        return;
    };
    let key_for = |value: &str| -> Option<String> {
        let value = value.trim();
        let keys = || {
            elements
                .iter()
                .filter_map(|e| e.metadata_element.key.as_deref())
        };
        if let Some(key) = keys().find(|k| k.eq_ignore_ascii_case(value)) {
            return Some(key.to_owned());
        }
        let code = value.split(['-', '_']).next().unwrap_or(value);
        let english = ISO_639_1
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map(|(_, name)| *name);
        elements
            .iter()
            .find(|e| {
                e.metadata_element.name.as_deref().is_some_and(|name| {
                    name.eq_ignore_ascii_case(value)
                        || english.is_some_and(|en| name.eq_ignore_ascii_case(en))
                })
            })
            .and_then(|e| e.metadata_element.key.clone())
    };
    let mut unmapped: Vec<Value> = Vec::new();
    for list in LANGUAGE_KEYS {
        let Some(Value::Array(values)) = raw.get(list).cloned() else {
            continue;
        };
        let mut keys: Vec<Value> = Vec::new();
        for value in values.iter().filter_map(Value::as_str) {
            let key = key_for(value).map_or_else(
                || {
                    if !unmapped.contains(&Value::from(value)) {
                        unmapped.push(value.into());
                    }
                    Value::from(value)
                },
                Value::from,
            );
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        raw.insert(list.to_owned(), Value::Array(keys));
    }
    if !unmapped.is_empty() {
        raw.insert("unmapped_languages".into(), Value::Array(unmapped));
    }
}
