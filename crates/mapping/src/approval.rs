//! to-smint: which PhotoShelter media are exposed in Smint.io, and to whom (use cases 1,
//! 4, 8). Evaluates the connection's `approval` and `regions` rules (DESIGN §7).

use assetrelay_config::{ConnectionRules, MediaMatch};
use assetrelay_photoshelter::client::{Media, Visibility};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::expiry::{is_expired, media_expires_at};
use crate::origin::smintio_origin;
use crate::text::sorted_set;

/// Whether `rule` matches `media`: any gallery (by exact id, or by name case-insensitively), any
/// IPTC keyword (case-insensitive), or any custom metadata field value (field name exact,
/// value case-insensitive). An empty rule matches nothing; unknown data (galleries, IPTC or
/// custom metadata not loaded) matches nothing either.
pub fn media_matches(rule: &MediaMatch, media: &Media) -> bool {
    if rule.is_empty() {
        return false;
    }
    let gallery = media
        .galleries
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|g| {
            rule.galleries.iter().any(|wanted| {
                g.id == wanted.trim()
                    || g.name
                        .as_deref()
                        .is_some_and(|name| same_text(name, wanted))
            })
        });
    let keyword = || {
        let keywords = media.iptc.as_ref().and_then(|i| i.keywords.as_deref());
        keywords
            .unwrap_or_default()
            .iter()
            .any(|k| rule.keywords.iter().any(|wanted| same_text(k, wanted)))
    };
    let custom = || {
        let Some(fields) = &media.custom_metadata else {
            return false;
        };
        rule.custom_metadata.iter().any(|(field, accepted)| {
            fields
                .get(field)
                .is_some_and(|value| accepted.iter().any(|a| same_text(value, a)))
        })
    };
    gallery || keyword() || custom()
}

/// Case-insensitive (Unicode) comparison of trimmed values.
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// Where an exposed item may be shown: the union of the matching region rules. Every list
/// is sorted and deduplicated; all empty means unrestricted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audience {
    /// Region codes (`DE`, `EU`, …) as configured.
    pub regions: Vec<String>,
    /// Language codes as configured.
    pub languages: Vec<String>,
    /// Campaign names.
    pub campaigns: Vec<String>,
    /// Names of the region rules that matched.
    pub rules: Vec<String>,
}

/// Why an item is not exposed in Smint.io.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// The approval rule does not match.
    NotApproved,
    /// PhotoShelter marks it archived.
    Archived,
    /// Its visibility is `private` or `permission`.
    Restricted,
    /// Its license expiration date has come.
    Expired,
    /// `regions_required` is set and no region rule matches.
    NoRegion,
    /// It was created from a Smint.io license (never send it back).
    FromSmintio,
}

impl Withheld {
    /// The reason as a metric label / log field.
    pub fn as_str(&self) -> &'static str {
        match self {
            Withheld::NotApproved => "not_approved",
            Withheld::Archived => "archived",
            Withheld::Restricted => "restricted",
            Withheld::Expired => "expired",
            Withheld::NoRegion => "no_region",
            Withheld::FromSmintio => "from_smintio",
        }
    }
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The to-smint decision for one media item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// Upsert the asset in Smint.io for this audience.
    Expose(Audience),
    /// Keep it out of Smint.io (and remove it if it is there).
    Withhold(Withheld),
}

/// Order: FromSmintio (smintio_origin is Some) → Archived (Some(true)) → Restricted →
/// Expired (media_expires_at ≤ now) → NotApproved (rules.approval doesn't match) →
/// regions (union of matching RegionRules; none matching and regions_required → NoRegion).
///
/// Unknown `archived` / `visibility` do not withhold: PhotoShelter may not report them
/// (both attributes are ASSUMED), and the approval rule is the positive gate.
pub fn exposure(rules: &ConnectionRules, media: &Media, now: DateTime<Utc>) -> Exposure {
    let withheld = if smintio_origin(media).is_some() {
        Some(Withheld::FromSmintio)
    } else if media.archived == Some(true) {
        Some(Withheld::Archived)
    } else if matches!(
        media.visibility,
        Some(Visibility::Private | Visibility::Permission)
    ) {
        Some(Withheld::Restricted)
    } else if is_expired(media_expires_at(media), now) {
        Some(Withheld::Expired)
    } else if !media_matches(&rules.approval, media) {
        Some(Withheld::NotApproved)
    } else {
        None
    };
    if let Some(reason) = withheld {
        return Exposure::Withhold(reason);
    }
    let matching: Vec<_> = rules
        .regions
        .iter()
        .filter(|rule| media_matches(&rule.when, media))
        .collect();
    if matching.is_empty() && rules.regions_required {
        return Exposure::Withhold(Withheld::NoRegion);
    }
    Exposure::Expose(Audience {
        regions: sorted_set(matching.iter().flat_map(|r| &r.regions)),
        languages: sorted_set(matching.iter().flat_map(|r| &r.languages)),
        campaigns: sorted_set(matching.iter().flat_map(|r| &r.campaigns)),
        rules: sorted_set(matching.iter().map(|r| &r.name)),
    })
}
