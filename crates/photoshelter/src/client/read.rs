//! Read endpoints (v4). Evidence per path:
//! - `GET /psapi/v4.0/media/{id}` [SPEC-DRAFT]
//! - `GET /psapi/v4.0/media/{id}/iptc` [CLIENT `S-importer`]
//! - `GET /psapi/v4.0/media/{id}/galleries` [CLIENT `S-aquarium`]
//! - `GET /psapi/v4.0/media/{id}/custom-metadata` [CLIENT `S-aquarium`; answer shape ASSUMED]
//! - `GET /psapi/v4.0/media?org_id=&sort_by=modification_time&sort_direction=descending`
//!   [SPEC-DRAFT filters; `sort_by` on `/media` ASSUMED (the draft lists it on `/galleries`);
//!   1-based `page` as real clients use it, ASSUMED]
//! - `GET /psapi/v4.0/galleries/{id}/children` [SPEC-DRAFT]

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use super::envelope::{v4_data, v4_has_next};
use super::error::Error;
use super::model::{GalleryRef, Media, MediaPage, MediaSummary};
use super::transport::Api;
use super::{Client, Result, checked_id, parse};

const GET_GALLERIES: &str = "GET /psapi/v4.0/media/{media_id}/galleries";
const GET_CUSTOM: &str = "GET /psapi/v4.0/media/{media_id}/custom-metadata";
const LIST_MEDIA: &str = "GET /psapi/v4.0/media";
const GALLERY_CHILDREN: &str = "GET /psapi/v4.0/galleries/{gallery_id}/children";

/// Page size of list calls (the draft's maximum).
const PER_PAGE: u32 = 500;
/// Safety stop for paging loops: 200 pages × 500 items.
const MAX_PAGES: u32 = 200;

impl Client {
    /// GETs a v4 path and returns the decoded JSON body.
    pub(super) async fn get_v4(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value> {
        let url = self.url(path);
        let answer = self
            .send(Api::V4, endpoint, || async {
                Ok(self
                    .http
                    .get(&url)
                    .query(query)
                    .timeout(self.config.timeout))
            })
            .await?;
        answer.json(endpoint)
    }

    /// A media item with its IPTC, galleries and custom metadata, read as one consistent
    /// snapshot ([`Client::media_snapshot`], which also says when it was read).
    pub async fn media(&self, media_id: &str) -> Result<Media> {
        self.media_snapshot(media_id)
            .await
            .map(super::snapshot::MediaSnapshot::into_media)
    }

    pub(super) async fn media_galleries(&self, id: &str) -> Result<Vec<GalleryRef>> {
        let path = format!("/psapi/v4.0/media/{id}/galleries");
        let items = self.paged(GET_GALLERIES, &path, &[]).await?;
        Ok(items.iter().filter_map(parse::gallery).collect())
    }

    /// `None` when the endpoint answers 404 for an existing item: the organization has no
    /// custom metadata (a Brands feature), so its values are unknown.
    pub(super) async fn custom_metadata(
        &self,
        id: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, String>>> {
        let path = format!("/psapi/v4.0/media/{id}/custom-metadata");
        match self.get_v4(GET_CUSTOM, &path, &[]).await {
            Ok(body) => Ok(Some(
                v4_data(&body)
                    .map(parse::custom_metadata)
                    .unwrap_or_default(),
            )),
            Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// [`Client::media_modified_since_paged`] with pages of 500 (the draft's maximum).
    pub async fn media_modified_since(&self, since: DateTime<Utc>) -> Result<Vec<MediaSummary>> {
        self.media_modified_since_paged(since, PER_PAGE).await
    }

    /// Media of the organization modified at or after `since`, newest first (for the
    /// poller), read `per_page` at a time (clamped to 1..=1000). Pages through the listing
    /// sorted by modification time and stops at the first older item. Items without a
    /// modification time are included (unknown). Sorting newest first means an item
    /// modified while we page moves to a page already read and pushes the rest down: it
    /// can be listed twice, never skipped, and its new modification is newer than the
    /// watermark this read yields, so the next poll sees it.
    /// More than `MAX_PAGES × per_page` changes give [`Error::LimitExceeded`]: the newest
    /// items alone cannot move a watermark safely, so reconcile instead.
    pub async fn media_modified_since_paged(
        &self,
        since: DateTime<Utc>,
        per_page: u32,
    ) -> Result<Vec<MediaSummary>> {
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let listed = self.media_page(page, per_page).await?;
            for item in listed.items {
                if item.modified_at.is_some_and(|t| t < since) {
                    return Ok(found);
                }
                found.push(item);
            }
            if !listed.more {
                return Ok(found);
            }
        }
        Err(Error::LimitExceeded {
            endpoint: LIST_MEDIA,
            limit: (MAX_PAGES * per_page.clamp(1, 1000)) as usize,
        })
    }

    /// Page `page` (1-based) of the organization's media listing, newest modification
    /// first, `per_page` items (clamped to 1..=1000). Unlike
    /// [`Client::media_modified_since_paged`] it has no page limit: a backfill walks the
    /// whole organization a page at a time (`assetrelay sync`), publishing each page
    /// before it reads the next.
    pub async fn media_page(&self, page: u32, per_page: u32) -> Result<MediaPage> {
        let org_id = checked_id("organization", self.config.auth.org_id())?.to_owned();
        let per_page = per_page.clamp(1, 1000);
        let query = [
            ("org_id", org_id),
            ("sort_by", "modification_time".to_owned()),
            ("sort_direction", "descending".to_owned()),
            ("page", page.max(1).to_string()),
            ("per_page", per_page.to_string()),
        ];
        let body = self.get_v4(LIST_MEDIA, "/psapi/v4.0/media", &query).await?;
        let items = parse::list(v4_data(&body));
        let count = items.len();
        Ok(MediaPage {
            items: items.into_iter().filter_map(parse::summary).collect(),
            more: more_of(&body, count, per_page),
        })
    }

    /// The media in a gallery, all pages.
    pub async fn gallery_children(&self, gallery_id: &str) -> Result<Vec<MediaSummary>> {
        let id = checked_id("gallery", gallery_id)?;
        let path = format!("/psapi/v4.0/galleries/{id}/children");
        let items = self.paged(GALLERY_CHILDREN, &path, &[]).await?;
        Ok(items.iter().filter_map(parse::summary).collect())
    }

    /// Every resource of a paged v4 list.
    pub(super) async fn paged(
        &self,
        endpoint: &'static str,
        path: &str,
        extra: &[(&str, String)],
    ) -> Result<Vec<Value>> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut query = extra.to_vec();
            query.push(("page", page.to_string()));
            query.push(("per_page", PER_PAGE.to_string()));
            let body = self.get_v4(endpoint, path, &query).await?;
            let items = parse::list(v4_data(&body));
            let count = items.len();
            all.extend(items.into_iter().cloned());
            if !more(&body, count) {
                return Ok(all);
            }
        }
        Err(limit_exceeded(endpoint))
    }
}

/// Whether to fetch another page: `meta.paging.next` when present, else a full page.
fn more(body: &Value, count: usize) -> bool {
    more_of(body, count, PER_PAGE)
}

fn more_of(body: &Value, count: usize, per_page: u32) -> bool {
    v4_has_next(body).unwrap_or(count >= per_page as usize) && count > 0
}

fn limit_exceeded(endpoint: &'static str) -> Error {
    Error::LimitExceeded {
        endpoint,
        limit: (MAX_PAGES * PER_PAGE) as usize,
    }
}
