//! Decoding the CLAPI-C wire models, starting with the sample LPT of the research notes
//! (trimmed from the Java SDK's test fixture, dates shown as ISO-8601).

// Helpers outside #[test] fns panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assetrelay_smintio::client::{
    GenericMetadata, LicensePurchaseTransaction, LicensePurchaseTransactionPage, LocalizedString,
};
use chrono::{TimeZone, Utc};
use serde_json::json;

const SAMPLE: &str = include_str!("fixtures/lpt_sample.json");

fn localized<'a>(strings: &'a [LocalizedString], culture: &str) -> Option<&'a str> {
    strings
        .iter()
        .find(|s| s.culture == culture)
        .map(|s| s.value.as_str())
}

fn sample() -> LicensePurchaseTransaction {
    serde_json::from_str(SAMPLE).expect("the sample LPT decodes")
}

#[test]
fn decodes_the_sample_lpt_of_the_research_notes() {
    let lpt = sample();
    assert_eq!(lpt.uuid, "79468");
    assert_eq!(lpt.cart_purchase_transaction_uuid.as_deref(), Some("3525"));
    assert_eq!(lpt.is_cancelled(), Some(false));
    assert_eq!(lpt.can_be_synced, Some(true));
    assert_eq!(lpt.version, Some(4));
    assert_eq!(
        lpt.licensee_name.as_deref(),
        Some("Smint.io Smarter Interfaces GmbH")
    );
    assert_eq!(
        lpt.last_updated_at,
        Some(
            Utc.with_ymd_and_hms(2019, 7, 1, 5, 19, 12).unwrap()
                + chrono::Duration::microseconds(486_834)
        )
    );

    let content = lpt.content_element.as_ref().unwrap();
    assert_eq!(content.provider.as_deref(), Some("adobestock"));
    assert_eq!(
        localized(content.copyright_notices.as_deref().unwrap(), "en"),
        Some("Vera Kuttelvaserova / www.adobestock.com")
    );
    let contributor = &content.contributors.as_ref().unwrap()[0].metadata_element;
    assert_eq!(contributor.key.as_deref(), Some("2:201135494"));
    assert_eq!(
        content.keywords.as_ref().unwrap()[0].metadata_element.key,
        None
    );
    assert_eq!(
        lpt.offering.as_ref().unwrap().license_type.as_deref(),
        Some("royalty_free")
    );
}

#[test]
fn decodes_license_terms_with_their_exact_names() {
    let lpt = sample();
    let term = &lpt.license_terms.as_ref().unwrap()[0];
    assert_eq!(term.sequence_number, Some(1));
    assert_eq!(
        localized(term.name.as_deref().unwrap(), "de"),
        Some("Standard")
    );
    assert_eq!(term.restricted_geographies.as_deref(), Some(&[][..]));
    assert_eq!(term.valid_from.map(|t| t.timestamp()), Some(1_561_958_331));
    assert_eq!(term.is_editorial_use, Some(false));
    assert_eq!(lpt.is_editorial_use(), Some(false));
}

#[test]
fn absent_values_stay_unknown_never_false() {
    let lpt = sample();
    let term = &lpt.license_terms.as_ref().unwrap()[0];
    assert_eq!(term.valid_until, None);
    assert_eq!(term.to_be_used_until, None);
    assert_eq!(lpt.has_potentially_restrictive_license_terms, None);
    assert_eq!(lpt.reused_license_purchase_transaction_uuid, None);
    let content = lpt.content_element.as_ref().unwrap();
    assert_eq!(content.is_ai, None);
    assert_eq!(content.release_details, None);
    let constraints = lpt.license_download_constraints.as_ref().unwrap();
    assert_eq!(constraints.effective_max_downloads, None);

    let minimal: LicensePurchaseTransaction = serde_json::from_value(json!({"uuid": "1"})).unwrap();
    assert_eq!(minimal.can_be_synced, None);
    assert_eq!(minimal.is_cancelled(), None);
    assert_eq!(minimal.is_editorial_use(), None);
}

#[test]
fn ignores_fields_it_does_not_know() {
    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    value["brand_new_field"] = json!({"nested": [1, 2, 3]});
    value["license_terms"][0]["allowed_planets"] = json!(["mars"]);
    let lpt: LicensePurchaseTransaction = serde_json::from_value(value).unwrap();
    assert_eq!(lpt, sample());
}

#[test]
fn one_editorial_term_makes_the_asset_editorial() {
    let lpt: LicensePurchaseTransaction = serde_json::from_value(json!({
        "uuid": "1",
        "license_terms": [{"is_editorial_use": false}, {"is_editorial_use": true}, {}]
    }))
    .unwrap();
    assert_eq!(lpt.is_editorial_use(), Some(true));
}

#[test]
fn decodes_a_feed_page_and_generic_metadata() {
    let page: LicensePurchaseTransactionPage = serde_json::from_value(json!({
        "count": 1,
        "continuation_uuid": "6f1c2a1e-0000-4000-8000-000000000001",
        "license_purchase_transactions": [serde_json::from_str::<serde_json::Value>(SAMPLE).unwrap()]
    }))
    .unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(page.license_purchase_transactions[0].uuid, "79468");

    let metadata: GenericMetadata = serde_json::from_value(json!({
        "license_geographies": [
            {"culture": "en", "metadata_element": {"key": "geo_eu", "name": "Europe"}},
            {"culture": "de", "metadata_element": {"key": "geo_eu", "name": "Europa"}}
        ]
    }))
    .unwrap();
    assert_eq!(
        GenericMetadata::name_of(&metadata.license_geographies, "geo_eu", "de"),
        Some("Europa")
    );
    assert_eq!(
        GenericMetadata::name_of(&metadata.license_geographies, "geo_eu", "fr"),
        Some("Europe")
    );
    assert_eq!(metadata.providers, None);
}
