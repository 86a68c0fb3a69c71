//! Header names. Grouped by who writes them; every reader uses these constants.

// On every event message (ingress, sources, scheduler).
/// The connection (tenant) the event belongs to.
pub const CONNECTION: &str = "x-connection";
/// The event's subject (asset id or license uuid), when it has one.
pub const SUBJECT: &str = "x-subject";
/// W3C trace context of the event, propagated to consumers and outbound platform calls.
pub const TRACEPARENT: &str = "traceparent";
/// W3C vendor trace state, carried when the sender gave one.
pub const TRACESTATE: &str = "tracestate";

// Retry state, written by the consumer runner on a retry copy.
/// Deliveries before this one (0 on the first delivery).
pub const ATTEMPT: &str = "x-attempt";
/// The failure class of the previous attempt.
pub const LAST_ERROR: &str = "x-last-error";
/// When the first attempt failed (RFC 3339, ms).
pub const FIRST_SEEN: &str = "x-first-seen";

// Reasons, written by the consumer runner on a parked copy.
/// The failure class (`platform_5xx`, `not_found`, …).
pub const ERROR: &str = "x-error";
/// Human text of the failure, no secrets, at most 1 KiB.
pub const ERROR_DETAIL: &str = "x-error-detail";
/// HTTP status of the failed platform call.
pub const STATUS: &str = "x-status";
/// Deliveries made, the last one included.
pub const ATTEMPTS: &str = "x-attempts";
/// The flow that parked the message.
pub const FLOW: &str = "x-flow";
/// When it was parked (RFC 3339, ms).
pub const PARKED_AT: &str = "x-parked-at";

// Replays (parked re-drive and archive replay).
/// One id per replay run.
pub const REPLAY_ID: &str = "x-replay-id";
/// When the copy was republished (RFC 3339, ms).
pub const REPLAYED_AT: &str = "x-replayed-at";

// The expiry scheduler.
/// When a scheduled expiry is due (RFC 3339, ms).
pub const DUE_AT: &str = "x-due-at";

// The archive's end-of-read marker (never routed to a flow).
pub const MARKER: &str = "x-assetrelay-marker";

// Set by the broker, never by us.
/// Quorum queues count redeliveries here; bookkeeping, not part of the message.
pub const DELIVERY_COUNT: &str = "x-delivery-count";
/// Dead-letter history the broker adds when it dead-letters a message.
pub const DEATH: &str = "x-death";
/// A stream message's offset, as the stream consumer receives it.
pub const STREAM_OFFSET: &str = "x-stream-offset";
