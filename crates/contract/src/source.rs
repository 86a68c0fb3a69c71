//! The names of the event sources (`assetrelay-sources`): the `hint.source` of the events
//! they publish, and the names of their cursors, leases and run requests in the store, so
//! another binary can ask one to run (the flows, on a webhook feed ping) or an operator
//! can reset one (`assetrelay cursor reset`).

/// The PhotoShelter poller (media modified since the stored watermark).
pub const PHOTOSHELTER_POLL: &str = "photoshelter.poll";
/// The PhotoShelter reconciliation: what the ledger says Smint.io holds against the
/// library's current state, for the drift polling cannot see (deleted media).
pub const PHOTOSHELTER_RECONCILE: &str = "photoshelter.reconcile";
/// The Smint.io license feed sync (from the stored continuation).
pub const SMINTIO_SYNC: &str = "smintio.sync";

/// Every source, by the platform it reads.
pub const ALL: [(crate::Platform, &str); 2] = [
    (crate::Platform::PhotoShelter, PHOTOSHELTER_POLL),
    (crate::Platform::Smintio, SMINTIO_SYNC),
];
