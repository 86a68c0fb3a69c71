//! The membership of the galleries the connection's rules name (approval and region
//! galleries). Adding an item to a gallery, or removing it, may leave the item's own
//! modification time alone (the public docs do not say; the sandbox assumes so), so no
//! modified-since poll sees it. Each poll therefore lists the children of every watched
//! gallery and compares them with the membership it stored: each item that joined or left
//! becomes an `asset.updated` (the flows read its current galleries and decide again).
//!
//! Only gallery ids (`G…`) are watched, and the galleries inside the collections the rules
//! name (read again each poll); a rule naming a gallery by its name is matched by the
//! flows but not watched (a warning at start says so). The first poll stores the
//! membership without publishing (earlier history is the initial sync's).

use std::collections::{BTreeMap, BTreeSet};

use assetrelay_contract::source::PHOTOSHELTER_POLL;
use assetrelay_contract::{CloudEvent, EventType, Normalized, Platform, new_traceparent};
use chrono::Utc;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Map;

use super::PollContext;
use crate::PollError;

/// The cursor the membership is stored under (beside the poll's watermark).
pub const MEMBERSHIP: &str = "photoshelter.poll.galleries";
const PUBLISH_CONCURRENCY: usize = 32;

/// What the watch stored: the members of each watched gallery, and how many times it
/// stored them (part of the event ids, so a repeated diff repeats its ids).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub version: u64,
    pub members: BTreeMap<String, BTreeSet<String>>,
}

/// A member that joined or left a gallery.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MembershipChange {
    pub gallery: String,
    pub media_id: String,
    pub joined: bool,
}

/// The galleries of `wanted` that are ids (names cannot be listed without a search).
pub fn watchable(wanted: &[String]) -> (Vec<String>, Vec<String>) {
    let (ids, names): (Vec<String>, Vec<String>) = wanted
        .iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .partition(|g| looks_like_gallery_id(g));
    let ids: BTreeSet<String> = ids.into_iter().collect();
    (ids.into_iter().collect(), names)
}

fn looks_like_gallery_id(text: &str) -> bool {
    text.len() == 16 && text.starts_with('G') && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Who joined or left, gallery by gallery. A gallery watched now and not before (a rule
/// or a collection took it in) counts as every member joining, one no longer watched as
/// every member leaving: either way each member may be judged differently now. Nothing
/// before the first stored membership (`version` 0): earlier history is the initial
/// sync's.
pub fn diff(
    before: &Membership,
    now: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<MembershipChange> {
    let mut changes = Vec::new();
    if before.version == 0 {
        return changes;
    }
    let empty = BTreeSet::new();
    let galleries: BTreeSet<&String> = now.keys().chain(before.members.keys()).collect();
    for gallery in galleries {
        let members = now.get(gallery).unwrap_or(&empty);
        let old = before.members.get(gallery).unwrap_or(&empty);
        for (set, other, joined) in [(members, old, true), (old, members, false)] {
            changes.extend(set.difference(other).map(|media_id| MembershipChange {
                gallery: gallery.clone(),
                media_id: media_id.clone(),
                joined,
            }));
        }
    }
    changes.sort();
    changes
}

impl PollContext {
    /// The galleries inside each of `collections`, at any depth.
    pub async fn collection_galleries(
        &self,
        collections: &BTreeSet<String>,
    ) -> Result<assetrelay_config::CollectionGalleries, PollError> {
        let mut galleries = assetrelay_config::CollectionGalleries::new();
        for collection in collections {
            let inside = self
                .client
                .collection_galleries(collection)
                .await
                .map_err(PollError::List)?;
            galleries.insert(collection.clone(), inside);
        }
        Ok(galleries)
    }

    /// List the watched galleries, publish who joined or left since the stored
    /// membership, then store the new one. Events published: their count.
    pub async fn watch_galleries(&self) -> Result<usize, PollError> {
        if self.watched_galleries.is_empty() && self.watched_collections.is_empty() {
            return Ok(0);
        }
        let wanted: BTreeSet<String> = self.watched_collections.iter().cloned().collect();
        let mut watched: BTreeSet<String> = self.watched_galleries.iter().cloned().collect();
        for inside in self.collection_galleries(&wanted).await?.into_values() {
            watched.extend(inside);
        }
        let before: Option<Membership> =
            match self.store.cursor(&self.connection, MEMBERSHIP).await? {
                None => None,
                Some(text) => {
                    Some(
                        serde_json::from_str(&text).map_err(|source| PollError::Cursor {
                            source_name: MEMBERSHIP,
                            source,
                        })?,
                    )
                }
            };
        let mut now = BTreeMap::new();
        for gallery in &watched {
            let children = self
                .client
                .gallery_children(gallery)
                .await
                .map_err(PollError::List)?;
            now.insert(
                gallery.clone(),
                children.into_iter().map(|m| m.id).collect::<BTreeSet<_>>(),
            );
        }
        let before = before.unwrap_or_default();
        let changes = diff(&before, &now);
        let mut confirms = futures::stream::iter(changes.iter().cloned())
            .map(|change| self.publish_membership(change, before.version))
            .buffer_unordered(PUBLISH_CONCURRENCY);
        while let Some(confirmed) = confirms.next().await {
            confirmed?;
        }
        drop(confirms);
        let after = Membership {
            version: before.version + 1,
            members: now,
        };
        if after.members != before.members || before.version == 0 {
            // A BTreeMap of strings always serializes.
            let text = serde_json::to_string(&after).unwrap_or_default();
            self.store
                .set_cursor(&self.connection, MEMBERSHIP, &text)
                .await?;
        }
        Ok(changes.len())
    }

    async fn publish_membership(
        &self,
        change: MembershipChange,
        version: u64,
    ) -> Result<(), PollError> {
        let event = membership_event(&self.connection, &self.org_id, &change, version);
        crate::publish_confirmed(&self.publisher, &self.topology, &event).await?;
        Ok(())
    }
}

/// The `asset.updated` of a membership change, its id stable per (connection, gallery,
/// media id, joined or left, stored membership version).
pub fn membership_event(
    connection: &str,
    org_id: &str,
    change: &MembershipChange,
    version: u64,
) -> CloudEvent {
    let (platform_event, verb) = if change.joined {
        ("gallery.media_added", "added")
    } else {
        ("gallery.media_removed", "removed")
    };
    let mut data = Map::new();
    data.insert("platform_event".into(), platform_event.into());
    data.insert("org_id".into(), org_id.into());
    data.insert("gallery_id".into(), change.gallery.clone().into());
    let normalized = Normalized {
        delivery_id: format!(
            "gallery/{}/{}/{verb}@{version}",
            change.gallery, change.media_id
        ),
        event_type: EventType::AssetUpdated,
        subject: Some(change.media_id.clone()),
        occurred_at: Utc::now(),
        change: data,
    };
    let mut event = CloudEvent::from_normalized(
        Platform::PhotoShelter,
        connection,
        normalized,
        new_traceparent(),
    );
    event
        .data
        .hint
        .insert("source".into(), PHOTOSHELTER_POLL.into());
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn joins_and_leaves_are_found_per_gallery_and_a_gallery_watched_anew_brings_its_members() {
        let before = Membership {
            version: 3,
            members: [
                ("G1".to_owned(), set(&["a", "b"])),
                ("G3".to_owned(), set(&["y"])),
            ]
            .into(),
        };
        let now = [
            ("G1".to_owned(), set(&["b", "c"])),
            ("G2".to_owned(), set(&["x"])),
        ]
        .into();
        let changes = diff(&before, &now);
        let described: Vec<(String, bool)> = changes
            .iter()
            .map(|c| (c.media_id.clone(), c.joined))
            .collect();
        assert_eq!(
            described,
            [
                ("a".into(), false),
                ("c".into(), true),
                ("x".into(), true),
                ("y".into(), false)
            ]
        );
    }

    #[test]
    fn the_first_stored_membership_publishes_nothing() {
        let now = [("G1".to_owned(), set(&["a"]))].into();
        assert!(diff(&Membership::default(), &now).is_empty());
    }

    #[test]
    fn only_gallery_ids_are_watched() {
        let (ids, names) = watchable(&[
            "G0000abcdEFGH123".into(),
            " Approved ".into(),
            "G0000abcdEFGH123".into(),
        ]);
        assert_eq!(ids, ["G0000abcdEFGH123"]);
        assert_eq!(names, ["Approved"]);
    }

    #[test]
    fn the_id_is_stable_per_change_and_version() {
        let change = MembershipChange {
            gallery: "G1".into(),
            media_id: "I1".into(),
            joined: true,
        };
        let a = membership_event("demo", "O1", &change, 4);
        assert_eq!(a.id, membership_event("demo", "O1", &change, 4).id);
        assert_ne!(a.id, membership_event("demo", "O1", &change, 5).id);
        let left = MembershipChange {
            joined: false,
            ..change
        };
        assert_ne!(a.id, membership_event("demo", "O1", &left, 4).id);
    }
}
