//! Table tests of the mapping, over the trimmed Smint.io LPT sample of the research notes
//! (`fixtures/lpt_sample.json`, real test data from the Java SDK fixture), a richer
//! rights-managed LPT in the same wire shape, a binaries answer, and realistic PhotoShelter
//! media records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod approval;
mod expiry;
mod fingerprint;
mod iptc;
mod origin;
mod relations;
mod restrictions;
mod to_photoshelter;
mod to_smint;

use std::collections::BTreeMap;

use assetrelay_photoshelter::client::{GalleryRef, Iptc, Media, Visibility};
use assetrelay_smintio::client::{LicensePurchaseTransaction, SyncBinary};
use chrono::{DateTime, NaiveDate, Utc};

pub fn keys(values: &[&str]) -> Option<Vec<String>> {
    Some(values.iter().map(|v| (*v).to_owned()).collect())
}

/// The value after `change`.
pub fn with(
    mut lpt: LicensePurchaseTransaction,
    change: impl FnOnce(&mut LicensePurchaseTransaction),
) -> LicensePurchaseTransaction {
    change(&mut lpt);
    lpt
}

/// An instant from RFC 3339.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The trimmed LPT sample (research/smintio.md §2.1).
pub fn sample_lpt() -> LicensePurchaseTransaction {
    serde_json::from_str(include_str!("../fixtures/lpt_sample.json")).unwrap()
}

/// A rights-managed license with two terms, releases, a license URL and restrictions.
pub fn rights_managed_lpt() -> LicensePurchaseTransaction {
    serde_json::from_str(include_str!("../fixtures/lpt_rights_managed.json")).unwrap()
}

/// A binaries answer: a comp (v5) and two downloads (v1, v3).
pub fn binaries() -> Vec<SyncBinary> {
    serde_json::from_str(include_str!("../fixtures/binaries.json")).unwrap()
}

/// A fully described, brand-approved PhotoShelter image.
pub fn full_media() -> Media {
    Media {
        id: "I0000q6bX7oL3Ihc".into(),
        media_type: Some("image".into()),
        file_name: Some("2025-05-berlin-launch-0042.jpg".into()),
        file_size: Some(18_734_112),
        hash: Some("5d41402abc4b2a76b9719d911017c592".into()),
        model_released: Some(true),
        property_released: Some(false),
        rating: Some(4),
        searchable: Some(true),
        visibility: Some(Visibility::Everyone),
        archived: Some(false),
        license_expiration_date: Some(date("2026-12-31")),
        version: Some(3),
        created_at: Some(at("2025-05-14T09:12:00Z")),
        modified_at: Some(at("2025-06-02T16:45:30Z")),
        iptc: Some(Iptc {
            title: Some("Product launch, Berlin".into()),
            headline: Some("Acme X1 unveiled".into()),
            caption: Some("The Acme X1 on stage at the Berlin launch event.".into()),
            author: Some("Jane Doe".into()),
            credit: Some("Jane Doe / Acme Corp".into()),
            copyright: Some("© 2025 Acme Corp".into()),
            rights: Some(
                "Editorial and internal use only. No advertising without approval.".into(),
            ),
            web_statement: Some("https://brand.acme.example/usage-terms".into()),
            keywords: Some(vec![
                "Berlin".into(),
                "Launch".into(),
                "X1".into(),
                "launch".into(),
            ]),
            city: Some("Berlin".into()),
            country: Some("Germany".into()),
            ..Iptc::default()
        }),
        galleries: Some(vec![
            GalleryRef {
                id: "G0000vR2fX1.Ab3c".into(),
                name: Some("Brand Approved".into()),
            },
            GalleryRef {
                id: "G0000Zz9yY8xX7wW".into(),
                name: Some("Launch Events 2025".into()),
            },
        ]),
        custom_metadata: Some(BTreeMap::from([
            ("Approval Status".to_owned(), "Approved".to_owned()),
            ("Market".to_owned(), "DACH".to_owned()),
        ])),
    }
}

/// A media item PhotoShelter told us nothing about beyond its id.
pub fn bare_media(id: &str) -> Media {
    Media {
        id: id.into(),
        media_type: None,
        file_name: None,
        file_size: None,
        hash: None,
        model_released: None,
        property_released: None,
        rating: None,
        searchable: None,
        visibility: None,
        archived: None,
        license_expiration_date: None,
        version: None,
        created_at: None,
        modified_at: None,
        iptc: None,
        galleries: None,
        custom_metadata: None,
    }
}
