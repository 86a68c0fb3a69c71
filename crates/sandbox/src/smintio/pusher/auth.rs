//! `POST /consumer/v1/notifications/pusher/auth`: Smint.io's channel auth endpoint (DOC:
//! SDK source, `https://{tenant}.clapi.smint.io/consumer/v1/notifications/pusher/auth`,
//! called by the Pusher client's HTTP authorizer with `Authorization: Bearer <CLAPI-C
//! access token>`).
//!
//! The body is the Pusher authorizer's form, `socket_id=..&channel_name=..`, and the
//! answer `{"auth": "{app_key}:{signature}"}` (Pusher's documented authorizer contract).
//! ASSUMED: 401 for a missing or expired token, exactly as the other CLAPI-C routes;
//! 403 for any channel but the tenant's `private-2-{channelId}`; 400 for a malformed
//! socket id or form. Smint.io documents none of these answers.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use http::StatusCode;
use secrecy::ExposeSecret;

use super::super::api_error;
use super::super::auth::check_bearer;
use super::{channel_auth, is_socket_id};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/consumer/v1/notifications/pusher/auth", post(authorize))
}

async fn authorize(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if let Err(refused) = check_bearer(&*app.smintio.lock().await, &headers) {
        return refused.into_response();
    }
    let Ok(Form(form)) = form else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "expected a form with socket_id and channel_name",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let (socket_id, channel) = (field("socket_id"), field("channel_name"));
    if !is_socket_id(socket_id) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_socket_id",
            "socket_id must be two numbers joined by a dot",
        );
    }
    let settings = &app.config.pusher;
    if channel != settings.channel() {
        return api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the channel is not this tenant's",
        );
    }
    let auth = channel_auth(
        &settings.app_key,
        settings.app_secret.expose_secret(),
        socket_id,
        channel,
    );
    Json(serde_json::json!({ "auth": auth })).into_response()
}
