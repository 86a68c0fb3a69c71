use std::collections::BTreeMap;

use assetrelay_config::{RestrictionField, TermField};
use assetrelay_mapping::{Audience, Restrictions, asset_for_media, restrictions};
use serde_json::json;

use crate::bare_media;

fn field(name: &str, into: TermField, values: &[(&str, &str)]) -> RestrictionField {
    RestrictionField {
        field: name.to_owned(),
        into,
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        separators: ",;".to_owned(),
    }
}

fn custom(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn config() -> Vec<RestrictionField> {
    vec![
        field(
            "Usage restriction",
            TermField::RestrictedUsages,
            &[
                ("No print", "license_usage_print"),
                ("No TV", "license_usage_tv"),
            ],
        ),
        field(
            "Channel",
            TermField::AllowedDistributions,
            &[
                ("Social", "license_distribution_social"),
                ("Web", "license_distribution_web"),
            ],
        ),
        field("Campaign", TermField::Campaigns, &[]),
        field(
            "Audience",
            TermField::PermissionUuids,
            &[("Internal", "7f1c0a6e-0b7e-4a53-9d43-1e0c5b2a9f10")],
        ),
    ]
}

/// Custom metadata, the structured fields it gives, the values left unmapped.
type Case<'a> = (
    &'a [(&'a str, &'a str)],
    &'a [(TermField, &'a [&'a str])],
    &'a [(&'a str, &'a [&'a str])],
);

#[test]
fn configured_fields_become_structured_values_and_unknown_values_are_kept_apart() {
    let cases: &[Case] = &[
        // field names and values any case, several values, once each
        (
            &[("usage RESTRICTION", "no print; No TV, no print")],
            &[(
                TermField::RestrictedUsages,
                &["license_usage_print", "license_usage_tv"],
            )],
            &[],
        ),
        // a value the map does not list is carried apart, not passed on as a key
        (
            &[("Channel", "Social, Billboards")],
            &[(
                TermField::AllowedDistributions,
                &["license_distribution_social"],
            )],
            &[("Channel", &["Billboards"])],
        ),
        // no map: values pass on as written
        (
            &[("Campaign", " Winter 2026 ,, Spring")],
            &[(TermField::Campaigns, &["Winter 2026", "Spring"])],
            &[],
        ),
        (
            &[("Audience", "Internal")],
            &[(
                TermField::PermissionUuids,
                &["7f1c0a6e-0b7e-4a53-9d43-1e0c5b2a9f10"],
            )],
            &[],
        ),
        // fields nobody configured, and blank values, say nothing
        (
            &[
                ("Photographer notes", "No print"),
                ("Usage restriction", " ; "),
            ],
            &[],
            &[],
        ),
    ];
    for (metadata, fields, unmapped) in cases {
        let found = restrictions(Some(&custom(metadata)), &config());
        let expected = Restrictions {
            fields: fields
                .iter()
                .map(|(f, v)| (*f, v.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
            unmapped: unmapped
                .iter()
                .map(|(f, v)| ((*f).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
        };
        assert_eq!(found, expected, "{metadata:?}");
    }
    assert_eq!(restrictions(None, &config()), Restrictions::default());
}

#[test]
fn the_asset_carries_them_in_raw_data_and_permission_uuids() {
    let mut media = bare_media("I0000restricted1");
    media.custom_metadata = Some(custom(&[
        ("Usage restriction", "No print"),
        ("Channel", "Web, Billboards"),
        ("Campaign", "Spring"),
        ("Audience", "Internal"),
    ]));
    let audience = Audience {
        regions: vec!["DE".into()],
        languages: vec![],
        campaigns: vec!["Winter 2026".into()],
        rules: vec!["dach".into()],
    };
    let found = restrictions(media.custom_metadata.as_ref(), &config());

    let asset = serde_json::to_value(asset_for_media(&media, &audience, &found)).unwrap();

    let raw = &asset["RawData"];
    assert_eq!(raw["restricted_usages"], json!(["license_usage_print"]));
    assert_eq!(
        raw["allowed_distributions"],
        json!(["license_distribution_web"])
    );
    assert_eq!(
        raw["campaigns"],
        json!(["Winter 2026", "Spring"]),
        "the audience's first"
    );
    assert_eq!(
        raw["unmapped_restrictions"],
        json!({"Channel": ["Billboards"]})
    );
    assert_eq!(
        asset["PermissionUuids"],
        json!(["7f1c0a6e-0b7e-4a53-9d43-1e0c5b2a9f10"])
    );
    // Without restriction fields nothing of this appears.
    let plain =
        serde_json::to_value(asset_for_media(&media, &audience, &Restrictions::default())).unwrap();
    assert!(plain.get("PermissionUuids").is_none());
    for key in [
        "restricted_usages",
        "allowed_distributions",
        "campaigns",
        "unmapped_restrictions",
    ] {
        assert!(plain["RawData"].get(key).is_none(), "{key}");
    }
}

#[test]
fn languages_become_the_tenants_keys_and_unknown_ones_stay_named() {
    let metadata: assetrelay_smintio::client::GenericMetadata = serde_json::from_value(json!({
        "license_languages": [
            {"culture": "en", "metadata_element": {"key": "language_german", "name": "German"}},
            {"culture": "de", "metadata_element": {"key": "language_german", "name": "Deutsch"}},
            {"culture": "en", "metadata_element": {"key": "language_french", "name": "French"}},
            {"culture": "en", "metadata_element": {"key": "lang_x_custom", "name": "Klingon"}}
        ]
    }))
    .unwrap();
    let cases = [
        // an ISO code, a regional code, a key as it is, a name in any culture
        (
            json!(["de", "fr-CA"]),
            json!(["language_german", "language_french"]),
            None,
        ),
        (
            json!(["LANGUAGE_FRENCH", "deutsch", "klingon"]),
            json!(["language_french", "language_german", "lang_x_custom"]),
            None,
        ),
        // one code, once
        (
            json!(["de", "German", "de-AT"]),
            json!(["language_german"]),
            None,
        ),
        // unknown: stays (never widened), and is named
        (
            json!(["fr", "tlh"]),
            json!(["language_french", "tlh"]),
            Some(json!(["tlh"])),
        ),
    ];
    for (configured, keys, unmapped) in cases {
        let mut asset = assetrelay_smintio::client::AssetDataObject::new("I0000languages01");
        let mut raw = serde_json::Map::new();
        raw.insert("allowed_languages".into(), configured.clone());
        asset.raw_data = Some(raw);

        assetrelay_mapping::use_tenant_languages(&mut asset, &metadata);

        let raw = asset.raw_data.unwrap();
        assert_eq!(raw["allowed_languages"], keys, "{configured}");
        assert_eq!(
            raw.get("unmapped_languages").cloned(),
            unmapped,
            "{configured}"
        );
    }

    // A tenant listing no languages: nothing to match against, nothing changes.
    let mut asset = assetrelay_smintio::client::AssetDataObject::new("I0000languages02");
    let mut raw = serde_json::Map::new();
    raw.insert("allowed_languages".into(), json!(["de"]));
    asset.raw_data = Some(raw.clone());
    assetrelay_mapping::use_tenant_languages(&mut asset, &Default::default());
    assert_eq!(asset.raw_data, Some(raw));
}
