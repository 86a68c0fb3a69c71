//! The core control routes under `/_sandbox/`: health, webhook deliveries (list, emit by
//! hand, clear), the webhook switch, plus the log and fault routers of their own modules.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::Platform;
use crate::emitter::{Delivery, DeliveryStatus};
use crate::state::AppState;

/// Every core `/_sandbox/…` route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/health", get(health))
        .route(
            "/_sandbox/webhooks",
            get(list_webhooks).post(emit_webhook).delete(clear_webhooks),
        )
        .route(
            "/_sandbox/webhooks/switch",
            get(webhook_switch).post(set_webhook_switch),
        )
        .merge(crate::log::router())
        .merge(crate::faults::router())
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Deserialize)]
struct WebhookQuery {
    platform: Option<Platform>,
    status: Option<DeliveryStatus>,
}

async fn list_webhooks(
    State(state): State<AppState>,
    Query(q): Query<WebhookQuery>,
) -> Json<Vec<Delivery>> {
    let mut deliveries = state.emitter.deliveries();
    deliveries.retain(|d| {
        q.platform.is_none_or(|p| d.platform == p) && q.status.is_none_or(|s| d.status == s)
    });
    Json(deliveries)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmitBody {
    platform: Platform,
    payload: serde_json::Value,
}

/// Sends an arbitrary payload as the given platform (demos, and testing an ingress with
/// payloads the simulated platforms would not produce).
async fn emit_webhook(
    State(state): State<AppState>,
    Json(body): Json<EmitBody>,
) -> (StatusCode, Json<serde_json::Value>) {
    let id = state.emitter.emit(body.platform, body.payload);
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "id": id })))
}

async fn clear_webhooks(State(state): State<AppState>) -> StatusCode {
    state.emitter.clear();
    StatusCode::NO_CONTENT
}

/// A switch as the `--webhooks` flag spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OnOff {
    On,
    Off,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSwitch {
    webhooks: OnOff,
}

fn switch_of(state: &AppState) -> Json<WebhookSwitch> {
    let webhooks = if state.emitter.is_enabled() {
        OnOff::On
    } else {
        OnOff::Off
    };
    Json(WebhookSwitch { webhooks })
}

async fn webhook_switch(State(state): State<AppState>) -> Json<WebhookSwitch> {
    switch_of(&state)
}

/// `{"webhooks": "on" | "off"}`: off makes the platforms behave as the real ones (no
/// webhooks) from the next event on.
async fn set_webhook_switch(
    State(state): State<AppState>,
    Json(body): Json<WebhookSwitch>,
) -> Json<WebhookSwitch> {
    state.emitter.set_enabled(body.webhooks == OnOff::On);
    switch_of(&state)
}
