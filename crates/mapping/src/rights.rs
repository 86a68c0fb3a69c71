//! The IPTC block to-photoshelter writes for a license, including the one-paragraph
//! rights summary (DESIGN §7: license terms → IPTC `rights` + credit/copyright).

use std::collections::BTreeSet;

use assetrelay_photoshelter::client::Iptc;
use assetrelay_smintio::client::{LicensePurchaseTransaction, LicenseTerm};
use chrono::{DateTime, Utc};

use crate::origin::SMINTIO_TRANS_REF_PREFIX;
use crate::text::{non_blank, pick, pick_names};

/// IPTC to write: trans_ref = `smintio:<uuid>` (the upsert key); title / caption from the
/// content element's name / description (`x-default`, else `en`, else the first culture);
/// author from the contributors; credit from the copyright notice, else "contributors /
/// provider"; copyright from copyright_notices; rights = [`rights_summary`];
/// web_statement from the first license URL; keywords from the content element's
/// keywords. Fields without a source stay `None` (left untouched on write).
pub fn iptc_for_license(lpt: &LicensePurchaseTransaction) -> Iptc {
    let element = lpt.content_element.as_ref();
    let copyright = element
        .and_then(|e| pick(e.copyright_notices.as_deref()))
        .map(str::to_owned);
    let contributors = pick_names(element.and_then(|e| e.contributors.as_deref()));
    let author = (!contributors.is_empty()).then(|| contributors.join(", "));
    let provider = element.and_then(|e| non_blank(e.provider.as_deref()));
    let credit = copyright.clone().or_else(|| {
        let parts: Vec<&str> = author.as_deref().into_iter().chain(provider).collect();
        (!parts.is_empty()).then(|| parts.join(" / "))
    });
    let keywords = pick_names(element.and_then(|e| e.keywords.as_deref()));
    let web_statement = lpt
        .offering
        .as_ref()
        .and_then(|o| o.license_urls.as_deref())
        .unwrap_or_default()
        .iter()
        .find_map(|u| non_blank(u.metadata_element.url.as_deref()))
        .map(str::to_owned);
    Iptc {
        title: element
            .and_then(|e| pick(e.name.as_deref()))
            .map(str::to_owned),
        caption: element
            .and_then(|e| pick(e.description.as_deref()))
            .map(str::to_owned),
        author,
        credit,
        copyright,
        rights: Some(rights_summary(lpt)),
        web_statement,
        trans_ref: Some(format!("{SMINTIO_TRANS_REF_PREFIX}{}", lpt.uuid.trim())),
        keywords: (!keywords.is_empty()).then_some(keywords),
        ..Iptc::default()
    }
}

/// A readable one-paragraph summary of the license, for IPTC `rights`. Deterministic:
/// keys are merged over all terms, sorted and deduplicated; each sentence appears only
/// when its data is known. Keys are Smint.io generic-metadata keys (their display names
/// need the tenant's metadata, which this pure function does not have).
pub fn rights_summary(lpt: &LicensePurchaseTransaction) -> String {
    let terms = lpt.license_terms.as_deref().unwrap_or_default();
    let license_type = lpt
        .offering
        .as_ref()
        .and_then(|o| non_blank(o.license_type.as_deref()));
    let mut sentences = vec![match license_type {
        Some(kind) => format!("Smint.io license {} ({kind}).", lpt.uuid.trim()),
        None => format!("Smint.io license {}.", lpt.uuid.trim()),
    }];
    let earliest =
        |get: fn(&LicenseTerm) -> Option<DateTime<Utc>>| terms.iter().filter_map(get).min();
    if let Some(t) = earliest(|t| t.valid_until) {
        sentences.push(format!("Valid until {}.", when(t)));
    }
    if let Some(t) = earliest(|t| t.to_be_used_until) {
        sentences.push(format!("To be used until {}.", when(t)));
    }
    let lists: [(&str, KeyList); 8] = [
        ("Allowed usages", |t| t.allowed_usages.as_ref()),
        ("Restricted usages", |t| t.restricted_usages.as_ref()),
        ("Allowed distributions", |t| {
            t.allowed_distributions.as_ref()
        }),
        ("Restricted distributions", |t| {
            t.restricted_distributions.as_ref()
        }),
        ("Allowed geographies", |t| t.allowed_geographies.as_ref()),
        ("Restricted geographies", |t| {
            t.restricted_geographies.as_ref()
        }),
        ("Allowed languages", |t| t.allowed_languages.as_ref()),
        ("Restricted languages", |t| t.restricted_languages.as_ref()),
    ];
    for (label, get) in lists {
        let keys: BTreeSet<&str> = terms
            .iter()
            .filter_map(get)
            .flatten()
            .filter_map(|k| non_blank(Some(k)))
            .collect();
        if !keys.is_empty() {
            let keys: Vec<&str> = keys.into_iter().collect();
            sentences.push(format!("{label}: {}.", keys.join(", ")));
        }
    }
    match editorial_use(lpt) {
        Some(true) => sentences.push("Editorial use only.".to_owned()),
        Some(false) => sentences.push("Not limited to editorial use.".to_owned()),
        None => {}
    }
    if lpt.has_potentially_restrictive_license_terms == Some(true) {
        sentences.push("Smint.io flags potentially restrictive terms.".to_owned());
    }
    sentences.join(" ")
}

/// Reads one key list of a term.
pub(crate) type KeyList = fn(&LicenseTerm) -> Option<&Vec<String>>;

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Whether the license is for editorial use only: `Some(true)` if the terms (the SDKs'
/// rule, [`LicensePurchaseTransaction::is_editorial_use`]), the offering or the content
/// element say so; `Some(false)` if one of them says `false` and none `true`; `None` when
/// nothing is known.
pub fn editorial_use(lpt: &LicensePurchaseTransaction) -> Option<bool> {
    let flags = [
        lpt.is_editorial_use(),
        lpt.offering.as_ref().and_then(|o| o.is_editorial_use),
        lpt.content_element
            .as_ref()
            .and_then(|c| c.is_editorial_use),
    ];
    if flags.contains(&Some(true)) {
        Some(true)
    } else {
        flags.into_iter().flatten().next()
    }
}
