//! Simulated PhotoShelter: exactly the endpoints `assetrelay-photoshelter` calls, with the
//! documented envelopes, status codes and error bodies (research/photoshelter.md), plus
//! control routes that change data and emit the matching webhooks.
//!
//! - `model`: [`State`] (media, galleries, sessions) and the v4 resource rendering.
//! - `auth`: API key and token checks, error answers (`ApiKeyInvalidException`, ...).
//! - `api_v3` / `api_v4`: the platform endpoints, each marked with its evidence level.
//! - `oauth`: the v4 OAuth token endpoint (refresh grant, rotating refresh tokens,
//!   expiring access tokens).
//! - `multipart`: reads uploads with axum's streaming `Multipart` (bytes counted and
//!   hashed, never kept).
//! - `collections`: collections of galleries (API children and control routes).
//! - `renditions`: the media link endpoint and the images its links serve.
//! - `sessions`: cookie mode, v4 authenticate and logout, the concurrent-session cap.
//! - `apply`: media changes shared by API and control; `events`: outgoing webhooks.
//! - `control` (+ `control_patch`): `/_sandbox/photoshelter/...` routes (table in the
//!   `control` module doc).

mod api_v3;
mod api_v4;
mod apply;
mod auth;
mod collections;
mod control;
mod control_patch;
mod events;
mod model;
mod multipart;
mod oauth;
mod renditions;
mod sessions;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub use model::{GalleryRecord, MediaRecord, Session, State, Version};

/// The platform's own HTTP surface (fault injection is layered around it by CORE).
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/psapi/v3/mem/authenticate", post(api_v3::authenticate))
        .route(
            "/psapi/v3/mem/organization/{org_id}/authenticate",
            get(api_v3::org_authenticate).post(api_v3::org_authenticate),
        )
        .route(
            "/psapi/v3/mem/authenticate/logout",
            get(api_v3::logout).post(api_v3::logout),
        )
        .route(
            "/psapi/v3/mem/organization/logout",
            get(api_v3::logout).post(api_v3::logout),
        )
        .route("/psapi/v3/mem/user/session", get(api_v3::session))
        // Uploads stream through a hash and are never held, so axum's default 2 MB body
        // limit (which `Multipart` applies) would only refuse real-sized files.
        .route(
            "/psapi/v3/mem/image/upload",
            post(api_v3::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/psapi/v3/mem/gallery/{gallery_id}/visibility/update",
            post(api_v3::gallery_visibility),
        )
        .route("/psapi/v4.0/oauth/token", post(oauth::token))
        .route("/psapi/v4.0/authenticate", post(sessions::v4_authenticate))
        .route(
            "/psapi/v4.0/organization/authenticate",
            post(sessions::v4_org_authenticate),
        )
        .route("/psapi/v4.0/authenticate/logout", post(sessions::v4_logout))
        .route("/psapi/v4.0/organization/logout", post(sessions::v4_logout))
        .route("/psapi/v4.0/media", get(api_v4::list_media))
        .route(
            "/psapi/v4.0/media/{media_id}",
            get(api_v4::get_media)
                .patch(api_v4::patch_media)
                .delete(api_v4::delete_media),
        )
        .route(
            "/psapi/v4.0/media/{media_id}/iptc",
            get(api_v4::get_iptc).patch(api_v4::patch_iptc),
        )
        .route(
            "/psapi/v4.0/media/{media_id}/galleries",
            get(api_v4::get_galleries),
        )
        .route(
            "/psapi/v4.0/media/{media_id}/custom-metadata",
            get(api_v4::get_custom_metadata),
        )
        .route(
            "/psapi/v4.0/media/{media_id}/link",
            get(renditions::get_link),
        )
        .route(
            "/img-get/{media_id}/{version}/s/{size}/{file}",
            get(renditions::get_image),
        )
        .route(
            "/psapi/v4.0/galleries/{gallery_id}/children",
            get(api_v4::gallery_children).post(api_v4::add_child),
        )
        .route(
            "/psapi/v4.0/collections/{collection_id}/children",
            get(collections::children),
        )
        .route(
            "/psapi/v4.0/galleries/{gallery_id}/children/{media_id}",
            axum::routing::delete(api_v4::remove_child),
        )
}

/// The platform's `/_sandbox/photoshelter/...` control routes.
pub fn control_router() -> Router<AppState> {
    control::router()
        .route(
            "/_sandbox/photoshelter/collections",
            post(collections::create),
        )
        .route(
            "/_sandbox/photoshelter/collections/{id}/children",
            axum::routing::put(collections::set_children),
        )
}
