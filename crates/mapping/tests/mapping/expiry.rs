use assetrelay_mapping::{is_expired, license_expires_at, media_expires_at};
use assetrelay_smintio::client::LicenseTerm;

use crate::{at, bare_media, full_media, rights_managed_lpt, sample_lpt};

#[test]
fn a_photoshelter_expiration_date_ends_rights_at_midnight_utc() {
    let media = full_media();
    assert_eq!(media_expires_at(&media), Some(at("2026-12-31T00:00:00Z")));
    assert_eq!(media_expires_at(&bare_media("I0000none")), None);
}

#[test]
fn expiry_is_reached_exactly_at_the_instant() {
    let end = at("2026-12-31T00:00:00Z");
    let cases = [
        (Some(end), at("2026-12-30T23:59:59Z"), false),
        (Some(end), end, true),
        (Some(end), at("2027-01-01T00:00:00Z"), true),
        (None, at("2999-01-01T00:00:00Z"), false),
    ];
    for (expires_at, now, expected) in cases {
        assert_eq!(
            is_expired(expires_at, now),
            expected,
            "{expires_at:?} at {now}"
        );
    }
}

#[test]
fn the_earliest_end_over_all_terms_wins() {
    // Term 7 ends 2026-02-28T23:59:59Z, term 8 must be used by 2025-12-31: the latter wins.
    assert_eq!(
        license_expires_at(&rights_managed_lpt()),
        Some(at("2025-12-31T00:00:00Z"))
    );

    let mut lpt = sample_lpt();
    let term = |until: Option<&str>, use_by: Option<&str>| LicenseTerm {
        valid_until: until.map(at),
        to_be_used_until: use_by.map(at),
        ..LicenseTerm::default()
    };
    let cases = [
        (vec![term(None, None)], None),
        (
            vec![term(Some("2026-01-01T00:00:00Z"), None), term(None, None)],
            Some("2026-01-01T00:00:00Z"),
        ),
        (
            vec![
                term(Some("2026-06-01T00:00:00Z"), None),
                term(Some("2026-03-01T12:00:00Z"), None),
            ],
            Some("2026-03-01T12:00:00Z"),
        ),
        (
            vec![term(
                Some("2026-06-01T00:00:00Z"),
                Some("2026-04-01T00:00:00Z"),
            )],
            Some("2026-04-01T00:00:00Z"),
        ),
    ];
    for (terms, expected) in cases {
        lpt.license_terms = Some(terms);
        assert_eq!(license_expires_at(&lpt), expected.map(at));
    }
}

#[test]
fn a_license_without_terms_or_end_dates_never_expires() {
    assert_eq!(license_expires_at(&sample_lpt()), None);
    let mut lpt = sample_lpt();
    lpt.license_terms = None;
    assert_eq!(license_expires_at(&lpt), None);
}
