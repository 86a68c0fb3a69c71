//! The poller's stored position (cursor `photoshelter.poll` of the connection): the newest
//! modification time it published, and the changes it already published within the
//! overlap behind it, so that re-reading the overlap publishes nothing twice.
//!
//! Stored as JSON: `{"at":"2026-12-02T10:00:00.123456Z","seen":[["<time>","<media id>"]]}`.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One change of a media item: its id and modification time (`None`: the listing did not
/// say; such an item is published on every poll, and the flows skip it by the ledger).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub media_id: String,
    pub modified_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The newest modification time listed by a poll whose events were all confirmed
    /// (or where polling started). The next poll lists from `at - overlap`.
    pub at: DateTime<Utc>,
    /// Changes published at or after `at - overlap`: (modification time, media id).
    #[serde(default)]
    pub seen: BTreeSet<(DateTime<Utc>, String)>,
}

impl Watermark {
    /// Where a connection without a stored position starts: changes from `now - overlap`
    /// on. Older changes are the initial sync's to publish (`assetrelay sync`, issue 11).
    pub fn start(now: DateTime<Utc>, overlap: Duration) -> Self {
        Self {
            at: now - overlap,
            seen: BTreeSet::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn to_text(&self) -> String {
        // A timestamp and strings: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The modification time the next listing starts at.
    pub fn since(&self, overlap: Duration) -> DateTime<Utc> {
        self.at - overlap
    }

    /// Whether `change` was already published (within the remembered overlap).
    pub fn has_seen(&self, change: &Change) -> bool {
        change
            .modified_at
            .is_some_and(|t| self.seen.contains(&(t, change.media_id.clone())))
    }

    /// The position after a poll that listed `listed` and had every event confirmed:
    /// `at` moves to the newest listed time (never back), and `seen` keeps what lies
    /// within the overlap behind the new `at`.
    pub fn advanced<'a>(
        &self,
        listed: impl IntoIterator<Item = &'a Change>,
        overlap: Duration,
    ) -> Self {
        let mut seen = self.seen.clone();
        let mut at = self.at;
        for change in listed {
            if let Some(t) = change.modified_at {
                at = at.max(t);
                seen.insert((t, change.media_id.clone()));
            }
        }
        let horizon = at - overlap;
        seen.retain(|(t, _)| *t >= horizon);
        Self { at, seen }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    fn change(id: &str, secs: i64) -> Change {
        Change {
            media_id: id.into(),
            modified_at: Some(t(secs)),
        }
    }

    #[test]
    fn round_trips_through_its_stored_text() {
        let w = Watermark::start(t(100), Duration::seconds(10)).advanced(
            &[change("I1", 95), change("I2", 120)],
            Duration::seconds(10),
        );
        assert_eq!(Watermark::parse(&w.to_text()).ok(), Some(w));
    }

    #[test]
    fn moves_to_the_newest_listed_time_and_never_back() {
        let overlap = Duration::seconds(10);
        let w = Watermark::start(t(100), overlap).advanced(&[change("I1", 200)], overlap);
        assert_eq!(w.at, t(200));
        let again = w.advanced(&[change("I2", 150)], overlap);
        assert_eq!(again.at, t(200));
    }

    #[test]
    fn remembers_only_what_lies_within_the_overlap_behind_the_watermark() {
        let overlap = Duration::seconds(10);
        let w = Watermark::start(t(0), overlap).advanced(
            &[change("old", 5), change("edge", 190), change("new", 200)],
            overlap,
        );
        assert!(!w.has_seen(&change("old", 5)), "older than the overlap");
        assert!(w.has_seen(&change("edge", 190)), "exactly at the horizon");
        assert!(w.has_seen(&change("new", 200)));
        assert!(
            !w.has_seen(&change("new", 201)),
            "a later modification is new"
        );
    }

    #[test]
    fn an_item_without_a_modification_time_is_never_taken_as_seen() {
        let overlap = Duration::seconds(10);
        let unknown = Change {
            media_id: "I1".into(),
            modified_at: None,
        };
        let w = Watermark::start(t(100), overlap).advanced([&unknown], overlap);
        assert_eq!(w.at, t(90));
        assert!(!w.has_seen(&unknown));
    }

    #[test]
    fn a_stored_position_without_seen_changes_still_parses() {
        let w = Watermark::parse(r#"{"at":"2026-12-02T10:00:00Z"}"#).ok();
        assert!(w.is_some_and(|w| w.seen.is_empty()));
    }
}
