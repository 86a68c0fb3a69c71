//! Where the real services are, fresh names for a test, and a connection to the broker.

use std::time::Duration;

use assetrelay_broker::{Broker, BrokerSettings, Topology};
use assetrelay_config::AmqpUrl;

/// Upper bound for anything a test waits for: long enough for a loaded CI machine, short
/// enough that a hung test fails instead of stalling the run.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The broker's URL, credentials included: `AMQP_URL`, or the local RabbitMQ as guest.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// The management API's root, credentials included: `MANAGEMENT_URL`, or the local one.
pub fn management_url() -> String {
    std::env::var("MANAGEMENT_URL").unwrap_or_else(|_| "http://guest:guest@127.0.0.1:15672".into())
}

/// `<label>-<uuid>`: a topology prefix no other test (or run) uses. The label says which
/// tests a leftover on the shared broker came from.
pub fn unique_prefix(label: &str) -> String {
    format!("{label}-{}", uuid::Uuid::new_v4().simple())
}

/// A topology under a [`unique_prefix`] with short settings: one retry tier of 1 s, no
/// scheduler tiers, a delivery limit of 5, an archive kept 1 h. Tests change what they
/// exercise: `Topology { retry_tiers_secs: vec![1, 3], ..topology("x") }`.
pub fn topology(label: &str) -> Topology {
    Topology {
        prefix: unique_prefix(label),
        retry_tiers_secs: vec![1],
        scheduler_tiers_secs: Vec::new(),
        delivery_limit: 5,
        archive_max_age: "1h".into(),
    }
}

/// A supervised connection to [`amqp_url`], declaring `topology` if given; returns once it
/// is up and panics if it is not within [`PATIENCE`].
pub async fn start_broker(name: &str, topology: Option<Topology>) -> Broker {
    start_broker_at(&amqp_url(), name, topology).await
}

/// [`start_broker`] at another URL (a [`crate::ChaosProxy`] in front of the broker).
/// Reconnects back off to 500 ms at most, so a test sees a recovery quickly.
pub async fn start_broker_at(url: &str, name: &str, topology: Option<Topology>) -> Broker {
    let parsed: AmqpUrl = url.parse().expect("the test broker URL is valid");
    // Display shows host, port and vhost only: the password stays out of the message.
    let shown = parsed.to_string();
    let broker = Broker::start(
        BrokerSettings::new(parsed, name, Duration::from_millis(500)),
        topology,
    );
    assert!(
        broker.wait_ready(PATIENCE).await,
        "RabbitMQ is not reachable at {shown}"
    );
    broker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_prefixes_start_with_their_label_and_differ() {
        let (a, b) = (unique_prefix("unit-test"), unique_prefix("unit-test"));
        assert!(
            a.starts_with("unit-test-") && b.starts_with("unit-test-"),
            "{a} {b}"
        );
        assert_ne!(a, b);
    }
}
