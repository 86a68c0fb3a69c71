//! The IPTC block to-photoshelter writes for a license, including the one-paragraph
//! rights summary (DESIGN §7: license terms → IPTC `rights` + credit/copyright), in the
//! connection's language with the tenant's names for every key ([`Labels`]), and the keys
//! themselves, machine-readable, in IPTC `instructions` ([`terms_keys`]).

use std::collections::BTreeSet;

use assetrelay_photoshelter::client::Iptc;
use assetrelay_smintio::client::{LicensePurchaseTransaction, LicenseTerm};
use chrono::{DateTime, Utc};

use crate::labels::{Labels, List, Phrases};
use crate::origin::SMINTIO_TRANS_REF_PREFIX;
use crate::text::{non_blank, pick, pick_names};

/// IPTC to write: trans_ref = `smintio:<uuid>` (the upsert key); title / caption from the
/// content element's name / description (`x-default`, else `en`, else the first culture);
/// author from the contributors; credit from the copyright notice, else "contributors /
/// provider" (the provider's name); copyright from copyright_notices; rights =
/// [`rights_summary`]; instructions = [`terms_keys`]; web_statement from the first license
/// URL; keywords from the content element's keywords. Fields without a source stay `None`
/// (left untouched on write).
pub fn iptc_for_license(lpt: &LicensePurchaseTransaction, labels: &Labels<'_>) -> Iptc {
    let element = lpt.content_element.as_ref();
    let copyright = element
        .and_then(|e| pick(e.copyright_notices.as_deref()))
        .map(str::to_owned);
    let contributors = pick_names(element.and_then(|e| e.contributors.as_deref()));
    let author = (!contributors.is_empty()).then(|| contributors.join(", "));
    let provider = element
        .and_then(|e| non_blank(e.provider.as_deref()))
        .map(|key| labels.name(List::Providers, key));
    let credit = copyright.clone().or_else(|| {
        let parts: Vec<&str> = author
            .as_deref()
            .into_iter()
            .chain(provider.as_deref())
            .collect();
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
        rights: Some(rights_summary(lpt, labels)),
        instructions: terms_keys(lpt),
        web_statement,
        trans_ref: Some(format!("{SMINTIO_TRANS_REF_PREFIX}{}", lpt.uuid.trim())),
        keywords: (!keywords.is_empty()).then_some(keywords),
        ..Iptc::default()
    }
}

/// A readable one-paragraph summary of the license, for IPTC `rights`, in the labels'
/// language, every key by its name. Deterministic: keys are merged over all terms,
/// sorted and deduplicated; each sentence appears only when its data is known.
pub fn rights_summary(lpt: &LicensePurchaseTransaction, labels: &Labels<'_>) -> String {
    let words = labels.phrases();
    let terms = lpt.license_terms.as_deref().unwrap_or_default();
    let license_type = lpt
        .offering
        .as_ref()
        .and_then(|o| non_blank(o.license_type.as_deref()))
        .map(|key| labels.name(List::LicenseTypes, key));
    let mut sentences = vec![match license_type {
        Some(kind) => format!("{} {} ({kind}).", words.license, lpt.uuid.trim()),
        None => format!("{} {}.", words.license, lpt.uuid.trim()),
    }];
    let earliest =
        |get: fn(&LicenseTerm) -> Option<DateTime<Utc>>| terms.iter().filter_map(get).min();
    if let Some(t) = earliest(|t| t.valid_until) {
        sentences.push(format!("{} {}.", words.valid_until, when(t)));
    }
    if let Some(t) = earliest(|t| t.to_be_used_until) {
        sentences.push(format!("{} {}.", words.to_be_used_until, when(t)));
    }
    for (label, list, get) in key_lists(words) {
        let keys = merged_keys(terms, get);
        if !keys.is_empty() {
            let names: Vec<String> = keys.iter().map(|k| labels.name(list, k)).collect();
            sentences.push(format!("{label}: {}.", names.join(", ")));
        }
    }
    match editorial_use(lpt) {
        Some(true) => sentences.push(words.editorial_only.to_owned()),
        Some(false) => sentences.push(words.not_editorial_only.to_owned()),
        None => {}
    }
    if lpt.has_potentially_restrictive_license_terms == Some(true) {
        sentences.push(words.restrictive.to_owned());
    }
    sentences.join(" ")
}

/// The license terms' keys, machine-readable, for IPTC `instructions`:
/// `smintio-terms: allowed_usages=k1,k2; restricted_geographies=k3` (the lists that have
/// keys, in a fixed order, keys sorted). None when no term lists a key.
pub fn terms_keys(lpt: &LicensePurchaseTransaction) -> Option<String> {
    let terms = lpt.license_terms.as_deref().unwrap_or_default();
    let lists: Vec<String> = KEY_LISTS
        .iter()
        .filter_map(|(field, get)| {
            let keys = merged_keys(terms, *get);
            (!keys.is_empty()).then(|| {
                let keys: Vec<&str> = keys.into_iter().collect();
                format!("{field}={}", keys.join(","))
            })
        })
        .collect();
    (!lists.is_empty()).then(|| format!("smintio-terms: {}", lists.join("; ")))
}

fn merged_keys(terms: &[LicenseTerm], get: KeyList) -> BTreeSet<&str> {
    terms
        .iter()
        .filter_map(get)
        .flatten()
        .filter_map(|k| non_blank(Some(k)))
        .collect()
}

/// The term lists of the summary, by their `SyncLicenseTerm` field name.
const KEY_LISTS: [(&str, KeyList); 8] = [
    ("allowed_usages", |t| t.allowed_usages.as_ref()),
    ("restricted_usages", |t| t.restricted_usages.as_ref()),
    ("allowed_distributions", |t| {
        t.allowed_distributions.as_ref()
    }),
    ("restricted_distributions", |t| {
        t.restricted_distributions.as_ref()
    }),
    ("allowed_geographies", |t| t.allowed_geographies.as_ref()),
    ("restricted_geographies", |t| {
        t.restricted_geographies.as_ref()
    }),
    ("allowed_languages", |t| t.allowed_languages.as_ref()),
    ("restricted_languages", |t| t.restricted_languages.as_ref()),
];

/// Each list with its sentence label and the enumeration its keys name.
fn key_lists(words: &Phrases) -> [(&'static str, List, KeyList); 8] {
    let [au, ru, ad, rd, ag, rg, al, rl] = KEY_LISTS.map(|(_, get)| get);
    [
        (words.allowed_usages, List::Usages, au),
        (words.restricted_usages, List::Usages, ru),
        (words.allowed_distributions, List::Distributions, ad),
        (words.restricted_distributions, List::Distributions, rd),
        (words.allowed_geographies, List::Geographies, ag),
        (words.restricted_geographies, List::Geographies, rg),
        (words.allowed_languages, List::Languages, al),
        (words.restricted_languages, List::Languages, rl),
    ]
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
