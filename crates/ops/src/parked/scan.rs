//! One pass over a parked queue that sees each message at most once.
//!
//! Messages are taken with `basic.get` and held unacknowledged, so the broker never hands
//! the same one out twice in a pass and none is ever removed unless acked. A pass stops
//! after the number of messages ready when it started (so it terminates even while
//! consumers keep parking), or when the queue has nothing more ready. [`Scan::release`]
//! returns every message not acked; if the pass is abandoned instead (error, cancelled
//! future, killed process), the channel or connection closes and the broker requeues them.
//! Returned messages go to the back of the quorum queue (3.10, no delivery limit on
//! parked queues), so queue order is not age order: callers sort by the parking time.

use assetrelay_broker::Broker;
use assetrelay_broker::lapin::Channel;
use assetrelay_broker::lapin::message::Delivery;
use assetrelay_broker::lapin::options::{BasicGetOptions, BasicNackOptions};

use crate::OpsError;

pub(crate) struct Scan {
    channel: Channel,
    queue: String,
    /// Messages in the queue when the pass started.
    initial: u32,
    remaining: u32,
    seen: u64,
}

impl Scan {
    /// Start a pass over `queue`, which must exist.
    pub(crate) async fn open(broker: &Broker, queue: &str) -> Result<Self, OpsError> {
        let counts = broker.queue_counts(queue).await.map_err(|e| {
            OpsError::broker(
                format!("cannot open `{queue}` (run `assetrelay topology apply`?)"),
                e,
            )
        })?;
        let channel = broker
            .channel()
            .await
            .map_err(|e| OpsError::broker("cannot open a channel", e))?;
        Ok(Self {
            channel,
            queue: queue.to_owned(),
            initial: counts.messages,
            remaining: counts.messages,
            seen: 0,
        })
    }

    /// Messages taken so far in this pass.
    pub(crate) fn seen(&self) -> u64 {
        self.seen
    }

    /// The next message, unacknowledged; `None` when the pass is complete.
    pub(crate) async fn next(&mut self) -> Result<Option<Delivery>, OpsError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        let got = self
            .channel
            .basic_get(
                self.queue.as_str().into(),
                BasicGetOptions { no_ack: false },
            )
            .await
            .map_err(|e| OpsError::broker(format!("cannot read `{}`", self.queue), e))?;
        let Some(got) = got else {
            self.remaining = 0;
            return Ok(None);
        };
        self.remaining -= 1;
        self.seen += 1;
        Ok(Some(got.delivery))
    }

    /// Return every message of this pass not acked (`removed` were acked), close the channel,
    /// and wait until the queue shows them again. A quorum queue applies the requeue
    /// through its log after the channel is closed; without the wait, an operation right
    /// after this one (a `show` after a `list`) could start its pass before they are back
    /// and miss them.
    pub(crate) async fn release(self, broker: &Broker, removed: u64) -> Result<(), OpsError> {
        let expected = u64::from(self.initial).saturating_sub(removed);
        let queue = self.queue.clone();
        let had_any = self.seen > 0;
        self.release_channel().await?;
        if !had_any {
            return Ok(());
        }
        for _ in 0..100 {
            let counts = broker
                .queue_counts(&queue)
                .await
                .map_err(|e| OpsError::broker(format!("cannot inspect `{queue}`"), e))?;
            if u64::from(counts.messages) >= expected {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::warn!(%queue, "requeued parked messages are not visible after 2 s");
        Ok(())
    }

    async fn release_channel(self) -> Result<(), OpsError> {
        if self.seen > 0 {
            // Tag 0 with `multiple`: every outstanding delivery of the channel (AMQP
            // 0-9-1 basic.ack/nack). Naming the last tag would fail with 406 "unknown
            // delivery tag" if that one was acked already.
            self.channel
                .basic_nack(
                    0,
                    BasicNackOptions {
                        multiple: true,
                        requeue: true,
                    },
                )
                .await
                .map_err(|e| OpsError::broker("cannot return the scanned messages", e))?;
        }
        self.channel
            .close(200, "done".into())
            .await
            .map_err(|e| OpsError::broker("cannot close the scan channel", e))
    }
}
