//! Reading the archive stream from a point in time up to its end as it was when the
//! replay started.
//!
//! **Where the end is.** AMQP 0-9-1 offers no exact "last offset" of a stream: the message
//! count of `queue.declare` and of the management API comes from statistics refreshed every
//! few seconds, and a consumer at `last` starts at the last *chunk* with no signal where
//! that chunk ends. So, once our consumer is attached, we append an **end marker** (an
//! empty message with header `x-assetrelay-marker: replay-end` and our `x-replay-id`) to
//! the stream through the default exchange, with a publisher confirm. Everything archived
//! before the replay started sits before the marker, and the consumer is certain to reach
//! it, so reading ends exactly there even on an idle stream. Markers are a few bytes, go to
//! the archive only (no flow queue is bound to the default exchange route), age out with
//! the archive's retention, and every replay skips them.

use std::time::Duration;

use assetrelay_broker::lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions,
};
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::lapin::{BasicProperties, Channel, Consumer, message::Delivery};
use assetrelay_broker::{Broker, Publisher};
use assetrelay_contract::OutgoingMessage;
use assetrelay_contract::header;
use futures::StreamExt;

use crate::OpsError;

/// The value of the marker header on an end-of-read marker.
const END_MARKER: &str = "replay-end";

/// Credit the broker may run ahead of us (streams require a prefetch); acks return it.
const PREFETCH: u16 = 1_000;
/// Acknowledge with `multiple` every this many deliveries: on a stream an ack only grants
/// credit, it removes nothing.
const ACK_EVERY: u64 = 250;
/// The end marker is certain to arrive; if the stream goes quiet this long anyway (deleted,
/// or a broker fault that left the consumer silent), give up rather than hang.
const QUIET_LIMIT: Duration = Duration::from_secs(60);
const READY_WAIT: Duration = Duration::from_secs(10);

pub(crate) struct ArchiveReader {
    channel: Channel,
    consumer: Consumer,
    replay_id: String,
    unacked: u64,
    last_tag: u64,
}

impl ArchiveReader {
    /// Attach to `stream` at `start_secs` (POSIX seconds; the broker starts at the chunk
    /// holding that time, or clamps to the first/next), then append the end marker.
    pub async fn open(
        broker: &Broker,
        publisher: &Publisher,
        stream: &str,
        start_secs: i64,
        replay_id: &str,
    ) -> Result<Self, OpsError> {
        if !broker.wait_ready(READY_WAIT).await {
            return Err(OpsError::broker_state(format!(
                "not connected within {}s",
                READY_WAIT.as_secs()
            )));
        }
        let channel = broker
            .channel()
            .await
            .map_err(|e| OpsError::broker("cannot open a channel", e))?;
        let consumer = match subscribe(&channel, stream, start_secs, replay_id).await {
            Ok(consumer) => consumer,
            Err(e) => {
                let _ = channel.close(200, "replay failed".into()).await;
                return Err(e);
            }
        };
        let reader = Self {
            channel,
            consumer,
            replay_id: replay_id.to_owned(),
            unacked: 0,
            last_tag: 0,
        };
        // The consumer's start offset is fixed once basic.consume-ok has arrived, so a
        // marker appended now lies after it and is certain to be delivered.
        let marker = OutgoingMessage {
            exchange: String::new(),
            routing_key: stream.to_owned(),
            body: Vec::new(),
            properties: BasicProperties::default()
                .with_message_id(format!("replay-end-{replay_id}").as_str().into())
                .with_delivery_mode(2)
                .with_headers(marker_headers(replay_id)),
        };
        if let Err(e) = publisher.publish(&marker).await {
            reader.close().await;
            return Err(OpsError::broker(
                format!("cannot mark the end of `{stream}`"),
                e,
            ));
        }
        Ok(reader)
    }

    /// The next archived message (markers of other replays skipped); `None` at our end marker.
    pub async fn next(&mut self) -> Result<Option<Delivery>, OpsError> {
        loop {
            let next = tokio::time::timeout(QUIET_LIMIT, self.consumer.next())
                .await
                .map_err(|_| {
                    OpsError::broker_state(format!(
                        "the archive sent nothing for {}s before its end marker",
                        QUIET_LIMIT.as_secs()
                    ))
                })?;
            let delivery = match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(e)) => {
                    return Err(OpsError::broker("lost the archive consumer", e));
                }
                None => {
                    return Err(OpsError::broker_state(
                        "the broker ended the archive consumer (stream deleted?)",
                    ));
                }
            };
            self.credit(delivery.delivery_tag).await?;
            match marker_of(&delivery.properties) {
                None => return Ok(Some(delivery)),
                Some(id) if id == self.replay_id => return Ok(None),
                Some(_) => continue,
            }
        }
    }

    /// Stop consuming and close the channel (nothing to requeue: streams keep everything).
    pub async fn close(self) {
        let _ = self
            .channel
            .basic_cancel(self.consumer.tag(), BasicCancelOptions::default())
            .await;
        let _ = self.channel.close(200, "replay done".into()).await;
    }

    async fn credit(&mut self, tag: u64) -> Result<(), OpsError> {
        self.unacked += 1;
        self.last_tag = tag;
        if self.unacked < ACK_EVERY {
            return Ok(());
        }
        self.unacked = 0;
        self.channel
            .basic_ack(self.last_tag, BasicAckOptions { multiple: true })
            .await
            .map_err(|e| OpsError::broker("cannot ack the archive", e))
    }
}

async fn subscribe(
    channel: &Channel,
    stream: &str,
    start_secs: i64,
    replay_id: &str,
) -> Result<Consumer, OpsError> {
    // Streams refuse consumers without a prefetch (406) and with no_ack (540, which
    // closes the whole connection), so: per-consumer QoS and manual acks.
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
        .map_err(|e| OpsError::broker("cannot set the archive prefetch", e))?;
    let mut args = FieldTable::default();
    // An AMQP timestamp is read as POSIX seconds: start at the chunk holding that time.
    args.insert(
        header::STREAM_OFFSET.into(),
        AMQPValue::Timestamp(u64::try_from(start_secs).unwrap_or(0)),
    );
    channel
        .basic_consume(
            stream.into(),
            format!("assetrelay-replay-{replay_id}").as_str().into(),
            BasicConsumeOptions::default(),
            args,
        )
        .await
        .map_err(|e| OpsError::broker(format!("cannot read the archive stream `{stream}`"), e))
}

fn marker_headers(replay_id: &str) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert(
        header::MARKER.into(),
        AMQPValue::LongString(LongString::from(END_MARKER)),
    );
    headers.insert(
        header::REPLAY_ID.into(),
        AMQPValue::LongString(LongString::from(replay_id)),
    );
    headers
}

/// The replay id of an end marker, `Some("")` for a marker without one.
fn marker_of(properties: &BasicProperties) -> Option<String> {
    let headers = properties.headers().as_ref()?;
    headers.inner().get(header::MARKER)?;
    Some(
        headers
            .inner()
            .get(header::REPLAY_ID)
            .and_then(text_of)
            .unwrap_or_default(),
    )
}

/// A string header's text (the stream stores AMQP 1.0 and may hand strings back either way).
pub(crate) fn text_of(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}
