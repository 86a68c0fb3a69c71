use std::collections::BTreeMap;

use assetrelay_config::{ConnectionRules, MediaMatch, RegionRule};
use assetrelay_mapping::{Audience, Exposure, Withheld, exposure, media_matches};
use assetrelay_photoshelter::client::{Iptc, Visibility};

use crate::{at, bare_media, date, full_media};

fn galleries(values: &[&str]) -> MediaMatch {
    MediaMatch {
        galleries: values.iter().map(|v| (*v).to_owned()).collect(),
        ..MediaMatch::default()
    }
}

fn keywords(values: &[&str]) -> MediaMatch {
    MediaMatch {
        keywords: values.iter().map(|v| (*v).to_owned()).collect(),
        ..MediaMatch::default()
    }
}

fn custom(field: &str, values: &[&str]) -> MediaMatch {
    MediaMatch {
        custom_metadata: BTreeMap::from([(
            field.to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        )]),
        ..MediaMatch::default()
    }
}

fn region(
    name: &str,
    when: MediaMatch,
    regions: &[&str],
    languages: &[&str],
    campaigns: &[&str],
) -> RegionRule {
    let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    RegionRule {
        name: name.into(),
        when,
        regions: own(regions),
        languages: own(languages),
        campaigns: own(campaigns),
    }
}

fn approved_by_gallery() -> ConnectionRules {
    ConnectionRules {
        approval: galleries(&["Brand Approved"]),
        ..ConnectionRules::default()
    }
}

#[test]
fn media_match_rows() {
    let cases = [
        ("empty rule", MediaMatch::default(), true, false),
        (
            "gallery by id",
            galleries(&["G0000vR2fX1.Ab3c"]),
            true,
            true,
        ),
        (
            "gallery id is exact",
            galleries(&["g0000vr2fx1.ab3c"]),
            true,
            false,
        ),
        (
            "gallery by name, any case",
            galleries(&["brand approved"]),
            true,
            true,
        ),
        ("other gallery", galleries(&["Archive 2019"]), true, false),
        ("keyword, any case", keywords(&["LAUNCH"]), true, true),
        ("keyword, trimmed", keywords(&[" x1 "]), true, true),
        ("missing keyword", keywords(&["Paris"]), true, false),
        (
            "custom value, any case",
            custom("Approval Status", &["approved"]),
            true,
            true,
        ),
        (
            "custom field name is exact",
            custom("approval status", &["Approved"]),
            true,
            false,
        ),
        (
            "custom value not accepted",
            custom("Market", &["Nordics", "UK"]),
            true,
            false,
        ),
        (
            "unknown data matches nothing",
            galleries(&["Brand Approved"]),
            false,
            false,
        ),
        (
            "unknown keywords match nothing",
            keywords(&["launch"]),
            false,
            false,
        ),
        (
            "unknown custom metadata matches nothing",
            custom("Market", &["DACH"]),
            false,
            false,
        ),
    ];
    for (row, rule, known, expected) in cases {
        let media = if known {
            full_media()
        } else {
            bare_media("I0000unknown0001")
        };
        assert_eq!(media_matches(&rule, &media), expected, "{row}");
    }
}

#[test]
fn any_listed_value_is_enough() {
    let rule = MediaMatch {
        galleries: vec!["Nope".into()],
        collections: vec![],
        keywords: vec!["nope".into()],
        custom_metadata: BTreeMap::from([(
            "Market".to_owned(),
            vec!["Nordics".into(), "dach".into()],
        )]),
    };
    assert!(media_matches(&rule, &full_media()));
}

#[test]
fn withheld_branches_in_order() {
    let rules = approved_by_gallery();
    let now = at("2026-06-01T12:00:00Z");
    let from_smint = {
        let mut m = full_media();
        m.iptc.as_mut().unwrap().trans_ref = Some("smintio:79468".into());
        m.archived = Some(true);
        m
    };
    let archived = {
        let mut m = full_media();
        m.archived = Some(true);
        m.visibility = Some(Visibility::Private);
        m
    };
    let private = {
        let mut m = full_media();
        m.visibility = Some(Visibility::Private);
        m.license_expiration_date = Some(date("2020-01-01"));
        m
    };
    let permission = {
        let mut m = full_media();
        m.visibility = Some(Visibility::Permission);
        m
    };
    let expired = {
        let mut m = full_media();
        m.license_expiration_date = Some(date("2026-06-01"));
        m.galleries = Some(Vec::new());
        m
    };
    let not_approved = {
        let mut m = full_media();
        m.galleries = Some(Vec::new());
        m
    };
    let cases = [
        (from_smint, Withheld::FromSmintio, "from_smintio"),
        (archived, Withheld::Archived, "archived"),
        (private, Withheld::Restricted, "restricted"),
        (permission, Withheld::Restricted, "restricted"),
        (expired, Withheld::Expired, "expired"),
        (not_approved, Withheld::NotApproved, "not_approved"),
    ];
    for (media, reason, label) in cases {
        assert_eq!(
            exposure(&rules, &media, now),
            Exposure::Withhold(reason),
            "{label}"
        );
        assert_eq!(reason.as_str(), label);
    }
}

#[test]
fn unknown_archive_visibility_and_expiry_do_not_withhold() {
    let mut media = bare_media("I0000minimal0001");
    media.iptc = Some(Iptc {
        keywords: Some(vec!["Approved".into()]),
        ..Iptc::default()
    });
    let rules = ConnectionRules {
        approval: keywords(&["approved"]),
        ..ConnectionRules::default()
    };
    assert_eq!(
        exposure(&rules, &media, at("2030-01-01T00:00:00Z")),
        Exposure::Expose(Audience::default())
    );
}

#[test]
fn an_item_expiring_later_today_is_still_exposed_until_midnight_utc() {
    let rules = approved_by_gallery();
    let media = full_media(); // expires 2026-12-31
    assert!(matches!(
        exposure(&rules, &media, at("2026-12-30T23:59:59Z")),
        Exposure::Expose(_)
    ));
    assert_eq!(
        exposure(&rules, &media, at("2026-12-31T00:00:00Z")),
        Exposure::Withhold(Withheld::Expired)
    );
}

#[test]
fn matching_region_rules_are_united_sorted_and_deduplicated() {
    let rules = ConnectionRules {
        regions: vec![
            region(
                "dach",
                custom("Market", &["dach"]),
                &["DE", "AT", "CH"],
                &["de"],
                &["spring-25"],
            ),
            region(
                "launch",
                keywords(&["launch"]),
                &["DE", "EU"],
                &["en", "de"],
                &[],
            ),
            region(
                "paris",
                keywords(&["Paris"]),
                &["FR"],
                &["fr"],
                &["paris-25"],
            ),
            region(
                "catch-nothing",
                MediaMatch::default(),
                &["US"],
                &["en"],
                &[],
            ),
        ],
        ..approved_by_gallery()
    };
    let expected = Audience {
        regions: vec!["AT".into(), "CH".into(), "DE".into(), "EU".into()],
        languages: vec!["de".into(), "en".into()],
        campaigns: vec!["spring-25".into()],
        rules: vec!["dach".into(), "launch".into()],
    };
    assert_eq!(
        exposure(&rules, &full_media(), at("2026-01-01T00:00:00Z")),
        Exposure::Expose(expected)
    );
}

#[test]
fn regions_required_withholds_items_no_region_rule_matches() {
    let only_paris = vec![region("paris", keywords(&["Paris"]), &["FR"], &["fr"], &[])];
    let now = at("2026-01-01T00:00:00Z");
    let cases = [
        (false, Exposure::Expose(Audience::default())),
        (true, Exposure::Withhold(Withheld::NoRegion)),
    ];
    for (regions_required, expected) in cases {
        let rules = ConnectionRules {
            regions: only_paris.clone(),
            regions_required,
            ..approved_by_gallery()
        };
        assert_eq!(
            exposure(&rules, &full_media(), now),
            expected,
            "required={regions_required}"
        );
    }
    assert_eq!(Withheld::NoRegion.as_str(), "no_region");
}

#[test]
fn a_collection_approves_the_galleries_inside_it_once_they_are_known() {
    let media = full_media();
    let gallery = media.galleries.as_ref().unwrap()[0].id.clone();
    let mut rules = assetrelay_config::ConnectionRules::default();
    rules.approval.collections = vec![" C0000COLLECTION1 ".into()];
    assert_eq!(
        rules.collections().into_iter().collect::<Vec<_>>(),
        ["C0000COLLECTION1"]
    );
    // Not yet read: the collection names no gallery, so nothing matches through it.
    assert!(!media_matches(&rules.approval, &media));

    let inside = BTreeMap::from([(
        "C0000COLLECTION1".to_owned(),
        std::collections::BTreeSet::from([gallery]),
    )]);
    let other = BTreeMap::from([(
        "C0000COLLECTION1".to_owned(),
        std::collections::BTreeSet::from(["G0000ELSEWHERE01".to_owned()]),
    )]);

    assert!(media_matches(
        &rules.with_collection_galleries(&inside).approval,
        &media
    ));
    assert!(!media_matches(
        &rules.with_collection_galleries(&other).approval,
        &media
    ));
}
