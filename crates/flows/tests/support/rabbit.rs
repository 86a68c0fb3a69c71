//! The real RabbitMQ behind the expiry scheduler, under a topology prefix of the test's own.
//!
//! Only the queues the scheduler publishes to are declared, and *exclusive* to the test's
//! connection: RabbitMQ deletes them when that connection closes, so a test that panics or
//! is killed leaves nothing behind on the shared broker. Their delays and dead-lettering do
//! not matter here: a test looks at what was published, not at where it goes next.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use assetrelay_broker::lapin::options::{BasicGetOptions, QueueDeclareOptions};
use assetrelay_broker::lapin::types::FieldTable;
use assetrelay_broker::{Broker, BrokerSettings, Publisher, Topology};
use assetrelay_config::Config;
use assetrelay_contract::amqp::text_headers;
use assetrelay_contract::{CloudEvent, Flow};
use assetrelay_flows::shared::scheduler::ExpiryScheduler;

pub struct Rabbit {
    broker: Broker,
    publisher: Publisher,
    pub topology: Topology,
}

impl Rabbit {
    /// Connect, failing the test when the broker cannot be reached in time.
    pub async fn connect(config: &Config) -> Self {
        let broker = Broker::start(
            BrokerSettings::from_config(&config.broker, "assetrelay-flowtests"),
            None,
        );
        assert!(
            broker.wait_ready(Duration::from_secs(15)).await,
            "RabbitMQ at {} is not reachable",
            config.broker.url
        );
        let publisher = Publisher::new(
            broker.clone(),
            1,
            Duration::from_millis(config.broker.confirm_timeout_ms),
        );
        Self {
            broker,
            publisher,
            topology: Topology::from_config(&config.topology),
        }
    }

    /// The scheduler a flow process builds from this broker and topology.
    pub fn scheduler(&self) -> ExpiryScheduler {
        ExpiryScheduler::new(self.publisher.clone(), self.topology.clone())
    }

    /// Every queue the scheduler may publish to: its delay tiers and the lifecycle queue.
    pub fn scheduler_targets(&self) -> Vec<String> {
        let t = &self.topology;
        t.scheduler_tiers_secs
            .iter()
            .map(|&tier| t.scheduler_queue(tier))
            .chain([t.work_queue(Flow::Lifecycle)])
            .collect()
    }

    /// Declare [`Rabbit::scheduler_targets`], exclusive to this connection.
    pub async fn declare_scheduler_targets(&self) {
        let channel = self.broker.channel().await.unwrap();
        for queue in self.scheduler_targets() {
            channel
                .queue_declare(
                    queue.as_str().into(),
                    QueueDeclareOptions {
                        exclusive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        let _ = channel.close(200, "declared".into()).await;
    }

    /// Ready messages per scheduler target, only those that hold any.
    pub async fn scheduler_backlog(&self) -> BTreeMap<String, u32> {
        let mut backlog = BTreeMap::new();
        for queue in self.scheduler_targets() {
            let counts = self.broker.queue_counts(&queue).await.unwrap();
            if counts.messages > 0 {
                backlog.insert(queue, counts.messages);
            }
        }
        backlog
    }

    /// Take the next message of `queue`: its text headers and event. The scheduler's
    /// publish was confirmed before the handler returned, so it is normally there at once;
    /// polled with a deadline all the same.
    pub async fn take(&self, queue: &str) -> (BTreeMap<String, String>, CloudEvent) {
        let channel = self.broker.channel().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let got = channel
                .basic_get(queue.into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap();
            if let Some(message) = got {
                let _ = channel.close(200, "taken".into()).await;
                let event = serde_json::from_slice(&message.data).unwrap();
                return (text_headers(&message.properties), event);
            }
            assert!(Instant::now() < deadline, "no message arrived on {queue}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
