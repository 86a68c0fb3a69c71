//! The queues a [`Topology`] declares, with the type, arguments and bindings
//! `Topology::declare` gives them, as text to compare with the management API's JSON.
//! Kept in step with `assetrelay_broker::topology` by the test that checks a freshly
//! applied topology (any difference shows up there as drift).

use std::collections::BTreeMap;

use assetrelay_broker::lapin::types::{AMQPValue, FieldTable};
use assetrelay_broker::{Flow, Topology};

pub(super) struct ExpectedQueue {
    pub name: String,
    /// `quorum`, `stream` or `classic`, as the management API reports `type`.
    pub queue_type: String,
    /// Arguments other than `x-queue-type`, values as text.
    pub arguments: BTreeMap<String, String>,
    /// Routing keys bound from the topology's exchange.
    pub bindings: Vec<String>,
}

pub(super) fn queues(topology: &Topology) -> Vec<ExpectedQueue> {
    let mut queues = Vec::new();
    for flow in Flow::ALL {
        let work = topology.work_queue(flow);
        queues.push(queue(
            topology.parked_queue(flow),
            "quorum",
            BTreeMap::new(),
            &[],
        ));
        queues.push(queue(
            work.clone(),
            "quorum",
            from_table(&topology.work_queue_arguments(flow)),
            flow.binding_keys(),
        ));
        for &delay in &topology.retry_tiers_secs {
            queues.push(queue(
                topology.retry_queue(flow, delay),
                "quorum",
                delay_queue(delay, &work),
                &[],
            ));
        }
    }
    let lifecycle = topology.work_queue(Flow::Lifecycle);
    for &delay in &topology.scheduler_tiers_secs {
        queues.push(queue(
            topology.scheduler_queue(delay),
            "quorum",
            delay_queue(delay, &lifecycle),
            &[],
        ));
    }
    let mut stream = BTreeMap::new();
    stream.insert("x-max-age".into(), topology.archive_max_age.clone());
    queues.push(queue(topology.archive_stream(), "stream", stream, &["#"]));
    queues
}

fn queue(
    name: String,
    queue_type: &str,
    arguments: BTreeMap<String, String>,
    bindings: &[&str],
) -> ExpectedQueue {
    ExpectedQueue {
        name,
        queue_type: queue_type.into(),
        arguments,
        bindings: bindings.iter().map(|&k| k.to_owned()).collect(),
    }
}

/// Per-queue TTL, then dead-lettered (at least once) to `target`.
fn delay_queue(delay_secs: u64, target: &str) -> BTreeMap<String, String> {
    let mut args = BTreeMap::new();
    args.insert(
        "x-message-ttl".into(),
        delay_secs.saturating_mul(1_000).to_string(),
    );
    args.insert("x-dead-letter-exchange".into(), String::new());
    args.insert("x-dead-letter-routing-key".into(), target.to_owned());
    args.insert("x-dead-letter-strategy".into(), "at-least-once".into());
    args.insert("x-overflow".into(), "reject-publish".into());
    args
}

fn from_table(table: &FieldTable) -> BTreeMap<String, String> {
    table
        .inner()
        .iter()
        .filter(|(key, _)| key.as_str() != "x-queue-type")
        .map(|(key, value)| (key.to_string(), amqp_text(value)))
        .collect()
}

fn amqp_text(value: &AMQPValue) -> String {
    match value {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.to_string(),
        AMQPValue::LongLongInt(n) => n.to_string(),
        AMQPValue::LongInt(n) => n.to_string(),
        AMQPValue::LongUInt(n) => n.to_string(),
        AMQPValue::ShortInt(n) => n.to_string(),
        AMQPValue::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// A JSON value from the management API as the same text.
pub(super) fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
