//! When rights end, on either platform, and whether that moment has passed.

use assetrelay_photoshelter::client::Media;
use assetrelay_smintio::client::LicensePurchaseTransaction;
use chrono::{DateTime, NaiveTime, Utc};

/// PhotoShelter's license expiration is a date: rights end at 00:00 UTC that day
/// (conservative: the organization's time zone is unknown, so the expiry day itself is
/// treated as no longer covered).
pub fn media_expires_at(media: &Media) -> Option<DateTime<Utc>> {
    media
        .license_expiration_date
        .map(|date| date.and_time(NaiveTime::MIN).and_utc())
}

/// Earliest `valid_until` (or `to_be_used_until`) over the license terms; None if no term
/// has one.
///
/// `to_be_used_until` ends the right to *start* using the content; a distribution
/// library hands content to people who start using it, so for us it is an end as well.
pub fn license_expires_at(lpt: &LicensePurchaseTransaction) -> Option<DateTime<Utc>> {
    lpt.license_terms
        .as_deref()
        .unwrap_or_default()
        .iter()
        .flat_map(|term| [term.valid_until, term.to_be_used_until])
        .flatten()
        .min()
}

/// Whether `now` is at or after the end of rights; an unknown end never expires.
pub fn is_expired(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|end| now >= end)
}
