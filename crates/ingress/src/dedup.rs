//! Recently accepted deliveries, so a platform retrying a delivery we already confirmed
//! gets the same answer without a second publish. Per instance and bounded (window and
//! capacity); the event id itself is derived from the delivery id, so even a miss here
//! yields the same event id and consumers stay idempotent.
//!
//! A `moka` cache: entries expire `window` after their insertion, and beyond `capacity`
//! the least recently inserted go first (LRU without TinyLFU's admission filter, which
//! could refuse to remember a new delivery; [`DeliveryCache::contains`] does not count as
//! a use). Eviction beyond capacity runs in moka's maintenance, shortly after the insert.

use std::time::Duration;

use moka::policy::EvictionPolicy;
use moka::sync::Cache;

pub struct DeliveryCache {
    /// `None` when `capacity` is 0: remember nothing.
    seen: Option<Cache<String, ()>>,
}

impl DeliveryCache {
    pub fn new(window: Duration, capacity: usize) -> Self {
        let seen = (capacity > 0).then(|| {
            Cache::builder()
                .max_capacity(u64::try_from(capacity).unwrap_or(u64::MAX))
                .time_to_live(window)
                .eviction_policy(EvictionPolicy::lru())
                .build()
        });
        Self { seen }
    }

    /// Whether `key` was accepted within the window.
    pub fn contains(&self, key: &str) -> bool {
        self.seen
            .as_ref()
            .is_some_and(|seen| seen.contains_key(key))
    }

    /// Remember `key` as accepted now.
    pub fn insert(&self, key: String) {
        if let Some(seen) = &self.seen {
            seen.insert(key, ());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_a_delivery_within_the_window() {
        let cache = DeliveryCache::new(Duration::from_secs(60), 10);
        cache.insert("a".into());
        assert!(cache.contains("a"));
        assert!(!cache.contains("b"));
    }

    #[test]
    fn forgets_after_the_window() {
        let cache = DeliveryCache::new(Duration::from_millis(0), 10);
        cache.insert("a".into());
        assert!(!cache.contains("a"));
    }

    #[test]
    fn forgets_the_oldest_beyond_capacity() {
        let cache = DeliveryCache::new(Duration::from_secs(60), 2);
        for key in ["a", "b", "c"] {
            cache.insert(key.into());
            // What moka's maintenance does shortly after each insert, done now.
            cache.seen.as_ref().unwrap().run_pending_tasks();
        }
        assert!(!cache.contains("a"));
        assert!(cache.contains("b") && cache.contains("c"));
    }

    #[test]
    fn a_capacity_of_zero_remembers_nothing() {
        let cache = DeliveryCache::new(Duration::from_secs(60), 0);
        cache.insert("a".into());
        assert!(!cache.contains("a"));
    }
}
