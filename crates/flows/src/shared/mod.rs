//! What the flows share: connections and their clients, failure classification, platform
//! call metrics, Smint.io pushes judged against the asset ledger, the license feed, the tenant's
//! generic metadata, PhotoShelter copies and upload claims, source versions, the expiry scheduler, the
//! per-asset turn across replicas and the outcome history.

pub mod calls;
pub mod collections;
pub mod connections;
pub mod context;
pub mod failure;
pub mod history;
pub mod license_feed;
pub mod previews;
pub mod ps_copies;
pub mod scheduler;
pub mod serial;
pub mod smint_push;
pub mod source;
pub mod tenant_metadata;
pub mod turn;
