#![doc = include_str!("../README.md")]
//! Modules: [`connection`] (the supervised connection), [`topology`] (names, arguments,
//! declaration), [`publisher`] (confirmed publishing), [`consumer`] (the consumer runner:
//! handler, retries, parking), [`error`].

pub mod connection;
pub mod consumer;
pub mod error;
pub mod publisher;
pub mod topology;

pub use connection::{Broker, BrokerSettings, QueueCounts};
pub use consumer::{
    Consumer, ConsumerSettings, Delivery, FailureKind, Handled, Handler, HandlerError,
};
pub use error::{BrokerError, PublishError};
pub use publisher::Publisher;
pub use topology::{QueueSpec, Topology};

/// Re-exported so callers build properties and headers with the same lapin version.
pub use lapin;
