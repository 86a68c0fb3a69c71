//! What became of each delivery, for whoever keeps a history of it (the store's outcome
//! history behind `assetrelay trace`). The runner calls the [`Observer`] once per
//! delivery, after the message was acked or its copy confirmed, and waits for it before
//! taking the next message into that slot: a slow history slows consumption down rather
//! than losing records.

use std::sync::Arc;
use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_http_failure::calls::PlatformCall;
use futures::future::BoxFuture;

use super::{Delivery, HandlerError};

/// The decision the runner made for one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The handler made its effect (acked).
    Written,
    /// Nothing to do (acked), and why.
    Skipped { reason: &'static str },
    /// A transient failure: a copy waits in the retry tier of `delay`.
    Retried {
        error: HandlerError,
        next_attempt: u32,
        delay: Duration,
    },
    /// Parked for a person, with the reason, after `attempts` deliveries.
    Parked { error: HandlerError, attempts: u32 },
    /// The retry or parked copy could not be published: the message went back to its
    /// queue and will be delivered again.
    Requeued { error: HandlerError },
}

impl Decision {
    /// The decision's name: `written`, `skipped`, `retried`, `parked` or `requeued`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Skipped { .. } => "skipped",
            Self::Retried { .. } => "retried",
            Self::Parked { .. } => "parked",
            Self::Requeued { .. } => "requeued",
        }
    }
}

/// One settled delivery.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub flow: Flow,
    pub delivery: Arc<Delivery>,
    pub decision: Decision,
    /// How long the handler ran.
    pub duration: Duration,
    /// The platform calls the handler made, in order.
    pub calls: Vec<PlatformCall>,
}

/// Receives every [`Settlement`]. Errors are the observer's to log: the message is
/// already settled and nothing the observer does can change that.
pub trait Observer: Send + Sync + 'static {
    fn settled(&self, settlement: Settlement) -> BoxFuture<'_, ()>;
}
