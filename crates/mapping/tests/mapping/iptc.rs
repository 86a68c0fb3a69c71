use assetrelay_mapping::{Labels, iptc_for_license, smintio_origin};
use assetrelay_photoshelter::client::Iptc;
use assetrelay_smintio::client::GenericMetadata;

use crate::{bare_media, keys, rights_managed_lpt, sample_lpt, with};

#[test]
fn the_sample_license_becomes_this_iptc() {
    assert_eq!(
        iptc_for_license(&sample_lpt(), &Labels::KEYS),
        Iptc {
            title: Some("little mouse hidingher muzzle".into()),
            author: Some("Vera Kuttelvaserova".into()),
            credit: Some("Vera Kuttelvaserova / www.adobestock.com".into()),
            copyright: Some("Vera Kuttelvaserova / www.adobestock.com".into()),
            rights: Some(
                "Smint.io license 79468 (royalty_free). Not limited to editorial use.".into()
            ),
            trans_ref: Some("smintio:79468".into()),
            keywords: Some(vec!["rat".into()]),
            ..Iptc::default()
        }
    );
}

#[test]
fn the_rights_managed_license_becomes_this_iptc() {
    let iptc = iptc_for_license(&rights_managed_lpt(), &Labels::KEYS);
    assert_eq!(iptc.title.as_deref(), Some("Cyclist at the harbour"));
    assert_eq!(
        iptc.caption.as_deref(),
        Some("A woman rides along the Hamburg harbour at sunrise.")
    );
    assert_eq!(iptc.credit.as_deref(), Some("Jonas Berg / Getty Images"));
    assert_eq!(
        iptc.web_statement.as_deref(),
        Some("https://www.gettyimages.com/eula")
    );
    assert_eq!(iptc.keywords, keys(&["cycling", "harbour"]));
    assert_eq!(
        iptc.rights.as_deref(),
        Some(
            "Smint.io license 9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f (rights_managed). \
             Valid until 2026-02-28 23:59 UTC. To be used until 2025-12-31 00:00 UTC. \
             Allowed usages: usage_advertising, usage_corporate. \
             Allowed distributions: distribution_online. \
             Restricted distributions: distribution_print. \
             Allowed geographies: geography_europe, geography_germany. \
             Allowed languages: language_english, language_german. \
             Not limited to editorial use. Smint.io flags potentially restrictive terms."
        )
    );
    assert_eq!(
        iptc.instructions.as_deref(),
        Some(
            "smintio-terms: allowed_usages=usage_advertising,usage_corporate; \
             allowed_distributions=distribution_online; \
             restricted_distributions=distribution_print; \
             allowed_geographies=geography_europe,geography_germany; \
             allowed_languages=language_english,language_german"
        )
    );
}

/// The tenant's generic metadata in English and German, as the sandbox serves it (one
/// usage left without a German name, one geography key missing).
fn tenant_metadata() -> GenericMetadata {
    let element = |culture: &str, key: &str, name: &str| serde_json::json!({"culture": culture, "metadata_element": {"key": key, "name": name}});
    serde_json::from_value(serde_json::json!({
        "providers": [element("en", "getty", "Getty Images")],
        "license_types": [
            element("en", "rights_managed", "Rights managed"),
            element("de", "rights_managed", "Lizenzpflichtig"),
        ],
        "license_usages": [
            element("en", "usage_advertising", "Advertising"),
            element("de", "usage_advertising", "Werbung"),
            element("en", "usage_corporate", "Corporate"),
        ],
        "license_distributions": [
            element("en", "distribution_online", "Online"),
            element("en", "distribution_print", "Print"),
            element("de", "distribution_print", "Druck"),
        ],
        "license_geographies": [
            element("en", "geography_europe", "Europe"),
            element("de", "geography_europe", "Europa"),
        ],
        "license_languages": [
            element("en", "language_english", "English"),
            element("de", "language_english", "Englisch"),
            element("en", "language_german", "German"),
            element("de", "language_german", "Deutsch"),
        ],
    }))
    .unwrap()
}

#[test]
fn with_the_tenant_metadata_every_key_reads_as_its_name_in_the_connection_language() {
    let metadata = tenant_metadata();
    let english = iptc_for_license(&rights_managed_lpt(), &Labels::new(&metadata, "en"));
    assert_eq!(
        english.rights.as_deref(),
        Some(
            "Smint.io license 9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f (Rights managed). \
             Valid until 2026-02-28 23:59 UTC. To be used until 2025-12-31 00:00 UTC. \
             Allowed usages: Advertising, Corporate. \
             Allowed distributions: Online. \
             Restricted distributions: Print. \
             Allowed geographies: Europe, geography_germany. \
             Allowed languages: English, German. \
             Not limited to editorial use. Smint.io flags potentially restrictive terms."
        )
    );
    let german = iptc_for_license(&rights_managed_lpt(), &Labels::new(&metadata, "de"));
    assert_eq!(
        german.rights.as_deref(),
        Some(
            "Smint.io-Lizenz 9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f (Lizenzpflichtig). \
             Gültig bis 2026-02-28 23:59 UTC. Zu verwenden bis 2025-12-31 00:00 UTC. \
             Erlaubte Nutzungen: Werbung, Corporate. \
             Erlaubte Verbreitung: Online. \
             Eingeschränkte Verbreitung: Druck. \
             Erlaubte Regionen: Europa, geography_germany. \
             Erlaubte Sprachen: Englisch, Deutsch. \
             Nicht auf redaktionelle Nutzung beschränkt. \
             Smint.io kennzeichnet möglicherweise einschränkende Bedingungen."
        )
    );
    // The keys stay machine-readable whatever the language.
    assert_eq!(english.instructions, german.instructions);
    assert!(english.instructions.unwrap().contains("usage_advertising"));
}

#[test]
fn the_credit_names_the_provider_not_its_key() {
    let metadata = tenant_metadata();
    let lpt = with(rights_managed_lpt(), |l| {
        let element = l.content_element.as_mut().unwrap();
        element.copyright_notices = None;
        element.provider = Some("getty".into());
    });
    let iptc = iptc_for_license(&lpt, &Labels::new(&metadata, "de"));
    assert_eq!(iptc.credit.as_deref(), Some("Jonas Berg / Getty Images"));
}

#[test]
fn the_rights_text_does_not_depend_on_term_order() {
    let reversed = with(rights_managed_lpt(), |l| {
        l.license_terms.as_mut().unwrap().reverse()
    });
    assert_eq!(
        iptc_for_license(&reversed, &Labels::KEYS),
        iptc_for_license(&rights_managed_lpt(), &Labels::KEYS)
    );
}

#[test]
fn credit_falls_back_to_contributors_and_provider() {
    let no_notice = with(sample_lpt(), |l| {
        l.content_element.as_mut().unwrap().copyright_notices = None
    });
    let nothing = with(no_notice.clone(), |l| {
        l.content_element.as_mut().unwrap().contributors = None
    });
    let cases = [
        (no_notice, Some("Vera Kuttelvaserova / adobestock")),
        (nothing, Some("adobestock")),
    ];
    for (lpt, expected) in cases {
        let iptc = iptc_for_license(&lpt, &Labels::KEYS);
        assert_eq!(iptc.credit.as_deref(), expected);
        assert_eq!(iptc.copyright, None);
    }
}

#[test]
fn what_we_write_is_recognised_as_coming_from_smintio() {
    let mut media = bare_media("I0000written0001");
    media.iptc = Some(iptc_for_license(&sample_lpt(), &Labels::KEYS));
    assert_eq!(smintio_origin(&media).as_deref(), Some("79468"));
}
