//! Rotating OAuth refresh tokens, shared by every client of one connection across
//! restarts and replicas: where the newest token lives ([`store`]: the [`TokenStore`]
//! trait and an in-memory store; the durable one adapts the assetrelay store outside this
//! crate) and the steps every refreshing client takes around a refresh-token grant
//! ([`rotation`]). The Smint.io and the PhotoShelter clients both refresh this way.

pub mod rotation;
pub mod store;

pub use rotation::RefreshState;
pub use store::{
    MemoryTokenStore, StoreFuture, StoredToken, SwapOutcome, TokenStore, TokenStoreError,
};
