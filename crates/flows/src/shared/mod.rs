//! What the flows share: connections and their clients, failure classification, platform
//! call metrics, the Smint.io push record, the license feed, PhotoShelter copies, the
//! expiry scheduler and per-asset ordering.

pub mod calls;
pub mod connections;
pub mod context;
pub mod failure;
pub mod license_feed;
pub mod ps_copies;
pub mod scheduler;
pub mod serial;
pub mod smint_push;
