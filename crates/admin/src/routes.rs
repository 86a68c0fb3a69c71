//! The routes, as one table ([`ROUTES`]) that builds the router and that the OpenAPI test
//! checks `docs/admin-openapi.yaml` against. Everything except `/healthz` and
//! `/openapi.yaml` needs a bearer token. Handlers: [`flows`] (queue depths), [`parked`]
//! (dead letters), [`replay`] (the archive), [`assets`] (timelines from the store).

mod assets;
mod flows;
mod parked;
mod replay;

use std::sync::Arc;
use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_telemetry::endpoints::ReadinessCheck;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{Router, middleware};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::AdminState;
use crate::auth::require_token;
use crate::problem::{self, Problem};

/// Reads (queue depths, a scan of a parked queue, an asset's timeline) end within this, or
/// are answered 408.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// Replays and purges move every selected message with a broker confirm each, which for a
/// large parked queue or archive window takes minutes; past this they are stopped and
/// answered 408 (what was confirmed stays moved, so running them again is safe).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Whether a route needs `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Token,
}

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: MethodFilter,
    /// In axum's syntax, which is also OpenAPI's: `/v1/flows/{flow}/parked`.
    pub path: &'static str,
    pub access: Access,
    pub timeout: Duration,
    handler: Handler,
}

#[derive(Debug, Clone, Copy)]
enum Handler {
    Health,
    Ready,
    Metrics,
    OpenApi,
    Flows,
    ParkedList,
    ParkedShow,
    ParkedReplay,
    ParkedPurge,
    ArchiveReplay,
    AssetTimeline,
}

const fn route(method: MethodFilter, path: &'static str, handler: Handler) -> Route {
    let (access, timeout) = match handler {
        Handler::Health | Handler::Ready | Handler::Metrics | Handler::OpenApi => {
            (Access::Public, READ_TIMEOUT)
        }
        Handler::Flows | Handler::ParkedList | Handler::ParkedShow | Handler::AssetTimeline => {
            (Access::Token, READ_TIMEOUT)
        }
        Handler::ParkedReplay | Handler::ParkedPurge | Handler::ArchiveReplay => {
            (Access::Token, OPERATION_TIMEOUT)
        }
    };
    Route {
        method,
        path,
        access,
        timeout,
        handler,
    }
}

/// Every route the admin serves.
pub const ROUTES: &[Route] = &[
    route(MethodFilter::GET, "/healthz", Handler::Health),
    route(MethodFilter::GET, "/readyz", Handler::Ready),
    route(MethodFilter::GET, "/metrics", Handler::Metrics),
    route(MethodFilter::GET, "/openapi.yaml", Handler::OpenApi),
    route(MethodFilter::GET, "/v1/flows", Handler::Flows),
    route(
        MethodFilter::GET,
        "/v1/flows/{flow}/parked",
        Handler::ParkedList,
    ),
    route(
        MethodFilter::GET,
        "/v1/flows/{flow}/parked/{event_id}",
        Handler::ParkedShow,
    ),
    route(
        MethodFilter::POST,
        "/v1/flows/{flow}/parked/replay",
        Handler::ParkedReplay,
    ),
    route(
        MethodFilter::POST,
        "/v1/flows/{flow}/parked/purge",
        Handler::ParkedPurge,
    ),
    route(MethodFilter::POST, "/v1/replay", Handler::ArchiveReplay),
    route(
        MethodFilter::GET,
        "/v1/assets/{connection}/{platform}/{asset_id}",
        Handler::AssetTimeline,
    ),
];

impl Route {
    fn method_router(&self) -> MethodRouter<AdminState> {
        let method = self.method;
        match self.handler {
            Handler::Health => on(method, assetrelay_telemetry::endpoints::healthz),
            Handler::Ready => on(method, ready),
            Handler::Metrics => on(method, assetrelay_telemetry::endpoints::metrics),
            Handler::OpenApi => on(method, openapi),
            Handler::Flows => on(method, flows::flows),
            Handler::ParkedList => on(method, parked::list),
            Handler::ParkedShow => on(method, parked::show),
            Handler::ParkedReplay => on(method, parked::replay),
            Handler::ParkedPurge => on(method, parked::purge),
            Handler::ArchiveReplay => on(method, replay::archive_replay),
            Handler::AssetTimeline => on(method, assets::timeline),
        }
    }
}

pub fn router(state: AdminState) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        let mut endpoint = route.method_router().layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            route.timeout,
        ));
        if route.access == Access::Token {
            endpoint =
                endpoint.route_layer(middleware::from_fn_with_state(state.clone(), require_token));
        }
        router = router.route(route.path, endpoint);
    }
    router = router.merge(crate::console::router(&state));
    // Fallbacks first: `layer` below wraps them too, so their answers are traced and
    // carry the request id.
    router
        .fallback(problem::no_such_route)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(RequestBodyLimitLayer::new(crate::BODY_LIMIT))
        .layer(middleware::map_response(problem::bare_errors_as_problems))
        .layer(PropagateRequestIdLayer::x_request_id())
        // Refusals are answered with their reason; only server errors are worth a warning.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span of one request: the route's template rather than the path (which holds event
/// ids), and the request id the response also carries. No header is recorded: one of
/// them is the bearer token.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok());
    tracing::info_span!(
        "admin_request",
        http.request.method = %request.method(),
        http.route = route,
        request_id,
    )
}

/// Ready while the broker connection is up and the store answers (every operation needs
/// one of them). The store is asked on each probe: the admin is probed rarely, and an
/// answer from the moment is worth one `SELECT 1`.
async fn ready(axum::extract::State(state): axum::extract::State<AdminState>) -> Response {
    let store_up = tokio::time::timeout(STORE_PROBE_TIMEOUT, state.store.readiness_check())
        .await
        .is_ok_and(|answered| answered.is_ok());
    let store: ReadinessCheck = Arc::new(move || (!store_up).then_some("store"));
    assetrelay_telemetry::endpoints::readyz(&[state.broker.readiness_check(), store])
}

/// A store that has not answered `SELECT 1` within this is not ready.
const STORE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], crate::OPENAPI).into_response()
}

fn flow(name: &str) -> Result<Flow, Problem> {
    name.parse()
        .map_err(|e: assetrelay_contract::UnknownFlow| Problem::not_found(e.to_string()))
}
