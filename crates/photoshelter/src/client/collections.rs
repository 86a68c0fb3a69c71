//! Collections: PhotoShelter organizes galleries inside collections, which nest.
//! `GET /psapi/v4.0/collections/{id}/children` lists a collection's galleries and
//! collections [SPEC-DRAFT `api.yaml`; CLIENT `S-importer`], paged like every v4 list;
//! each child is a resource whose `type` is `gallery` or `collection` (ASSUMED from the
//! draft's resource types; the importer reads `id` and `type`).

use std::collections::{BTreeSet, VecDeque};

use super::error::Error;
use super::{Client, Result, checked_id, parse};

const COLLECTION_CHILDREN: &str = "GET /psapi/v4.0/collections/{collection_id}/children";
/// Collections read for one answer at most: a cycle or a runaway tree stops here.
const MAX_COLLECTIONS: usize = 500;

impl Client {
    /// The ids of every gallery inside collection `collection_id`, at any depth.
    pub async fn collection_galleries(&self, collection_id: &str) -> Result<BTreeSet<String>> {
        let mut galleries = BTreeSet::new();
        let mut seen = BTreeSet::from([checked_id("collection", collection_id)?.to_owned()]);
        let mut queue = VecDeque::from([collection_id.to_owned()]);
        while let Some(id) = queue.pop_front() {
            let path = format!("/psapi/v4.0/collections/{id}/children");
            for child in self.paged(COLLECTION_CHILDREN, &path, &[]).await? {
                let Some(child_id) = parse::id(&child) else {
                    continue;
                };
                match child.get("type").and_then(|t| t.as_str()) {
                    Some("gallery") => {
                        galleries.insert(child_id);
                    }
                    // An id that could not be a path segment is not followed.
                    Some("collection")
                        if checked_id("collection", &child_id).is_ok()
                            && seen.insert(child_id.clone()) =>
                    {
                        if seen.len() > MAX_COLLECTIONS {
                            return Err(Error::LimitExceeded {
                                endpoint: COLLECTION_CHILDREN,
                                limit: MAX_COLLECTIONS,
                            });
                        }
                        queue.push_back(child_id);
                    }
                    _ => {}
                }
            }
        }
        Ok(galleries)
    }
}
