//! v4 OAuth 2.0 token endpoint, refresh grant only: `POST /psapi/v4.0/oauth/token` with
//! `grant_type=refresh_token`, `refresh_token`, `client_id`, `client_secret` (and the
//! importer's `redirect_uri`) plus the `X-PS-Api-Key` header, answering `access_token`,
//! `refresh_token` and `expires_in` [CLIENT `S-importer` library.js, `S-oauthtester`].
//!
//! The inconvenient parts, as a real authorization server may behave (research §1.2 says
//! nothing about rotation, so the stricter case is simulated, ASSUMED): every grant
//! rotates the refresh token and the one presented stops working (`invalid_grant`);
//! access tokens expire after `token_lifetime_secs`, and then answer 401 like an expired
//! session. The authorization-code step (a browser consent) is not simulated: the
//! configured refresh token stands for its result.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{Duration, Utc};
use secrecy::ExposeSecret;
use serde_json::json;

use super::auth::{self, PsError, Shape};
use super::model::Session;
use crate::state::AppState;

const SURFACE: &str = "photoshelter";

/// RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::api_key(&state, &headers, &uri, Shape::V4)?;
    let creds = &state.config.photoshelter;
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("client_id") != Some(creds.oauth_client_id.as_str())
        || field("client_secret") != Some(creds.oauth_client_secret.expose_secret())
    {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        ));
    }
    if field("grant_type") != Some("refresh_token") {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "the sandbox serves the refresh_token grant only",
        ));
    }
    let mut ps = state.photoshelter.lock().await;
    let current = ps
        .oauth_refresh_token
        .clone()
        .unwrap_or_else(|| creds.oauth_refresh_token.expose_secret().to_owned());
    if field("refresh_token") != Some(current.as_str()) {
        drop(ps);
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the refresh token is invalid, expired or already used",
        ));
    }
    let access = format!("psa_{}", uuid::Uuid::new_v4().simple());
    let refresh = format!("psr_{}", uuid::Uuid::new_v4().simple());
    let lifetime = state.config.token_lifetime_secs;
    ps.sessions.insert(
        access.clone(),
        Session {
            expires_at: Utc::now() + Duration::seconds(i64::try_from(lifetime).unwrap_or(3600)),
            org_id: Some(creds.org_id.clone()),
        },
    );
    ps.oauth_refresh_token = Some(refresh.clone());
    ps.oauth_grants += 1;
    drop(ps);
    state.log.record(
        SURFACE,
        "POST",
        uri.path(),
        json!({"grant_type": "refresh_token"}),
    );
    Ok(Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response())
}
