//! A topology of the test's own on the shared broker, deleted when the test ends however it
//! ends: a failed assertion unwinds through `Drop`, which still removes the queues so a red
//! run leaves no quorum queues behind.

use std::future::Future;
use std::ops::Deref;
use std::time::Duration;

use assetrelay_broker::lapin::{Connection, ConnectionProperties};
use assetrelay_broker::{Broker, BrokerError, Publisher, Topology};

use crate::env::{PATIENCE, amqp_url, start_broker};
use crate::queues::Queues;

/// Why a topology could not be deleted.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    #[error("cannot connect to the broker")]
    Connect(#[source] assetrelay_broker::lapin::Error),
    #[error("cannot open a channel")]
    Channel(#[source] assetrelay_broker::lapin::Error),
    #[error("cannot delete the topology")]
    Delete(#[source] BrokerError),
    #[error("the broker did not answer within {0:?}")]
    Timeout(Duration),
}

/// Deletes its topology (queues, stream, exchange) when dropped. Derefs to the topology.
pub struct TopologyGuard {
    topology: Topology,
    armed: bool,
}

impl TopologyGuard {
    pub fn new(topology: Topology) -> Self {
        Self {
            topology,
            armed: true,
        }
    }

    /// Delete now and say whether that worked; nothing is left for `Drop` to do.
    pub async fn delete(mut self) -> Result<(), CleanupError> {
        self.armed = false;
        delete(&self.topology).await
    }
}

impl Deref for TopologyGuard {
    type Target = Topology;
    fn deref(&self) -> &Topology {
        &self.topology
    }
}

impl Drop for TopologyGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let topology = &self.topology;
        block_on_own_thread(|| async move {
            if let Err(e) = delete(topology).await {
                eprintln!("topology {} left behind: {e}", topology.prefix);
            }
        });
    }
}

/// Every object of `topology`, on a connection of its own (deleting what does not exist is
/// no error to RabbitMQ, so a topology never declared is fine).
async fn delete(topology: &Topology) -> Result<(), CleanupError> {
    let deleting = async {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .map_err(CleanupError::Connect)?;
        let deleted = match connection.create_channel().await {
            Ok(channel) => topology
                .delete(&channel)
                .await
                .map_err(CleanupError::Delete),
            Err(e) => Err(CleanupError::Channel(e)),
        };
        let _ = connection.close(200, "cleaned up".into()).await;
        deleted
    };
    tokio::time::timeout(PATIENCE, deleting)
        .await
        .map_err(|_| CleanupError::Timeout(PATIENCE))?
}

/// Run `make()`'s future to completion on a thread and runtime of its own, and wait for it.
/// For async cleanup in `Drop`: that may run while the test's runtime unwinds a panic, and
/// a `current_thread` runtime cannot block on a future from inside itself.
pub fn block_on_own_thread<F, Fut>(make: F)
where
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = ()>,
{
    std::thread::scope(|scope| {
        let _ = scope
            .spawn(|| {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(make()),
                    Err(e) => eprintln!("cleanup skipped, no runtime: {e}"),
                }
            })
            .join();
    });
}

/// A topology of the test's own and a connection to look at it: queue readers (through
/// `Deref` to [`Queues`]) and a confirmed publisher. Deleted by [`TestBed::finish`], or
/// when dropped.
pub struct TestBed {
    pub topology: Topology,
    /// The test's own connection, never one of the code under test.
    pub broker: Broker,
    pub publisher: Publisher,
    queues: Queues,
    guard: TopologyGuard,
}

impl TestBed {
    /// Declare `topology` (on connect, as every binary does) and keep it until the end.
    pub async fn declare(topology: Topology) -> Self {
        let broker = start_broker("assetrelay-testkit", Some(topology.clone())).await;
        Self::with(topology, broker)
    }

    /// Names someone else declares (the binary under test), deleted all the same.
    pub async fn adopt(topology: Topology) -> Self {
        let broker = start_broker("assetrelay-testkit", None).await;
        Self::with(topology, broker)
    }

    fn with(topology: Topology, broker: Broker) -> Self {
        Self {
            publisher: Publisher::new(broker.clone(), 2, Duration::from_secs(10)),
            queues: Queues::on(broker.clone()),
            guard: TopologyGuard::new(topology.clone()),
            topology,
            broker,
        }
    }

    /// Close the connection and delete the topology; panics if that fails.
    pub async fn finish(self) {
        self.broker.close().await;
        if let Err(e) = self.guard.delete().await {
            panic!("cannot delete topology {}: {e}", self.topology.prefix);
        }
    }
}

impl Deref for TestBed {
    type Target = Queues;
    fn deref(&self) -> &Queues {
        &self.queues
    }
}

#[cfg(test)]
mod tests {
    use assetrelay_contract::Flow;

    use super::*;
    use crate::env::topology;

    async fn existing(topology: &Topology) -> Vec<String> {
        let broker = start_broker("testkit-test", None).await;
        let mut existing = Vec::new();
        for name in topology.queue_names() {
            if broker.queue_counts(&name).await.is_ok() {
                existing.push(name);
            }
        }
        broker.close().await;
        existing
    }

    #[tokio::test]
    async fn a_bed_whose_test_panics_still_deletes_its_topology() {
        let topology = topology("testkit-test");
        let names = topology.clone();

        let test = tokio::spawn(async move {
            let bed = TestBed::declare(topology).await;
            let work = bed.topology.work_queue(Flow::ToSmint);
            assert_eq!(bed.ready(&work).await, 0);
            panic!("the test fails while the bed is up");
        })
        .await;

        assert!(test.unwrap_err().is_panic());
        assert_eq!(existing(&names).await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn finishing_a_bed_deletes_what_it_declared() {
        let bed = TestBed::declare(topology("testkit-test")).await;
        let names = bed.topology.clone();
        assert_eq!(existing(&names).await.len(), names.queue_names().len());

        bed.finish().await;

        assert_eq!(existing(&names).await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn a_guard_for_names_never_declared_drops_quietly() {
        let guard = TopologyGuard::new(topology("testkit-test"));
        assert!(guard.prefix.starts_with("testkit-test-"));
        guard.delete().await.unwrap();
    }
}
