//! Metric names of the sources, labelled `{connection, source}`.

/// Counter: polls by `outcome` (`ok` or the error kind).
pub const POLLS: &str = "assetrelay_source_polls_total";
/// Counter: events published and confirmed.
pub const EVENTS: &str = "assetrelay_source_events_total";
/// Gauge: Unix time of the last successful poll (alert on its age).
pub const LAST_SUCCESS: &str = "assetrelay_source_last_success_timestamp_seconds";
/// Gauge: 1 while this replica holds the source's lease.
pub const LEASE_HELD: &str = "assetrelay_source_lease_held";
