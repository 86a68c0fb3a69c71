#![doc = include_str!("../README.md")]
//! Modules: [`env`] (where RabbitMQ is, unique names, a connection), [`bed`] (the test bed,
//! the topology guard, cleanup from `Drop`), [`queues`] (reading queues back), [`wait`]
//! (polling with a deadline), [`declare`] (objects that make the broker refuse),
//! [`proxy`] (the chaos proxy), [`process`] (binaries as processes).
// Test support: a panic here is the failed assertion of the test that called it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bed;
pub mod declare;
pub mod env;
pub mod process;
pub mod proxy;
pub mod queues;
pub mod wait;

pub use bed::{TestBed, TopologyGuard, block_on_own_thread};
pub use env::{
    PATIENCE, amqp_url, management_url, start_broker, start_broker_at, topology, unique_prefix,
};
pub use process::{free_port, terminate};
pub use proxy::ChaosProxy;
pub use queues::{Queues, Taken};
pub use wait::{TimedOut, wait_for, wait_until};
