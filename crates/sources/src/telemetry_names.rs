//! Metric names of the sources, labelled `{connection, source}`.

/// Counter: runs (polls and syncs) by `outcome` (`ok` or the error class: `store`,
/// `cursor`, `list`, `feed`, `publish`).
pub const POLLS: &str = "assetrelay_source_polls_total";
/// Counter: events published and confirmed.
pub const EVENTS: &str = "assetrelay_source_events_total";
/// Gauge: Unix time of the last successful poll (alert on its age).
pub const LAST_SUCCESS: &str = "assetrelay_source_last_success_timestamp_seconds";
/// Gauge: 1 while this replica holds the source's lease.
pub const LEASE_HELD: &str = "assetrelay_source_lease_held";
/// Gauge: seconds since the last successful run (since the start when none succeeded
/// yet), kept current every 5 s by every replica, standbys included. Alert when it passes
/// three intervals on the replica that holds the lease.
pub const LAST_SUCCESS_AGE: &str = "assetrelay_source_last_success_age_seconds";
/// Counter: pages read from the platform.
pub const PAGES: &str = "assetrelay_source_pages_total";
/// Gauge `{connection}`: 1 while the Smint.io Pusher channel is subscribed.
pub const PUSHER_CONNECTED: &str = "assetrelay_source_pusher_connected";
/// Counter `{connection}`: `global-transaction-history-update` notifications received.
pub const PUSHER_NOTIFICATIONS: &str = "assetrelay_source_pusher_notifications_total";
/// Counter `{connection, kind}`: drift a reconciliation found among the items exposed in
/// Smint.io: `deleted` (gone from PhotoShelter), `expired`, `revoked` (the rules withhold it).
pub const DRIFT: &str = "assetrelay_source_reconcile_drift_total";
