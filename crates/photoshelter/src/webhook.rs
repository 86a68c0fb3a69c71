//! The PhotoShelter webhook payload we accept (ours to define: PhotoShelter documents no
//! webhooks, see docs/webhooks.md) and its mapping to canonical event types.
//!
//! ```json
//! {"id": "<delivery id>", "event": "media.updated", "occurred_at": "2026-11-29T10:00:00Z",
//!  "org_id": "O0000…", "media_id": "I0000…"}
//! ```
//! `gallery.media_added` / `gallery.media_removed` also carry `gallery_id`.

use assetrelay_contract::envelope::Normalized;
use assetrelay_contract::payload::{DELIVERY_ID, EVENT_NAME};
use assetrelay_contract::{Ends, EventType, Fields, IdRule, PayloadError};
use serde_json::Map;

/// `media_id`, `org_id`, `gallery_id`. research/photoshelter.md §1.6 gives 16 characters:
/// a type prefix (`I0000`, `VD000`, `G0000`, `O0000`, …) then `[a-zA-Z0-9._]`, e.g.
/// `I0000abcdEFGH123`, `O0000AoXP1xI.fPs`. Those shapes come from a 2019 draft, so the
/// length is bounded loosely; the first character must be a letter or digit so that an id
/// is never `.` or `..` once it is a segment of `/psapi/v4.0/media/{media_id}`.
pub const ID: IdRule = IdRule {
    max_len: 64,
    punctuation: "._",
    ends: Ends::First,
    problem: "must be 1 to 64 ASCII letters, digits, `.` or `_`, starting with a letter or digit",
};

/// Every PhotoShelter event we accept and the canonical type it becomes.
pub const EVENTS: &[(&str, EventType)] = &[
    // A new media item is an update for the flows: they fetch it and apply approval rules.
    ("media.created", EventType::AssetUpdated),
    ("media.updated", EventType::AssetUpdated),
    ("media.approved", EventType::AssetApproved),
    ("media.rights_changed", EventType::AssetRightsChanged),
    ("media.version_added", EventType::AssetVersionAdded),
    ("media.restricted", EventType::AssetRestricted),
    ("media.archived", EventType::AssetArchived),
    ("media.deleted", EventType::AssetDeleted),
    // Gallery membership decides approval and regions, so it is an asset update.
    ("gallery.media_added", EventType::AssetUpdated),
    ("gallery.media_removed", EventType::AssetUpdated),
];

/// Parse and normalize one PhotoShelter webhook body.
pub fn normalize(body: &[u8]) -> Result<Normalized, PayloadError> {
    let fields = Fields::parse(body)?;
    let event = fields.id("event", &EVENT_NAME)?;
    let event_type = EVENTS
        .iter()
        .find(|(name, _)| *name == event)
        .map(|(_, t)| *t)
        .ok_or_else(|| PayloadError::UnknownEvent(event.clone()))?;
    let delivery_id = fields.id("id", &DELIVERY_ID)?;
    let occurred_at = fields.time("occurred_at")?;
    let org_id = fields.id("org_id", &ID)?;
    let media_id = fields.id("media_id", &ID)?;

    let mut change = Map::new();
    change.insert("platform_event".into(), event.clone().into());
    change.insert("org_id".into(), org_id.into());
    if event.starts_with("gallery.") {
        change.insert("gallery_id".into(), fields.id("gallery_id", &ID)?.into());
    }
    Ok(Normalized {
        delivery_id,
        event_type,
        subject: Some(media_id),
        occurred_at,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(event: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"id":"d-1","event":"{event}","occurred_at":"2026-11-29T10:00:00Z","org_id":"O0000DEVORG00001","media_id":"I0000abcdEFGH123"{extra}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn maps_every_documented_event_to_its_canonical_type() {
        for (event, expected) in EVENTS {
            let extra = if event.starts_with("gallery.") {
                r#","gallery_id":"G0000abcdEFGH123""#
            } else {
                ""
            };
            let n = normalize(&body(event, extra)).unwrap();
            assert_eq!(n.event_type, *expected, "{event}");
            assert_eq!(n.subject.as_deref(), Some("I0000abcdEFGH123"));
            assert_eq!(n.change["platform_event"], *event);
        }
    }

    #[test]
    fn gallery_events_carry_the_gallery_id() {
        let n = normalize(&body(
            "gallery.media_added",
            r#","gallery_id":"G0000abcdEFGH123""#,
        ))
        .unwrap();
        assert_eq!(n.change["gallery_id"], "G0000abcdEFGH123");
    }

    #[test]
    fn a_gallery_event_without_gallery_id_names_the_missing_field() {
        assert_eq!(
            normalize(&body("gallery.media_removed", "")),
            Err(PayloadError::MissingField("gallery_id"))
        );
    }

    #[test]
    fn an_unknown_event_is_reported_as_unknown() {
        assert_eq!(
            normalize(&body("media.exploded", "")),
            Err(PayloadError::UnknownEvent("media.exploded".into()))
        );
    }

    #[test]
    fn a_missing_media_id_names_the_field() {
        let b = br#"{"id":"d","event":"media.updated","occurred_at":"2026-11-29T10:00:00Z","org_id":"O"}"#;
        assert_eq!(normalize(b), Err(PayloadError::MissingField("media_id")));
    }

    #[test]
    fn a_bad_timestamp_is_an_invalid_field() {
        let b = br#"{"id":"d","event":"media.updated","occurred_at":"yesterday","org_id":"O","media_id":"I"}"#;
        assert!(matches!(
            normalize(b),
            Err(PayloadError::InvalidField {
                field: "occurred_at",
                ..
            })
        ));
    }

    fn with(field: &str, value: &str) -> Vec<u8> {
        let mut json: serde_json::Value = serde_json::from_slice(&body(
            "gallery.media_added",
            r#","gallery_id":"G0000abcdEFGH123""#,
        ))
        .unwrap();
        json[field] = value.into();
        json.to_string().into_bytes()
    }

    #[test]
    fn an_oversized_or_odd_platform_id_is_refused_naming_the_field() {
        let huge = "I".repeat(600 * 1024);
        for field in ["media_id", "org_id", "gallery_id"] {
            for bad in [
                huge.as_str(),
                &"I".repeat(65),
                "..",
                "I0000/../x",
                "I 1",
                "Iü",
            ] {
                assert_eq!(
                    normalize(&with(field, bad)),
                    Err(PayloadError::InvalidField {
                        field: match field {
                            "media_id" => "media_id",
                            "org_id" => "org_id",
                            _ => "gallery_id",
                        },
                        problem: ID.problem
                    }),
                    "{field} = {:.20}",
                    bad
                );
            }
        }
    }

    #[test]
    fn documented_id_shapes_are_accepted() {
        for (field, good) in [
            ("media_id", "VD000EXAMPLE_VID"),
            ("org_id", "O0000AoXP1xI.fPs"),
            ("gallery_id", "G0000abcdEFGH123"),
            ("media_id", &"I".repeat(64)),
        ] {
            assert!(normalize(&with(field, good)).is_ok(), "{field} = {good}");
        }
    }

    #[test]
    fn an_oversized_delivery_id_is_refused_naming_the_field() {
        let n = normalize(&with("id", &"d".repeat(129)));
        assert!(
            matches!(n, Err(PayloadError::InvalidField { field: "id", .. })),
            "{n:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(normalize(b"[1,2]"), Err(PayloadError::NotAnObject));
        assert_eq!(normalize(b"{not json"), Err(PayloadError::NotAnObject));
    }
}
