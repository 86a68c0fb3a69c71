//! The operations commands: `replay`, `parked …`, `topology …`, `store …`, `trace`. Each
//! parses its flags, calls `assetrelay-ops` (or the store), and prints for people
//! (progress on a terminal, quiet in pipes).

pub mod parked;
pub mod replay;
pub mod store;
pub mod topology;
pub mod trace;
