//! The generic metadata the simulated tenant serves (`SyncGenericMetadata`, research §2.1):
//! 15 enumerations of `LocalizedMetadataElements` in English and German. The real keys
//! are not public (research "Unknown" #3); `adobestock`, `image`, `creative`,
//! `royalty_free` and the `language_*` form are the ones seen in SDK sources, the rest
//! are ASSUMED examples in the same style. LPTs created through the control API should
//! use these keys, but the sandbox does not enforce it (nor, presumably, would a client
//! be able to).

use serde_json::{Value, json};

/// `(key, English name, German name)` per enumeration.
type Enumeration = &'static [(&'static str, &'static str, &'static str)];

const ENUMERATIONS: &[(&str, Enumeration)] = &[
    (
        "providers",
        &[
            ("adobestock", "Adobe Stock", "Adobe Stock"),
            ("getty", "Getty Images", "Getty Images"),
        ],
    ),
    (
        "content_types",
        &[
            ("image", "Image", "Bild"),
            ("video", "Video", "Video"),
            ("audio", "Audio", "Audio"),
        ],
    ),
    (
        "binary_types",
        &[
            ("download", "Download", "Download"),
            ("comp", "Comp", "Layout"),
        ],
    ),
    (
        "content_categories",
        &[
            ("creative", "Creative", "Kreativ"),
            ("editorial", "Editorial", "Redaktionell"),
        ],
    ),
    (
        "license_types",
        &[
            ("royalty_free", "Royalty free", "Lizenzfrei"),
            ("rights_managed", "Rights managed", "Lizenzpflichtig"),
        ],
    ),
    (
        "release_states",
        &[
            ("released", "Released", "Freigegeben"),
            ("not_released", "Not released", "Nicht freigegeben"),
            ("not_applicable", "Not applicable", "Nicht zutreffend"),
        ],
    ),
    (
        "license_exclusivities",
        &[("exclusive", "Exclusive", "Exklusiv")],
    ),
    (
        "license_usages",
        &[
            ("usage_advertising", "Advertising", "Werbung"),
            ("usage_editorial", "Editorial", "Redaktionell"),
            ("usage_corporate", "Corporate", "Unternehmenskommunikation"),
        ],
    ),
    (
        "license_sizes",
        &[("size_web", "Web", "Web"), ("size_print", "Print", "Druck")],
    ),
    (
        "license_placements",
        &[
            ("placement_social_media", "Social media", "Soziale Medien"),
            ("placement_website", "Website", "Webseite"),
        ],
    ),
    (
        "license_distributions",
        &[
            ("distribution_online", "Online", "Online"),
            ("distribution_print", "Print", "Druck"),
        ],
    ),
    (
        "license_geographies",
        &[
            ("geography_worldwide", "Worldwide", "Weltweit"),
            ("geography_europe", "Europe", "Europa"),
            ("geography_north_america", "North America", "Nordamerika"),
            ("geography_germany", "Germany", "Deutschland"),
        ],
    ),
    (
        "license_industries",
        &[("industry_automotive", "Automotive", "Automobil")],
    ),
    (
        "license_languages",
        &[
            ("language_english", "English", "Englisch"),
            ("language_german", "German", "Deutsch"),
            ("language_french", "French", "Französisch"),
        ],
    ),
    (
        "license_usage_limits",
        &[(
            "limit_10000_impressions",
            "10,000 impressions",
            "10.000 Impressionen",
        )],
    ),
];

/// The whole `SyncGenericMetadata` document.
pub(super) fn generic_metadata() -> Value {
    let mut document = serde_json::Map::new();
    for (name, elements) in ENUMERATIONS {
        let localized: Vec<Value> = elements
            .iter()
            .flat_map(|(key, en, de)| {
                [
                    json!({"culture": "en", "metadata_element": {"key": key, "name": en}}),
                    json!({"culture": "de", "metadata_element": {"key": key, "name": de}}),
                ]
            })
            .collect();
        document.insert((*name).to_owned(), Value::Array(localized));
    }
    Value::Object(document)
}
