//! Reading queues back: counts, and messages with their headers as text.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use assetrelay_broker::lapin::message::Delivery;
use assetrelay_broker::lapin::options::BasicGetOptions;
use assetrelay_broker::lapin::{BasicProperties, Channel};
use assetrelay_broker::{Broker, QueueCounts};
use assetrelay_contract::amqp::text_headers;

use crate::env::{PATIENCE, start_broker};
use crate::wait::{wait_for, wait_until};

/// A message taken off a queue.
#[derive(Debug, Clone)]
pub struct Taken {
    pub message_id: Option<String>,
    /// `""` for the default exchange (a copy republished straight to its queue).
    pub exchange: String,
    pub routing_key: String,
    pub redelivered: bool,
    pub body: Vec<u8>,
    pub properties: BasicProperties,
    /// String and number headers as text, as consumers read them
    /// ([`text_headers`]); tables and arrays (`x-death`) only in `properties`.
    pub headers: BTreeMap<String, String>,
}

impl Taken {
    /// A header by its `assetrelay_contract::header` name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

impl From<Delivery> for Taken {
    fn from(delivery: Delivery) -> Self {
        Self {
            message_id: delivery
                .properties
                .message_id()
                .as_ref()
                .map(|m| m.to_string()),
            exchange: delivery.exchange.to_string(),
            routing_key: delivery.routing_key.to_string(),
            redelivered: delivery.redelivered,
            headers: text_headers(&delivery.properties),
            body: delivery.data,
            properties: delivery.properties,
        }
    }
}

/// Queue readers on a connection of the test's own (never the one of the code under test,
/// whose channels a failed read must not close). Every call panics if the queue is missing.
#[derive(Clone)]
pub struct Queues {
    broker: Broker,
}

impl Queues {
    /// Read through `broker`.
    pub fn on(broker: Broker) -> Self {
        Self { broker }
    }

    /// Read through a new connection to the broker; [`Queues::close`] it when done.
    pub async fn connect() -> Self {
        Self::on(start_broker("assetrelay-testkit-reader", None).await)
    }

    pub async fn close(&self) {
        self.broker.close().await;
    }

    pub async fn counts(&self, queue: &str) -> QueueCounts {
        self.broker
            .queue_counts(queue)
            .await
            .unwrap_or_else(|e| panic!("cannot count {queue}: {e}"))
    }

    /// Ready messages, not counting those delivered and unacked.
    pub async fn ready(&self, queue: &str) -> u32 {
        self.counts(queue).await.messages
    }

    pub async fn consumers(&self, queue: &str) -> u32 {
        self.counts(queue).await.consumers
    }

    /// Poll until `queue` holds `expected` ready messages, at most [`PATIENCE`]; returns
    /// the last count, so `assert_eq!(q.wait_ready(..., 2).await, 2)` shows what it was.
    pub async fn wait_ready(&self, queue: &str, expected: u32) -> u32 {
        let what = format!("{queue} holds {expected} ready message(s)");
        self.wait_count(&what, expected, || self.ready(queue)).await
    }

    /// Poll until `queue` has `expected` consumers; returns the last count.
    pub async fn wait_consumers(&self, queue: &str, expected: u32) -> u32 {
        let what = format!("{queue} has {expected} consumer(s)");
        self.wait_count(&what, expected, || self.consumers(queue))
            .await
    }

    async fn wait_count<F, Fut>(&self, what: &str, expected: u32, count: F) -> u32
    where
        F: Fn() -> Fut,
        Fut: Future<Output = u32>,
    {
        let last = AtomicU32::new(0);
        let _ = wait_until(what, PATIENCE, || async {
            let n = count().await;
            last.store(n, Ordering::SeqCst);
            n == expected
        })
        .await;
        last.load(Ordering::SeqCst)
    }

    /// Take the next ready message, if there is one now. Taking removes it (`no_ack`).
    pub async fn take(&self, queue: &str) -> Option<Taken> {
        let channel = self.channel().await;
        let taken = get(&channel, queue).await;
        let _ = channel.close(200, "read".into()).await;
        taken
    }

    /// Take the next message, waiting up to `timeout` for one to arrive.
    pub async fn take_within(&self, queue: &str, timeout: Duration) -> Option<Taken> {
        let what = format!("a message is in {queue}");
        wait_for(&what, timeout, || self.take(queue)).await.ok()
    }

    /// Take every ready message, in queue order.
    pub async fn drain(&self, queue: &str) -> Vec<Taken> {
        let channel = self.channel().await;
        let mut taken = Vec::new();
        while let Some(message) = get(&channel, queue).await {
            taken.push(message);
        }
        let _ = channel.close(200, "drained".into()).await;
        taken
    }

    /// Take every ready message; their ids (`message_id`), in queue order.
    pub async fn drain_ids(&self, queue: &str) -> Vec<String> {
        self.drain(queue)
            .await
            .into_iter()
            .filter_map(|t| t.message_id)
            .collect()
    }

    async fn channel(&self) -> Channel {
        self.broker
            .channel()
            .await
            .expect("the reader's connection is up")
    }
}

async fn get(channel: &Channel, queue: &str) -> Option<Taken> {
    channel
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap_or_else(|e| panic!("cannot read {queue}: {e}"))
        .map(|message| message.delivery.into())
}
