use assetrelay_config::DistributionRules;
use assetrelay_mapping::{
    Distribution, Withholding, distribution, editorial_use, license_distribution,
    media_update_for_license, primary_binary, release_state,
};
use assetrelay_photoshelter::client::MediaUpdate;
use assetrelay_smintio::client::LicenseTerm;

use crate::{at, binaries, date, keys, rights_managed_lpt, sample_lpt, with};

fn required(values: &[&str]) -> DistributionRules {
    DistributionRules {
        gallery: Some("G0000dist0000001".into()),
        required_distributions: values.iter().map(|v| (*v).to_owned()).collect(),
        ..DistributionRules::default()
    }
}

#[test]
fn withholding_branches_in_order() {
    use Withholding::*;
    let now = at("2025-06-01T00:00:00Z");
    let rules = required(&[]);
    let lenient = DistributionRules {
        allow_editorial: true,
        allow_restrictive: true,
        ..required(&[])
    };
    let editorial_term = LicenseTerm {
        is_editorial_use: Some(true),
        ..LicenseTerm::default()
    };
    let cases = [
        (
            "cancelled",
            &rules,
            with(sample_lpt(), |l| {
                l.state = Some("CANCELLED".into());
                l.can_be_synced = Some(false);
            }),
            now,
            Cancelled,
        ),
        (
            "not syncable",
            &rules,
            with(sample_lpt(), |l| l.can_be_synced = Some(false)),
            now,
            NotSyncable,
        ),
        (
            "expired at exactly to_be_used_until",
            &lenient,
            rights_managed_lpt(),
            at("2025-12-31T00:00:00Z"),
            Expired,
        ),
        (
            "editorial term",
            &rules,
            with(sample_lpt(), |l| {
                l.license_terms = Some(vec![editorial_term.clone()])
            }),
            now,
            Editorial,
        ),
        (
            "editorial content element",
            &rules,
            with(sample_lpt(), |l| {
                l.content_element.as_mut().unwrap().is_editorial_use = Some(true);
            }),
            now,
            Editorial,
        ),
        (
            "restrictive",
            &rules,
            rights_managed_lpt(),
            now,
            Restrictive,
        ),
        (
            "no term allows the channel",
            &required(&["distribution_online"]),
            sample_lpt(),
            now,
            DistributionNotAllowed,
        ),
        (
            "a term restricts the channel",
            &DistributionRules {
                allow_restrictive: true,
                ..required(&["distribution_print"])
            },
            with(rights_managed_lpt(), |l| {
                l.license_terms.as_mut().unwrap()[1].allowed_distributions =
                    keys(&["distribution_online", "distribution_print"]);
            }),
            now,
            DistributionNotAllowed,
        ),
    ];
    for (row, rules, lpt, now, reason) in cases {
        assert_eq!(
            license_distribution(rules, &lpt, now),
            Distribution::Withhold(reason),
            "{row}"
        );
        assert_eq!(
            distribution(rules, &lpt, &binaries(), now),
            Distribution::Withhold(reason),
            "{row}"
        );
    }
}

#[test]
fn withholding_labels() {
    use Withholding::*;
    let labels = [
        (Cancelled, "cancelled"),
        (NotSyncable, "not_syncable"),
        (Expired, "expired"),
        (Editorial, "editorial"),
        (Restrictive, "restrictive"),
        (DistributionNotAllowed, "distribution_not_allowed"),
        (NoBinary, "no_binary"),
    ];
    for (reason, label) in labels {
        assert_eq!(reason.as_str(), label);
    }
}

#[test]
fn a_license_without_binaries_is_withheld_only_once_everything_else_passes() {
    let now = at("2025-06-01T00:00:00Z");
    let rules = required(&[]);
    assert_eq!(
        distribution(&rules, &sample_lpt(), &binaries(), now),
        Distribution::Distribute
    );
    assert_eq!(
        distribution(&rules, &sample_lpt(), &[], now),
        Distribution::Withhold(Withholding::NoBinary)
    );
    let cancelled = with(sample_lpt(), |l| l.state = Some("cancelled".into()));
    assert_eq!(
        distribution(&rules, &cancelled, &[], now),
        Distribution::Withhold(Withholding::Cancelled)
    );
}

#[test]
fn allowed_channels_and_lenient_rules_distribute() {
    let now = at("2025-06-01T00:00:00Z");
    let rules = DistributionRules {
        allow_restrictive: true,
        ..required(&["distribution_online", "DISTRIBUTION_ONLINE"])
    };
    assert_eq!(
        distribution(&rules, &rights_managed_lpt(), &binaries(), now),
        Distribution::Distribute
    );
    let editorial = with(sample_lpt(), |l| {
        l.license_terms.as_mut().unwrap()[0].is_editorial_use = Some(true)
    });
    let allow_editorial = DistributionRules {
        allow_editorial: true,
        ..required(&[])
    };
    assert_eq!(
        distribution(&allow_editorial, &editorial, &binaries(), now),
        Distribution::Distribute
    );
}

#[test]
fn unknown_flags_are_not_false_and_do_not_withhold() {
    let now = at("2025-06-01T00:00:00Z");
    let unknown = with(sample_lpt(), |l| {
        l.state = None;
        l.can_be_synced = None;
        l.has_potentially_restrictive_license_terms = None;
        l.content_element.as_mut().unwrap().is_editorial_use = None;
        l.license_terms.as_mut().unwrap()[0].is_editorial_use = None;
    });
    let cases = [
        (
            "fixture: terms and element say false",
            sample_lpt(),
            Some(false),
        ),
        ("nothing known", unknown.clone(), None),
        (
            "offering says true",
            with(unknown.clone(), |l| {
                l.offering.as_mut().unwrap().is_editorial_use = Some(true)
            }),
            Some(true),
        ),
    ];
    for (row, lpt, expected) in cases {
        assert_eq!(editorial_use(&lpt), expected, "{row}");
    }
    assert_eq!(
        distribution(&required(&[]), &unknown, &binaries(), now),
        Distribution::Distribute
    );
}

#[test]
fn the_primary_binary_is_the_newest_download() {
    let all = binaries();
    assert_eq!(
        primary_binary(&all).map(|b| b.uuid.as_str()),
        Some("b-main-2")
    );
    let comps_only: Vec<_> = all
        .iter()
        .filter(|b| b.binary_type.as_deref() == Some("comp"))
        .cloned()
        .collect();
    assert_eq!(
        primary_binary(&comps_only).map(|b| b.uuid.as_str()),
        Some("b-comp")
    );
    let tie: Vec<_> = all
        .iter()
        .skip(1)
        .map(|b| {
            let mut b = b.clone();
            b.version = Some(2);
            b
        })
        .collect();
    assert_eq!(
        primary_binary(&tie).map(|b| b.uuid.as_str()),
        Some("b-main")
    );
    assert!(primary_binary(&[]).is_none());
}

#[test]
fn release_state_rows() {
    let cases = [
        (Some("released"), Some(true)),
        (Some("Released"), Some(true)),
        (Some("not_released"), Some(false)),
        (Some("not_applicable"), None),
        (Some("pending"), None),
        (Some(""), None),
        (None, None),
    ];
    for (state, expected) in cases {
        assert_eq!(release_state(state), expected, "{state:?}");
    }
}

#[test]
fn media_updates_carry_known_expiry_and_releases_only() {
    let terms_unknown = with(sample_lpt(), |l| l.license_terms = None);
    let cases = [
        (
            "rights managed",
            rights_managed_lpt(),
            MediaUpdate {
                license_expiration_date: Some(Some(date("2025-12-31"))),
                model_released: Some(true),
                ..MediaUpdate::default()
            },
        ),
        (
            "sample: known terms without an end clear the expiry",
            sample_lpt(),
            MediaUpdate {
                license_expiration_date: Some(None),
                ..MediaUpdate::default()
            },
        ),
        (
            "unknown terms leave it untouched",
            terms_unknown,
            MediaUpdate::default(),
        ),
    ];
    for (row, lpt, expected) in cases {
        assert_eq!(media_update_for_license(&lpt), expected, "{row}");
    }
}

#[test]
fn a_license_outside_the_connections_projects_collections_or_carts_is_another_clients() {
    let now = chrono::Utc::now();
    let mut lpt = sample_lpt();
    lpt.project_uuid = Some("7d0c9a52-0000-4000-8000-00000000000a".into());
    lpt.project_name = Some(vec![assetrelay_smintio::client::LocalizedString {
        culture: "en".into(),
        value: "Client A campaign".into(),
    }]);
    lpt.collection_uuid = Some("c0c0c0c0-0000-4000-8000-00000000000b".into());
    lpt.cart_purchase_transaction_uuid = Some("cart-1".into());
    let only = |projects: &[&str], collections: &[&str], carts: &[&str]| {
        assetrelay_config::LicenseFilter {
            projects: projects.iter().map(|s| (*s).to_owned()).collect(),
            collections: collections.iter().map(|s| (*s).to_owned()).collect(),
            carts: carts.iter().map(|s| (*s).to_owned()).collect(),
        }
    };
    let cases = [
        (only(&[], &[], &[]), true),
        (only(&["client a CAMPAIGN"], &[], &[]), true),
        (
            only(&["7D0C9A52-0000-4000-8000-00000000000A"], &[], &[]),
            true,
        ),
        (
            only(&["Client B launch", "Client A campaign"], &[], &[]),
            true,
        ),
        (only(&["Client B launch"], &[], &[]), false),
        // every non-empty list must match
        (
            only(
                &["Client A campaign"],
                &["c0c0c0c0-0000-4000-8000-00000000000b"],
                &[],
            ),
            true,
        ),
        (only(&["Client A campaign"], &[], &["cart-2"]), false),
        (only(&[], &[], &["cart-1"]), true),
    ];
    for (filter, belongs) in cases {
        assert_eq!(
            assetrelay_mapping::belongs(&filter, &lpt),
            belongs,
            "{filter:?}"
        );
        let rules = DistributionRules {
            only: filter.clone(),
            ..DistributionRules::default()
        };
        let expected = if belongs {
            Distribution::Distribute
        } else {
            Distribution::Withhold(Withholding::NotThisConnection)
        };
        assert_eq!(
            license_distribution(&rules, &lpt, now),
            expected,
            "{filter:?}"
        );
    }
}
