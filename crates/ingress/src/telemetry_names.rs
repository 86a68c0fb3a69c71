//! Metric names of the ingress, in one place so dashboards and docs match the code.

/// Counter: webhooks by `platform`, `connection`, `outcome` (accepted, duplicate, or a
/// problem slug such as `unauthorized`, `unknown_event`, `request_timeout` (the sender's
/// body did not arrive), `timeout` or `broker_unavailable` (ours)). `platform` and
/// `connection` are `unknown` until the path names a served one.
pub const REQUESTS: &str = "assetrelay_ingress_requests_total";
/// Counter: signature verification failures by `platform`, `connection`, `reason`.
pub const VERIFICATION_FAILURES: &str = "assetrelay_ingress_verification_failures_total";
/// Histogram: time from publish to broker confirm, by `outcome` (`confirmed` or an error kind).
pub const PUBLISH_SECONDS: &str = "assetrelay_ingress_publish_seconds";
/// Gauge: webhook requests being handled now.
pub const IN_FLIGHT: &str = "assetrelay_ingress_in_flight_requests";
