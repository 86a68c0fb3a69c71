//! Recently accepted deliveries, so a platform retrying a delivery we already confirmed
//! gets the same answer without a second publish. Per instance and bounded (window and
//! capacity); the event id itself is derived from the delivery id, so even a miss here
//! yields the same event id and consumers stay idempotent.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct DeliveryCache {
    window: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seen: HashMap<String, Instant>,
    order: VecDeque<(String, Instant)>,
}

impl DeliveryCache {
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether `key` was accepted within the window.
    pub fn contains(&self, key: &str) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        let now = Instant::now();
        inner.evict(now, self.window, self.capacity);
        inner
            .seen
            .get(key)
            .is_some_and(|at| now.duration_since(*at) < self.window)
    }

    /// Remember `key` as accepted now.
    pub fn insert(&self, key: String) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let now = Instant::now();
        inner.seen.insert(key.clone(), now);
        inner.order.push_back((key, now));
        inner.evict(now, self.window, self.capacity);
    }
}

impl Inner {
    fn evict(&mut self, now: Instant, window: Duration, capacity: usize) {
        while let Some((key, at)) = self.order.front() {
            let expired = now.duration_since(*at) >= window;
            if !expired && self.seen.len() <= capacity {
                break;
            }
            // Only forget the key if this queue entry is its latest insertion.
            if self.seen.get(key) == Some(at) {
                self.seen.remove(key);
            }
            self.order.pop_front();
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
        }
        assert!(!cache.contains("a"));
        assert!(cache.contains("b") && cache.contains("c"));
    }
}
