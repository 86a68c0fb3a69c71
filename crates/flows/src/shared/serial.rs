//! One handler at a time per asset within a process, so two deliveries about the same
//! asset cannot interleave their read-compare-write and write older state last (DESIGN
//! §6.5). Across replicas, each write is computed from freshly read current state, so a
//! later delivery repairs whatever an earlier, slower one wrote.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

#[derive(Default)]
pub struct PerAsset {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl PerAsset {
    /// Wait for the turn of `key`; the turn lasts as long as the guard.
    pub async fn lock(&self, key: String) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = match self.locks.lock() {
                Ok(l) => l,
                Err(poisoned) => poisoned.into_inner(),
            };
            // Drop entries nobody holds or waits for, so the map stays small.
            locks.retain(|_, l| Arc::strong_count(l) > 1);
            Arc::clone(locks.entry(key).or_default())
        };
        lock.lock_owned().await
    }
}
