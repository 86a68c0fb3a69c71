//! Operations on a running assetrelay broker topology, shared by the `assetrelay` CLI and
//! the admin HTTP API: [`replay`] (archive stream → one flow's queue), [`parked`] (list,
//! show, replay, purge dead letters) and [`topology_check`] (declared vs. live) on the
//! broker; [`trace`] (an asset's timeline) on the store; [`definitions`] (the topology
//! as RabbitMQ definitions JSON, for `deploy/rabbitmq/definitions.json`).

pub mod definitions;
mod error;
pub mod parked;
pub mod replay;
pub mod topology_check;
pub mod trace;

pub use error::OpsError;
