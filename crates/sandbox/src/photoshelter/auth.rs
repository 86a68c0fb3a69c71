//! API key and user authentication of the simulated surface, and its error answers.
//!
//! - Key: `X-PS-Api-Key` header or `api_key` query parameter [DOC `S-connect`]; missing or
//!   wrong → 403 `ApiKeyInvalidException` [SPEC-DRAFT].
//! - User: `X-PS-Auth-Token` (a session from `/psapi/v3/mem/authenticate`, authenticated to
//!   the organization) or `Authorization: Bearer` (the configured OAuth token, or a session
//!   token as the importer sends both) \[CLIENT\], or the session cookie of cookie mode
//!   (`sessions`); otherwise 401 `AcsPermissionException` with
//!   `WWW-Authenticate: Bearer` [SPEC-DRAFT].
//! - Errors on v4 paths use the draft's `{"errors":[...]}` list; v3 paths answer
//!   `{"status":"error","message":..,"code":..}` (ASSUMED: the v3 JSON error body is
//!   undocumented, only `status != "ok"` is known).

use axum::Json;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::state::AppState;

/// Which envelope an error is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    V3,
    V4,
}

/// An error answer of the surface.
#[derive(Debug)]
pub struct PsError {
    pub shape: Shape,
    pub status: StatusCode,
    pub id: &'static str,
    pub title: &'static str,
    pub detail: String,
}

impl PsError {
    pub fn api_key_invalid(shape: Shape) -> Self {
        let detail = "The API key is missing or invalid.".into();
        Self {
            shape,
            status: StatusCode::FORBIDDEN,
            id: "ApiKeyInvalidException",
            title: "Invalid API key",
            detail,
        }
    }
    pub fn unauthorized(shape: Shape, detail: &str) -> Self {
        Self {
            shape,
            status: StatusCode::UNAUTHORIZED,
            id: "AcsPermissionException",
            title: "Authentication required",
            detail: detail.into(),
        }
    }
    pub fn not_found(shape: Shape, what: &str) -> Self {
        Self {
            shape,
            status: StatusCode::NOT_FOUND,
            id: "ResourceNotFoundException",
            title: "Resource not found",
            detail: format!("The requested {what} was not found."),
        }
    }
    /// 400; the draft names no id for it, `BadRequestException` is ASSUMED.
    pub fn bad_request(shape: Shape, detail: impl Into<String>) -> Self {
        Self {
            shape,
            status: StatusCode::BAD_REQUEST,
            id: "BadRequestException",
            title: "Bad Request",
            detail: detail.into(),
        }
    }
}

impl IntoResponse for PsError {
    fn into_response(self) -> Response {
        let body = match self.shape {
            Shape::V4 => json!({"errors": [{
                "id": self.id,
                "status": self.status.as_u16().to_string(),
                "title": self.title,
                "detail": self.detail,
            }]}),
            Shape::V3 => json!({"status": "error", "code": self.id, "message": self.detail}),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

fn query_param<'a>(uri: &'a Uri, name: &str) -> Option<&'a str> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the API key only (login endpoints).
pub fn api_key(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    shape: Shape,
) -> Result<(), PsError> {
    let expected = state.config.photoshelter.api_key.expose_secret();
    let given = header_str(headers, "x-ps-api-key").or_else(|| query_param(uri, "api_key"));
    match given {
        Some(key) if key == expected => Ok(()),
        _ => Err(PsError::api_key_invalid(shape)),
    }
}

/// Checks the API key and the user (every member endpoint).
pub async fn member(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    shape: Shape,
) -> Result<(), PsError> {
    api_key(state, headers, uri, shape)?;
    let bearer = header_str(headers, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    if bearer == Some(state.config.photoshelter.oauth_token.expose_secret()) {
        return Ok(());
    }
    let token = header_str(headers, "x-ps-auth-token")
        .or(bearer)
        .or_else(|| query_param(uri, "auth_token"))
        .or_else(|| super::sessions::cookie_token(headers))
        .ok_or_else(|| PsError::unauthorized(shape, "No auth token was sent."))?;
    let ps = state.photoshelter.lock().await;
    match ps.sessions.get(token) {
        Some(s) if s.expires_at > Utc::now() && s.org_id.is_some() => Ok(()),
        Some(s) if s.expires_at > Utc::now() => Err(PsError::unauthorized(
            shape,
            "The session is not authenticated to an organization.",
        )),
        _ => Err(PsError::unauthorized(
            shape,
            "The auth token is invalid or expired.",
        )),
    }
}

/// The session token of a request (for organization authentication).
pub fn session_token<'a>(headers: &'a HeaderMap, uri: &'a Uri) -> Option<&'a str> {
    header_str(headers, "x-ps-auth-token")
        .or_else(|| header_str(headers, "authorization").and_then(|v| v.strip_prefix("Bearer ")))
        .or_else(|| query_param(uri, "auth_token"))
        .or_else(|| super::sessions::cookie_token(headers))
}
