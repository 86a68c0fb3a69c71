//! Confirmed publishing over a small pool of confirm-mode channels.
//!
//! Channels are shared, not checked out: lapin tracks each publish's confirm by
//! delivery tag, so concurrent publishes on one channel are fine. A slot's channel is
//! reused only while it is connected and belongs to the current connection; otherwise it
//! is replaced on next use.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lapin::options::BasicPublishOptions;
use lapin::{Channel, Confirmation};
use tokio::sync::Mutex;

use assetrelay_contract::{CloudEvent, OutgoingMessage};

use crate::{Broker, BrokerError, PublishError, Topology};

/// A pooled channel and the connection generation it was opened on.
type Slot = Mutex<Option<(u64, Channel)>>;

#[derive(Clone)]
pub struct Publisher {
    broker: Broker,
    slots: Arc<Vec<Slot>>,
    next: Arc<AtomicUsize>,
    confirm_timeout: Duration,
}

impl Publisher {
    pub fn new(broker: Broker, channels: usize, confirm_timeout: Duration) -> Self {
        let slots = (0..channels.max(1)).map(|_| Mutex::new(None)).collect();
        Self {
            broker,
            slots: Arc::new(slots),
            next: Arc::new(AtomicUsize::new(0)),
            confirm_timeout,
        }
    }

    /// Publish `mandatory` and wait for the broker's confirm. `Ok` means the broker has
    /// taken responsibility for the message (routed to at least one queue and stored).
    pub async fn publish(&self, message: &OutgoingMessage) -> Result<(), PublishError> {
        let channel = self.channel().await?;
        let confirm = channel
            .basic_publish(
                message.exchange.as_str().into(),
                message.routing_key.as_str().into(),
                // mandatory: an unroutable message comes back as basic.return instead of
                // vanishing; the broker still acks it, so the return is what we check.
                BasicPublishOptions {
                    mandatory: true,
                    immediate: false,
                },
                &message.body,
                message.properties.clone(),
            )
            .await
            .map_err(|e| self.classify(e))?;
        let confirmation = tokio::time::timeout(self.confirm_timeout, confirm)
            .await
            .map_err(|_| PublishError::ConfirmTimeout(self.confirm_timeout))?
            .map_err(|e| self.classify(e))?;
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned)) => {
                Err(PublishError::Unroutable {
                    reply_code: returned.reply_code,
                    reply_text: returned.reply_text.to_string(),
                })
            }
            Confirmation::Nack(None) => Err(PublishError::Nacked),
            // Every slot channel is put in confirm mode before use.
            Confirmation::NotRequested => Err(PublishError::Nacked),
        }
    }

    /// Publish an event as DESIGN §4–§6 say: to the events exchange, where `mandatory`
    /// makes an event no flow queue is bound for come back as [`PublishError::Unroutable`],
    /// and to the archive stream (the replay source). `Ok` only once the broker confirmed
    /// both. A failure can leave the archive copy stored; the sender's retry then archives
    /// the same event id again, which replay and the idempotent flows tolerate.
    pub async fn publish_event(
        &self,
        topology: &Topology,
        event: &CloudEvent,
        producer: &str,
    ) -> Result<(), PublishError> {
        let routing_key = event.routing_key();
        let to_flows =
            OutgoingMessage::for_event(event, &topology.exchange(), &routing_key, producer);
        let to_archive =
            OutgoingMessage::for_event(event, "", &topology.archive_stream(), producer);
        let (flows, archive) = tokio::join!(self.publish(&to_flows), self.publish(&to_archive));
        flows.and(archive)
    }

    async fn channel(&self) -> Result<Channel, PublishError> {
        let generation = self
            .broker
            .generation()
            .ok_or(PublishError::NotConnected(None))?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[index].lock().await;
        if let Some((slot_generation, channel)) = slot.as_ref()
            && *slot_generation == generation
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let (fresh_generation, channel) =
            self.broker.confirm_channel().await.map_err(|e| match e {
                BrokerError::Amqp(e) => self.classify(e),
                _ => PublishError::NotConnected(None),
            })?;
        *slot = Some((fresh_generation, channel.clone()));
        Ok(channel)
    }

    /// A publish error on a connected broker means this channel is gone (the broker
    /// closed it, e.g. 404 for a missing exchange); otherwise the connection is.
    fn classify(&self, error: lapin::Error) -> PublishError {
        if self.broker.is_ready() {
            PublishError::ChannelClosed(error)
        } else {
            PublishError::NotConnected(Some(error))
        }
    }
}
