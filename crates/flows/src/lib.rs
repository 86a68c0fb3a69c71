//! The flow consumers of DESIGN §3: each turns events from its queue into writes on the
//! opposite platform. One module per flow, [`service::FlowService`] to run one, and the
//! shared machinery in [`shared`].
//!
//! - [`to_smint`]: PhotoShelter → Smint.io (use cases 1, 3, 4, 8)
//! - [`to_photoshelter`]: Smint.io → PhotoShelter (use cases 2, 5, 6)
//! - [`lifecycle`]: expiry, archive, restriction, deletion on both sides (use case 7)

pub mod cli;
pub mod lifecycle;
pub mod service;
pub mod shared;
pub mod to_photoshelter;
pub mod to_smint;

pub use assetrelay_contract::Flow;
pub use service::FlowService;
