//! An asset's timeline: its ledger rows and every recorded decision, from the store.

use assetrelay_ops::trace::{self, AssetRef, DEFAULT_LIMIT, Timeline, TraceQuery};
use axum::extract::State;
use serde::Deserialize;

use crate::AdminState;
use crate::extract::{Path, Query};
use crate::problem::Problem;

#[derive(Debug, Deserialize)]
pub struct TimelineQuery {
    /// The latest this many outcome rows (1 to `trace::MAX_LIMIT`).
    limit: Option<u32>,
}

/// 200 with the timeline; 400 for an unknown platform or a bad `limit`; 404 when the
/// store has no ledger row and no outcome of the asset in the connection.
pub async fn timeline(
    State(state): State<AdminState>,
    Path((connection, platform, asset_id)): Path<(String, String, String)>,
    Query(query): Query<TimelineQuery>,
) -> Result<axum::Json<Timeline>, Problem> {
    let asset = AssetRef {
        platform: trace::parse_platform(&platform)?,
        asset_id,
    };
    let query = TraceQuery {
        asset,
        connection: Some(connection),
        limit: query.limit.unwrap_or(DEFAULT_LIMIT),
    };
    let timeline = trace::timeline(&state.store, &query).await?;
    if !timeline.found {
        return Err(Problem::not_found(format!(
            "no record of {} in connection `{}`: no ledger row and no outcome (outcomes older than [store] history_retention_days are pruned)",
            query.asset,
            query.connection.unwrap_or_default()
        )));
    }
    Ok(axum::Json(timeline))
}
