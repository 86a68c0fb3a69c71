//! `GET /`: what is failing, at a glance. Per flow: queue depth, consumers, delivery
//! rate, retry-tier depths, parked messages by reason; per connection and source: the
//! last successful run and its age, the Pusher state, the last error class; whether the
//! broker and the store answer. The numbers refresh every few seconds (htmx fetches
//! `/overview/live` and swaps it in); without JavaScript a reload does the same.

use std::collections::BTreeMap;
use std::time::Duration;

use assetrelay_contract::Flow;
use assetrelay_ops::parked;
use assetrelay_store::SourceStatus;
use axum::Extension;
use axum::extract::State;
use maud::{Markup, html};

use super::page::{age, page, query, time};
use super::session::Session;
use crate::AdminState;

/// The window of the delivery rate.
const RATE_WINDOW: Duration = Duration::from_secs(300);
/// How often the page refreshes its numbers.
const REFRESH: &str = "every 5s";
/// The store or broker counts as unreachable past this.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

struct FlowView {
    flow: Flow,
    work: Result<(u32, u32), String>,
    tiers: Vec<(u64, Result<u32, String>)>,
    parked: Result<(u64, BTreeMap<String, u64>), String>,
    /// Decisions over [`RATE_WINDOW`], by decision.
    decisions: BTreeMap<String, i64>,
}

struct View {
    broker_up: bool,
    store_up: bool,
    flows: Vec<FlowView>,
    sources: Result<Vec<SourceStatus>, String>,
    now_ms: i64,
}

/// `GET /` for a signed-in operator.
pub async fn overview(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
) -> Markup {
    let view = gather(&state).await;
    page(
        "Overview",
        "/",
        &session,
        html! {
            h1 { "Overview" }
            (live(&view))
        },
    )
}

/// `GET /overview/live`: the numbers alone, for the refresh.
pub async fn live_fragment(State(state): State<AdminState>) -> Markup {
    live(&gather(&state).await)
}

async fn gather(state: &AdminState) -> View {
    // Reading the database clock is the store's reachability probe too.
    let store_now = tokio::time::timeout(PROBE_TIMEOUT, state.store.now_ms())
        .await
        .ok()
        .and_then(Result::ok);
    let store_up = store_now.is_some();
    let broker_up = state.broker.is_ready();
    let now_ms = store_now.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let since = now_ms - i64::try_from(RATE_WINDOW.as_millis()).unwrap_or(0);
    let counts = if store_up {
        state
            .store
            .decision_counts_since(since)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let t = &state.topology;
    let mut flows = Vec::new();
    for flow in Flow::ALL {
        let work = state
            .broker
            .queue_counts(&t.work_queue(flow))
            .await
            .map(|c| (c.messages, c.consumers))
            .map_err(|e| e.to_string());
        let mut tiers = Vec::new();
        for &delay in &t.retry_tiers_secs {
            let depth = state
                .broker
                .queue_counts(&t.retry_queue(flow, delay))
                .await
                .map(|c| c.messages)
                .map_err(|e| e.to_string());
            tiers.push((delay, depth));
        }
        let parked = parked_by_reason(state, flow).await;
        let decisions = counts
            .iter()
            .filter(|(f, _, _)| f == flow.as_str())
            .map(|(_, decision, n)| (decision.clone(), *n))
            .collect();
        flows.push(FlowView {
            flow,
            work,
            tiers,
            parked,
            decisions,
        });
    }
    let sources = if store_up {
        state
            .store
            .source_statuses()
            .await
            .map_err(|e| e.to_string())
    } else {
        Err("the store does not answer".into())
    };
    View {
        broker_up,
        store_up,
        flows,
        sources,
        now_ms,
    }
}

/// The parked count (the broker's, which holds nothing) and, when it is not 0, the
/// count by reason. Counting by reason scans the parked queue, holding each message
/// while it is read, and a re-drive running at that moment would not see those: so the
/// scan is made again only when the count changed (or after [`REASONS_FOR`]), not on
/// every refresh of every open overview.
async fn parked_by_reason(
    state: &AdminState,
    flow: Flow,
) -> Result<(u64, BTreeMap<String, u64>), String> {
    let queue = state.topology.parked_queue(flow);
    let total = u64::from(
        state
            .broker
            .queue_counts(&queue)
            .await
            .map_err(|e| e.to_string())?
            .messages,
    );
    if total == 0 {
        return Ok((0, BTreeMap::new()));
    }
    if let Some(by_reason) = state.console.reasons.get(flow, total) {
        return Ok((total, by_reason));
    }
    let list = parked::list(&state.broker, &state.topology, flow, 0)
        .await
        .map_err(|e| e.to_string())?;
    state
        .console
        .reasons
        .put(flow, list.total, list.by_reason.clone());
    Ok((list.total, list.by_reason))
}

/// How long a count by reason is reused while the parked count stays the same.
pub const REASONS_FOR: Duration = Duration::from_secs(60);

/// The latest count by reason per flow, with the parked count it was made at.
#[derive(Debug, Default)]
pub struct ReasonCounts(std::sync::Mutex<BTreeMap<&'static str, Counted>>);

/// A count by reason: the parked count it was made at, when, and the counts.
type Counted = (u64, std::time::Instant, BTreeMap<String, u64>);

impl ReasonCounts {
    fn get(&self, flow: Flow, total: u64) -> Option<BTreeMap<String, u64>> {
        let counts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts
            .get(flow.as_str())
            .filter(|(at_total, at, _)| *at_total == total && at.elapsed() < REASONS_FOR)
            .map(|(_, _, by_reason)| by_reason.clone())
    }

    fn put(&self, flow: Flow, total: u64, by_reason: BTreeMap<String, u64>) {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.insert(flow.as_str(), (total, std::time::Instant::now(), by_reason));
    }
}

fn up(is_up: bool) -> Markup {
    html! {
        @if is_up { span.ok { "reachable" } } @else { span.bad { "unreachable" } }
    }
}

fn live(view: &View) -> Markup {
    html! {
        div #live hx-get="/overview/live" hx-trigger=(REFRESH) hx-swap="outerHTML" {
            p.muted { "As of " (time(view.now_ms)) " · refreshes every 5 s" }
            div.grid {
                div.card { strong { "Broker" } " " (up(view.broker_up)) }
                div.card { strong { "Store" } " " (up(view.store_up)) }
            }
            h2 { "Flows" }
            div.scroll { table #flows {
                thead { tr {
                    th { "Flow" } th.num { "Queued" } th.num { "Consumers" }
                    th { "Decisions, last 5 min" } th { "Retry tiers (messages)" } th { "Parked" }
                } }
                tbody {
                    @for f in &view.flows { (flow_row(f)) }
                }
            } }
            h2 { "Sources" }
            (sources(view))
        }
    }
}

fn flow_row(f: &FlowView) -> Markup {
    let name = f.flow.as_str();
    html! {
        tr data-flow=(name) {
            td { strong { (name) } }
            @match &f.work {
                Ok((messages, consumers)) => {
                    td.num { (messages) }
                    td.num {
                        @if *consumers == 0 { span.bad title="no replica consumes this flow" { "0" } } @else { (consumers) }
                    }
                }
                Err(e) => { td.bad colspan="2" title=(e) { "queue missing" } }
            }
            td {
                @if f.decisions.is_empty() { span.muted { "none" } }
                @for (decision, n) in &f.decisions {
                    span.pill title=(format!("{:.1} a minute", *n as f64 / RATE_WINDOW.as_secs_f64() * 60.0)) { (decision) " " (n) } " "
                }
            }
            td {
                @for (delay, depth) in &f.tiers {
                    span.pill title=(format!("retry after {delay} s")) {
                        (delay) " s: "
                        @match depth { Ok(n) => (n), Err(_) => "?" }
                    } " "
                }
            }
            td {
                @match &f.parked {
                    Ok((0, _)) => span.ok { "0" },
                    Ok((total, by_reason)) => {
                        a.bad href=(format!("/parked?{}", query(&[("flow", name)]))) { (total) }
                        " "
                        @for (reason, n) in by_reason {
                            a.pill href=(format!("/parked?{}", query(&[("flow", name), ("reason", reason)]))) { (reason) ": " (n) } " "
                        }
                    }
                    Err(e) => span.bad title=(e) { "cannot read" },
                }
            }
        }
    }
}

fn sources(view: &View) -> Markup {
    html! {
        @match &view.sources {
            Err(e) => p.bad { "Cannot read the sources' health: " (e) },
            Ok(rows) if rows.is_empty() => p.muted { "No source has reported yet (assetrelay-sources writes here after each run)." },
            Ok(rows) => div.scroll { table #sources {
                thead { tr {
                    th { "Connection" } th { "Source" } th { "State" } th { "Last success" }
                    th { "Last error" } th.num { "Failures in a row" } th { "Reported by" }
                } }
                tbody {
                    @for s in rows {
                        tr {
                            td { (s.connection) }
                            td { (s.source) }
                            td {
                                @match s.state.as_str() {
                                    "ok" | "connected" => span.ok { (s.state) },
                                    "failing" | "failed" | "disconnected" => span.bad { (s.state) },
                                    other => span.warn { (other) },
                                }
                                " " span.muted title=(time(s.updated_at_ms)) { (age(view.now_ms, s.updated_at_ms)) }
                            }
                            td {
                                @match s.last_success_at_ms {
                                    Some(at) => span title=(time(at)) { (age(view.now_ms, at)) },
                                    // A subscription has a state, not runs.
                                    None if s.failures_in_row == 0 && s.last_error_class.is_none() => span.muted { "—" },
                                    None => span.bad { "never" },
                                }
                            }
                            td {
                                @if let (Some(class), Some(at)) = (&s.last_error_class, s.last_error_at_ms) {
                                    code { (class) } " " span.muted title=(time(at)) { (age(view.now_ms, at)) }
                                } @else { span.muted { "none" } }
                            }
                            td.num { (s.failures_in_row) }
                            td { code { (s.holder) } }
                        }
                    }
                }
            } },
        }
    }
}
