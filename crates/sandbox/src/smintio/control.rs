//! Control routes of the simulated Smint.io (JSON):
//!
//! | Method | Path | Does |
//! |---|---|---|
//! | `POST` | `/_sandbox/smintio/license-purchase-transactions` | `{"action": "create" \| "update" \| "cancel", "uuid"?, "name"?, "license_terms"?: [SyncLicenseTerm], "valid_until"?, "version"?, ...}` (fields: `commands::LptCommand`). Appends to the feed (new continuation), triggers Pusher `global-transaction-history-update` on the tenant's channel, and emits the webhooks `license_purchase_transaction.completed \| updated \| cancelled` plus `global-transaction-history-update`. 201 on create, 200 otherwise: `{"license_purchase_transaction", "continuation_uuid", "webhooks"}`; 404 unknown uuid, 409 duplicate uuid / version not increasing / already cancelled, 400 bad input |
//! | `GET` | `/_sandbox/smintio/license-purchase-transactions` | every LPT as CLAPI-C serves it |
//! | `GET` | `/_sandbox/smintio/license-purchase-transactions/{uuid}` | one LPT, 404 if none |
//! | `GET` | `/_sandbox/smintio/assets` | everything the data adapter holds: `[{"unscoped_asset_identifier", "asset_data_object" (PascalCase, as received), "updated_at", "updates"}]` |
//! | `GET` | `/_sandbox/smintio/assets/{external_id}` | one of those (by `UnscopedAssetIdentifier` or `ExternalId`), 404 if none |
//! | `GET` | `/_sandbox/smintio/changes` | every accepted data-adapter change, in order |
//! | `GET` | `/_sandbox/smintio/tokens` | `{"grants", "refusals", "active_access_tokens"}` (`refusals`: grants answered `invalid_grant`) |
//! | `POST` | `/_sandbox/smintio/tokens/expire` | invalidates every access token (refresh tokens stay valid): `{"expired": n}` |

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use http::StatusCode;
use serde_json::{Value, json};

use super::api_error;
use super::commands::{Action, LptCommand, change, create};
use super::model::Lpt;
use super::pusher;
use crate::Platform;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/_sandbox/smintio/license-purchase-transactions",
            post(command).get(list_lpts),
        )
        .route(
            "/_sandbox/smintio/license-purchase-transactions/{uuid}",
            get(get_lpt),
        )
        .route("/_sandbox/smintio/assets", get(list_assets))
        .route("/_sandbox/smintio/assets/{external_id}", get(get_asset))
        .route("/_sandbox/smintio/changes", get(list_changes))
        .route("/_sandbox/smintio/tokens", get(tokens))
        .route("/_sandbox/smintio/tokens/expire", post(expire_tokens))
}

async fn command(
    State(app): State<AppState>,
    body: Result<Json<LptCommand>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let cmd = match body {
        Ok(Json(cmd)) => cmd,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, "invalid_body", e.body_text()),
    };
    let now = Utc::now();
    let mut state = app.smintio.lock().await;
    let applied = match cmd.action {
        Action::Create => create(&mut state, &cmd, now),
        Action::Update | Action::Cancel => change(&mut state, &cmd, now),
    };
    let lpt = match applied {
        Ok(lpt) => lpt,
        Err(refused) => return refused.into_response(),
    };
    let continuation_uuid = state.append_feed(&lpt.uuid);
    let event = match cmd.action {
        Action::Create => "license_purchase_transaction.completed",
        Action::Update => "license_purchase_transaction.updated",
        Action::Cancel => "license_purchase_transaction.cancelled",
    };
    let tenant_id = app.config.smintio.tenant.clone();
    let occurred_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let license_event = json!({
        "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
        "event": event,
        "occurred_at": occurred_at,
        "tenant_id": tenant_id,
        "license_purchase_transaction_uuid": lpt.uuid,
        "cart_purchase_transaction_uuid": lpt.cart_purchase_transaction_uuid,
    });
    // The real system only pings (Pusher `global-transaction-history-update`, no data).
    let ping = json!({
        "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
        "event": "global-transaction-history-update",
        "occurred_at": occurred_at,
        "tenant_id": tenant_id,
    });
    let webhooks = vec![
        app.emitter.emit(Platform::Smintio, license_event),
        app.emitter.emit(Platform::Smintio, ping),
    ];
    // What the real Smint.io does (and all it does): tell the tenant's channel.
    app.pusher.trigger(
        &app.config.pusher.channel(),
        pusher::TRANSACTION_HISTORY_UPDATE,
        pusher::TRANSACTION_HISTORY_UPDATE_DATA,
    );
    let status = if cmd.action == Action::Create {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = json!({ "license_purchase_transaction": lpt.to_wire(), "continuation_uuid": continuation_uuid, "webhooks": webhooks });
    (status, Json(body)).into_response()
}

async fn list_lpts(State(app): State<AppState>) -> Json<Vec<Value>> {
    let state = app.smintio.lock().await;
    Json(state.transactions.values().map(Lpt::to_wire).collect())
}

async fn get_lpt(State(app): State<AppState>, Path(uuid): Path<String>) -> Response {
    match app.smintio.lock().await.transactions.get(&uuid) {
        Some(lpt) => Json(lpt.to_wire()).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no license purchase transaction {uuid}"),
        ),
    }
}

async fn list_assets(State(app): State<AppState>) -> Response {
    let state = app.smintio.lock().await;
    Json(state.adapter_assets.values().collect::<Vec<_>>()).into_response()
}

async fn get_asset(State(app): State<AppState>, Path(external_id): Path<String>) -> Response {
    let state = app.smintio.lock().await;
    let by_external_id = || {
        state.adapter_assets.values().find(|a| {
            a.asset_data_object
                .get("ExternalId")
                .and_then(Value::as_str)
                == Some(external_id.as_str())
        })
    };
    match state
        .adapter_assets
        .get(&external_id)
        .or_else(by_external_id)
    {
        Some(asset) => Json(asset).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the data adapter holds no asset {external_id}"),
        ),
    }
}

async fn list_changes(State(app): State<AppState>) -> Response {
    Json(&app.smintio.lock().await.received_changes).into_response()
}

async fn tokens(State(app): State<AppState>) -> Json<Value> {
    let state = app.smintio.lock().await;
    let now = Utc::now();
    let active = state
        .access_tokens
        .values()
        .filter(|expires_at| **expires_at > now)
        .count();
    Json(json!({
        "grants": state.token_grants,
        "refusals": state.token_refusals,
        "active_access_tokens": active,
    }))
}

async fn expire_tokens(State(app): State<AppState>) -> Json<Value> {
    let mut state = app.smintio.lock().await;
    let expired = state.access_tokens.len();
    state.access_tokens.clear();
    Json(json!({ "expired": expired }))
}
