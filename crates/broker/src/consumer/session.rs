//! The consume loop: open a channel, `basic.qos`, `basic.consume`; hand each delivery to a
//! task; start over when the channel or its connection is lost; drain on shutdown.

use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::StreamExt;
use lapin::Channel;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::{Handler, Shared, handling};
use crate::connection::error_chain;
use crate::{Broker, BrokerError};

/// How long one attempt to open waits for the broker connection before backing off.
const READY_WAIT: Duration = Duration::from_secs(5);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A `basic.cancel` unanswered this long is given up on (the channel close follows).
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

enum Ended {
    Shutdown,
    /// The consumer stream ended or failed: channel or connection lost, or the broker
    /// cancelled the consumer (e.g. the queue was deleted).
    Lost,
}

pub(super) async fn run<H: Handler>(
    broker: Broker,
    shared: Arc<Shared<H>>,
    shutdown: CancellationToken,
) -> Result<(), BrokerError> {
    let flow = shared.flow.as_str();
    let queue = shared.topology.work_queue(shared.flow);
    let settings = &shared.settings;
    // A delivery is taken from the stream only with a permit in hand, so none waits
    // unstarted in this process: on shutdown the broker returns the rest to the queue.
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut delays = reopen_delays();
    loop {
        let opened = tokio::select! {
            () = shutdown.cancelled() => break,
            opened = open(&broker, &queue, settings.prefetch, flow) => opened,
        };
        let (channel, mut stream) = match opened {
            Ok(opened) => {
                delays = reopen_delays();
                opened
            }
            Err(e) => {
                let wait = delays.next().unwrap_or(MAX_BACKOFF);
                tracing::warn!(flow, queue, error.message = %error_chain(&e), ?wait, "cannot consume yet");
                if pause(wait, &shutdown).await {
                    break;
                }
                continue;
            }
        };
        tracing::info!(flow, queue, "consuming");

        match consume(&shared, &mut stream, &permits, &mut tasks, &shutdown).await {
            Ended::Shutdown => {
                // basic.cancel stops new deliveries; those already sent stay unacked on
                // this channel and go back to the queue when it closes, after the
                // in-flight handlers have acked theirs.
                let cancel = channel.basic_cancel(stream.tag(), BasicCancelOptions::default());
                let _ = tokio::time::timeout(CANCEL_TIMEOUT, cancel).await;
                drain(&mut tasks, settings.shutdown_grace, flow).await;
                drop(stream);
                let _ = channel.close(200, "shutdown".into()).await;
                tracing::info!(flow, "consumer stopped");
                return Ok(());
            }
            Ended::Lost => {
                // In-flight acks on this channel will fail; the broker redelivers those.
                tracing::warn!(flow, queue, "lost the consumer; resuming");
                drop(stream);
                if channel.status().connected() {
                    let _ = channel.close(200, "resuming".into()).await;
                }
                if pause(MIN_BACKOFF, &shutdown).await {
                    break;
                }
            }
        }
    }
    drain(&mut tasks, settings.shutdown_grace, flow).await;
    tracing::info!(flow, "consumer stopped");
    Ok(())
}

/// A channel consuming `queue` with a per-consumer prefetch (quorum queues refuse global QoS).
async fn open(
    broker: &Broker,
    queue: &str,
    prefetch: u16,
    tag: &str,
) -> Result<(Channel, lapin::Consumer), BrokerError> {
    if !broker.wait_ready(READY_WAIT).await {
        return Err(BrokerError::NotConnected);
    }
    let channel = broker.channel().await?;
    let consumer = async {
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await?;
        // Manual acks (no_ack=false): a message leaves the queue only when we say so.
        channel
            .basic_consume(
                queue.into(),
                tag.into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
    }
    .await;
    match consumer {
        Ok(consumer) => Ok((channel, consumer)),
        Err(e) => {
            if channel.status().connected() {
                let _ = channel.close(200, "consume failed".into()).await;
            }
            Err(e.into())
        }
    }
}

async fn consume<H: Handler>(
    shared: &Arc<Shared<H>>,
    stream: &mut lapin::Consumer,
    permits: &Arc<Semaphore>,
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
) -> Ended {
    let flow = shared.flow.as_str();
    loop {
        while let Some(done) = tasks.try_join_next() {
            report(done, flow);
        }
        let permit = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ended::Shutdown,
            permit = permits.clone().acquire_owned() => permit,
        };
        // The semaphore is never closed.
        let Ok(permit) = permit else {
            return Ended::Shutdown;
        };
        let next = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ended::Shutdown,
            next = stream.next() => next,
        };
        match next {
            Some(Ok(delivery)) => {
                tasks.spawn(handling::process(shared.clone(), delivery, permit));
            }
            Some(Err(e)) => {
                tracing::warn!(flow, error.message = %error_chain(&e), "consumer error");
                return Ended::Lost;
            }
            None => return Ended::Lost,
        }
    }
}

/// Wait for the in-flight deliveries, at most `grace`; abort the rest (the broker
/// redelivers their messages).
async fn drain(tasks: &mut JoinSet<()>, grace: Duration, flow: &str) {
    let all_done = async {
        while let Some(done) = tasks.join_next().await {
            report(done, flow);
        }
    };
    if tokio::time::timeout(grace, all_done).await.is_err() {
        tracing::warn!(
            flow,
            in_flight = tasks.len(),
            ?grace,
            "handlers still running after the shutdown grace; aborting them"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

fn report(done: Result<(), JoinError>, flow: &str) {
    if let Err(e) = done
        && e.is_panic()
    {
        tracing::error!(flow, "a delivery task panicked outside its handler");
    }
}

/// Waits between attempts to (re)open the consumer: exponential from [`MIN_BACKOFF`] to
/// [`MAX_BACKOFF`] with jitter (so replicas do not retry in step), never giving up: a
/// consumer waits for its broker until shutdown.
fn reopen_delays() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(MIN_BACKOFF)
        .with_max_delay(MAX_BACKOFF)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Sleep, unless shut down first (then `true`).
async fn pause(wait: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(wait) => false,
    }
}
