//! `/assets`: search by platform, asset id and connection → the asset's timeline from the
//! store (what `assetrelay trace` prints): each target's ledger row, then every event with
//! each flow's decisions (written, skipped, retried with its tier, parked, replayed), the
//! platform call and its status.

use assetrelay_ops::trace::{self, AssetRef, DEFAULT_LIMIT, Timeline, TraceQuery};
use assetrelay_store::Decision;
use axum::Extension;
use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::page::page;
use super::session::Session;
use crate::AdminState;

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    /// `photoshelter` or `smintio`; empty looks on both.
    pub platform: Option<String>,
    pub asset_id: Option<String>,
    pub connection: Option<String>,
}

fn field(value: &Option<String>) -> &str {
    value.as_deref().map_or("", str::trim)
}

/// `GET /assets`.
pub async fn timeline(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Query(search): Query<Search>,
) -> Result<Markup, ConsoleError> {
    let asset_id = field(&search.asset_id);
    let connection = Some(field(&search.connection).to_owned()).filter(|c| !c.is_empty());
    let platforms: Vec<&str> = match field(&search.platform) {
        "" => vec!["photoshelter", "smintio"],
        one => vec![one],
    };
    let mut found: Option<Timeline> = None;
    if !asset_id.is_empty() {
        for platform in platforms {
            let query = TraceQuery {
                asset: AssetRef {
                    platform: trace::parse_platform(platform)?,
                    asset_id: asset_id.to_owned(),
                },
                connection: connection.clone(),
                limit: DEFAULT_LIMIT,
            };
            let timeline = trace::timeline(&state.store, &query).await?;
            let hit = timeline.found;
            found = Some(timeline);
            if hit {
                break;
            }
        }
    }
    Ok(page(
        "Asset timeline",
        "/assets",
        &session,
        html! {
            h1 { "Asset timeline" }
            form.filters.card method="get" action="/assets" {
                label { "Platform"
                    select name="platform" {
                        option value="" { "either" }
                        @for p in ["photoshelter", "smintio"] { option value=(p) selected[field(&search.platform) == p] { (p) } }
                    }
                }
                label { "Asset id" input name="asset_id" size="24" value=(asset_id) required; }
                label { "Connection" input name="connection" size="12" value=(field(&search.connection)) placeholder="any"; }
                button type="submit" { "Show timeline" }
            }
            @match &found {
                None => p.muted { "Give an asset id (a PhotoShelter media id such as I0000abcd, or a Smint.io asset or license id)." },
                Some(t) if !t.found => p.flash.error { "The store has no record of " code { (asset_id) } @if let Some(c) = &connection { " in connection " (c) } ": no ledger row and no outcome (outcomes older than [store] history_retention_days are pruned)." },
                Some(t) => (render(t)),
            }
        },
    ))
}

fn decision_class(decision: Decision) -> &'static str {
    match decision {
        Decision::Written => "ok",
        Decision::Parked => "bad",
        Decision::Retried => "warn",
        Decision::Skipped | Decision::Replayed => "muted",
    }
}

fn render(t: &Timeline) -> Markup {
    html! {
        h2 { (t.platform) "/" (t.asset_id) }
        @if !t.ledger.is_empty() {
            h3 { "What the targets hold (ledger)" }
            div.scroll { table #ledger {
                thead { tr { th { "Connection" } th { "Flow" } th { "Target ids" } th { "Source modified" } th { "Last outcome" } th { "Updated" } } }
                tbody { @for row in &t.ledger {
                    tr {
                        td { (row.connection) } td { (row.flow) }
                        td { @for id in &row.target_ids { code { (id) } " " } }
                        td { (row.source_modified_at.as_deref().unwrap_or("")) }
                        td { (row.last_outcome) }
                        td { (row.updated_at) }
                    }
                } }
            } }
        }
        h3 { "Events and decisions" }
        @if t.truncated { p.muted { "Only the latest " (t.outcome_rows) " decisions are shown." } }
        ol.timeline #timeline {
            @for event in &t.events {
                li {
                    div { strong { (event.event_type) } " " code { (event.event_id) } " " span.muted { (event.connection) " · " (event.event_time.as_deref().unwrap_or(&event.first_decided_at)) } }
                    @for flow in &event.flows {
                        div.scroll { table.decisions data-flow=(flow.flow) {
                            thead { tr { th { (flow.flow) } th { "Decision" } th { "Why" } th { "Call" } th { "Status" } th.num { "ms" } } }
                            tbody { @for step in &flow.decisions {
                                tr {
                                    td { (step.at) }
                                    td class=(decision_class(step.decision)) {
                                        (step.decision.as_str())
                                        @if let Some(tier) = step.retry_tier_secs { " (" (tier) " s tier)" }
                                    }
                                    td { (step.reason.as_deref().unwrap_or("")) }
                                    td { code { (step.target_call.as_deref().unwrap_or("")) } }
                                    td { (step.target_status.as_deref().unwrap_or("")) }
                                    td.num { (step.duration_ms) }
                                }
                            } }
                        } }
                    }
                }
            }
        }
    }
}
