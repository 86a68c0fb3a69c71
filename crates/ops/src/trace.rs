//! "What happened to asset X?": an asset's [`Timeline`], read from the store alone (the
//! asset ledger and the outcome history), for `assetrelay trace` and
//! `GET /v1/assets/{connection}/{platform}/{asset_id}`.
//!
//! The JSON form is the [`Timeline`] as serde writes it; its field names are part of the
//! admin API (`docs/admin-openapi.yaml`, schema `AssetTimeline`) and change only
//! additively. Every time is RFC 3339 in UTC with milliseconds. [`render_text`] is the
//! table a person reads.

mod group;
mod render;

use std::fmt;
use std::str::FromStr;

use assetrelay_contract::Platform;
use assetrelay_store::{AssetKey, Decision, LedgerEntry, Store};
use chrono::{DateTime, SecondsFormat};
use serde::{Serialize, Serializer};

pub use render::render_text;

use crate::OpsError;

/// Outcome rows read when the caller names no limit.
pub const DEFAULT_LIMIT: u32 = 200;
/// Most outcome rows one timeline reads.
pub const MAX_LIMIT: u32 = 5_000;

/// `<platform>/<asset-id>`: an asset as its source platform names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRef {
    pub platform: Platform,
    /// The asset's id on `platform` (a PhotoShelter media id, a Smint.io license id).
    pub asset_id: String,
}

impl FromStr for AssetRef {
    type Err = OpsError;

    fn from_str(text: &str) -> Result<Self, OpsError> {
        let Some((platform, asset_id)) = text.split_once('/') else {
            return Err(OpsError::Invalid(format!(
                "`{text}` names no platform: write <platform>/<asset-id>, e.g. photoshelter/I0000abcd, with the platform one of {}",
                platform_names()
            )));
        };
        let platform = parse_platform(platform)?;
        let asset_id = asset_id.trim();
        if asset_id.is_empty() {
            return Err(OpsError::Invalid(format!(
                "`{text}` names no asset id: write {platform}/<asset-id>"
            )));
        }
        Ok(Self {
            platform,
            asset_id: asset_id.to_owned(),
        })
    }
}

impl fmt::Display for AssetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.platform, self.asset_id)
    }
}

/// A platform name, or [`OpsError::Invalid`] naming the accepted ones.
pub fn parse_platform(name: &str) -> Result<Platform, OpsError> {
    name.parse().map_err(|_| {
        OpsError::Invalid(format!(
            "unknown platform `{name}`: one of {}",
            platform_names()
        ))
    })
}

fn platform_names() -> String {
    Platform::ALL.map(Platform::as_str).join(", ")
}

/// What to trace.
#[derive(Debug, Clone)]
pub struct TraceQuery {
    pub asset: AssetRef,
    /// Only this connection; `None` looks in every connection.
    pub connection: Option<String>,
    /// The latest this many outcome rows (1 to [`MAX_LIMIT`]).
    pub limit: u32,
}

/// An asset's timeline: what the targets hold and every decision recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub platform: Platform,
    pub asset_id: String,
    /// The connection asked for; `null`: every connection.
    pub connection: Option<String>,
    /// Whether the store knows the asset at all (a ledger row or an outcome row).
    pub found: bool,
    /// One row per (connection, flow) that recorded a write: what its target holds.
    pub ledger: Vec<LedgerRow>,
    /// The events the flows decided on, ordered by their first decision.
    pub events: Vec<TimelineEvent>,
    /// Outcome rows shown (the latest `limit` at most).
    pub outcome_rows: usize,
    /// Older outcome rows exist beyond `limit` and are not shown.
    pub truncated: bool,
}

/// One (connection, flow) row of the asset ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub connection: String,
    pub flow: String,
    /// The asset's ids on the target platform (to-photoshelter: `v<version>:<media id>`,
    /// retired copies as `retired:…`).
    pub target_ids: Vec<String>,
    /// Of the last state written to the target.
    pub fingerprint: String,
    /// The source's modification time of the state written; `null` when the source gave
    /// none.
    pub source_modified_at: Option<String>,
    /// When that state was read from the source.
    pub source_read_at: String,
    /// How the last write or decision on this row ended (`written`, `parked: …`).
    pub last_outcome: String,
    pub updated_at: String,
}

/// One event and what each flow decided for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    pub event_id: String,
    /// The canonical type (`asset.updated`, `license.purchased`, …).
    pub event_type: String,
    /// The event's own time (when the platform said it happened), if known.
    pub event_time: Option<String>,
    pub connection: String,
    /// When the first decision on it was made.
    pub first_decided_at: String,
    /// Per flow, in the order the flows first decided.
    pub flows: Vec<FlowDecisions>,
}

/// One flow's decisions on one event, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowDecisions {
    pub flow: String,
    /// The newest decision: `retried` means a retry is still due (or its outcome is not
    /// recorded yet).
    #[serde(serialize_with = "decision_name")]
    pub last_decision: Decision,
    pub decisions: Vec<Step>,
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// When the flow decided.
    pub at: String,
    /// `written`, `skipped`, `retried`, `parked` or `replayed`.
    #[serde(serialize_with = "decision_name")]
    pub decision: Decision,
    /// Why it was skipped or parked, the failure that made it retry, or the replay id.
    pub reason: Option<String>,
    /// `retried`: the delay of the retry tier it went to, in seconds.
    pub retry_tier_secs: Option<i32>,
    /// The platform call the decision rests on (`smintio.push_changes`).
    pub target_call: Option<String>,
    /// How that call ended: `ok`, an HTTP status, or `transport`.
    pub target_status: Option<String>,
    pub duration_ms: i64,
}

fn decision_name<S: Serializer>(decision: &Decision, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(decision.as_str())
}

/// The timeline of `query.asset` from `store`. An asset the store does not know is a
/// timeline with `found: false`, not an error.
pub async fn timeline(store: &Store, query: &TraceQuery) -> Result<Timeline, OpsError> {
    if !(1..=MAX_LIMIT).contains(&query.limit) {
        return Err(OpsError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {}",
            query.limit
        )));
    }
    let connection = query.connection.as_deref().filter(|c| !c.is_empty());
    let (platform, asset_id) = (query.asset.platform.as_str(), &query.asset.asset_id);
    let ledger = store
        .asset_ledgers(connection, platform, asset_id)
        .await
        .map_err(|e| OpsError::store(format!("cannot read the ledger of {}", query.asset), e))?;
    // One row more than asked tells whether older rows were left out.
    let mut rows = store
        .history(connection, platform, asset_id, query.limit + 1)
        .await
        .map_err(|e| OpsError::store(format!("cannot read the history of {}", query.asset), e))?;
    let truncated = rows.len() > query.limit as usize;
    if truncated {
        // Oldest first: the extra row is the oldest.
        rows.remove(0);
    }
    let events = group::events(&rows);
    Ok(Timeline {
        platform: query.asset.platform,
        asset_id: asset_id.clone(),
        connection: connection.map(str::to_owned),
        found: !ledger.is_empty() || !rows.is_empty(),
        ledger: ledger.iter().map(ledger_row).collect(),
        events,
        outcome_rows: rows.len(),
        truncated,
    })
}

fn ledger_row((key, entry): &(AssetKey, LedgerEntry)) -> LedgerRow {
    LedgerRow {
        connection: key.connection.clone(),
        flow: key.flow.clone(),
        target_ids: entry.target_ids.clone(),
        fingerprint: entry.fingerprint.clone(),
        // The flows record 0 when the source gave no modification time.
        source_modified_at: (entry.source.modified_ms != 0).then(|| time(entry.source.modified_ms)),
        source_read_at: time(entry.source.read_ms),
        last_outcome: entry.last_outcome.clone(),
        updated_at: time(entry.updated_at_ms),
    }
}

/// Milliseconds since the Unix epoch as RFC 3339 (UTC, milliseconds); a value out of
/// chrono's range stays a number, so nothing recorded is hidden.
pub(crate) fn time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::Millis, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asset_is_its_platform_and_the_rest_as_its_id() {
        let asset: AssetRef = "smintio/1c5e-77/x"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(asset.platform, Platform::Smintio);
        assert_eq!(asset.asset_id, "1c5e-77/x");
        assert_eq!(asset.to_string(), "smintio/1c5e-77/x");
    }

    #[test]
    fn a_bad_asset_names_the_accepted_platforms() {
        for bad in ["I0000abcd", "flickr/I1", "PhotoShelter/I1"] {
            let Err(OpsError::Invalid(message)) = bad.parse::<AssetRef>() else {
                panic!("{bad} was accepted");
            };
            assert!(message.contains("photoshelter, smintio"), "{message}");
        }
        let Err(OpsError::Invalid(message)) = "photoshelter/ ".parse::<AssetRef>() else {
            panic!("an empty asset id was accepted");
        };
        assert!(message.contains("no asset id"), "{message}");
    }

    #[test]
    fn times_are_rfc_3339_with_milliseconds_and_out_of_range_stays_a_number() {
        assert_eq!(time(1_764_410_400_500), "2025-11-29T10:00:00.500Z");
        assert_eq!(time(i64::MAX), i64::MAX.to_string());
    }
}
