//! `SyncGenericMetadata`: the enumerations every key in an LPT refers to (providers,
//! license usages, geographies, ...). Their values are not public and change at runtime,
//! so they are loaded from the API and never hard-coded (research "Unknown" #3).

use serde::{Deserialize, Serialize};

use super::localized::LocalizedMetadataElement;

/// One enumeration: its elements in every culture.
pub type Elements = Option<Vec<LocalizedMetadataElement>>;

/// The 15 enumerations of `GetGenericMetadataForSync`, each `LocalizedMetadataElements`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericMetadata {
    #[serde(default)]
    pub providers: Elements,
    #[serde(default)]
    pub content_types: Elements,
    #[serde(default)]
    pub binary_types: Elements,
    #[serde(default)]
    pub content_categories: Elements,
    #[serde(default)]
    pub license_types: Elements,
    #[serde(default)]
    pub release_states: Elements,
    #[serde(default)]
    pub license_exclusivities: Elements,
    #[serde(default)]
    pub license_usages: Elements,
    #[serde(default)]
    pub license_sizes: Elements,
    #[serde(default)]
    pub license_placements: Elements,
    #[serde(default)]
    pub license_distributions: Elements,
    #[serde(default)]
    pub license_geographies: Elements,
    #[serde(default)]
    pub license_industries: Elements,
    #[serde(default)]
    pub license_languages: Elements,
    #[serde(default)]
    pub license_usage_limits: Elements,
}

impl GenericMetadata {
    /// The name of `key` in `culture` (English fallback) within one enumeration.
    pub fn name_of<'a>(elements: &'a Elements, key: &str, culture: &str) -> Option<&'a str> {
        let elements = elements.as_deref()?;
        let matching = |c: &str| {
            elements
                .iter()
                .filter(|e| e.metadata_element.key.as_deref() == Some(key))
                .find(|e| e.culture.eq_ignore_ascii_case(c))
                .and_then(|e| e.metadata_element.name.as_deref())
        };
        matching(culture).or_else(|| matching("en"))
    }
}
