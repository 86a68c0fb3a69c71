//! The drift a reconciliation can find on one exposed item, and the event each becomes.
//!
//! Every event id is stable per (connection, media id, the state it contradicts): a second
//! reconciliation before the flows acted repeats it (the broker and the flows see it
//! once), and a later exposure that drifts again gets a new one.

use assetrelay_contract::source::PHOTOSHELTER_RECONCILE;
use assetrelay_contract::{CloudEvent, EventType, Normalized, Platform, new_traceparent};
use assetrelay_mapping::approval::{Exposure, Withheld, exposure};
use assetrelay_mapping::expiry::media_expires_at;
use assetrelay_photoshelter::client::Media;
use chrono::{DateTime, Utc};
use serde_json::Map;

/// What is wrong with an item the ledger says Smint.io holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// PhotoShelter no longer has it (`recorded_ms`: the ledger row it contradicts).
    Deleted { recorded_ms: i64 },
    /// Its license expiration date has passed and it is still exposed: its expiry was
    /// never scheduled (exposed before a date was set by a path no poll saw, or a
    /// schedule lost with a broker's queues).
    Expired { expires_at: DateTime<Utc> },
    /// The connection's rules no longer expose it (approval gallery or keyword removed,
    /// archived, made private, no region) and no event said so.
    Revoked { reason: Withheld, modified_ms: i64 },
    /// Still exposed, but pushed longer ago than `rules.previews.refresh_secs`: its
    /// rendition links may expire (`pushed_ms`: the ledger row's time).
    PreviewsDue { pushed_ms: i64 },
}

impl Drift {
    /// The metric label and report key.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Deleted { .. } => "deleted",
            Self::Expired { .. } => "expired",
            Self::Revoked { .. } => "revoked",
            Self::PreviewsDue { .. } => "previews_due",
        }
    }
}

/// The drift of an item PhotoShelter still has, judged by the rules the flows use, or
/// None while it should stay exposed.
pub fn judge(
    rules: &assetrelay_config::ConnectionRules,
    media: &Media,
    now: DateTime<Utc>,
) -> Option<Drift> {
    match exposure(rules, media, now) {
        Exposure::Expose(_) => None,
        // A copy of a Smint.io license is never pushed there, so it cannot be exposed;
        // a ledger row saying otherwise is not ours to act on.
        Exposure::Withhold(Withheld::FromSmintio) => None,
        Exposure::Withhold(Withheld::Expired) => Some(Drift::Expired {
            expires_at: media_expires_at(media).unwrap_or(now),
        }),
        Exposure::Withhold(reason) => Some(Drift::Revoked {
            reason,
            modified_ms: media.modified_at.map_or(0, |at| at.timestamp_millis()),
        }),
    }
}

/// The canonical event that makes the flows act on `drift`:
/// - deleted → `asset.deleted` (to-smint and lifecycle find it gone and remove it);
/// - expired → `asset.expired` (lifecycle removes it from Smint.io and makes it private in
///   PhotoShelter, as if its schedule had fired);
/// - archived / restricted → `asset.archived` / `asset.restricted` (lifecycle);
/// - not approved / no region → `asset.updated` (to-smint re-reads it and removes it);
/// - previews due → `asset.updated` (to-smint pushes it again with fresh links).
pub fn drift_event(connection: &str, org_id: &str, media_id: &str, drift: &Drift) -> CloudEvent {
    let (event_type, platform_event, delivery) = match drift {
        Drift::Deleted { recorded_ms } => (
            EventType::AssetDeleted,
            "media.deleted",
            format!("deleted@{recorded_ms}"),
        ),
        Drift::Expired { expires_at } => (
            EventType::AssetExpired,
            "media.expired",
            format!("expired@{}", expires_at.timestamp_millis()),
        ),
        Drift::Revoked {
            reason,
            modified_ms,
        } => {
            let event_type = match reason {
                Withheld::Archived => EventType::AssetArchived,
                Withheld::Restricted => EventType::AssetRestricted,
                _ => EventType::AssetUpdated,
            };
            (
                event_type,
                "media.revoked",
                format!("{}@{modified_ms}", reason.as_str()),
            )
        }
        Drift::PreviewsDue { pushed_ms } => (
            EventType::AssetUpdated,
            "media.previews_due",
            format!("previews@{pushed_ms}"),
        ),
    };
    let mut change = Map::new();
    change.insert("platform_event".into(), platform_event.into());
    change.insert("org_id".into(), org_id.into());
    if let Drift::Revoked { reason, .. } = drift {
        change.insert("reason".into(), reason.as_str().into());
    }
    let normalized = Normalized {
        delivery_id: format!("reconcile/{media_id}/{delivery}"),
        event_type,
        subject: Some(media_id.to_owned()),
        occurred_at: Utc::now(),
        change,
    };
    let mut event = CloudEvent::from_normalized(
        Platform::PhotoShelter,
        connection,
        normalized,
        new_traceparent(),
    );
    event
        .data
        .hint
        .insert("source".into(), PHOTOSHELTER_RECONCILE.into());
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_stable_per_media_and_contradicted_state() {
        let deleted = |ms| Drift::Deleted { recorded_ms: ms };
        let a = drift_event("demo", "O1", "I1", &deleted(10));
        assert_eq!(a.id, drift_event("demo", "O1", "I1", &deleted(10)).id);
        assert_ne!(a.id, drift_event("demo", "O1", "I1", &deleted(11)).id);
        assert_ne!(a.id, drift_event("demo", "O1", "I2", &deleted(10)).id);
        assert_eq!(a.routing_key(), "photoshelter.demo.asset.deleted");
        assert_eq!(a.data.hint["source"], PHOTOSHELTER_RECONCILE);
    }

    #[test]
    fn each_drift_goes_to_the_flow_that_removes_it() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let revoked = |reason| Drift::Revoked {
            reason,
            modified_ms: 5,
        };
        let cases = [
            (Drift::Expired { expires_at: at }, "asset.expired"),
            (revoked(Withheld::Archived), "asset.archived"),
            (revoked(Withheld::Restricted), "asset.restricted"),
            (revoked(Withheld::NotApproved), "asset.updated"),
            (revoked(Withheld::NoRegion), "asset.updated"),
        ];
        for (drift, routed) in cases {
            let event = drift_event("demo", "O1", "I1", &drift);
            assert_eq!(event.routing_key(), format!("photoshelter.demo.{routed}"));
        }
        let not_approved = drift_event("demo", "O1", "I1", &revoked(Withheld::NotApproved));
        let no_region = drift_event("demo", "O1", "I1", &revoked(Withheld::NoRegion));
        assert_ne!(not_approved.id, no_region.id);
        assert_eq!(not_approved.data.change["reason"], "not_approved");
    }
}
