//! The two platforms and the event types of DESIGN §4.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name that is not one of ours (platform or event type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name `{0}`")]
pub struct UnknownName(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    PhotoShelter,
    Smintio,
}

impl Platform {
    pub const ALL: [Platform; 2] = [Platform::PhotoShelter, Platform::Smintio];

    /// The lower-case name used in paths, routing keys and `source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PhotoShelter => "photoshelter",
            Self::Smintio => "smintio",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// Canonical event types. The set is closed: a platform event that maps to none of these
/// is rejected (422), never dropped silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    AssetApproved,
    AssetUpdated,
    AssetRightsChanged,
    AssetVersionAdded,
    AssetRestricted,
    AssetArchived,
    AssetExpired,
    AssetDeleted,
    LicensePurchased,
    LicenseUpdated,
    LicenseCancelled,
    /// A license's term ended. Published by the expiry scheduler (CLAPI-C announces no
    /// such event), never accepted from a webhook.
    LicenseExpired,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        Self::AssetApproved,
        Self::AssetUpdated,
        Self::AssetRightsChanged,
        Self::AssetVersionAdded,
        Self::AssetRestricted,
        Self::AssetArchived,
        Self::AssetExpired,
        Self::AssetDeleted,
        Self::LicensePurchased,
        Self::LicenseUpdated,
        Self::LicenseCancelled,
        Self::LicenseExpired,
    ];

    /// The CloudEvents `type` and the last two segments of the routing key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssetApproved => "asset.approved",
            Self::AssetUpdated => "asset.updated",
            Self::AssetRightsChanged => "asset.rights_changed",
            Self::AssetVersionAdded => "asset.version_added",
            Self::AssetRestricted => "asset.restricted",
            Self::AssetArchived => "asset.archived",
            Self::AssetExpired => "asset.expired",
            Self::AssetDeleted => "asset.deleted",
            Self::LicensePurchased => "license.purchased",
            Self::LicenseUpdated => "license.updated",
            Self::LicenseCancelled => "license.cancelled",
            Self::LicenseExpired => "license.expired",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_round_trips_through_its_name() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>().unwrap(), t);
        }
    }

    #[test]
    fn rejects_an_unknown_event_type() {
        assert!("asset.exploded".parse::<EventType>().is_err());
    }

    #[test]
    fn platforms_parse_from_their_path_names_only() {
        assert_eq!(
            "photoshelter".parse::<Platform>().unwrap(),
            Platform::PhotoShelter
        );
        assert_eq!("smintio".parse::<Platform>().unwrap(), Platform::Smintio);
        assert!("PhotoShelter".parse::<Platform>().is_err());
    }
}
