//! How Smint.io keys read in the text to-photoshelter writes: every key in a license
//! (provider, license type, usages, geographies, languages …) names an element of the
//! tenant's generic metadata (`SyncGenericMetadata`, research/smintio.md §2), which gives
//! its name per culture. The keys themselves are not public and differ per tenant, so they
//! are looked up, never hard-coded; a key the metadata does not name is shown as is.

use assetrelay_smintio::client::GenericMetadata;
use assetrelay_smintio::client::model::metadata::Elements;

/// The generic-metadata enumerations a license's keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Providers,
    LicenseTypes,
    Usages,
    Distributions,
    Geographies,
    Languages,
}

impl List {
    fn elements(self, metadata: &GenericMetadata) -> &Elements {
        match self {
            Self::Providers => &metadata.providers,
            Self::LicenseTypes => &metadata.license_types,
            Self::Usages => &metadata.license_usages,
            Self::Distributions => &metadata.license_distributions,
            Self::Geographies => &metadata.license_geographies,
            Self::Languages => &metadata.license_languages,
        }
    }
}

/// Names for keys in one culture (`en`, `de`, …; the tenant's English where it has no
/// name in that culture).
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    metadata: Option<&'a GenericMetadata>,
    culture: &'a str,
}

impl<'a> Labels<'a> {
    pub fn new(metadata: &'a GenericMetadata, culture: &'a str) -> Self {
        Self {
            metadata: Some(metadata),
            culture,
        }
    }

    /// No metadata: every key as it is, English sentences.
    pub const KEYS: Labels<'static> = Labels {
        metadata: None,
        culture: "en",
    };

    /// The name of `key` in `list`, or the key itself.
    pub fn name(&self, list: List, key: &str) -> String {
        self.metadata
            .and_then(|m| GenericMetadata::name_of(list.elements(m), key, self.culture))
            .map_or_else(|| key.to_owned(), str::to_owned)
    }

    /// The sentences of the rights summary in this culture (German or English).
    pub(crate) fn phrases(&self) -> &'static Phrases {
        if self.culture.to_ascii_lowercase().starts_with("de") {
            &GERMAN
        } else {
            &ENGLISH
        }
    }
}

/// The fixed words of the rights summary.
pub(crate) struct Phrases {
    pub license: &'static str,
    pub valid_until: &'static str,
    pub to_be_used_until: &'static str,
    pub allowed_usages: &'static str,
    pub restricted_usages: &'static str,
    pub allowed_distributions: &'static str,
    pub restricted_distributions: &'static str,
    pub allowed_geographies: &'static str,
    pub restricted_geographies: &'static str,
    pub allowed_languages: &'static str,
    pub restricted_languages: &'static str,
    pub editorial_only: &'static str,
    pub not_editorial_only: &'static str,
    pub restrictive: &'static str,
}

const ENGLISH: Phrases = Phrases {
    license: "Smint.io license",
    valid_until: "Valid until",
    to_be_used_until: "To be used until",
    allowed_usages: "Allowed usages",
    restricted_usages: "Restricted usages",
    allowed_distributions: "Allowed distributions",
    restricted_distributions: "Restricted distributions",
    allowed_geographies: "Allowed geographies",
    restricted_geographies: "Restricted geographies",
    allowed_languages: "Allowed languages",
    restricted_languages: "Restricted languages",
    editorial_only: "Editorial use only.",
    not_editorial_only: "Not limited to editorial use.",
    restrictive: "Smint.io flags potentially restrictive terms.",
};

const GERMAN: Phrases = Phrases {
    license: "Smint.io-Lizenz",
    valid_until: "Gültig bis",
    to_be_used_until: "Zu verwenden bis",
    allowed_usages: "Erlaubte Nutzungen",
    restricted_usages: "Eingeschränkte Nutzungen",
    allowed_distributions: "Erlaubte Verbreitung",
    restricted_distributions: "Eingeschränkte Verbreitung",
    allowed_geographies: "Erlaubte Regionen",
    restricted_geographies: "Eingeschränkte Regionen",
    allowed_languages: "Erlaubte Sprachen",
    restricted_languages: "Eingeschränkte Sprachen",
    editorial_only: "Nur für redaktionelle Nutzung.",
    not_editorial_only: "Nicht auf redaktionelle Nutzung beschränkt.",
    restrictive: "Smint.io kennzeichnet möglicherweise einschränkende Bedingungen.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> GenericMetadata {
        serde_json::from_value(serde_json::json!({
            "license_usages": [
                {"culture": "en", "metadata_element": {"key": "usage_print", "name": "Print"}},
                {"culture": "de", "metadata_element": {"key": "usage_print", "name": "Druck"}},
                {"culture": "en", "metadata_element": {"key": "usage_web", "name": "Web"}}
            ]
        }))
        .unwrap_or_default()
    }

    #[test]
    fn a_key_reads_as_its_name_in_the_culture_else_english_else_itself() {
        let metadata = metadata();
        let german = Labels::new(&metadata, "de");
        assert_eq!(german.name(List::Usages, "usage_print"), "Druck");
        assert_eq!(german.name(List::Usages, "usage_web"), "Web");
        assert_eq!(german.name(List::Usages, "usage_other"), "usage_other");
        // The key belongs to another list: not a usage name.
        assert_eq!(german.name(List::Geographies, "usage_print"), "usage_print");
        assert_eq!(
            Labels::KEYS.name(List::Usages, "usage_print"),
            "usage_print"
        );
        assert_eq!(german.phrases().valid_until, "Gültig bis");
        assert_eq!(
            Labels::new(&metadata, "fr").phrases().valid_until,
            "Valid until"
        );
    }
}
