//! The `assetrelay` command: `dev` runs the whole system with the sandbox in one process.
//! The library part ([`stack`], [`control`]) is what the end-to-end tests use too.

pub mod commands;
pub mod control;
pub mod dev;
pub mod private_broker;
pub mod seed;
pub mod stack;
