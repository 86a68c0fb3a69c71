//! The operations commands: `replay`, `parked …`, `topology …`, `store …`. Each parses its flags,
//! calls `assetrelay-ops`, and prints for people (progress on a terminal, quiet in pipes).

pub mod parked;
pub mod replay;
pub mod store;
pub mod topology;
