//! v3 endpoints of the simulated surface:
//! - `POST /psapi/v3/mem/authenticate` (form `email`, `password`, `mode=cookie|token`,
//!   cookie the default) \[DOC\]; answer `{"status":"ok","data":{"token":..,"org":[..]}}`
//!   \[CLIENT\], in cookie mode without `token` and with the session cookie (`sessions`).
//!   Wrong credentials → 401 (status ASSUMED).
//! - `GET|POST /psapi/v3/mem/organization/{org_id}/authenticate` [DOC; clients use both].
//! - `GET /psapi/v3/mem/user/session` \[CLIENT\]: `data.Session` (the user and `tz`).
//! - `POST /psapi/v3/mem/image/upload` multipart `file` + `gallery_id` \[DOC\]; answer
//!   `data.Image` (ASSUMED shape). The file is counted and hashed while it streams; no
//!   size limit (none is documented).
//! - `POST /psapi/v3/mem/gallery/{gallery_id}/visibility/update` form `mode` [CLIENT v2 path,
//!   ASSUMED on v3].

use std::collections::BTreeMap;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::Utc;
use serde_json::json;

use super::auth::{self, PsError, Shape};
use super::events::{self, Event};
use super::model::{MODES, MediaRecord, Version};
use super::multipart;
use super::sessions;
use crate::state::AppState;

const SURFACE: &str = "photoshelter";

fn ok(data: serde_json::Value) -> Response {
    Json(json!({"status": "ok", "data": data})).into_response()
}

pub async fn authenticate(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V3)?;
    let creds = &state.config.photoshelter;
    if !sessions::credentials_match(&state, &form) {
        return Err(PsError::unauthorized(
            Shape::V3,
            "Invalid email or password.",
        ));
    }
    // Cookie mode is the documented default; token mode is recommended outside browsers.
    let cookie = sessions::cookie_mode(&form, true, Shape::V3)?;
    let token = {
        let mut ps = state.photoshelter.lock().await;
        sessions::start(
            &mut ps,
            state.config.token_lifetime_secs,
            state.config.max_sessions_per_user,
        )
    };
    state
        .log
        .record(SURFACE, "POST", uri.path(), json!({"email": creds.email}));
    let org = json!([{"member": "t", "id": creds.org_id, "name": "Sandbox Organization"}]);
    Ok(if cookie {
        ([sessions::set_cookie(&token)], ok(json!({"org": org}))).into_response()
    } else {
        ok(json!({"token": token, "org": org}))
    })
}

pub async fn org_authenticate(
    method: Method,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(org_id): Path<String>,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V3)?;
    let token = auth::session_token(&headers, &uri)
        .ok_or_else(|| PsError::unauthorized(Shape::V3, "No auth token was sent."))?;
    if org_id != state.config.photoshelter.org_id {
        return Err(PsError::not_found(Shape::V3, "organization"));
    }
    {
        let mut ps = state.photoshelter.lock().await;
        match ps.sessions.get_mut(token) {
            Some(s) if s.expires_at > Utc::now() => s.org_id = Some(org_id.clone()),
            _ => {
                return Err(PsError::unauthorized(
                    Shape::V3,
                    "The auth token is invalid or expired.",
                ));
            }
        }
    }
    state.log.record(
        SURFACE,
        method.as_str(),
        uri.path(),
        json!({"org_id": org_id}),
    );
    Ok(ok(json!({"Organization": {"organization_id": org_id}})))
}

/// `/psapi/v3/mem/authenticate/logout` [CLIENT `S-ws`]: the session ends (its token stops
/// working). `/psapi/v3/mem/organization/logout` [CLIENT `S-pm`]: the session leaves the
/// organization and stays logged in. GET or POST, as clients differ.
pub async fn logout(
    method: Method,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V3)?;
    let token = auth::session_token(&headers, &uri)
        .ok_or_else(|| PsError::unauthorized(Shape::V3, "No auth token was sent."))?
        .to_owned();
    let organization_only = uri.path().contains("/organization/");
    {
        let mut ps = state.photoshelter.lock().await;
        let live = ps
            .sessions
            .get(&token)
            .is_some_and(|s| s.expires_at > Utc::now());
        if !live {
            return Err(PsError::unauthorized(
                Shape::V3,
                "The auth token is invalid or expired.",
            ));
        }
        if organization_only {
            if let Some(session) = ps.sessions.get_mut(&token) {
                session.org_id = None;
            }
        } else {
            ps.sessions.remove(&token);
        }
    }
    state
        .log
        .record(SURFACE, method.as_str(), uri.path(), json!({}));
    Ok(ok(json!({})))
}

/// `GET /psapi/v3/mem/user/session` [CLIENT `S-drupal`]: `data.Session` with `tz`.
pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, Shape::V3).await?;
    let creds = &state.config.photoshelter;
    Ok(ok(
        json!({"Session": {"email": creds.email, "organization_id": creds.org_id, "tz": "UTC"}}),
    ))
}

pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PsError> {
    // Credentials are checked before the body is read, as before any other input.
    auth::member(&state, &headers, &uri, Shape::V3).await?;
    let form =
        form.map_err(|_| PsError::bad_request(Shape::V3, "Expected multipart/form-data."))?;
    let parsed = multipart::read(form)
        .await
        .map_err(|e| PsError::bad_request(Shape::V3, e.to_string()))?;
    let gallery_id = parsed
        .fields
        .get("gallery_id")
        .ok_or_else(|| PsError::bad_request(Shape::V3, "gallery_id is required."))?;
    let file = match parsed.files.as_slice() {
        [one] if one.field == "file" || one.field == "file[]" => one,
        [] => return Err(PsError::bad_request(Shape::V3, "file is required.")),
        _ => {
            return Err(PsError::bad_request(
                Shape::V3,
                "The sandbox takes one file per upload.",
            ));
        }
    };
    let searchable = parsed.fields.get("f_searchable").map(|v| v != "f");
    let file_name = file.file_name.clone().unwrap_or_else(|| "upload".into());
    let now = Utc::now();
    let record = {
        let mut ps = state.photoshelter.lock().await;
        if !ps.galleries.contains_key(gallery_id) {
            return Err(PsError::not_found(Shape::V3, "gallery"));
        }
        let id = ps.new_id("I0000");
        let record = MediaRecord {
            id: id.clone(),
            media_type: "image".into(),
            file_name: file_name.clone(),
            model_released: None,
            property_released: None,
            rating: None,
            searchable: searchable.unwrap_or(true),
            mode: "everyone".into(),
            archived: false,
            restricted: false,
            approved: false,
            license_expiration_date: None,
            iptc: BTreeMap::new(),
            galleries: [gallery_id.clone()].into(),
            custom_metadata: BTreeMap::new(),
            versions: vec![Version {
                number: 1,
                bytes: file.bytes,
                sha256: file.sha256.clone(),
                added_at: now,
            }],
            created_at: now,
            modified_at: now,
        };
        ps.media.insert(id, record.clone());
        record
    };
    state.log.record(
        SURFACE,
        "POST",
        uri.path(),
        json!({"media_id": record.id, "gallery_id": gallery_id, "file_name": file_name,
               "bytes": file.bytes, "sha256": file.sha256}),
    );
    events::emit(&state, vec![Event::media(events::CREATED, &record.id)]);
    Ok(ok(json!({"Image": {
        "image_id": record.id,
        "file_name": record.file_name,
        "file_size": file.bytes,
        "gallery_id": gallery_id,
    }})))
}

pub async fn gallery_visibility(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(gallery_id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, Shape::V3).await?;
    let mode = form
        .get("mode")
        .filter(|m| MODES.contains(&m.as_str()))
        .ok_or_else(|| {
            PsError::bad_request(Shape::V3, "mode must be everyone, permission or private.")
        })?;
    {
        let mut ps = state.photoshelter.lock().await;
        let gallery = ps
            .galleries
            .get_mut(&gallery_id)
            .ok_or_else(|| PsError::not_found(Shape::V3, "gallery"))?;
        gallery.mode = mode.clone();
        gallery.modified_at = Utc::now();
    }
    state.log.record(
        SURFACE,
        "POST",
        uri.path(),
        json!({"gallery_id": gallery_id, "mode": mode}),
    );
    Ok(ok(
        json!({"Gallery": {"gallery_id": gallery_id, "mode": mode}}),
    ))
}
