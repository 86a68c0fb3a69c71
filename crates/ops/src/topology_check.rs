//! The broker topology: declare it ([`apply`]), or compare the live broker with it
//! ([`check`]) through the management HTTP API, which (unlike AMQP) can read a queue's
//! type, arguments, bindings and policies without risking a 406 that closes the channel.

mod expected;
mod management;
mod policies;

use std::fmt;

use assetrelay_broker::{Broker, Topology};
use assetrelay_config::ManagementUrl;
use serde_json::Value;

use crate::OpsError;
use expected::json_text;
use management::Management;
use policies::Target;

/// The root virtual host, where [`check`] looks.
pub const DEFAULT_VHOST: &str = "/";

/// Shown as `expected` for an argument the live queue has and the topology does not.
pub const NOT_SET: &str = "(not set)";

/// One difference between the live broker and the topology.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    MissingExchange {
        name: String,
    },
    MissingQueue {
        name: String,
    },
    /// A queue of another type (e.g. classic where quorum belongs); it must be deleted
    /// and declared again, so its arguments are not compared.
    WrongQueueType {
        name: String,
        expected: String,
        actual: String,
    },
    /// An argument (or `durable`, or an exchange's `type`) differs. `expected` is
    /// [`NOT_SET`] for an argument the topology does not declare; `actual` is `None`
    /// for one the live object lacks.
    WrongArgument {
        name: String,
        key: String,
        expected: String,
        actual: Option<String>,
    },
    MissingBinding {
        exchange: String,
        queue: String,
        routing_key: String,
    },
    /// A binding onto one of our queues that the topology does not declare, from our
    /// exchange or any other: it routes messages there that the flow does not expect.
    UnexpectedBinding {
        exchange: String,
        queue: String,
        routing_key: String,
    },
    /// A policy or operator policy applies to `name` (one of our queues, or the
    /// exchange), or would once it is declared: its definition (`key=value, …`)
    /// overrides or adds to the declared arguments.
    Policy {
        policy_kind: PolicyKind,
        policy: String,
        name: String,
        definition: String,
    },
    /// A policy whose pattern the `regex` crate cannot read (RabbitMQ's are PCRE), so
    /// whether it reaches our queues is unknown.
    UncheckedPolicy {
        policy_kind: PolicyKind,
        policy: String,
        pattern: String,
    },
}

/// Which of RabbitMQ's two policy lists a policy is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// `rabbitmqctl set_policy`, `/api/policies`.
    Policy,
    /// `rabbitmqctl set_operator_policy`, `/api/operator-policies`: set by the broker's
    /// operator, it wins over a policy for the keys it limits.
    OperatorPolicy,
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Policy => "policy",
            Self::OperatorPolicy => "operator policy",
        })
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingExchange { name } => write!(f, "exchange `{name}` is missing"),
            Self::MissingQueue { name } => write!(f, "queue `{name}` is missing"),
            Self::WrongQueueType {
                name,
                expected,
                actual,
            } => write!(f, "queue `{name}` is a {actual} queue, expected {expected}"),
            Self::WrongArgument {
                name,
                key,
                expected,
                actual,
            } => {
                let actual = actual.as_deref().unwrap_or(NOT_SET);
                write!(f, "`{name}`: {key} is {actual}, expected {expected}")
            }
            Self::MissingBinding {
                exchange,
                queue,
                routing_key,
            } => write!(
                f,
                "binding `{exchange}` -> `{queue}` with routing key `{routing_key}` is missing"
            ),
            Self::UnexpectedBinding {
                exchange,
                queue,
                routing_key,
            } => write!(
                f,
                "binding `{exchange}` -> `{queue}` with routing key `{routing_key}` is not in the topology"
            ),
            Self::Policy {
                policy_kind: kind,
                policy,
                name,
                definition,
            } => write!(f, "{kind} `{policy}` applies to `{name}`: {definition}"),
            Self::UncheckedPolicy {
                policy_kind: kind,
                policy,
                pattern,
            } => write!(
                f,
                "{kind} `{policy}` has pattern `{pattern}`, which this check cannot evaluate: make sure it matches none of the topology's queues"
            ),
        }
    }
}

/// Declare every exchange, queue and binding (idempotent). Fails, naming the object, if
/// one exists with other arguments; `check` says which.
pub async fn apply(broker: &Broker, topology: &Topology) -> Result<(), OpsError> {
    let channel = broker
        .channel()
        .await
        .map_err(|e| OpsError::broker("cannot open a channel", e))?;
    let declared = topology.declare(&channel).await;
    let _ = channel.close(200, "declared".into()).await;
    declared.map_err(|e| OpsError::broker("cannot declare the topology", e))
}

/// Every difference between the broker (vhost `/`) and `topology`, policies that reach
/// its queues included; empty if they match.
pub async fn check(
    topology: &Topology,
    management_url: &ManagementUrl,
) -> Result<Vec<Drift>, OpsError> {
    check_vhost(topology, management_url, DEFAULT_VHOST).await
}

/// [`check`] in virtual host `vhost` (the one `broker.url` names, or a scratch vhost the
/// definitions were imported into).
#[tracing::instrument(skip_all, fields(prefix = %topology.prefix, vhost = %vhost))]
pub async fn check_vhost(
    topology: &Topology,
    management_url: &ManagementUrl,
    vhost: &str,
) -> Result<Vec<Drift>, OpsError> {
    let api = Management::new(management_url)?;
    let mut drift = Vec::new();
    let mut targets = Vec::new();
    let mut applied = Vec::new();

    let exchange = topology.exchange();
    targets.push(Target {
        name: exchange.clone(),
        queue_type: None,
    });
    match api.get(&["exchanges", vhost, &exchange]).await? {
        None => drift.push(Drift::MissingExchange {
            name: exchange.clone(),
        }),
        Some(live) => {
            compare(&mut drift, &exchange, "type", "topic", live.get("type"));
            compare(
                &mut drift,
                &exchange,
                "durable",
                "true",
                live.get("durable"),
            );
        }
    }

    for queue in expected::queues(topology) {
        targets.push(Target {
            name: queue.name.clone(),
            queue_type: Some(queue.queue_type.clone()),
        });
        let Some(live) = api.get(&["queues", vhost, &queue.name]).await? else {
            drift.push(Drift::MissingQueue { name: queue.name });
            continue;
        };
        applied.extend(policies::applied(&queue.name, &live));
        let live_type = live.get("type").map(json_text).unwrap_or_default();
        if live_type == queue.queue_type {
            compare(
                &mut drift,
                &queue.name,
                "durable",
                "true",
                live.get("durable"),
            );
            compare_arguments(&mut drift, &queue, live.get("arguments"));
        } else {
            drift.push(Drift::WrongQueueType {
                name: queue.name.clone(),
                expected: queue.queue_type.clone(),
                actual: live_type,
            });
        }
        let bindings = api
            .get(&["queues", vhost, &queue.name, "bindings"])
            .await?
            .unwrap_or(Value::Null);
        compare_bindings(&mut drift, &exchange, &queue, &bindings);
    }

    let live_policies = policies::fetch(&api, vhost).await?;
    drift.extend(policies::drift(&live_policies, &targets, &applied));
    Ok(drift)
}

/// Every declared binding must be there, and no other onto the queue.
fn compare_bindings(
    drift: &mut Vec<Drift>,
    exchange: &str,
    queue: &expected::ExpectedQueue,
    live: &Value,
) {
    let live: Vec<(&str, &str)> = live
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| Some((b.get("source")?.as_str()?, b.get("routing_key")?.as_str()?)))
        .collect();
    for key in &queue.bindings {
        if !live.contains(&(exchange, key.as_str())) {
            drift.push(Drift::MissingBinding {
                exchange: exchange.to_owned(),
                queue: queue.name.clone(),
                routing_key: key.clone(),
            });
        }
    }
    for (source, key) in live {
        // The default exchange (`""`) binds every queue under its own name; it cannot
        // be unbound and routes only what is addressed to the queue.
        let declared = source == exchange && queue.bindings.iter().any(|k| k == key);
        if !source.is_empty() && !declared {
            drift.push(Drift::UnexpectedBinding {
                exchange: source.to_owned(),
                queue: queue.name.clone(),
                routing_key: key.to_owned(),
            });
        }
    }
}

fn compare(drift: &mut Vec<Drift>, name: &str, key: &str, expected: &str, live: Option<&Value>) {
    let actual = live.map(json_text);
    if actual.as_deref() != Some(expected) {
        drift.push(Drift::WrongArgument {
            name: name.to_owned(),
            key: key.to_owned(),
            expected: expected.to_owned(),
            actual,
        });
    }
}

/// Declared arguments must be there with the same value; undeclared ones must not be
/// (the broker would refuse our declaration for most of them).
fn compare_arguments(
    drift: &mut Vec<Drift>,
    queue: &expected::ExpectedQueue,
    live: Option<&Value>,
) {
    let empty = serde_json::Map::new();
    let live = live.and_then(Value::as_object).unwrap_or(&empty);
    for (key, expected) in &queue.arguments {
        compare(drift, &queue.name, key, expected, live.get(key));
    }
    for (key, value) in live {
        if key != "x-queue-type" && !queue.arguments.contains_key(key) {
            drift.push(Drift::WrongArgument {
                name: queue.name.clone(),
                key: key.clone(),
                expected: NOT_SET.into(),
                actual: Some(json_text(value)),
            });
        }
    }
}
