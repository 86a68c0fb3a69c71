//! Collections: PhotoShelter organizes galleries in collections, which nest.
//! - `GET /psapi/v4.0/collections/{collection_id}/children` (paged) [SPEC-DRAFT; CLIENT
//!   `S-importer`]: the collection's galleries and collections as resources, `type`
//!   `gallery` or `collection`. Moving a gallery changes no media item's `modified_at`
//!   (as membership changes do not; ASSUMED).
//! - Control: `POST /_sandbox/photoshelter/collections` `{"name", "children": [ids]}`
//!   creates one; `PUT /_sandbox/photoshelter/collections/{id}/children` `{"children"}`
//!   sets what it holds. Children are gallery (`G…`) or collection (`C…`) ids that exist.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::auth::{self, PsError, Shape};
use super::control::{ControlError, bad, string_list};
use super::model::{self, State as PsState};
use crate::state::AppState;

const V4: Shape = Shape::V4;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionRecord {
    pub id: String,
    pub name: String,
    /// Gallery and collection ids, in display order.
    pub children: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl CollectionRecord {
    pub fn resource(&self) -> Value {
        json!({
            "id": self.id,
            "type": "collection",
            "attributes": {
                "name": self.name,
                "description": null,
                "is_listed": true,
                "created_at": model::ps_time(self.created_at),
                "modified_at": model::ps_time(self.modified_at),
            },
        })
    }
}

pub async fn children(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(collection_id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PsError> {
    auth::member(&state, &headers, &uri, V4).await?;
    let (page, per_page) = super::api_v4::paging(&q)?;
    let ps = state.photoshelter.lock().await;
    let collection = ps
        .collections
        .get(&collection_id)
        .ok_or_else(|| PsError::not_found(V4, "collection"))?;
    let resources: Vec<Value> = collection
        .children
        .iter()
        .filter_map(|id| {
            ps.galleries
                .get(id)
                .map(super::GalleryRecord::resource)
                .or_else(|| ps.collections.get(id).map(CollectionRecord::resource))
        })
        .collect();
    let body = model::page(resources, page, per_page, |r| r);
    Ok(Json(body).into_response())
}

/// Every child must exist: a gallery or a collection of this organization.
fn checked_children(ps: &PsState, body: &Map<String, Value>) -> Result<Vec<String>, ControlError> {
    let children = string_list(body.get("children"))?;
    for child in &children {
        if !ps.galleries.contains_key(child) && !ps.collections.contains_key(child) {
            return Err(bad(format!("no gallery or collection {child}")));
        }
    }
    Ok(children)
}

pub async fn create(
    State(state): State<AppState>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ControlError> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("name is required"))?;
    let mut ps = state.photoshelter.lock().await;
    let children = checked_children(&ps, &body)?;
    let now = Utc::now();
    let id = ps.new_id("C0000");
    let collection = CollectionRecord {
        id: id.clone(),
        name: name.to_owned(),
        children,
        created_at: now,
        modified_at: now,
    };
    ps.collections.insert(id, collection.clone());
    Ok((StatusCode::CREATED, Json(collection)).into_response())
}

pub async fn set_children(
    State(state): State<AppState>,
    Path(collection_id): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ControlError> {
    let mut ps = state.photoshelter.lock().await;
    let children = checked_children(&ps, &body)?;
    if children.contains(&collection_id) {
        return Err(bad("a collection cannot hold itself"));
    }
    let collection = ps.collections.get_mut(&collection_id).ok_or_else(|| {
        ControlError(
            StatusCode::NOT_FOUND,
            format!("no collection {collection_id}"),
        )
    })?;
    collection.children = children;
    collection.modified_at = Utc::now();
    Ok(Json(collection.clone()).into_response())
}
