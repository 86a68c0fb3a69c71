//! Login sessions beyond v3 token mode:
//! - v3 `mode=cookie`, the documented default [DOC `S-auth`]: the session travels in a
//!   cookie the client must send back as is; the answer carries no token. The cookie's
//!   name (`ps_session`) is ASSUMED (the docs call it proprietary), and the sandbox does
//!   not renew it on every call as PhotoShelter does (idle time is not tracked).
//! - v4 `POST /psapi/v4.0/authenticate` (form `email`, `password`, `mode`, optional
//!   `org_id`) → `{"token"}` at the top level [SPEC-DRAFT]; `POST
//!   /psapi/v4.0/organization/authenticate` (form `org_id`) → `{"meta":{"status":"OK"}}`,
//!   `/organization/logout` and `/authenticate/logout` [SPEC-DRAFT, CLIENT `S-importer`].
//! - The concurrent-session cap ([`crate::SandboxConfig::max_sessions_per_user`]): a login
//!   beyond it ends the user's oldest session (ASSUMED).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{Duration, Utc};
use secrecy::ExposeSecret;
use serde_json::json;

use super::auth::{self, PsError, Shape};
use super::model::{Session, State as PsState};
use crate::state::AppState;

/// The session cookie of cookie mode.
pub const COOKIE: &str = "ps_session";
const SURFACE: &str = "photoshelter";

/// A new session (not yet in an organization); the oldest ones end when the user would
/// hold more than `cap`.
pub fn start(ps: &mut PsState, lifetime_secs: u64, cap: usize) -> String {
    let now = Utc::now();
    ps.sessions.retain(|_, s| s.expires_at > now);
    // Every session is the one user's: they all live `lifetime_secs`, so the one that
    // expires first is the oldest.
    while ps.sessions.len() >= cap.max(1) {
        let oldest = ps
            .sessions
            .iter()
            .min_by_key(|(_, s)| s.expires_at)
            .map(|(token, _)| token.clone());
        match oldest {
            Some(token) => ps.sessions.remove(&token),
            None => break,
        };
    }
    let token = format!("pst_{}", uuid::Uuid::new_v4().simple());
    let expires_at = now + Duration::seconds(i64::try_from(lifetime_secs).unwrap_or(i64::MAX));
    ps.sessions.insert(
        token.clone(),
        Session {
            expires_at,
            org_id: None,
        },
    );
    ps.logins += 1;
    token
}

/// The session of a request's cookie (cookie mode).
pub fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// `Set-Cookie` for a cookie-mode session.
pub fn set_cookie(token: &str) -> (header::HeaderName, String) {
    (
        header::SET_COOKIE,
        format!("{COOKIE}={token}; Path=/psapi; HttpOnly; Secure; SameSite=Lax"),
    )
}

/// Whether a login's `mode` asks for cookie mode (`default_cookie` when absent: v3's
/// documented default is cookie, the v4 draft's token).
pub fn cookie_mode(
    form: &BTreeMap<String, String>,
    default_cookie: bool,
    shape: Shape,
) -> Result<bool, PsError> {
    match form.get("mode").map(String::as_str) {
        None => Ok(default_cookie),
        Some("cookie") => Ok(true),
        Some("token") => Ok(false),
        Some(_) => Err(PsError::bad_request(shape, "mode must be cookie or token.")),
    }
}

/// Whether `form` holds the configured user's email and password.
pub fn credentials_match(state: &AppState, form: &BTreeMap<String, String>) -> bool {
    let creds = &state.config.photoshelter;
    form.get("email").map(String::as_str) == Some(creds.email.as_str())
        && form.get("password").map(String::as_str) == Some(creds.password.expose_secret())
}

fn v4_ok() -> Response {
    Json(json!({"meta": {"status": "OK"}})).into_response()
}

pub async fn v4_authenticate(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V4)?;
    if !credentials_match(&state, &form) {
        return Err(PsError::unauthorized(
            Shape::V4,
            "Invalid email or password.",
        ));
    }
    let cookie = cookie_mode(&form, false, Shape::V4)?;
    let org = form.get("org_id").cloned();
    if org
        .as_deref()
        .is_some_and(|o| o != state.config.photoshelter.org_id)
    {
        return Err(PsError::not_found(Shape::V4, "organization"));
    }
    let token = {
        let mut ps = state.photoshelter.lock().await;
        let token = start(
            &mut ps,
            state.config.token_lifetime_secs,
            state.config.max_sessions_per_user,
        );
        if let Some(session) = ps.sessions.get_mut(&token) {
            session.org_id = org;
        }
        token
    };
    state.log.record(
        SURFACE,
        "POST",
        uri.path(),
        json!({"email": state.config.photoshelter.email}),
    );
    Ok(if cookie {
        ([set_cookie(&token)], Json(json!({}))).into_response()
    } else {
        Json(json!({"token": token})).into_response()
    })
}

pub async fn v4_org_authenticate(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V4)?;
    let token = auth::session_token(&headers, &uri)
        .ok_or_else(|| PsError::unauthorized(Shape::V4, "No auth token was sent."))?;
    let org = form.get("org_id").cloned().unwrap_or_default();
    if org != state.config.photoshelter.org_id {
        return Err(PsError::not_found(Shape::V4, "organization"));
    }
    let mut ps = state.photoshelter.lock().await;
    match ps.sessions.get_mut(token) {
        Some(s) if s.expires_at > Utc::now() => {
            s.org_id = Some(org);
            Ok(v4_ok())
        }
        _ => Err(PsError::unauthorized(
            Shape::V4,
            "The auth token is invalid or expired.",
        )),
    }
}

/// `/psapi/v4.0/authenticate/logout` ends the session; `/organization/logout` leaves the
/// organization.
pub async fn v4_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V4)?;
    let token = auth::session_token(&headers, &uri)
        .ok_or_else(|| PsError::unauthorized(Shape::V4, "No auth token was sent."))?
        .to_owned();
    let mut ps = state.photoshelter.lock().await;
    let live = ps
        .sessions
        .get(&token)
        .is_some_and(|s| s.expires_at > Utc::now());
    if !live {
        return Err(PsError::unauthorized(
            Shape::V4,
            "The auth token is invalid or expired.",
        ));
    }
    if uri.path().contains("/organization/") {
        if let Some(s) = ps.sessions.get_mut(&token) {
            s.org_id = None;
        }
    } else {
        ps.sessions.remove(&token);
    }
    Ok(v4_ok())
}
