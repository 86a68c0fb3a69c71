//! Control routes of the simulated PhotoShelter. Every change emits the matching signed
//! webhook (see `events`); every route answers JSON, errors as `{"error": ".."}`.
//!
//! | Method | Path | Body | Effect |
//! |---|---|---|---|
//! | POST | `/_sandbox/photoshelter/galleries` | `{"name", "mode"?}` | creates a gallery `G0000…`; returns it |
//! | POST | `/_sandbox/photoshelter/media` | `{"file_name"?, "media_type"?, "galleries"?: [id], "iptc"?: {..}, "license_expiration_date"?, "model_released"?, "property_released"?, "mode"?, "rating"?, "custom_metadata"?: {field: tag}, "bytes"?, "sha256"?}` | creates media `I0000…` (16 chars); `media.created`; returns its full state |
//! | GET | `/_sandbox/photoshelter/media/{id}` | | full state (IPTC, galleries, visibility, versions with length + sha256, flags) |
//! | PATCH | `/_sandbox/photoshelter/media/{id}` | any of: `"iptc"` (merged; `""`/null clears), `"galleries"` (the new full list), `"mode"`/`"visibility"`, `"license_expiration_date"` (null clears), `"model_released"`, `"property_released"`, `"rating"`, `"searchable"`, `"custom_metadata"` (merged; null clears), `"add_version": true`, `"archived"`, `"restricted"`, `"approved"`, `"deleted": true`, `"unseen": true` (no new modified_at, no webhook: drift only a reconciliation finds) | see below; returns the full state |
//! | POST | `/_sandbox/photoshelter/sessions/expire` | | invalidates every auth token (sessions and OAuth access tokens); `{"expired": n}` |
//! | GET | `/_sandbox/photoshelter/stats` | | `{"logins", "oauth_grants", "sessions", "media", "galleries"}` |
//!
//! Webhooks of a PATCH (one per kind of change): `gallery.media_added` /
//! `gallery.media_removed` per gallery (with `gallery_id`); `media.rights_changed` (rights
//! IPTC `credit`/`copyright`/`rights`/`web_statement`/`author`, expiration, releases);
//! `media.restricted` (mode leaves `everyone`, or `"restricted": true`, which also sets
//! mode `private`); `media.version_added`; `media.archived`; `media.approved`;
//! `media.deleted` (the item is removed); `media.updated` for any other change.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::apply;
use super::events::{self, Event};
use super::model::{GalleryRecord, MODES, MediaRecord, Version};
use crate::state::AppState;

/// Attribute keys handled by `apply::attributes`.
pub(super) const ATTRIBUTE_KEYS: &[&str] = &[
    "mode",
    "license_expiration_date",
    "model_released",
    "property_released",
    "rating",
    "searchable",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/photoshelter/galleries", post(create_gallery))
        .route("/_sandbox/photoshelter/media", post(create_media))
        .route(
            "/_sandbox/photoshelter/media/{id}",
            get(show_media).patch(super::control_patch::patch_media),
        )
        .route(
            "/_sandbox/photoshelter/sessions/expire",
            post(expire_sessions),
        )
        .route("/_sandbox/photoshelter/stats", get(stats))
}

pub(super) struct ControlError(pub StatusCode, pub String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

pub(super) fn bad(msg: impl Into<String>) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, msg.into())
}

pub(super) fn fake_sha256(media_id: &str, version: u64) -> String {
    hex::encode(Sha256::digest(format!("{media_id}:v{version}").as_bytes()))
}

async fn create_gallery(
    State(state): State<AppState>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ControlError> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("name is required"))?;
    let mode = body
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or("everyone");
    if !MODES.contains(&mode) {
        return Err(bad("mode must be everyone, permission or private"));
    }
    let now = Utc::now();
    let mut ps = state.photoshelter.lock().await;
    let id = ps.new_id("G0000");
    let gallery = GalleryRecord {
        id: id.clone(),
        name: name.into(),
        mode: mode.into(),
        created_at: now,
        modified_at: now,
    };
    ps.galleries.insert(id, gallery.clone());
    Ok((StatusCode::CREATED, Json(gallery)).into_response())
}

async fn create_media(
    State(state): State<AppState>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ControlError> {
    const KEYS: &[&str] = &[
        "file_name",
        "media_type",
        "galleries",
        "iptc",
        "custom_metadata",
        "bytes",
        "sha256",
    ];
    if let Some(k) = body
        .keys()
        .find(|k| !KEYS.contains(&k.as_str()) && !ATTRIBUTE_KEYS.contains(&k.as_str()))
    {
        return Err(bad(format!("unknown field {k:?}")));
    }
    let now = Utc::now();
    let mut ps = state.photoshelter.lock().await;
    let id = ps.new_id("I0000");
    let galleries = string_list(body.get("galleries"))?;
    if let Some(g) = galleries.iter().find(|g| !ps.galleries.contains_key(*g)) {
        return Err(ControlError(
            StatusCode::NOT_FOUND,
            format!("unknown gallery {g}"),
        ));
    }
    let media_type = body
        .get("media_type")
        .and_then(Value::as_str)
        .unwrap_or("image");
    let mut media = MediaRecord {
        id: id.clone(),
        media_type: media_type.into(),
        file_name: body
            .get("file_name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{id}.jpg"), str::to_owned),
        model_released: None,
        property_released: None,
        rating: None,
        searchable: true,
        mode: "everyone".into(),
        archived: false,
        restricted: false,
        approved: false,
        license_expiration_date: None,
        iptc: BTreeMap::new(),
        galleries: galleries.into_iter().collect(),
        custom_metadata: BTreeMap::new(),
        versions: vec![Version {
            number: 1,
            bytes: body.get("bytes").and_then(Value::as_u64).unwrap_or(1024),
            sha256: body
                .get("sha256")
                .and_then(Value::as_str)
                .map_or_else(|| fake_sha256(&id, 1), str::to_owned),
            added_at: now,
        }],
        created_at: now,
        modified_at: now,
    };
    let attrs: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| ATTRIBUTE_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    apply::attributes(&mut media, &attrs).map_err(bad)?;
    if let Some(iptc) = body.get("iptc") {
        apply::iptc(
            &mut media,
            iptc.as_object()
                .ok_or_else(|| bad("iptc must be an object"))?,
        )
        .map_err(bad)?;
    }
    if let Some(custom) = body.get("custom_metadata") {
        merge_custom(&mut media, custom)?;
    }
    media.modified_at = now;
    ps.media.insert(id.clone(), media.clone());
    drop(ps);
    events::emit(&state, vec![Event::media(events::CREATED, &id)]);
    Ok((StatusCode::CREATED, Json(media.control_view())).into_response())
}

async fn show_media(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    let ps = state.photoshelter.lock().await;
    let media = ps
        .media
        .get(&id)
        .ok_or_else(|| ControlError(StatusCode::NOT_FOUND, format!("unknown media {id}")))?;
    Ok(Json(media.control_view()).into_response())
}

/// Merges custom metadata (`null` removes a field); returns whether anything changed.
pub(super) fn merge_custom(media: &mut MediaRecord, custom: &Value) -> Result<bool, ControlError> {
    let map = custom
        .as_object()
        .ok_or_else(|| bad("custom_metadata must be an object"))?;
    let mut changed = false;
    for (field, tag) in map {
        let new = match tag {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(bad("custom_metadata values must be strings or null")),
        };
        if media.custom_metadata.get(field) != new.as_ref() {
            changed = true;
            match new {
                Some(t) => media.custom_metadata.insert(field.clone(), t),
                None => media.custom_metadata.remove(field),
            };
        }
    }
    Ok(changed)
}

pub(super) fn string_list(value: Option<&Value>) -> Result<Vec<String>, ControlError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad("galleries must be a list of ids"))
            })
            .collect(),
        Some(_) => Err(bad("galleries must be a list of ids")),
    }
}

async fn expire_sessions(State(state): State<AppState>) -> Json<Value> {
    let mut ps = state.photoshelter.lock().await;
    let expired = ps.sessions.len();
    ps.sessions.clear();
    Json(json!({"expired": expired}))
}

async fn stats(State(state): State<AppState>) -> Json<Value> {
    let ps = state.photoshelter.lock().await;
    Json(json!({
        "logins": ps.logins,
        "oauth_grants": ps.oauth_grants,
        "sessions": ps.sessions.len(),
        "media": ps.media.len(),
        "galleries": ps.galleries.len(),
    }))
}
