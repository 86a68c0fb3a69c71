//! The identity server's token endpoint and the Bearer check of CLAPI-C.
//!
//! `POST /connect/token` (DOC: SDK source, `https://{tenant}.smint.io/connect/token`) takes
//! the refresh-token grant as a form: `grant_type=refresh_token`, `refresh_token`,
//! `client_id`, `client_secret`. It answers `{"access_token", "refresh_token",
//! "expires_in", "token_type": "Bearer", "scope"}` and OAuth errors as 400
//! `{"error": "invalid_grant" | "invalid_client" | ...}` (RFC 6749 §5.2).
//!
//! Refresh tokens rotate (research "Unknown" #4: the SDKs store the returned one every
//! time): each grant returns a new one and consumes the one presented, which is then
//! refused with `invalid_grant` like any unknown token. No grace period: none is
//! documented. The configured refresh token is consumed the same way unless
//! `smintio.reusable_refresh_token` (a sandbox-only convenience) keeps it valid.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use chrono::{Duration, Utc};
use http::StatusCode;
use http::header::AUTHORIZATION;
use secrecy::ExposeSecret;

use super::{ApiError, model};
use crate::state::AppState;

/// The scope the SDKs request.
const SCOPE: &str = "smintio.full openid profile offline_access";

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/connect/token", post(token))
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(serde_json::json!({ "error": error }))).into_response()
}

/// A random token: opaque, unguessable, URL-safe.
pub(super) fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

async fn token(
    State(app): State<AppState>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "refresh_token" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let credentials = &app.config.smintio;
    if field("client_id") != credentials.client_id
        || field("client_secret") != credentials.client_secret.expose_secret()
    {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client");
    }
    let presented = field("refresh_token");
    let now = Utc::now();
    let mut state = app.smintio.lock().await;
    let configured = !presented.is_empty()
        && presented == credentials.refresh_token.expose_secret()
        && (credentials.reusable_refresh_token || !state.configured_token_used);
    let rotated = state.refresh_tokens.remove(presented).is_some();
    if !configured && !rotated {
        state.token_refusals += 1;
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    if configured {
        state.configured_token_used = true;
    }
    let lifetime = app.config.token_lifetime_secs;
    let access_token = random_token();
    let refresh_token = random_token();
    state
        .access_tokens
        .retain(|_, expires_at| *expires_at > now);
    state.access_tokens.insert(
        access_token.clone(),
        now + Duration::seconds(lifetime as i64),
    );
    state.refresh_tokens.insert(refresh_token.clone(), now);
    state.token_grants += 1;
    Json(serde_json::json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": lifetime,
        "token_type": "Bearer",
        "scope": SCOPE,
    }))
    .into_response()
}

/// `Ok` when the request carries a live access token; otherwise the 401 to answer.
pub(super) fn check_bearer(state: &model::State, headers: &HeaderMap) -> Result<(), ApiError> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let valid = presented
        .and_then(|token| state.access_tokens.get(token))
        .is_some_and(|expires_at| *expires_at > Utc::now());
    if valid {
        return Ok(());
    }
    let mut error = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing, invalid or expired access token",
    );
    // RFC 6750 §3: tell the client why, so it knows a refresh may help.
    error.challenge = Some(if presented.is_some() {
        "Bearer error=\"invalid_token\""
    } else {
        "Bearer"
    });
    Err(error)
}
