//! A flow's parked messages: list, show, replay into the work queue, purge.

use assetrelay_ops::parked::{self, ParkedFilter, ParkedList, ParkedMessage, ParkedOutcome};
use axum::extract::State;
use serde::Deserialize;

use super::flow;
use crate::AdminState;
use crate::extract::{Json, Path, Query};
use crate::problem::Problem;

/// `limit` of a listing: at most this many messages, 50 unless asked.
pub const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 50;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<usize>,
}

/// Counts by reason and the oldest messages (`limit`, 0 for the counts alone).
pub async fn list(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<ParkedList>, Problem> {
    let flow = flow(&name)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(Problem::invalid(format!(
            "limit must be between 0 and {MAX_LIMIT}, not {limit}"
        )));
    }
    Ok(axum::Json(
        parked::list(&state.broker, &state.topology, flow, limit).await?,
    ))
}

pub async fn show(
    State(state): State<AdminState>,
    Path((name, event_id)): Path<(String, String)>,
) -> Result<axum::Json<ParkedMessage>, Problem> {
    let flow = flow(&name)?;
    parked::show(&state.broker, &state.topology, flow, &event_id)
        .await?
        .map(axum::Json)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no parked message with event id `{event_id}` in {name}"
            ))
        })
}

/// The body of a replay: which parked messages (`reason`, `event_ids`, or `all: true`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    reason: Option<String>,
    #[serde(default)]
    event_ids: Vec<String>,
    #[serde(default)]
    all: bool,
}

/// The body of a purge: a selection and `confirm`, which must be `true` like the CLI's
/// `--yes`. Its own type because serde cannot flatten into a `deny_unknown_fields` struct.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeSelection {
    reason: Option<String>,
    #[serde(default)]
    event_ids: Vec<String>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    confirm: bool,
}

pub async fn replay(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    Json(selection): Json<Selection>,
) -> Result<axum::Json<ParkedOutcome>, Problem> {
    let flow = flow(&name)?;
    let filter = filter(selection.reason, selection.event_ids, selection.all)?;
    let outcome = parked::replay(
        &state.broker,
        &state.publisher,
        &state.topology,
        flow,
        &filter,
    )
    .await?;
    Ok(axum::Json(outcome))
}

pub async fn purge(
    State(state): State<AdminState>,
    Path(name): Path<String>,
    Json(selection): Json<PurgeSelection>,
) -> Result<axum::Json<ParkedOutcome>, Problem> {
    let flow = flow(&name)?;
    if !selection.confirm {
        return Err(Problem::invalid(
            "purging drops messages for good: send \"confirm\": true",
        ));
    }
    let filter = filter(selection.reason, selection.event_ids, selection.all)?;
    let outcome = parked::purge(&state.broker, &state.topology, flow, &filter).await?;
    Ok(axum::Json(outcome))
}

/// The filter of a selection, refused unless it names a reason, event ids or `all`. The
/// operations check the same, but word it for the CLI's flags.
fn filter(
    reason: Option<String>,
    event_ids: Vec<String>,
    all: bool,
) -> Result<ParkedFilter, Problem> {
    if reason.is_none() && event_ids.is_empty() && !all {
        return Err(Problem::invalid(
            "no messages selected: give \"reason\" and/or \"event_ids\", or \"all\": true",
        ));
    }
    Ok(ParkedFilter {
        reason,
        event_ids,
        all,
    })
}
