//! `/_sandbox/faults`: `GET` shows the settings, `POST` sets rules, `DELETE` clears.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::Deserialize;

use super::{FaultRule, FaultSettings};
use crate::Platform;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(untagged)]
enum RulesBody {
    One(FaultRule),
    Many(Vec<FaultRule>),
}

#[derive(Deserialize)]
struct ClearQuery {
    surface: Option<Platform>,
}

/// `GET` shows, `POST` (one rule or an array) sets, `DELETE [?surface=]` clears.
pub fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/faults", get(show).post(set).delete(clear))
}

async fn show(State(state): State<AppState>) -> Json<FaultSettings> {
    Json(state.faults.settings())
}

async fn set(State(state): State<AppState>, Json(body): Json<RulesBody>) -> Response {
    let rules = match body {
        RulesBody::One(rule) => vec![rule],
        RulesBody::Many(rules) => rules,
    };
    match state.faults.set(rules) {
        Ok(()) => Json(state.faults.settings()).into_response(),
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": message })),
        )
            .into_response(),
    }
}

async fn clear(State(state): State<AppState>, Query(q): Query<ClearQuery>) -> Json<FaultSettings> {
    state.faults.clear(q.surface);
    Json(state.faults.settings())
}
