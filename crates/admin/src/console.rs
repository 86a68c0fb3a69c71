//! The operator console: server-rendered HTML on the admin listener, signed in with the
//! admin tokens, for what the JSON API under `/v1/` does. `GET /` is the overview (the
//! sign-in page without a session). Every page is a plain link with its filters in the
//! query, every action a plain form; htmx (vendored) only refreshes numbers in place.
//!
//! Pages: [`overview`], [`parked`] (list, detail, re-drive, purge), [`replay`] (dry run,
//! run, cancel, via [`jobs`] and [`job_page`]), [`assets`] (timelines), [`connections`],
//! [`actions`] (the audit trail). [`sign_in`] and [`session`] sign in and guard CSRF; [`page`] is the
//! shell and the security headers.

mod actions;
mod assets;
mod connections;
mod error;
mod forms;
mod job_page;
mod jobs;
mod overview;
mod page;
mod parked;
mod redact;
mod replay;
mod session;
mod sign_in;

use std::time::Duration;

use assetrelay_config::Config;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use tower_http::timeout::TimeoutLayer;

pub use page::CONTENT_SECURITY_POLICY;

use crate::AdminState;

/// What the console keeps beside the admin's state.
#[derive(Debug)]
pub struct Console {
    pub enabled: bool,
    session_minutes: u64,
    secure_cookie: bool,
    connections: Vec<connections::ConnectionSummary>,
    jobs: jobs::Jobs,
    /// The overview's parked counts by reason, reused while a flow's parked count holds.
    reasons: overview::ReasonCounts,
}

impl Console {
    pub fn from_config(config: &Config) -> Self {
        let console = &config.admin.console;
        Self {
            enabled: console.enabled,
            session_minutes: console.session_minutes,
            secure_cookie: console.secure_cookie,
            connections: connections::summaries(config),
            jobs: jobs::Jobs::default(),
            reasons: overview::ReasonCounts::default(),
        }
    }

    fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_minutes.saturating_mul(60))
    }
}

/// The console's routes (none when `[admin.console] enabled = false`).
pub fn router(state: &AdminState) -> Router<AdminState> {
    if !state.console.enabled {
        return Router::new();
    }
    let signed_in = Router::new()
        .route("/overview/live", get(overview::live_fragment))
        .route("/parked", get(parked::list))
        .route("/parked/{flow}/act", post(parked::act))
        .route("/parked/{flow}/{event_id}", get(parked::show))
        .route("/replay", get(replay::form))
        .route("/replay/dry-run", post(replay::dry_run))
        .route("/replay/run", post(replay::run))
        .route("/jobs/{id}", get(job_page::show))
        .route("/jobs/{id}/live", get(job_page::live_fragment))
        .route("/jobs/{id}/cancel", post(job_page::cancel))
        .route("/assets", get(assets::timeline))
        .route("/connections", get(connections::list_page))
        .route("/actions", get(actions::list))
        .route("/sign-out", post(sign_in::sign_out))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            session::require_session,
        ));
    Router::new()
        .route("/", get(home))
        .route(
            "/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route("/static/{file}", get(page::static_file))
        .merge(signed_in)
        .route_layer(middleware::from_fn(session::same_origin_posts))
        .route_layer(middleware::from_fn(page::security_headers))
        .route_layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            crate::READ_TIMEOUT,
        ))
}

/// `GET /`: the overview, or the sign-in page without a session.
async fn home(State(state): State<AdminState>, request: Request) -> Response {
    match session::session_of(&state, request.headers()).await {
        Ok(Some(session)) => overview::overview(State(state), Extension(session))
            .await
            .into_response(),
        Ok(None) => sign_in::sign_in_form(StatusCode::OK, None, None),
        Err(error) => error.into_response(),
    }
}
