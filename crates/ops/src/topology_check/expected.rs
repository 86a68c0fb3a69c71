//! The queues a [`Topology`] declares ([`Topology::queues`], the same list
//! `Topology::declare` uses), as text to compare with the management API's JSON.

use std::collections::BTreeMap;

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable};

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
    topology
        .queues()
        .into_iter()
        .map(|spec| ExpectedQueue {
            queue_type: spec
                .arguments
                .inner()
                .get("x-queue-type")
                .map_or_else(|| "classic".to_owned(), amqp_text),
            arguments: from_table(&spec.arguments),
            bindings: spec.bindings.iter().map(|&k| k.to_owned()).collect(),
            name: spec.name,
        })
        .collect()
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
