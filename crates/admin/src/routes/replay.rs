//! `POST /v1/replay`: archived events into one flow's work queue.

use assetrelay_ops::replay::{self, ReplayRequest, ReplaySummary};
use axum::extract::State;
use serde::Deserialize;

use super::flow;
use crate::AdminState;
use crate::extract::Json;
use crate::problem::Problem;

/// `sample`: how many first matches a summary lists at most, 10 unless asked.
pub const MAX_SAMPLE: usize = 1000;
const DEFAULT_SAMPLE: usize = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayBody {
    /// RFC 3339 or a duration ago (`2h`).
    since: String,
    until: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    subject: Option<String>,
    connection: Option<String>,
    platform: Option<Platform>,
    #[serde(default)]
    event_ids: Vec<String>,
    flow: String,
    #[serde(default)]
    dry_run: bool,
    #[serde(default, deserialize_with = "whole_number")]
    rate: Option<u32>,
    #[serde(default, deserialize_with = "whole_number")]
    sample: Option<usize>,
}

/// A JSON number with no fractional part, however it is written: JSON Schema's `integer`
/// (what the OpenAPI document promises) includes `5.0`, serde's integers do not.
fn whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    number
        .as_u64()
        .or_else(|| {
            number
                .as_f64()
                // Below 2^53 every whole f64 is exact, so the cast loses nothing.
                .filter(|f| f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(f))
                .map(|f| f as u64)
        })
        .and_then(|whole| T::try_from(whole).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected a whole number in range, not {number}")))
}

/// `data.platform` of the events: a name outside these would silently match nothing.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Platform {
    Photoshelter,
    Smintio,
}

impl Platform {
    fn as_str(self) -> &'static str {
        match self {
            Self::Photoshelter => "photoshelter",
            Self::Smintio => "smintio",
        }
    }
}

pub async fn archive_replay(
    State(state): State<AdminState>,
    Json(body): Json<ReplayBody>,
) -> Result<axum::Json<ReplaySummary>, Problem> {
    // A flow the body names is a field of the wrong value (422), not a missing resource.
    let target =
        flow(&body.flow).map_err(|p| Problem::invalid_body(format!("flow: {}", p.detail)))?;
    let sample = body.sample.unwrap_or(DEFAULT_SAMPLE);
    if sample > MAX_SAMPLE {
        return Err(Problem::invalid(format!(
            "sample must be between 0 and {MAX_SAMPLE}, not {sample}"
        )));
    }
    let now = chrono::Utc::now();
    let until = match &body.until {
        Some(text) => Some(replay::parse_time(text, now)?),
        None => None,
    };
    let request = ReplayRequest {
        since: replay::parse_time(&body.since, now)?,
        until,
        types: body.types,
        subject: body.subject,
        connection: body.connection,
        platform: body.platform.map(|p| p.as_str().to_owned()),
        event_ids: body.event_ids,
        flow: target,
        dry_run: body.dry_run,
        rate: body.rate,
        sample,
    };
    let summary = replay::replay(
        &state.broker,
        &state.publisher,
        &state.topology,
        &request,
        &|_| {},
    )
    .await?;
    Ok(axum::Json(summary))
}
