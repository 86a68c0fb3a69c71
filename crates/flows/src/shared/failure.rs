//! The one place connector failures become consumer outcomes (DESIGN §6.3): the connectors
//! classify (transient or permanent, status, `Retry-After`); here that becomes a
//! [`HandlerError`] with a short reason class for the `x-error` header and metrics.

use assetrelay_broker::connection::error_chain;
use assetrelay_broker::consumer::{Delivery, HandlerError};
use assetrelay_contract::CloudEvent;
use assetrelay_http_failure::Failure;

/// What every flow step returns on failure.
pub type FlowError = HandlerError;

/// A PhotoShelter call failed.
pub fn from_photoshelter(error: &assetrelay_photoshelter::client::Error) -> FlowError {
    let failure = classify("photoshelter", error);
    if matches!(
        error,
        assetrelay_photoshelter::client::Error::InconsistentRead { .. }
    ) {
        // The item kept changing while it was read: transient, and not an outage.
        return HandlerError {
            class: "photoshelter_inconsistent_read".to_owned(),
            ..failure
        };
    }
    failure
}

/// A Smint.io call failed.
pub fn from_smintio(error: &assetrelay_smintio::client::Error) -> FlowError {
    classify("smintio", error)
}

fn classify<E: Failure>(platform: &str, error: &E) -> FlowError {
    let status = error.status().map(|s| s.as_u16());
    let class = match status {
        Some(429) => format!("{platform}_rate_limited"),
        Some(s) if s >= 500 => format!("{platform}_5xx"),
        Some(s) => format!("{platform}_{s}"),
        None if error.is_transient() => format!("{platform}_unreachable"),
        None => format!("{platform}_error"),
    };
    // The connectors' Display names the endpoint template and status, never a credential
    // or a pre-signed URL.
    let detail = error_chain(error);
    let failure = if error.is_transient() {
        HandlerError::transient(class, detail)
    } else {
        HandlerError::permanent(class, detail)
    };
    let failure = failure.with_retry_after(error.retry_after());
    match status {
        Some(s) => failure.with_status(s),
        None => failure,
    }
}

/// The canonical event in a delivery; a body that is not one is parked, not retried.
pub fn parse_event(delivery: &Delivery) -> Result<CloudEvent, FlowError> {
    serde_json::from_slice(&delivery.body).map_err(|e| {
        HandlerError::permanent(
            "invalid_event",
            format!("the message body is not an assetrelay CloudEvent: {e}"),
        )
    })
}

/// The event names no asset although this flow needs one.
pub fn missing_subject(event: &CloudEvent) -> FlowError {
    HandlerError::permanent(
        "missing_subject",
        format!("event {} ({}) names no asset", event.id, event.event_type),
    )
}

/// The store failed: transient (the broker keeps the message; a retry finds it back).
pub fn from_store(what: &str, error: &assetrelay_store::StoreError) -> FlowError {
    HandlerError::transient(
        "store_unavailable",
        format!("cannot {what}: {}", error_chain(error)),
    )
}
