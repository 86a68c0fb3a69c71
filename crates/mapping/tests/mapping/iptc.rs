use assetrelay_mapping::{iptc_for_license, smintio_origin};
use assetrelay_photoshelter::client::Iptc;

use crate::{bare_media, keys, rights_managed_lpt, sample_lpt, with};

#[test]
fn the_sample_license_becomes_this_iptc() {
    assert_eq!(
        iptc_for_license(&sample_lpt()),
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
    let iptc = iptc_for_license(&rights_managed_lpt());
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
}

#[test]
fn the_rights_text_does_not_depend_on_term_order() {
    let reversed = with(rights_managed_lpt(), |l| {
        l.license_terms.as_mut().unwrap().reverse()
    });
    assert_eq!(
        iptc_for_license(&reversed),
        iptc_for_license(&rights_managed_lpt())
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
        let iptc = iptc_for_license(&lpt);
        assert_eq!(iptc.credit.as_deref(), expected);
        assert_eq!(iptc.copyright, None);
    }
}

#[test]
fn what_we_write_is_recognised_as_coming_from_smintio() {
    let mut media = bare_media("I0000written0001");
    media.iptc = Some(iptc_for_license(&sample_lpt()));
    assert_eq!(smintio_origin(&media).as_deref(), Some("79468"));
}
