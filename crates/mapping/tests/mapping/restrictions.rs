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
