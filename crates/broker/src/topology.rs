//! The broker topology of DESIGN §5: names, arguments and idempotent declaration.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use assetrelay_contract::Flow;

use crate::BrokerError;

/// Names and arguments of every broker object, derived from one prefix.
#[derive(Debug, Clone)]
pub struct Topology {
    pub prefix: String,
    pub retry_tiers_secs: Vec<u64>,
    pub scheduler_tiers_secs: Vec<u64>,
    pub delivery_limit: u32,
    pub archive_max_age: String,
}

impl Topology {
    /// The topology the configuration describes.
    pub fn from_config(config: &assetrelay_config::TopologyConfig) -> Self {
        Self {
            prefix: config.prefix.clone(),
            retry_tiers_secs: config.retry_tiers_secs.clone(),
            scheduler_tiers_secs: config.scheduler_tiers_secs.clone(),
            delivery_limit: config.delivery_limit,
            archive_max_age: config.archive_max_age.clone(),
        }
    }

    pub fn exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }
    pub fn work_queue(&self, flow: Flow) -> String {
        format!("{}.{}", self.prefix, flow.as_str())
    }
    pub fn retry_queue(&self, flow: Flow, delay_secs: u64) -> String {
        format!(
            "{}.{}.retry.{}",
            self.prefix,
            flow.as_str(),
            delay_label(delay_secs)
        )
    }
    pub fn parked_queue(&self, flow: Flow) -> String {
        format!("{}.{}.parked", self.prefix, flow.as_str())
    }
    pub fn archive_stream(&self) -> String {
        format!("{}.archive", self.prefix)
    }
    pub fn scheduler_queue(&self, delay_secs: u64) -> String {
        format!("{}.scheduler.{}", self.prefix, delay_label(delay_secs))
    }

    /// Declare everything; safe to repeat. A queue that exists with other arguments makes
    /// the broker close the channel (406), reported as [`BrokerError::Declare`] naming it.
    pub async fn declare(&self, channel: &Channel) -> Result<(), BrokerError> {
        let exchange = self.exchange();
        channel
            .exchange_declare(
                exchange.as_str().into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|source| BrokerError::Declare {
                object: exchange.clone(),
                source,
            })?;

        for queue in self.queues() {
            declare_queue(channel, &queue.name, queue.arguments).await?;
            for key in queue.bindings {
                bind(channel, &queue.name, &exchange, key).await?;
            }
        }
        Ok(())
    }

    /// Every queue this topology declares, in declaration order: per flow the parked
    /// queue, the work queue and its retry tiers; then the scheduler tiers and the archive
    /// stream. [`Topology::declare`] declares exactly these, and `topology check` compares
    /// the live broker against them.
    pub fn queues(&self) -> Vec<QueueSpec> {
        let mut queues = Vec::new();
        for flow in Flow::ALL {
            let work = self.work_queue(flow);
            queues.push(QueueSpec::new(self.parked_queue(flow), quorum(), &[]));
            queues.push(QueueSpec::new(
                work.clone(),
                self.work_queue_arguments(flow),
                flow.binding_keys(),
            ));
            for &delay in &self.retry_tiers_secs {
                queues.push(QueueSpec::new(
                    self.retry_queue(flow, delay),
                    delay_queue(delay, &work),
                    &[],
                ));
            }
        }
        let lifecycle = self.work_queue(Flow::Lifecycle);
        for &delay in &self.scheduler_tiers_secs {
            queues.push(QueueSpec::new(
                self.scheduler_queue(delay),
                delay_queue(delay, &lifecycle),
                &[],
            ));
        }
        let mut stream_args = FieldTable::default();
        stream_args.insert("x-queue-type".into(), text("stream"));
        stream_args.insert("x-max-age".into(), text(&self.archive_max_age));
        // Not bound to the events exchange: the archive would make every publish routable and
        // hide a missing flow queue from `mandatory` (DESIGN §6.1). Producers publish each
        // event to the archive themselves ([`crate::Publisher::publish_event`]).
        queues.push(QueueSpec::new(self.archive_stream(), stream_args, &[]));
        queues
    }

    /// Every object name this topology declares (queues and stream), for checks and cleanup.
    pub fn queue_names(&self) -> Vec<String> {
        self.queues().into_iter().map(|q| q.name).collect()
    }

    /// Delete every queue and the exchange (tests and `topology` tooling; destroys data).
    pub async fn delete(&self, channel: &Channel) -> Result<(), BrokerError> {
        for name in self.queue_names() {
            channel
                .queue_delete(
                    name.as_str().into(),
                    lapin::options::QueueDeleteOptions::default(),
                )
                .await
                .map_err(|source| BrokerError::Declare {
                    object: name.clone(),
                    source,
                })?;
        }
        let exchange = self.exchange();
        channel
            .exchange_delete(
                exchange.as_str().into(),
                lapin::options::ExchangeDeleteOptions::default(),
            )
            .await
            .map_err(|source| BrokerError::Declare {
                object: exchange.clone(),
                source,
            })
    }

    /// Work queue: quorum; after `delivery_limit` redeliveries a message is dead-lettered
    /// to the parked queue. at-least-once dead-lettering (3.10+) needs `reject-publish`,
    /// otherwise the broker silently falls back to at-most-once.
    pub fn work_queue_arguments(&self, flow: Flow) -> FieldTable {
        let mut args = quorum();
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(i64::from(self.delivery_limit)),
        );
        dead_letter_to(&mut args, &self.parked_queue(flow));
        args
    }
}

/// One queue of a [`Topology`]: its name, its declare arguments (including
/// `x-queue-type`) and the routing keys bound to it from the topology's exchange.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub name: String,
    pub arguments: FieldTable,
    pub bindings: &'static [&'static str],
}

impl QueueSpec {
    fn new(name: String, arguments: FieldTable, bindings: &'static [&'static str]) -> Self {
        Self {
            name,
            arguments,
            bindings,
        }
    }
}

/// `5s`, `30s`, `5m`, `1h`, `6h`: the suffix of retry and scheduler queue names.
pub fn delay_label(secs: u64) -> String {
    match secs {
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn text(value: &str) -> AMQPValue {
    // Strings as long strings: RabbitMQ's table parser rejects lapin's short-string tag.
    AMQPValue::LongString(LongString::from(value))
}

fn quorum() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert("x-queue-type".into(), text("quorum"));
    args
}

fn dead_letter_to(args: &mut FieldTable, queue: &str) {
    args.insert("x-dead-letter-exchange".into(), text(""));
    args.insert("x-dead-letter-routing-key".into(), text(queue));
    args.insert("x-dead-letter-strategy".into(), text("at-least-once"));
    args.insert("x-overflow".into(), text("reject-publish"));
}

/// A delay queue: every message waits `delay_secs` (per-queue TTL, so they expire in
/// order) and is then dead-lettered to `target` through the default exchange.
fn delay_queue(delay_secs: u64, target: &str) -> FieldTable {
    let mut args = quorum();
    let ttl_ms = i64::try_from(delay_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl_ms));
    dead_letter_to(&mut args, target);
    args
}

async fn declare_queue(channel: &Channel, name: &str, args: FieldTable) -> Result<(), BrokerError> {
    channel
        .queue_declare(
            name.into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args,
        )
        .await
        .map(|_| ())
        .map_err(|source| BrokerError::Declare {
            object: name.to_owned(),
            source,
        })
}

async fn bind(
    channel: &Channel,
    queue: &str,
    exchange: &str,
    key: &str,
) -> Result<(), BrokerError> {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|source| BrokerError::Declare {
            object: format!("binding {queue} <- {key}"),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology() -> Topology {
        Topology {
            prefix: "assetrelay".into(),
            retry_tiers_secs: vec![5, 30, 300, 3_600],
            scheduler_tiers_secs: vec![60],
            delivery_limit: 20,
            archive_max_age: "7D".into(),
        }
    }

    #[test]
    fn names_follow_the_design() {
        let t = topology();
        assert_eq!(t.exchange(), "assetrelay.events");
        assert_eq!(t.work_queue(Flow::ToSmint), "assetrelay.to-smint");
        assert_eq!(
            t.retry_queue(Flow::ToSmint, 300),
            "assetrelay.to-smint.retry.5m"
        );
        assert_eq!(
            t.parked_queue(Flow::Lifecycle),
            "assetrelay.lifecycle.parked"
        );
        assert_eq!(t.archive_stream(), "assetrelay.archive");
        assert_eq!(t.scheduler_queue(3_600), "assetrelay.scheduler.1h");
    }

    #[test]
    fn delay_labels_use_the_largest_whole_unit() {
        assert_eq!(delay_label(5), "5s");
        assert_eq!(delay_label(90), "90s");
        assert_eq!(delay_label(120), "2m");
        assert_eq!(delay_label(21_600), "6h");
    }
}
