//! Our Portals data adapter's webhook receiver: `POST /portals/data-adapter/webhook`.
//!
//! ASSUMED path (contract): the real URL is arranged with Smint.io. It behaves as Smint.io's
//! recipe for `IWebhooksApiProvider` describes: validate cheaply (HMAC-SHA256 hex over
//! `"{timestamp}.{body}"`, 5-minute window, header names configurable), then apply the
//! `ChangeModel`s (`AssetUpdate` stores the `AssetDataObject` under its
//! `UnscopedAssetIdentifier`, `AssetDeletion` removes it). Answers 401 on a bad, missing or
//! stale signature, 400 on a malformed batch (nothing applied), else
//! `200 {"accepted": n}`.

use assetrelay_signature::SigningKey;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use http::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::{AdapterAsset, ReceivedChange};
use super::{SURFACE, api_error};
use crate::state::AppState;

const PATH: &str = "/portals/data-adapter/webhook";
/// `ContentTypeEnumDataObject` values (DOC: Portals CF-Interfaces).
const CONTENT_TYPES: [&str; 7] = [
    "unknown",
    "image",
    "document",
    "video",
    "audio",
    "other",
    "composite",
];

pub(super) fn router() -> Router<AppState> {
    Router::new().route(PATH, post(receive))
}

#[derive(Deserialize)]
struct Batch {
    changes: Vec<ChangeModel>,
}

#[derive(Deserialize)]
struct ChangeModel {
    #[serde(rename = "UnscopedAssetIdentifier")]
    id: String,
    #[serde(rename = "Type")]
    change_type: String,
    #[serde(rename = "AssetDataObject", default)]
    asset: Option<Value>,
}

async fn receive(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let adapter = &app.config.data_adapter;
    let verified = SigningKey::from_bytes(adapter.secret.expose_secret().as_bytes().to_vec())
        .map_err(|_| "no adapter secret configured".to_owned())
        .and_then(|key| {
            adapter
                .scheme()
                .verify(&[key], &headers, &body, Utc::now().timestamp())
                .map_err(|e| e.to_string())
        });
    if let Err(reason) = verified {
        tracing::info!(reason = %reason, "data adapter refused a push");
        return api_error(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            format!("signature rejected: {reason}"),
        );
    }
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()),
    };
    if let Some(problem) = batch
        .changes
        .iter()
        .enumerate()
        .find_map(|(i, c)| validate(c).err().map(|p| format!("changes[{i}]: {p}")))
    {
        return api_error(StatusCode::BAD_REQUEST, "invalid_change", problem);
    }

    let now = Utc::now();
    let mut state = app.smintio.lock().await;
    let mut summary = Vec::new();
    for change in &batch.changes {
        match change
            .asset
            .as_ref()
            .filter(|_| change.change_type == "AssetUpdate")
        {
            Some(asset) => {
                let updates = state
                    .adapter_assets
                    .get(&change.id)
                    .map_or(0, |a| a.updates)
                    + 1;
                state.adapter_assets.insert(
                    change.id.clone(),
                    AdapterAsset {
                        unscoped_asset_identifier: change.id.clone(),
                        asset_data_object: asset.clone(),
                        updated_at: now,
                        updates,
                    },
                );
            }
            None => {
                state.adapter_assets.remove(&change.id);
            }
        }
        state.received_changes.push(ReceivedChange {
            received_at: now,
            unscoped_asset_identifier: change.id.clone(),
            change_type: change.change_type.clone(),
            asset_data_object: change.asset.clone(),
        });
        summary.push(json!({
            "id": change.id,
            "type": change.change_type,
            "version": change.asset.as_ref().and_then(|a| a.get("Version")).cloned(),
        }));
    }
    // Recorded while the lock is held so the log order is the order of state changes.
    app.log
        .record(SURFACE, "POST", PATH, json!({ "changes": summary }));
    Json(json!({ "accepted": batch.changes.len() })).into_response()
}

/// The checks a real adapter would need to make sense of a change.
fn validate(change: &ChangeModel) -> Result<(), String> {
    if change.id.trim().is_empty() {
        return Err("UnscopedAssetIdentifier is empty".into());
    }
    match (change.change_type.as_str(), &change.asset) {
        ("AssetDeletion", None) => Ok(()),
        ("AssetDeletion", Some(_)) => Err("an AssetDeletion carries no AssetDataObject".into()),
        ("AssetUpdate", Some(Value::Object(asset))) => validate_asset(asset),
        ("AssetUpdate", _) => Err("an AssetUpdate needs an AssetDataObject object".into()),
        (other, _) => Err(format!(
            "unsupported Type `{other}` (AssetUpdate | AssetDeletion)"
        )),
    }
}

fn validate_asset(asset: &serde_json::Map<String, Value>) -> Result<(), String> {
    let is_string_map = |v: &Value| {
        v.as_object()
            .is_some_and(|m| m.values().all(Value::is_string))
    };
    let is_list_map = |v: &Value| {
        v.as_object().is_some_and(|m| {
            m.values()
                .all(|l| l.as_array().is_some_and(|l| l.iter().all(Value::is_string)))
        })
    };
    for (name, value) in asset {
        let ok = match name.as_str() {
            "Name" | "Description" | "PathForUrl" => is_string_map(value),
            "LocalizedTags" | "Tags" => is_list_map(value),
            "ContentType" => value.as_str().is_some_and(|t| CONTENT_TYPES.contains(&t)),
            "PublishFrom" | "PublishUntil" | "CreatedAt" | "ModifiedAt" => {
                value.is_null()
                    || value
                        .as_str()
                        .is_some_and(|t| DateTime::parse_from_rfc3339(t).is_ok())
            }
            "ExternalId" | "Version" | "ETag" => value.is_string(),
            "RawData" => value.is_object() || value.is_array(),
            // Smint.io fetches these itself: an absolute http(s) URL.
            "PreviewThumbnailUrl"
            | "LargeThumbnailUrl"
            | "MediumThumbnailUrl"
            | "SmallThumbnailUrl" => value.as_str().is_some_and(|u| {
                reqwest::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            }),
            n if n.starts_with("Is") && n.ends_with("Available") => value.is_boolean(),
            _ => true,
        };
        if !ok {
            return Err(format!("AssetDataObject.{name} has the wrong shape"));
        }
    }
    Ok(())
}
