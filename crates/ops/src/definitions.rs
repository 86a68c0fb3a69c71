//! The RabbitMQ definitions (the JSON `rabbitmqctl import_definitions`, the management
//! API's `POST /api/definitions` and boot-time `definitions.local.path` read) of a
//! [`Topology`]: its exchange, its queues with their arguments and its bindings, generated
//! from [`Topology::queues`], the list `Topology::declare` and `topology check` use, so
//! `deploy/rabbitmq/definitions.json` is never maintained by hand.
//!
//! Users, virtual hosts and permissions are left out on purpose: they hold credentials and
//! belong to whoever runs the broker (docs in `deploy/rabbitmq/README.md`).

use assetrelay_broker::Topology;
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable};
use serde_json::{Map, Value, json};

/// The definitions of `topology` in virtual host `vhost`: `exchanges`, `queues`,
/// `bindings` (in declaration order) and `policies` (none: the topology declares every
/// setting as a queue argument, and `topology check` reports any policy that reaches it).
pub fn generate(topology: &Topology, vhost: &str) -> Value {
    let exchange = topology.exchange();
    let queues = topology.queues();
    let bindings: Vec<Value> = queues
        .iter()
        .flat_map(|queue| {
            queue.bindings.iter().map(|key| {
                json!({
                    "source": exchange,
                    "vhost": vhost,
                    "destination": queue.name,
                    "destination_type": "queue",
                    "routing_key": key,
                    "arguments": {},
                })
            })
        })
        .collect();
    let queues: Vec<Value> = queues
        .iter()
        .map(|queue| {
            json!({
                "name": queue.name,
                "vhost": vhost,
                "durable": true,
                "auto_delete": false,
                "arguments": arguments(&queue.arguments),
            })
        })
        .collect();
    json!({
        "exchanges": [{
            "name": exchange,
            "vhost": vhost,
            "type": "topic",
            "durable": true,
            "auto_delete": false,
            "internal": false,
            "arguments": {},
        }],
        "queues": queues,
        "bindings": bindings,
        "policies": [],
    })
}

fn arguments(table: &FieldTable) -> Value {
    let map: Map<String, Value> = table
        .inner()
        .iter()
        .map(|(key, value)| (key.to_string(), to_json(value)))
        .collect();
    Value::Object(map)
}

/// The JSON type RabbitMQ reads back as the same AMQP type: numbers for TTLs and limits
/// (a string `"5000"` would be refused as `x-message-ttl`), strings for the rest.
fn to_json(value: &AMQPValue) -> Value {
    match value {
        AMQPValue::LongString(s) => Value::from(String::from_utf8_lossy(s.as_bytes())),
        AMQPValue::ShortString(s) => Value::from(s.to_string()),
        AMQPValue::LongLongInt(n) => Value::from(*n),
        AMQPValue::LongInt(n) => Value::from(*n),
        AMQPValue::LongUInt(n) => Value::from(*n),
        AMQPValue::ShortInt(n) => Value::from(*n),
        AMQPValue::Boolean(b) => Value::from(*b),
        other => Value::from(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use assetrelay_contract::Flow;

    fn topology() -> Topology {
        Topology {
            prefix: "p".into(),
            retry_tiers_secs: vec![5],
            scheduler_tiers_secs: vec![60],
            delivery_limit: 20,
            archive_max_age: "7D".into(),
        }
    }

    fn queue<'a>(definitions: &'a Value, name: &str) -> &'a Value {
        definitions["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == name)
            .unwrap()
    }

    #[test]
    fn every_declared_queue_is_defined_in_declaration_order() {
        let t = topology();

        let definitions = generate(&t, "/");

        let names: Vec<&str> = definitions["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, t.queue_names());
    }

    #[test]
    fn limits_and_ttls_are_numbers_and_the_rest_strings() {
        let definitions = generate(&topology(), "/");

        let work = &queue(&definitions, "p.to-smint")["arguments"];
        let retry = &queue(&definitions, "p.to-smint.retry.5s")["arguments"];
        assert_eq!(work["x-delivery-limit"], json!(20));
        assert_eq!(work["x-queue-type"], json!("quorum"));
        assert_eq!(
            work["x-dead-letter-routing-key"],
            json!("p.to-smint.parked")
        );
        assert_eq!(retry["x-message-ttl"], json!(5000));
        assert_eq!(
            queue(&definitions, "p.archive")["arguments"],
            json!({"x-queue-type": "stream", "x-max-age": "7D"})
        );
    }

    #[test]
    fn each_flow_binding_comes_from_the_events_exchange_in_the_given_vhost() {
        let definitions = generate(&topology(), "assetrelay");

        let bindings = definitions["bindings"].as_array().unwrap();
        let expected: usize = Flow::ALL.iter().map(|f| f.binding_keys().len()).sum();
        assert_eq!(bindings.len(), expected);
        assert!(bindings.iter().all(|b| b["source"] == "p.events"));
        assert!(bindings.iter().all(|b| b["vhost"] == "assetrelay"));
        assert_eq!(definitions["exchanges"][0]["vhost"], "assetrelay");
    }
}
