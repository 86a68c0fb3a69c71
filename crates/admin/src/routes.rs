//! The routes. Everything except `/healthz` and `/openapi.yaml` needs a bearer token.

use assetrelay_broker::BrokerError;
use assetrelay_contract::Flow;
use assetrelay_ops::{parked, replay};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::{Deserialize, Serialize};

use crate::AdminState;
use crate::auth::require_token;
use crate::problem::Problem;

type ApiResult<T> = Result<Json<T>, Problem>;

pub fn router(state: AdminState) -> Router {
    let protected = Router::new()
        .route("/v1/flows", get(flows))
        .route("/v1/flows/{flow}/parked", get(parked_list))
        .route("/v1/flows/{flow}/parked/{event_id}", get(parked_show))
        .route("/v1/flows/{flow}/parked/replay", post(parked_replay))
        .route("/v1/flows/{flow}/parked/purge", post(parked_purge))
        .route("/v1/replay", post(archive_replay))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/openapi.yaml", get(openapi))
        .merge(protected)
        .fallback(|| async { Problem::not_found("no such route (see /openapi.yaml)") })
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], crate::OPENAPI).into_response()
}

fn flow(name: &str) -> Result<Flow, Problem> {
    name.parse()
        .map_err(|e: assetrelay_contract::UnknownFlow| Problem::not_found(e.to_string()))
}

#[derive(Debug, Serialize)]
struct QueueStats {
    queue: String,
    messages: u32,
    consumers: u32,
}

#[derive(Debug, Serialize)]
struct FlowStats {
    flow: &'static str,
    work: QueueStats,
    retrying: u32,
    retry_tiers: Vec<QueueStats>,
    parked: QueueStats,
}

/// `GET /v1/flows`: depth and consumers of every flow's queues.
async fn flows(State(state): State<AdminState>) -> ApiResult<Vec<FlowStats>> {
    let t = &state.topology;
    let mut out = Vec::new();
    for flow in Flow::ALL {
        let mut retry_tiers = Vec::new();
        for &delay in &t.retry_tiers_secs {
            retry_tiers.push(queue_stats(&state, &t.retry_queue(flow, delay)).await?);
        }
        out.push(FlowStats {
            flow: flow.as_str(),
            work: queue_stats(&state, &t.work_queue(flow)).await?,
            retrying: retry_tiers.iter().map(|q| q.messages).sum(),
            retry_tiers,
            parked: queue_stats(&state, &t.parked_queue(flow)).await?,
        });
    }
    Ok(Json(out))
}

async fn queue_stats(state: &AdminState, queue: &str) -> Result<QueueStats, Problem> {
    match state.broker.queue_counts(queue).await {
        Ok(counts) => Ok(QueueStats {
            queue: queue.to_owned(),
            messages: counts.messages,
            consumers: counts.consumers,
        }),
        Err(BrokerError::Inspect { .. }) => Err(Problem::new(
            StatusCode::CONFLICT,
            "topology_missing",
            format!("queue `{queue}` does not exist: run `assetrelay topology apply`"),
        )),
        Err(e) => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "broker_unavailable",
            e.to_string(),
        )),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<usize>,
}

async fn parked_list(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<parked::ParkedList> {
    let flow = flow(&name)?;
    let limit = query.limit.unwrap_or(50).min(1000);
    Ok(Json(
        parked::list(&state.broker, &state.topology, flow, limit).await?,
    ))
}

async fn parked_show(
    State(state): State<AdminState>,
    Path((name, event_id)): Path<(String, String)>,
) -> ApiResult<parked::ParkedMessage> {
    let flow = flow(&name)?;
    parked::show(&state.broker, &state.topology, flow, &event_id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no parked message with event id `{event_id}` in {name}"
            ))
        })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParkedSelection {
    reason: Option<String>,
    #[serde(default)]
    event_ids: Vec<String>,
    #[serde(default)]
    all: bool,
    /// Purge only: must be `true`, like the CLI's `--yes`.
    #[serde(default)]
    confirm: bool,
}

impl ParkedSelection {
    fn filter(&self) -> parked::ParkedFilter {
        parked::ParkedFilter {
            reason: self.reason.clone(),
            event_ids: self.event_ids.clone(),
            all: self.all,
        }
    }
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Problem> {
    body.map(|Json(b)| b)
        .map_err(|e| Problem::invalid(format!("request body: {}", e.body_text())))
}

async fn parked_replay(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    selection: Result<Json<ParkedSelection>, JsonRejection>,
) -> ApiResult<parked::ParkedOutcome> {
    let flow = flow(&name)?;
    let selection = body(selection)?;
    if selection.confirm {
        return Err(Problem::invalid("`confirm` belongs to purge"));
    }
    let outcome = parked::replay(
        &state.broker,
        &state.publisher,
        &state.topology,
        flow,
        &selection.filter(),
    )
    .await?;
    Ok(Json(outcome))
}

async fn parked_purge(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    selection: Result<Json<ParkedSelection>, JsonRejection>,
) -> ApiResult<parked::ParkedOutcome> {
    let flow = flow(&name)?;
    let selection = body(selection)?;
    if !selection.confirm {
        return Err(Problem::invalid(
            "purging drops messages for good: send \"confirm\": true",
        ));
    }
    let outcome = parked::purge(&state.broker, &state.topology, flow, &selection.filter()).await?;
    Ok(Json(outcome))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayBody {
    /// RFC 3339 or a duration ago (`2h`).
    since: String,
    until: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    subject: Option<String>,
    connection: Option<String>,
    platform: Option<String>,
    #[serde(default)]
    event_ids: Vec<String>,
    flow: String,
    #[serde(default)]
    dry_run: bool,
    rate: Option<u32>,
    sample: Option<usize>,
}

async fn archive_replay(
    State(state): State<AdminState>,
    request: Result<Json<ReplayBody>, JsonRejection>,
) -> ApiResult<replay::ReplaySummary> {
    let request = body(request)?;
    let now = chrono::Utc::now();
    let until = match &request.until {
        Some(text) => Some(replay::parse_time(text, now)?),
        None => None,
    };
    let replay_request = replay::ReplayRequest {
        since: replay::parse_time(&request.since, now)?,
        until,
        types: request.types,
        subject: request.subject,
        connection: request.connection,
        platform: request.platform,
        event_ids: request.event_ids,
        flow: flow(&request.flow)?,
        dry_run: request.dry_run,
        rate: request.rate,
        sample: request.sample.unwrap_or(10).min(1000),
    };
    let summary = replay::replay(
        &state.broker,
        &state.publisher,
        &state.topology,
        &replay_request,
        &|_| {},
    )
    .await?;
    Ok(Json(summary))
}
