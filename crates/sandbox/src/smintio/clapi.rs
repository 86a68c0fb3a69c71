//! The CLAPI-C sync surface under `/consumer/v1` (emulating
//! `https://{tenant}.clapi.smint.io/consumer/v1`, DOC: SDK source). Only the generated
//! method names are public, so every path here is ASSUMED (contract):
//!
//! | Method (generated client) | Route |
//! |---|---|
//! | `GetGenericMetadataForSync` | `GET /consumer/v1/sync/generic-metadata` |
//! | `GetLicensePurchaseTransactionsForSync` | `GET /consumer/v1/sync/license-purchase-transactions?continuation_uuid=&limit=` |
//! | `GetLicensePurchaseTransactionBinariesForSync` | `GET /consumer/v1/sync/cart-purchase-transactions/{cpt}/license-purchase-transactions/{lpt}/binaries` |
//! | (pre-signed `download_url`) | `GET /consumer/v1/_files/{token}`, no auth, valid 1 h |

use std::collections::HashMap;
use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use chrono::{Duration, Utc};
use http::StatusCode;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use serde_json::json;

use super::auth::{check_bearer, random_token};
use super::model::FileToken;
use super::{api_error, metadata};
use crate::state::AppState;

/// "secured and will only stay valid for up to one hour" (Picturepark README).
const DOWNLOAD_VALIDITY_SECS: i64 = 3600;
/// Page size when `limit` is absent (both SDKs ask for 10).
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
const CHUNK: usize = 64 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/consumer/v1/sync/generic-metadata", get(generic_metadata))
        .route("/consumer/v1/sync/license-purchase-transactions", get(feed))
        .route(
            "/consumer/v1/sync/cart-purchase-transactions/{cpt}/license-purchase-transactions/{lpt}/binaries",
            get(binaries),
        )
        .route("/consumer/v1/_files/{token}", get(download))
}

async fn generic_metadata(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_bearer(&*app.smintio.lock().await, &headers) {
        return refused.into_response();
    }
    Json(metadata::generic_metadata()).into_response()
}

async fn feed(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = app.smintio.lock().await;
    if let Err(refused) = check_bearer(&state, &headers) {
        return refused.into_response();
    }
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if (1..=MAX_LIMIT).contains(&limit) => limit,
        Some(_) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "invalid_limit",
                format!("limit must be 1..={MAX_LIMIT}"),
            );
        }
    };
    let continuation = query
        .get("continuation_uuid")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    let Some(after) = state.position_of(continuation) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_continuation_uuid",
            "unknown continuation_uuid",
        );
    };
    let (lpts, continuation_uuid) = state.page_after(after, limit);
    Json(json!({
        "count": lpts.len(),
        "continuation_uuid": continuation_uuid,
        "license_purchase_transactions": lpts,
    }))
    .into_response()
}

async fn binaries(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((cpt, lpt)): Path<(String, String)>,
) -> Response {
    let mut state = app.smintio.lock().await;
    if let Err(refused) = check_bearer(&state, &headers) {
        return refused.into_response();
    }
    let Some(transaction) = state
        .transactions
        .get(&lpt)
        .filter(|t| t.cart_purchase_transaction_uuid == cpt)
    else {
        return api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such license purchase transaction in this cart",
        );
    };
    let origin = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let now = Utc::now();
    let expires_at = now + Duration::seconds(DOWNLOAD_VALIDITY_SECS);
    let mut issued = Vec::new();
    let mut body = Vec::new();
    for binary in &transaction.binaries {
        let token = random_token();
        body.push(json!({
            "uuid": binary.uuid,
            "content_type": binary.content_type,
            "binary_type": binary.binary_type,
            "name": super::model::english(&binary.recommended_file_name),
            "description": [],
            "usage": [],
            "download_url": format!("http://{origin}/consumer/v1/_files/{token}"),
            "recommended_file_name": binary.recommended_file_name,
            "culture": binary.culture,
            "version": binary.version,
        }));
        issued.push((
            token,
            FileToken {
                lpt_uuid: lpt.clone(),
                binary_uuid: binary.uuid.clone(),
                version: binary.version,
                size: binary.size,
                media_type: binary.media_type.clone(),
                file_name: binary.recommended_file_name.clone(),
                expires_at,
            },
        ));
    }
    state.files.retain(|_, file| file.expires_at > now);
    state.files.extend(issued);
    Json(body).into_response()
}

/// Pre-signed: the token in the path is the credential, as with S3/Azure SAS URLs; an
/// expired one answers 403 like those do.
async fn download(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let file = app.smintio.lock().await.files.get(&token).cloned();
    let Some(file) = file else {
        return api_error(StatusCode::NOT_FOUND, "not_found", "unknown download");
    };
    if file.expires_at <= Utc::now() {
        return api_error(
            StatusCode::FORBIDDEN,
            "download_expired",
            "the download URL has expired",
        );
    }
    let seed = fnv1a(&[
        &app.config.seed.to_le_bytes(),
        file.lpt_uuid.as_bytes(),
        file.binary_uuid.as_bytes(),
        &file.version.to_le_bytes(),
    ]);
    let headers = [
        (CONTENT_TYPE, file.media_type.clone()),
        (CONTENT_LENGTH, file.size.to_string()),
        (
            CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                file.file_name.replace('"', "")
            ),
        ),
    ];
    (headers, Body::from_stream(binary_stream(seed, file.size))).into_response()
}

/// `size` deterministic bytes, generated chunk by chunk so no binary is ever held whole.
pub(crate) fn binary_stream(
    seed: u64,
    size: u64,
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> {
    futures::stream::unfold((seed, size), |(mut rng, left)| async move {
        if left == 0 {
            return None;
        }
        let len = usize::try_from(left).map_or(CHUNK, |left| left.min(CHUNK));
        let mut chunk = Vec::with_capacity(len);
        while chunk.len() < len {
            let word = splitmix64(&mut rng).to_le_bytes();
            let take = (len - chunk.len()).min(word.len());
            chunk.extend_from_slice(&word[..take]);
        }
        Some((Ok(Bytes::from(chunk)), (rng, left - len as u64)))
    })
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over several parts: stable across Rust versions, unlike `DefaultHasher`.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
