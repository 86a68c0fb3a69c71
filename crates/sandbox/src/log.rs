//! The write log: every write the simulated platforms received, in arrival order, so tests
//! and demos can assert what assetrelay did (`GET /_sandbox/log[?surface=…]`), with the
//! request's W3C `traceparent` when it carried one ([`with_traceparent`]).

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// One write received by a platform surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// 1-based arrival number.
    pub seq: u64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// `photoshelter` or `smintio` (or any label the recorder chose).
    pub surface: String,
    /// HTTP method of the write.
    pub method: String,
    /// Request path of the write.
    pub path: String,
    /// Whatever the platform module found worth keeping (ids, changed fields, …).
    pub detail: serde_json::Value,
    /// The request's `traceparent` header, if it had one: shows whether a write carries
    /// the trace of the webhook that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// The W3C Trace Context header a caller propagates its trace in.
pub const TRACEPARENT_HEADER: &str = "traceparent";

tokio::task_local! {
    /// The `traceparent` of the request being handled, set by [`with_traceparent`] so
    /// [`WriteLog::record`] finds it without every handler passing its headers along.
    static TRACEPARENT: Option<String>;
}

/// Middleware: makes the request's `traceparent` header visible to [`WriteLog::record`]
/// while the request is handled (handlers record in the request's own task).
pub async fn with_traceparent(request: Request, next: Next) -> Response {
    let traceparent = request
        .headers()
        .get(TRACEPARENT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    TRACEPARENT.scope(traceparent, next.run(request)).await
}

/// Append-only, shared log of writes. Cloning shares the same log.
#[derive(Clone, Default)]
pub struct WriteLog {
    entries: Arc<Mutex<Vec<LogEntry>>>,
}

impl WriteLog {
    /// Append one write. Synchronous and cheap, so handlers can call it while holding
    /// their platform lock, which keeps log order equal to state-change order.
    pub fn record(&self, surface: &str, method: &str, path: &str, detail: serde_json::Value) {
        // A panic elsewhere while holding the lock cannot leave a Vec half-pushed, so the
        // data behind a poisoned lock is still sound.
        let traceparent = TRACEPARENT.try_with(Clone::clone).ok().flatten();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = entries.len() as u64 + 1;
        entries.push(LogEntry {
            seq,
            at: Utc::now(),
            surface: surface.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            detail,
            traceparent,
        });
    }

    /// All entries in order, optionally only those of one surface.
    pub fn entries(&self, surface: Option<&str>) -> Vec<LogEntry> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .iter()
            .filter(|e| surface.is_none_or(|s| e.surface == s))
            .cloned()
            .collect()
    }

    /// Forget every entry (sequence numbers restart at 1).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[derive(Deserialize)]
struct LogQuery {
    surface: Option<String>,
}

/// `GET /_sandbox/log` lists writes; `DELETE /_sandbox/log` clears them.
pub fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/log", get(list).delete(clear))
}

async fn list(State(state): State<AppState>, Query(q): Query<LogQuery>) -> Json<Vec<LogEntry>> {
    Json(state.log.entries(q.surface.as_deref()))
}

async fn clear(State(state): State<AppState>) -> http::StatusCode {
    state.log.clear();
    http::StatusCode::NO_CONTENT
}
