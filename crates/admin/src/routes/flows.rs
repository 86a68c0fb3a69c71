//! `GET /v1/flows`: depth and consumers of every flow's queues.

use assetrelay_broker::BrokerError;
use assetrelay_contract::Flow;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::AdminState;
use crate::problem::Problem;

#[derive(Debug, Serialize)]
pub struct QueueStats {
    queue: String,
    messages: u32,
    consumers: u32,
}

#[derive(Debug, Serialize)]
pub struct FlowStats {
    flow: &'static str,
    work: QueueStats,
    retrying: u32,
    retry_tiers: Vec<QueueStats>,
    parked: QueueStats,
}

pub async fn flows(State(state): State<AdminState>) -> Result<Json<Vec<FlowStats>>, Problem> {
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
