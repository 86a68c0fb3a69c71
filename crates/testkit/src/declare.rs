//! Broker objects a test sets up beside its topology, to make the broker misbehave.

use assetrelay_broker::lapin::options::QueueDeclareOptions;
use assetrelay_broker::lapin::types::{AMQPValue, FieldTable, LongString};
use assetrelay_broker::lapin::{Channel, ExchangeKind};

/// A durable queue `name` that holds `capacity` messages and refuses more: with
/// `x-overflow = reject-publish` the broker answers a publish it cannot store with
/// `basic.nack`, the failure a confirmed publisher must report. Panics if the declare fails.
pub async fn capped_queue(channel: &Channel, name: &str, capacity: i64) {
    let mut arguments = FieldTable::default();
    arguments.insert("x-max-length".into(), AMQPValue::LongLongInt(capacity));
    arguments.insert(
        "x-overflow".into(),
        AMQPValue::LongString(LongString::from("reject-publish")),
    );
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(name.into(), durable, arguments)
        .await
        .unwrap_or_else(|e| panic!("cannot declare {name}: {e}"));
}

/// A topic exchange `name` alone, e.g. a topology's exchange with nothing bound to it: a
/// mandatory publish to it comes back unroutable.
pub async fn exchange(channel: &Channel, name: &str) {
    channel
        .exchange_declare(
            name.into(),
            ExchangeKind::Topic,
            Default::default(),
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot declare exchange {name}: {e}"));
}

/// Bind `queue` to `exchange` for every routing key (`#`).
pub async fn bind_everything(channel: &Channel, queue: &str, exchange: &str) {
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            "#".into(),
            Default::default(),
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot bind {queue} to {exchange}: {e}"));
}

#[cfg(test)]
mod tests {
    use assetrelay_broker::lapin::BasicProperties;
    use assetrelay_broker::lapin::options::{BasicPublishOptions, ConfirmSelectOptions};

    use super::*;
    use crate::env::{start_broker, unique_prefix};

    #[tokio::test]
    async fn a_capped_queue_stores_its_capacity_and_nacks_the_next_publish() {
        let broker = start_broker("testkit-test", None).await;
        let channel = broker.channel().await.unwrap();
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        let name = unique_prefix("testkit-test");
        capped_queue(&channel, &name, 1).await;

        let mut confirms = Vec::new();
        for _ in 0..2 {
            let confirm = channel
                .basic_publish(
                    "".into(),
                    name.as_str().into(),
                    BasicPublishOptions::default(),
                    b"{}",
                    BasicProperties::default(),
                )
                .await
                .unwrap()
                .await
                .unwrap();
            confirms.push(confirm.is_ack());
        }

        channel
            .queue_delete(name.as_str().into(), Default::default())
            .await
            .unwrap();
        assert_eq!(confirms, [true, false]);
    }
}
