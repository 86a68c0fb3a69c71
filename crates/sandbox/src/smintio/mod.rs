//! Simulated Smint.io: the identity server's token endpoint, the CLAPI-C sync surface, the
//! pre-signed binary downloads and the Portals data-adapter webhook that receives our
//! pushes (research/smintio.md; contract in docs/platforms.md).
//!
//! - [`model`]: the remembered [`State`] and the CLAPI-C wire shapes.
//! - `auth`: `POST /connect/token` (refresh-token grant) and Bearer checks.
//! - `clapi`: `/consumer/v1/sync/...` and `/consumer/v1/_files/{token}`.
//! - `metadata`: the generic-metadata enumerations served.
//! - `adapter`: `POST /portals/data-adapter/webhook` (signature check, AssetUpdate/Deletion).
//! - `control`: `/_sandbox/smintio/...` (see the table there); `commands`: LPT
//!   create / update / cancel.
//! - [`pusher`]: the Pusher Channels app behind Smint.io's push notifications (`/app/{key}`
//!   WebSocket, `POST /consumer/v1/notifications/pusher/auth`, `/_sandbox/smintio/pusher…`).
//!
//! Paths Smint.io does not document are marked ASSUMED where they are routed.

mod adapter;
mod auth;
mod clapi;
mod commands;
mod control;
mod metadata;
pub mod model;
pub mod pusher;

use axum::Json;
use axum::Router;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

use crate::state::AppState;

pub use model::State;
pub use pusher::PusherHub;

/// The surface label used in the write log and fault rules.
pub(crate) const SURFACE: &str = "smintio";

/// The platform's own HTTP surface (fault injection is layered around it by CORE).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(clapi::router())
        .merge(adapter::router())
        .merge(pusher::api_router())
}

/// The platform's `/_sandbox/smintio/...` control routes.
pub fn control_router() -> Router<AppState> {
    control::router().merge(pusher::control_router())
}

/// A CLAPI/Portals error body: `{"error_code", "error_message"}` (DOC: Portals API error
/// shape; assumed to be shared by CLAPI-C).
pub(crate) fn api_error(
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> Response {
    ApiError::new(status, code, message).into_response()
}

/// An error answer, small enough to travel in a `Result` before becoming a response.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// `WWW-Authenticate` value of a 401 (RFC 6750 §3).
    challenge: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            challenge: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error_code": self.code, "error_message": self.message });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
