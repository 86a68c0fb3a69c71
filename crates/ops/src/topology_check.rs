//! The broker topology: declare it ([`apply`]), or compare the live broker with it
//! ([`check`]) through the management HTTP API, which (unlike AMQP) can read a queue's
//! type, arguments and bindings without risking a 406 that closes the channel.

mod expected;
mod management;

use std::fmt;

use assetrelay_broker::{Broker, Topology};
use assetrelay_config::ManagementUrl;
use serde_json::Value;

use crate::OpsError;
use crate::parked::broker_error;
use expected::json_text;
use management::{Management, VHOST};

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
        }
    }
}

/// Declare every exchange, queue and binding (idempotent). Fails, naming the object, if
/// one exists with other arguments; `check` says which.
pub async fn apply(broker: &Broker, topology: &Topology) -> Result<(), OpsError> {
    let channel = broker.channel().await.map_err(|e| broker_error(&e))?;
    let declared = topology.declare(&channel).await;
    let _ = channel.close(200, "declared".into()).await;
    declared.map_err(|e| broker_error(&e))
}

/// Every difference between the broker (vhost `/`) and `topology`; empty if they match.
#[tracing::instrument(skip_all, fields(prefix = %topology.prefix))]
pub async fn check(
    topology: &Topology,
    management_url: &ManagementUrl,
) -> Result<Vec<Drift>, OpsError> {
    let api = Management::new(management_url)?;
    let mut drift = Vec::new();

    let exchange = topology.exchange();
    match api.get(&["exchanges", VHOST, &exchange]).await? {
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
        let Some(live) = api.get(&["queues", VHOST, &queue.name]).await? else {
            drift.push(Drift::MissingQueue { name: queue.name });
            continue;
        };
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
        if queue.bindings.is_empty() {
            continue;
        }
        let bindings = api
            .get(&["queues", VHOST, &queue.name, "bindings"])
            .await?
            .unwrap_or(Value::Null);
        let bound = |key: &str| {
            bindings.as_array().is_some_and(|all| {
                all.iter().any(|b| {
                    b.get("source").and_then(Value::as_str) == Some(exchange.as_str())
                        && b.get("routing_key").and_then(Value::as_str) == Some(key)
                })
            })
        };
        for key in &queue.bindings {
            if !bound(key) {
                drift.push(Drift::MissingBinding {
                    exchange: exchange.clone(),
                    queue: queue.name.clone(),
                    routing_key: key.clone(),
                });
            }
        }
    }
    Ok(drift)
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
