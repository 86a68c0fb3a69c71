//! v4 endpoints of the simulated surface (JSON:API shapes of the 2019 draft):
//! - `GET /psapi/v4.0/media` listing with `org_id` (a filter is required), `sort_by`
//!   (`creation_time|modification_time|name`), `sort_direction`, 1-based `page`, `per_page`
//!   [SPEC-DRAFT filters; sorting on `/media` and 1-based pages ASSUMED].
//! - `GET|PATCH|DELETE /psapi/v4.0/media/{media_id}` [GET SPEC-DRAFT; PATCH, DELETE
//!   UNVERIFIED]; PATCH takes `{"data":{"attributes":{..}}}` (ASSUMED).
//! - `GET|PATCH /psapi/v4.0/media/{media_id}/iptc` [GET CLIENT; PATCH UNVERIFIED].
//! - `GET /psapi/v4.0/media/{media_id}/galleries` \[CLIENT\], `/custom-metadata` [CLIENT;
//!   shape ASSUMED].
//! - `GET|POST /psapi/v4.0/galleries/{gallery_id}/children` [GET SPEC-DRAFT; POST
//!   UNVERIFIED, body `{"data":{"type":"media","id":..}}` ASSUMED] and
//!   `DELETE /psapi/v4.0/galleries/{gallery_id}/children/{media_id}` \[UNVERIFIED\].

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::apply;
use super::auth::{self, PsError, Shape};
use super::events::{self, Event};
use super::model::{self, GalleryRecord, MediaRecord};
use crate::state::AppState;

const SURFACE: &str = "photoshelter";
const V4: Shape = Shape::V4;

fn data(value: Value) -> Response {
    Json(json!({"data": value, "meta": model::meta(None)})).into_response()
}

/// `page` and `per_page`. The draft bounds `page` to 0..999 (default 0) and `per_page` to
/// 50..500 (default 50); real clients send `page=1..N` and `per_page` of 10 to 1000
/// (research §1.4). ASSUMED, between the two: `page` 1-based with `0` the first page as
/// well (the draft's default), at most 999; `per_page` 1..=1000. Outside: 400, never a
/// silent clamp (a client asking 1500 a page must not count on 1000).
pub(super) fn paging(q: &BTreeMap<String, String>) -> Result<(usize, usize), PsError> {
    let number = |k: &str, default: usize| match q.get(k) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| PsError::bad_request(V4, format!("{k} must be a number"))),
    };
    let page = number("page", 1)?;
    if page > MAX_PAGE {
        return Err(PsError::bad_request(
            V4,
            format!("page must be at most {MAX_PAGE}"),
        ));
    }
    let per_page = number("per_page", 50)?;
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(PsError::bad_request(
            V4,
            format!("per_page must be 1 to {MAX_PER_PAGE}"),
        ));
    }
    Ok((page.max(1), per_page))
}

const MAX_PAGE: usize = 999;
const MAX_PER_PAGE: usize = 1_000;

/// The `data.attributes` object of a JSON:API request body.
fn attributes(body: &[u8]) -> Result<Map<String, Value>, PsError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| PsError::bad_request(V4, format!("invalid JSON: {e}")))?;
    value
        .get("data")
        .and_then(|d| d.get("attributes"))
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| PsError::bad_request(V4, "expected {\"data\":{\"attributes\":{..}}}"))
}

pub async fn list_media(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let org_id = &state.config.photoshelter.org_id;
    match q.get("org_id") {
        Some(o) if o == org_id => {}
        Some(_) => return Err(PsError::not_found(V4, "organization")),
        None => {
            return Err(PsError::bad_request(
                V4,
                "at least one filter (org_id) is required",
            ));
        }
    }
    let (page, per_page) = paging(&q)?;
    let ps = state.photoshelter.lock().await;
    let mut items: Vec<&MediaRecord> = ps.media.values().collect();
    // Keys borrowed, not cloned: a sort of N items compares N log N times.
    match q.get("sort_by").map(String::as_str) {
        None | Some("creation_time") => {
            items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
        }
        Some("modification_time") => {
            items.sort_by(|a, b| (a.modified_at, &a.id).cmp(&(b.modified_at, &b.id)))
        }
        Some("name") => items.sort_by(|a, b| (&a.file_name, &a.id).cmp(&(&b.file_name, &b.id))),
        Some(other) => {
            return Err(PsError::bad_request(
                V4,
                format!("unknown sort_by {other:?}"),
            ));
        }
    }
    match q.get("sort_direction").map(String::as_str) {
        None | Some("ascending") => {}
        Some("descending") => items.reverse(),
        Some(other) => {
            return Err(PsError::bad_request(
                V4,
                format!("unknown sort_direction {other:?}"),
            ));
        }
    }
    let body = model::page(items, page, per_page, |m| m.resource(org_id));
    Ok(Json(body).into_response())
}

pub async fn get_media(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let ps = state.photoshelter.lock().await;
    let media = media_v4(&ps, &media_id)?;
    Ok(data(media.resource(&state.config.photoshelter.org_id)))
}

pub async fn get_iptc(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let ps = state.photoshelter.lock().await;
    let media = media_v4(&ps, &media_id)?;
    Ok(data(media.iptc_resource()))
}

pub async fn get_galleries(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let (page, per_page) = paging(&q)?;
    let ps = state.photoshelter.lock().await;
    let media = media_v4(&ps, &media_id)?;
    let galleries: Vec<_> = media
        .galleries
        .iter()
        .filter_map(|g| ps.galleries.get(g))
        .collect();
    let body = model::page(galleries, page, per_page, GalleryRecord::resource);
    Ok(Json(body).into_response())
}

pub async fn get_custom_metadata(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let ps = state.photoshelter.lock().await;
    let media = media_v4(&ps, &media_id)?;
    Ok(data(media.custom_metadata_resources()))
}

pub async fn patch_media(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
    body: Bytes,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let attrs = attributes(&body)?;
    patch(&state, &uri, &media_id, &attrs, false).await
}

pub async fn patch_iptc(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
    body: Bytes,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let attrs = attributes(&body)?;
    patch(&state, &uri, &media_id, &attrs, true).await
}

async fn patch(
    state: &AppState,
    uri: &Uri,
    media_id: &str,
    attrs: &Map<String, Value>,
    iptc: bool,
) -> Result<Response, PsError> {
    let (changed, resource) = {
        let mut ps = state.photoshelter.lock().await;
        let media = media_v4_mut(&mut ps, media_id)?;
        // Validate on a copy so a rejected request changes nothing.
        let mut updated = media.clone();
        let changed = if iptc {
            apply::iptc(&mut updated, attrs)
        } else {
            apply::attributes(&mut updated, attrs)
        }
        .map_err(|e| PsError::bad_request(V4, e))?;
        *media = updated;
        let resource = if iptc {
            media.iptc_resource()
        } else {
            media.resource(&state.config.photoshelter.org_id)
        };
        (changed, resource)
    };
    state.log.record(
        SURFACE,
        "PATCH",
        uri.path(),
        json!({"media_id": media_id, "attributes": attrs}),
    );
    events::emit(state, changed.events(media_id));
    Ok(data(resource))
}

pub async fn delete_media(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(media_id): Path<String>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let removed = state.photoshelter.lock().await.media.remove(&media_id);
    if removed.is_none() {
        return Err(PsError::not_found(V4, "media"));
    }
    state
        .log
        .record(SURFACE, "DELETE", uri.path(), json!({"media_id": media_id}));
    events::emit(&state, vec![Event::media(events::DELETED, &media_id)]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn gallery_children(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(gallery_id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let (page, per_page) = paging(&q)?;
    let ps = state.photoshelter.lock().await;
    if !ps.galleries.contains_key(&gallery_id) {
        return Err(PsError::not_found(V4, "gallery"));
    }
    let org_id = &state.config.photoshelter.org_id;
    let children: Vec<&MediaRecord> = ps
        .media
        .values()
        .filter(|m| m.galleries.contains(&gallery_id))
        .collect();
    let body = model::page(children, page, per_page, |m| m.resource(org_id));
    Ok(Json(body).into_response())
}

pub async fn add_child(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(gallery_id): Path<String>,
    body: Bytes,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| PsError::bad_request(V4, format!("invalid JSON: {e}")))?;
    let media_id = value
        .get("data")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            PsError::bad_request(V4, "expected {\"data\":{\"type\":\"media\",\"id\":..}}")
        })?
        .to_owned();
    let added = {
        let mut ps = state.photoshelter.lock().await;
        if !ps.galleries.contains_key(&gallery_id) {
            return Err(PsError::not_found(V4, "gallery"));
        }
        let media = media_v4_mut(&mut ps, &media_id)?;
        let added = media.galleries.insert(gallery_id.clone());
        if added {
            media.modified_at = chrono::Utc::now();
        }
        added
    };
    state.log.record(
        SURFACE,
        "POST",
        uri.path(),
        json!({"gallery_id": gallery_id, "media_id": media_id}),
    );
    if added {
        events::emit(
            &state,
            vec![Event::gallery(
                events::GALLERY_ADDED,
                &media_id,
                &gallery_id,
            )],
        );
    }
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let resource = json!({"id": media_id, "type": "media"});
    Ok((
        status,
        Json(json!({"data": resource, "meta": model::meta(None)})),
    )
        .into_response())
}

pub async fn remove_child(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((gallery_id, media_id)): Path<(String, String)>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    {
        let mut ps = state.photoshelter.lock().await;
        let media = ps
            .media
            .get_mut(&media_id)
            .filter(|m| m.galleries.contains(&gallery_id))
            .ok_or_else(|| PsError::not_found(V4, "gallery child"))?;
        media.galleries.remove(&gallery_id);
        media.modified_at = chrono::Utc::now();
    }
    state.log.record(
        SURFACE,
        "DELETE",
        uri.path(),
        json!({"gallery_id": gallery_id, "media_id": media_id}),
    );
    events::emit(
        &state,
        vec![Event::gallery(
            events::GALLERY_REMOVED,
            &media_id,
            &gallery_id,
        )],
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The media item, or the v4 `ResourceNotFoundException`.
fn media_v4<'a>(
    ps: &'a super::State,
    media_id: &str,
) -> Result<&'a super::model::MediaRecord, PsError> {
    ps.media
        .get(media_id)
        .ok_or_else(|| PsError::not_found(V4, "media"))
}

fn media_v4_mut<'a>(
    ps: &'a mut super::State,
    media_id: &str,
) -> Result<&'a mut super::model::MediaRecord, PsError> {
    ps.media
        .get_mut(media_id)
        .ok_or_else(|| PsError::not_found(V4, "media"))
}
