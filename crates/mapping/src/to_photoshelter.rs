//! to-photoshelter: whether a Smint.io license is distributed into PhotoShelter, and what
//! is written there (DESIGN §7 Smint.io → PhotoShelter; use cases 2, 5).

use assetrelay_config::{DistributionRules, LicenseFilter};
use assetrelay_photoshelter::client::MediaUpdate;
use assetrelay_smintio::client::{LicensePurchaseTransaction, LocalizedString, SyncBinary};
use chrono::{DateTime, Utc};

use crate::expiry::{is_expired, license_expires_at};
use crate::rights::KeyList;

pub use crate::rights::{editorial_use, iptc_for_license, rights_summary, terms_keys};

/// The `binary_types` key of the licensed file itself (the SDKs' and our sandbox's
/// `download`; the other seen key, `comp`, is a layout preview).
pub const MAIN_BINARY_TYPE: &str = "download";

/// Why a license is not distributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withholding {
    /// The purchase was cancelled.
    Cancelled,
    /// Smint.io says `can_be_synced: false`.
    NotSyncable,
    /// `valid_until` / `to_be_used_until` has come.
    Expired,
    /// Editorial use only, and the connection does not allow editorial.
    Editorial,
    /// Smint.io flags potentially restrictive terms, and the connection does not allow them.
    Restrictive,
    /// A required distribution channel is not explicitly allowed (or is restricted).
    DistributionNotAllowed,
    /// There is no file to upload.
    NoBinary,
    /// The license is not in the connection's projects / collections / carts
    /// (`rules.distribution.only`): another client's.
    NotThisConnection,
}

impl Withholding {
    /// The reason as a metric label / log field.
    pub fn as_str(&self) -> &'static str {
        match self {
            Withholding::Cancelled => "cancelled",
            Withholding::NotSyncable => "not_syncable",
            Withholding::Expired => "expired",
            Withholding::Editorial => "editorial",
            Withholding::Restrictive => "restrictive",
            Withholding::DistributionNotAllowed => "distribution_not_allowed",
            Withholding::NoBinary => "no_binary",
            Withholding::NotThisConnection => "not_this_connection",
        }
    }
}

impl std::fmt::Display for Withholding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The to-photoshelter decision for one license.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Upload / update it in the distribution gallery.
    Distribute,
    /// Keep it out of PhotoShelter (and restrict what we wrote before).
    Withhold(Withholding),
}

/// Every check of [`distribution`] except the binary one, for deciding before the
/// binaries are fetched (a separate CLAPI-C call). In order: not in
/// `rules.only` (see [`belongs`]) → NotThisConnection; cancelled (is_cancelled
/// Some(true)) → Cancelled; can_be_synced Some(false) → NotSyncable; license_expires_at ≤
/// now → Expired; editorial use Some(true) (see [`editorial_use`]) && !allow_editorial →
/// Editorial; has_potentially_restrictive_license_terms Some(true) && !allow_restrictive
/// → Restrictive; a required distribution key that no term lists in
/// `allowed_distributions`, or that some term lists in `restricted_distributions` →
/// DistributionNotAllowed. Unknown flags never withhold; an absent allowance is not one.
pub fn license_distribution(
    rules: &DistributionRules,
    lpt: &LicensePurchaseTransaction,
    now: DateTime<Utc>,
) -> Distribution {
    let terms = lpt.license_terms.as_deref().unwrap_or_default();
    let listed = |key: &str, list: KeyList| {
        terms
            .iter()
            .filter_map(list)
            .flatten()
            .any(|k| k.trim().eq_ignore_ascii_case(key.trim()))
    };
    let channel_refused = rules.required_distributions.iter().any(|key| {
        !listed(key, |t| t.allowed_distributions.as_ref())
            || listed(key, |t| t.restricted_distributions.as_ref())
    });
    let reason = if !belongs(&rules.only, lpt) {
        Withholding::NotThisConnection
    } else if lpt.is_cancelled() == Some(true) {
        Withholding::Cancelled
    } else if lpt.can_be_synced == Some(false) {
        Withholding::NotSyncable
    } else if is_expired(license_expires_at(lpt), now) {
        Withholding::Expired
    } else if editorial_use(lpt) == Some(true) && !rules.allow_editorial {
        Withholding::Editorial
    } else if lpt.has_potentially_restrictive_license_terms == Some(true)
        && !rules.allow_restrictive
    {
        Withholding::Restrictive
    } else if channel_refused {
        Withholding::DistributionNotAllowed
    } else {
        return Distribution::Distribute;
    };
    Distribution::Withhold(reason)
}

/// Whether `lpt` is one of the connection's licenses under `only` (see
/// [`LicenseFilter`]).
pub fn belongs(only: &LicenseFilter, lpt: &LicensePurchaseTransaction) -> bool {
    let is = |wanted: &str, uuid: Option<&str>, names: &[LocalizedString]| {
        let wanted = wanted.trim();
        uuid.is_some_and(|u| u.trim().eq_ignore_ascii_case(wanted))
            || names
                .iter()
                .any(|n| n.value.trim().eq_ignore_ascii_case(wanted))
    };
    let names = |strings: &Option<Vec<LocalizedString>>| strings.clone().unwrap_or_default();
    let (project, collection) = (names(&lpt.project_name), names(&lpt.collection_name));
    let matches = |list: &[String], test: &dyn Fn(&str) -> bool| {
        list.is_empty() || list.iter().any(|w| test(w))
    };
    matches(&only.projects, &|w| {
        is(w, lpt.project_uuid.as_deref(), &project)
    }) && matches(&only.collections, &|w| {
        is(w, lpt.collection_uuid.as_deref(), &collection)
    }) && matches(&only.carts, &|w| {
        is(w, lpt.cart_purchase_transaction_uuid.as_deref(), &[])
    })
}

/// [`license_distribution`], then NoBinary when [`primary_binary`] finds nothing in
/// `binaries` (the answer of `GetLicensePurchaseTransactionBinariesForSync`; an LPT does
/// not carry its binaries).
pub fn distribution(
    rules: &DistributionRules,
    lpt: &LicensePurchaseTransaction,
    binaries: &[SyncBinary],
    now: DateTime<Utc>,
) -> Distribution {
    match license_distribution(rules, lpt, now) {
        Distribution::Distribute if primary_binary(binaries).is_none() => {
            Distribution::Withhold(Withholding::NoBinary)
        }
        decision => decision,
    }
}

/// A Smint.io `release_states` key as a PhotoShelter release flag: `released` → true,
/// `not_released` → false (case-insensitive); anything else, including `not_applicable`
/// (no release is needed, which is not the same as one being on file), is unknown.
pub fn release_state(state: Option<&str>) -> Option<bool> {
    match state?.trim().to_ascii_lowercase().as_str() {
        "released" => Some(true),
        "not_released" => Some(false),
        _ => None,
    }
}

/// license_expiration_date = date (UTC) of license_expires_at: `Some(None)` removes it when
/// the terms are known and none ends; untouched when the terms are unknown.
/// model_released / property_released from [`release_state`]. Visibility left None.
pub fn media_update_for_license(lpt: &LicensePurchaseTransaction) -> MediaUpdate {
    let release = lpt
        .content_element
        .as_ref()
        .and_then(|c| c.release_details.as_ref());
    MediaUpdate {
        visibility: None,
        license_expiration_date: lpt
            .license_terms
            .as_ref()
            .map(|_| license_expires_at(lpt).map(|t| t.date_naive())),
        model_released: release.and_then(|r| release_state(r.model_release_state.as_deref())),
        property_released: release.and_then(|r| release_state(r.property_release_state.as_deref())),
    }
}

/// The binaries a license is distributed as: every binary, one copy each (as the
/// Smint.io integrations make one target asset per binary; a compound asset has several),
/// each uuid once at its highest version (an unknown version counts as 1, the first),
/// in the order served.
pub fn copied_binaries(binaries: &[SyncBinary]) -> Vec<&SyncBinary> {
    let mut kept: Vec<&SyncBinary> = Vec::new();
    for binary in binaries {
        match kept.iter_mut().find(|k| k.uuid == binary.uuid) {
            Some(k) if binary_version(binary) > binary_version(k) => *k = binary,
            Some(_) => {}
            None => kept.push(binary),
        }
    }
    kept
}

/// A binary's version: `> 1` means the binary was updated; absent, the first.
pub fn binary_version(binary: &SyncBinary) -> i64 {
    binary.version.unwrap_or(1)
}

/// The binary to upload: the highest `version` among binaries of type
/// [`MAIN_BINARY_TYPE`] (an unknown version counts lowest; ties keep the first), else the
/// first binary.
pub fn primary_binary(binaries: &[SyncBinary]) -> Option<&SyncBinary> {
    binaries
        .iter()
        .filter(|b| {
            b.binary_type
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(MAIN_BINARY_TYPE))
        })
        .rev()
        .max_by_key(|b| b.version)
        .or_else(|| binaries.first())
}
