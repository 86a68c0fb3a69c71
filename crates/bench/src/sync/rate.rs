//! Rates in 1 s windows: the platform calls the sandbox answered (per platform, the
//! listing apart, and the 429s among them) and the events the sync published. Neither
//! platform documents a numeric rate limit (docs/PERFORMANCE.md, "Initial sync"), so the
//! benchmark shows the peaks it caused instead of checking them against an invented one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::flows::probe::surface_of;

/// The sync's own PhotoShelter call (`media_page`): the listing.
pub const LISTING: &str = "/psapi/v4.0/media";

/// Counts per key and per second since [`Windows::start`]; nothing is counted before.
#[derive(Clone, Default)]
pub struct Windows {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    start: Option<Instant>,
    counts: BTreeMap<String, Vec<u64>>,
}

impl Windows {
    /// Second 0 begins now; what was counted before is forgotten.
    pub fn start(&self) {
        let mut inner = self.lock();
        inner.start = Some(Instant::now());
        inner.counts.clear();
    }

    pub fn add(&self, key: &str, n: u64) {
        let mut inner = self.lock();
        let Some(start) = inner.start else { return };
        let second = usize::try_from(start.elapsed().as_secs()).unwrap_or(usize::MAX);
        let counts = inner.counts.entry(key.to_owned()).or_default();
        if counts.len() <= second {
            counts.resize(second.saturating_add(1), 0);
        }
        if let Some(slot) = counts.get_mut(second) {
            *slot += n;
        }
    }

    /// The busiest window of `key`: (count, its second).
    pub fn peak(&self, key: &str) -> (u64, usize) {
        self.lock().counts.get(key).map_or((0, 0), |counts| {
            counts
                .iter()
                .enumerate()
                .map(|(second, n)| (*n, second))
                .max_by_key(|(n, second)| (*n, std::cmp::Reverse(*second)))
                .unwrap_or((0, 0))
        })
    }

    pub fn total(&self, key: &str) -> u64 {
        self.lock()
            .counts
            .get(key)
            .map_or(0, |counts| counts.iter().sum())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Counters only: a panic while holding the lock cannot leave them unsound.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How far the sync ever got ahead of its cap: the most events confirmed by any moment
/// beyond `rate × seconds since the start`. The cap's promise (publish n starts no
/// earlier than n / rate after the first) holds exactly when this is at most 1, the first
/// event, since an event is confirmed only after it started. Fixed 1 s windows cannot
/// check it to the event: a confirm from the end of one second lands in the next.
pub struct Ahead {
    rate: f64,
    start: Instant,
    max: Mutex<f64>,
}

impl Ahead {
    pub fn new(rate: u32, start: Instant) -> Self {
        Self {
            rate: f64::from(rate),
            start,
            max: Mutex::new(f64::NEG_INFINITY),
        }
    }

    /// `published` events are confirmed now.
    pub fn see(&self, published: u64) {
        self.see_at(published, self.start.elapsed().as_secs_f64());
    }

    fn see_at(&self, published: u64, seconds: f64) {
        let ahead = published as f64 - self.rate * seconds;
        let mut max = self.max.lock().unwrap_or_else(PoisonError::into_inner);
        *max = max.max(ahead);
    }

    /// The most events ever ahead of the cap (negative: always behind it).
    pub fn max(&self) -> f64 {
        *self.max.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The key of the 429s `surface` served.
pub fn too_many(surface: &str) -> String {
    format!("{surface} 429")
}

/// Middleware around the sandbox's router (outside its fault layer, so an injected 429
/// is seen as the client sees it): one count per platform call when its answer leaves,
/// under its platform, under `photoshelter listing` too for the listing, and under
/// `<platform> 429` when it was a 429.
pub async fn count_windows(
    State(windows): State<Windows>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let Some(surface) = surface_of(&path) else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    windows.add(surface, 1);
    if path == LISTING {
        windows.add("photoshelter listing", 1);
    }
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        windows.add(&too_many(surface), 1);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_counted_before_the_start() {
        let windows = Windows::default();
        windows.add("smintio", 5);
        assert_eq!(windows.total("smintio"), 0);

        windows.start();
        windows.add("smintio", 2);
        windows.add("smintio", 3);

        assert_eq!(windows.total("smintio"), 5);
        assert_eq!(windows.peak("smintio"), (5, 0));
        assert_eq!(windows.peak("photoshelter"), (0, 0));
    }

    #[test]
    fn ahead_is_the_most_confirmed_beyond_rate_times_time() {
        let ahead = Ahead::new(100, Instant::now());
        ahead.see_at(1, 0.0);
        ahead.see_at(50, 0.5);
        ahead.see_at(160, 1.5);

        assert_eq!(ahead.max(), 10.0);
    }

    #[test]
    fn the_peak_is_the_busiest_window_and_the_first_of_equals() {
        let windows = Windows::default();
        windows.start();
        {
            let mut inner = windows.lock();
            inner.counts.insert("k".into(), vec![3, 9, 4, 9]);
        }
        assert_eq!(windows.peak("k"), (9, 1));
        assert_eq!(windows.total("k"), 25);
    }
}
