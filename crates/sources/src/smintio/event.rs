//! A license purchase transaction read from the feed, as the canonical event: the same
//! type the ingress makes of a `license_purchase_transaction.*` webhook, carrying the
//! transaction itself (`data.state`), because CLAPI-C cannot serve one transaction again.

use assetrelay_contract::{
    CloudEvent, EventType, Normalized, Platform, SourceState, new_traceparent,
};
use assetrelay_mapping::fingerprint::fingerprint;
use assetrelay_smintio::client::LicensePurchaseTransaction;
use chrono::{DateTime, Utc};
use serde_json::Map;

/// The `hint.source` of synced events (and the cursor's and the lease's name).
pub const SOURCE: &str = assetrelay_contract::source::SMINTIO_SYNC;

/// The delivery id of a transaction's state: `feed/<uuid>/<fingerprint of the state>`.
/// The event id is the UUIDv5 of (platform, connection, this), so reading the same state
/// again (a re-sync, a restart, another replica, a full sync) yields the same event id,
/// and every change of the state a new one.
pub fn delivery_id(lpt: &LicensePurchaseTransaction) -> String {
    format!("feed/{}/{}", lpt.uuid, &fingerprint(lpt)[..16])
}

/// `license.cancelled` for a cancelled transaction, `license.updated` otherwise (the flow
/// decides from the carried state, not from the type).
pub fn event_type(lpt: &LicensePurchaseTransaction) -> EventType {
    match lpt.state.as_deref() {
        Some(state) if state.eq_ignore_ascii_case("cancelled") => EventType::LicenseCancelled,
        _ => EventType::LicenseUpdated,
    }
}

/// The event of `lpt` as read at `read_at`.
pub fn license_event(
    connection: &str,
    lpt: &LicensePurchaseTransaction,
    read_at: DateTime<Utc>,
) -> CloudEvent {
    let mut change = Map::new();
    change.insert("platform_event".into(), "feed".into());
    change.insert("license_uuid".into(), lpt.uuid.clone().into());
    if let Some(version) = lpt.version {
        change.insert("version".into(), version.into());
    }
    let normalized = Normalized {
        delivery_id: delivery_id(lpt),
        event_type: event_type(lpt),
        subject: Some(lpt.uuid.clone()),
        occurred_at: lpt.last_updated_at.unwrap_or(read_at),
        change,
    };
    let mut event =
        CloudEvent::from_normalized(Platform::Smintio, connection, normalized, new_traceparent());
    event.data.hint.insert("source".into(), SOURCE.into());
    event.data.state = Some(SourceState {
        read_at,
        // Plain structs and strings: serializing cannot fail.
        body: serde_json::to_value(lpt).unwrap_or_default(),
    });
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lpt(uuid: &str, version: i64, state: &str) -> LicensePurchaseTransaction {
        serde_json::from_value(serde_json::json!({
            "uuid": uuid,
            "state": state,
            "version": version,
            "last_updated_at": "2026-12-01T10:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn the_id_is_stable_per_connection_and_state_and_changes_with_either() {
        let now = Utc::now();
        let a = license_event("demo", &lpt("L1", 1, "completed"), now);
        let again = license_event(
            "demo",
            &lpt("L1", 1, "completed"),
            now + chrono::Duration::hours(1),
        );
        assert_eq!(a.id, again.id, "a re-read of the same state");
        for other in [
            license_event("acme", &lpt("L1", 1, "completed"), now),
            license_event("demo", &lpt("L2", 1, "completed"), now),
            license_event("demo", &lpt("L1", 2, "completed"), now),
            license_event("demo", &lpt("L1", 1, "cancelled"), now),
        ] {
            assert_ne!(a.id, other.id);
        }
    }

    #[test]
    fn carries_the_transaction_and_when_it_was_read() {
        let read_at = Utc::now();
        let event = license_event("demo", &lpt("L1", 3, "completed"), read_at);
        assert_eq!(event.routing_key(), "smintio.demo.license.updated");
        assert_eq!(event.subject.as_deref(), Some("L1"));
        assert_eq!(event.data.change["version"], 3);
        assert_eq!(event.data.hint["source"], SOURCE);
        let state = event.data.state.unwrap();
        assert_eq!(state.read_at, read_at);
        let back: LicensePurchaseTransaction = serde_json::from_value(state.body).unwrap();
        assert_eq!(back, lpt("L1", 3, "completed"));
        assert_eq!(
            event.time.to_rfc3339(),
            "2026-12-01T10:00:00+00:00",
            "the time is the transaction's last change"
        );
    }

    #[test]
    fn a_cancelled_transaction_is_a_license_cancelled_event() {
        let event = license_event("demo", &lpt("L1", 1, "Cancelled"), Utc::now());
        assert_eq!(event.event_type, EventType::LicenseCancelled);
    }
}
