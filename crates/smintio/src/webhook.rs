//! The Smint.io webhook payloads we accept (ours to define: Smint.io only pings through
//! Pusher, see docs/webhooks.md) and their mapping to canonical event types.
//!
//! - asset events (`asset.updated`, …): recognized and refused as unsupported (422), since
//!   no flow can act on them ([`ASSET_EVENTS_UNSUPPORTED`])
//! - license events: `license_purchase_transaction.completed|updated|cancelled` with
//!   `license_purchase_transaction_uuid` and `cart_purchase_transaction_uuid`
//! - `global-transaction-history-update`: no data; a `license.updated` without subject
//!   that tells the flow to read the feed.

use assetrelay_contract::envelope::Normalized;
use assetrelay_contract::payload::{DELIVERY_ID, EVENT_NAME};
use assetrelay_contract::{Ends, EventType, Fields, IdRule, PayloadError};
use serde_json::Map;

/// `license_purchase_transaction_uuid`, `cart_purchase_transaction_uuid`: CLAPI-C's
/// samples use `79468` and `3525`, content elements `2:0:61019726`, other records real
/// UUIDs (research/smintio.md §2). They become path segments of CLAPI-C calls, so the
/// first character must be a letter or digit.
pub const UUID: IdRule = IdRule {
    max_len: 64,
    punctuation: ":-_",
    ends: Ends::First,
    problem: "must be 1 to 64 ASCII letters, digits, `:`, `-` or `_`, starting with a letter or digit",
};

/// `tenant_id`: the `{tenantId}` of `https://{tenantId}.clapi.smint.io`, a subdomain, so
/// a DNS label (RFC 1123).
pub const TENANT_ID: IdRule = IdRule {
    max_len: 63,
    punctuation: "-",
    ends: Ends::FirstAndLast,
    problem: "must be a DNS label: 1 to 63 ASCII letters, digits or `-`, starting and ending with a letter or digit",
};

enum Shape {
    /// Named so the refusal can say why: no flow can act on a Smint.io asset event.
    Asset,
    License,
    FeedPing,
}

/// Why a Smint.io `asset.*` event is refused (422) rather than accepted.
pub const ASSET_EVENTS_UNSUPPORTED: &str = "no flow acts on Smint.io asset events: CLAPI-C's unit is the license purchase transaction and a Portals asset cannot be read back (docs/webhooks.md); send license_purchase_transaction.* or global-transaction-history-update";

/// Every Smint.io event we accept, its canonical type and the fields it must carry.
const EVENTS: &[(&str, EventType, Shape)] = &[
    ("asset.created", EventType::AssetUpdated, Shape::Asset),
    ("asset.updated", EventType::AssetUpdated, Shape::Asset),
    ("asset.approved", EventType::AssetApproved, Shape::Asset),
    (
        "asset.rights_changed",
        EventType::AssetRightsChanged,
        Shape::Asset,
    ),
    (
        "asset.version_added",
        EventType::AssetVersionAdded,
        Shape::Asset,
    ),
    ("asset.restricted", EventType::AssetRestricted, Shape::Asset),
    ("asset.archived", EventType::AssetArchived, Shape::Asset),
    ("asset.expired", EventType::AssetExpired, Shape::Asset),
    ("asset.deleted", EventType::AssetDeleted, Shape::Asset),
    (
        "license_purchase_transaction.completed",
        EventType::LicensePurchased,
        Shape::License,
    ),
    (
        "license_purchase_transaction.updated",
        EventType::LicenseUpdated,
        Shape::License,
    ),
    (
        "license_purchase_transaction.cancelled",
        EventType::LicenseCancelled,
        Shape::License,
    ),
    (
        "global-transaction-history-update",
        EventType::LicenseUpdated,
        Shape::FeedPing,
    ),
];

/// Parse and normalize one Smint.io webhook body.
pub fn normalize(body: &[u8]) -> Result<Normalized, PayloadError> {
    let fields = Fields::parse(body)?;
    let event = fields.id("event", &EVENT_NAME)?;
    let (_, event_type, shape) = EVENTS
        .iter()
        .find(|(name, _, _)| *name == event)
        .ok_or_else(|| PayloadError::UnknownEvent(event.clone()))?;
    let delivery_id = fields.id("id", &DELIVERY_ID)?;
    let occurred_at = fields.time("occurred_at")?;
    let tenant_id = fields.id("tenant_id", &TENANT_ID)?;

    let mut change = Map::new();
    change.insert("platform_event".into(), event.clone().into());
    change.insert("tenant_id".into(), tenant_id.into());
    let subject = match shape {
        Shape::Asset => {
            return Err(PayloadError::UnsupportedEvent {
                event,
                reason: ASSET_EVENTS_UNSUPPORTED,
            });
        }
        Shape::License => {
            let lpt = fields.id("license_purchase_transaction_uuid", &UUID)?;
            let cpt = fields.id("cart_purchase_transaction_uuid", &UUID)?;
            change.insert(
                "license_purchase_transaction_uuid".into(),
                lpt.clone().into(),
            );
            change.insert("cart_purchase_transaction_uuid".into(), cpt.into());
            Some(lpt)
        }
        Shape::FeedPing => {
            change.insert("read_feed".into(), true.into());
            None
        }
    };
    Ok(Normalized {
        delivery_id,
        event_type: *event_type,
        subject,
        occurred_at,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#""id":"d-1","occurred_at":"2026-11-29T10:00:00Z","tenant_id":"devtenant""#;

    #[test]
    fn an_asset_event_is_refused_as_unsupported_with_the_reason() {
        for event in [
            "asset.created",
            "asset.updated",
            "asset.expired",
            "asset.deleted",
        ] {
            let body = format!(r#"{{{HEAD},"event":"{event}","asset_id":"A-1"}}"#);
            assert_eq!(
                normalize(body.as_bytes()),
                Err(PayloadError::UnsupportedEvent {
                    event: event.into(),
                    reason: ASSET_EVENTS_UNSUPPORTED
                })
            );
        }
    }

    #[test]
    fn license_events_carry_both_transaction_uuids() {
        for (event, expected) in [
            (
                "license_purchase_transaction.completed",
                EventType::LicensePurchased,
            ),
            (
                "license_purchase_transaction.updated",
                EventType::LicenseUpdated,
            ),
            (
                "license_purchase_transaction.cancelled",
                EventType::LicenseCancelled,
            ),
        ] {
            let body = format!(
                r#"{{{HEAD},"event":"{event}","license_purchase_transaction_uuid":"79468","cart_purchase_transaction_uuid":"3525"}}"#
            );
            let n = normalize(body.as_bytes()).unwrap();
            assert_eq!(n.event_type, expected);
            assert_eq!(n.subject.as_deref(), Some("79468"));
            assert_eq!(n.change["cart_purchase_transaction_uuid"], "3525");
        }
    }

    #[test]
    fn a_license_event_without_the_cart_uuid_names_the_field() {
        let body = format!(
            r#"{{{HEAD},"event":"license_purchase_transaction.completed","license_purchase_transaction_uuid":"1"}}"#
        );
        assert_eq!(
            normalize(body.as_bytes()),
            Err(PayloadError::MissingField("cart_purchase_transaction_uuid"))
        );
    }

    #[test]
    fn the_feed_ping_becomes_a_license_update_without_subject() {
        let n = normalize(
            format!(r#"{{{HEAD},"event":"global-transaction-history-update"}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(n.event_type, EventType::LicenseUpdated);
        assert_eq!(n.subject, None);
        assert_eq!(n.change["read_feed"], true);
    }

    fn license_with(field: &str, value: &str) -> Vec<u8> {
        let mut json = serde_json::json!({
            "id": "d-1", "occurred_at": "2026-11-29T10:00:00Z", "tenant_id": "devtenant",
            "event": "license_purchase_transaction.completed",
            "license_purchase_transaction_uuid": "79468", "cart_purchase_transaction_uuid": "3525"
        });
        json[field] = value.into();
        json.to_string().into_bytes()
    }

    #[test]
    fn an_oversized_or_odd_transaction_uuid_is_refused_naming_the_field() {
        let huge = "7".repeat(600 * 1024);
        for field in [
            "license_purchase_transaction_uuid",
            "cart_purchase_transaction_uuid",
        ] {
            for bad in [huge.as_str(), &"7".repeat(65), "../1", "1 2", "-1"] {
                let result = normalize(&license_with(field, bad));
                assert!(
                    matches!(&result, Err(PayloadError::InvalidField { field: f, problem }) if *f == field && *problem == UUID.problem),
                    "{field} = {bad:.20}: {result:?}"
                );
            }
        }
    }

    #[test]
    fn documented_uuid_shapes_are_accepted() {
        for good in [
            "79468",
            "2:0:61019726",
            "6f1c3e3e-55b2-4c9e-9d7e-5a4e7e11c0de",
        ] {
            let n = normalize(&license_with("license_purchase_transaction_uuid", good));
            assert_eq!(n.map(|n| n.subject), Ok(Some(good.to_owned())));
        }
    }

    #[test]
    fn a_tenant_id_that_is_not_a_dns_label_is_refused_naming_the_field() {
        for bad in ["dev.tenant", "-dev", "dev-", &"t".repeat(64), "dev/x"] {
            assert_eq!(
                normalize(&license_with("tenant_id", bad)).map(|_| ()),
                Err(PayloadError::InvalidField {
                    field: "tenant_id",
                    problem: TENANT_ID.problem
                }),
                "{bad}"
            );
        }
        assert!(normalize(&license_with("tenant_id", "dev-tenant-2")).is_ok());
    }

    #[test]
    fn an_oversized_event_name_is_refused_without_being_echoed() {
        let long = "e".repeat(600 * 1024);
        let result = normalize(&license_with("event", &long));
        assert!(
            matches!(
                result,
                Err(PayloadError::InvalidField { field: "event", .. })
            ),
            "{:.200}",
            format!("{result:?}")
        );
    }

    #[test]
    fn an_unknown_event_is_reported_as_unknown() {
        let body = format!(r#"{{{HEAD},"event":"asset.teleported","asset_id":"A"}}"#);
        assert_eq!(
            normalize(body.as_bytes()),
            Err(PayloadError::UnknownEvent("asset.teleported".into()))
        );
    }

    #[test]
    fn a_missing_event_field_is_named() {
        assert_eq!(
            normalize(format!("{{{HEAD}}}").as_bytes()),
            Err(PayloadError::MissingField("event"))
        );
    }
}
