//! Control routes of the simulated Pusher app (JSON):
//!
//! | Method | Path | Does |
//! |---|---|---|
//! | `GET` | `/_sandbox/smintio/pusher` | `{"app_key", "channel", "activity_timeout", "connections", "subscribed", "connections_total", "pings", "events_sent", "answer_pings"}` (`subscribed`: open sockets on the tenant's channel) |
//! | `POST` | `/_sandbox/smintio/pusher/close` | `{"code"?: 4200, "reason"?}`: closes every open socket with that WebSocket close code (4200: "reconnect now", 4100–4199: "after a backoff", 4000–4099: "do not reconnect", 1000/1011/3000–3999: not a Pusher code, clients treat it as a network error) → `{"closed": n}`; `400` for a code a server cannot send |
//! | `POST` | `/_sandbox/smintio/pusher/trigger` | `{"event"?: "global-transaction-history-update", "data"?: "TEST"}` on the tenant's channel → `{"delivered": n}` |
//! | `POST` | `/_sandbox/smintio/pusher/pings` | `{"answer": bool}`: whether `pusher:ping` gets its `pusher:pong` (off: to test a client's pong timeout) → `{"answer_pings": bool}` |

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::super::api_error;
use super::{TRANSACTION_HISTORY_UPDATE, TRANSACTION_HISTORY_UPDATE_DATA};
use crate::state::AppState;

/// "Generic reconnect immediately" (protocol, 4200–4299): what a server going away sends.
const DEFAULT_CLOSE_CODE: u16 = 4200;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/smintio/pusher", get(stats))
        .route("/_sandbox/smintio/pusher/close", post(close))
        .route("/_sandbox/smintio/pusher/trigger", post(trigger))
        .route("/_sandbox/smintio/pusher/pings", post(pings))
}

async fn stats(State(app): State<AppState>) -> Response {
    let settings = &app.config.pusher;
    let channel = settings.channel();
    let stats = app.pusher.stats(&channel);
    Json(json!({
        "app_key": settings.app_key,
        "channel": channel,
        "activity_timeout": settings.activity_timeout_secs,
        "connections": stats.connections,
        "subscribed": stats.subscribed,
        "connections_total": stats.connections_total,
        "pings": stats.pings,
        "events_sent": stats.events_sent,
        "answer_pings": stats.answer_pings,
    }))
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CloseBody {
    code: Option<u16>,
    reason: Option<String>,
}

async fn close(State(app): State<AppState>, body: Option<Json<CloseBody>>) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let code = body.code.unwrap_or(DEFAULT_CLOSE_CODE);
    // RFC 6455 §7.4: 1000 and 1011 are what a server may send of the reserved range;
    // 3000–4999 are for libraries and applications.
    if !(code == 1000 || code == 1011 || (3000..=4999).contains(&code)) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "code must be 1000, 1011 or 3000..=4999",
        );
    }
    let reason = body
        .reason
        .unwrap_or_else(|| "Closed by the sandbox control API".to_owned());
    let closed = app.pusher.close_all(code, &reason);
    Json(json!({ "closed": closed })).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct TriggerBody {
    event: Option<String>,
    data: Option<String>,
}

async fn trigger(
    State(app): State<AppState>,
    body: Option<Json<TriggerBody>>,
) -> Json<serde_json::Value> {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let delivered = app.pusher.trigger(
        &app.config.pusher.channel(),
        body.event.as_deref().unwrap_or(TRANSACTION_HISTORY_UPDATE),
        body.data
            .as_deref()
            .unwrap_or(TRANSACTION_HISTORY_UPDATE_DATA),
    );
    Json(json!({ "delivered": delivered }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PingsBody {
    answer: bool,
}

async fn pings(
    State(app): State<AppState>,
    Json(body): Json<PingsBody>,
) -> Json<serde_json::Value> {
    app.pusher.set_answer_pings(body.answer);
    Json(json!({ "answer_pings": body.answer }))
}
