//! `/parked`: a flow's parked messages with filters (reason class `x-error`, status,
//! connection, age), one message's detail (redacted), and re-drive or purge of the
//! selected ones or of everything the filter matches. A purge is confirmed first, on a
//! page that says how many messages it will drop; the confirmed purge drops exactly
//! those (by event id), not whatever matches by then.

use assetrelay_contract::Flow;
use assetrelay_ops::parked::{self, ParkedMessage};
use axum::Extension;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

mod act;

pub use act::act;

use super::error::ConsoleError;
use super::page::{page, query, timeline_link};
use super::redact;
use super::session::Session;
use crate::AdminState;

/// At most this many messages are read for a listing or a selection by filter.
pub(super) const SCAN_LIMIT: usize = 10_000;
/// Rows a listing shows.
pub(super) const SHOWN: usize = 200;

/// The listing's filters, also in every link and form that keeps them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filters {
    pub flow: Option<String>,
    pub reason: Option<String>,
    pub status: Option<String>,
    pub connection: Option<String>,
    /// Parked at least this long ago (`30m`, `2h`, `3d`) or before this RFC 3339 time.
    pub older_than: Option<String>,
}

impl Filters {
    pub(super) fn field(value: &Option<String>) -> &str {
        value.as_deref().map_or("", str::trim)
    }

    pub(super) fn pairs(&self, flow: Flow) -> Vec<(&'static str, String)> {
        vec![
            ("flow", flow.as_str().to_owned()),
            ("reason", Self::field(&self.reason).to_owned()),
            ("status", Self::field(&self.status).to_owned()),
            ("connection", Self::field(&self.connection).to_owned()),
            ("older_than", Self::field(&self.older_than).to_owned()),
        ]
    }

    pub(super) fn is_narrowed(&self) -> bool {
        [
            &self.reason,
            &self.status,
            &self.connection,
            &self.older_than,
        ]
        .iter()
        .any(|f| !Self::field(f).is_empty())
    }

    /// The filter as one line for the action log.
    pub(super) fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("reason", &self.reason),
            ("status", &self.status),
            ("connection", &self.connection),
            ("older than", &self.older_than),
        ]
        .iter()
        .filter(|(_, v)| !Self::field(v).is_empty())
        .map(|(k, v)| format!("{k} {}", Self::field(v)))
        .collect();
        if parts.is_empty() {
            "every parked message".into()
        } else {
            parts.join(", ")
        }
    }

    pub(super) fn matcher(&self) -> Result<impl Fn(&ParkedMessage) -> bool + '_, ConsoleError> {
        let cutoff = match Self::field(&self.older_than) {
            "" => None,
            text => Some(
                assetrelay_ops::replay::parse_time(text, Utc::now())
                    .map_err(|e| ConsoleError::invalid(format!("older than: {e}")))?,
            ),
        };
        let wanted = |filter: &Option<String>, value: &Option<String>| match Self::field(filter) {
            "" => true,
            f => value.as_deref() == Some(f),
        };
        Ok(move |m: &ParkedMessage| {
            wanted(&self.reason, &m.reason)
                && wanted(&self.status, &m.status)
                && wanted(&self.connection, &m.connection)
                && cutoff.is_none_or(|c| parked_at(m).is_some_and(|at| at <= c))
        })
    }
}

pub(super) fn parked_at(m: &ParkedMessage) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(m.parked_at.as_deref()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(super) fn flow_of(name: Option<&str>) -> Result<Option<Flow>, ConsoleError> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(name) => name
            .parse()
            .map(Some)
            .map_err(|e: assetrelay_contract::UnknownFlow| ConsoleError::invalid(e.to_string())),
    }
}

/// The platform an event is about (`data.platform`), for its timeline link.
fn platform_of(m: &ParkedMessage) -> Option<&str> {
    m.body.get("data")?.get("platform")?.as_str()
}

pub(super) fn link_of(m: &ParkedMessage) -> Option<String> {
    let subject = m.subject.as_deref()?;
    Some(timeline_link(
        platform_of(m),
        subject,
        m.connection.as_deref(),
    ))
}

/// `GET /parked`.
pub async fn list(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Query(filters): Query<Filters>,
) -> Result<Markup, ConsoleError> {
    // The broker's counts: a scan of every flow's parked queue would hold its messages.
    let mut totals = Vec::new();
    for flow in Flow::ALL {
        let counts = state
            .broker
            .queue_counts(&state.topology.parked_queue(flow))
            .await
            .map_err(|e| {
                ConsoleError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            })?;
        totals.push((flow, u64::from(counts.messages)));
    }
    let flow = match flow_of(filters.flow.as_deref())? {
        Some(flow) => flow,
        None => totals
            .iter()
            .find(|(_, n)| *n > 0)
            .map_or(Flow::ALL[0], |(f, _)| *f),
    };
    let listing = parked::list(&state.broker, &state.topology, flow, SCAN_LIMIT).await?;
    let matches = filters.matcher()?;
    let shown: Vec<&ParkedMessage> = listing.oldest_first.iter().filter(|m| matches(m)).collect();
    let pairs = filters.pairs(flow);
    let keep: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(page(
        "Parked",
        "/parked",
        &session,
        html! {
            h1 { "Parked messages" }
            p.muted { "Messages a flow gave up on: a permanent failure, or retries exhausted. Re-drive one once its cause is fixed; it goes back to the flow's work queue." }
            div.actions {
                @for (f, n) in &totals {
                    @let here = *f == flow;
                    a.pill href=(format!("/parked?{}", query(&[("flow", f.as_str())]))) aria-current=[here.then_some("true")] {
                        (f.as_str()) ": " (n)
                    }
                }
            }
            form.filters.card method="get" action="/parked" {
                label { "Flow"
                    select name="flow" {
                        @for f in Flow::ALL {
                            option value=(f.as_str()) selected[f == flow] { (f.as_str()) }
                        }
                    }
                }
                label { "Reason (x-error)"
                    select name="reason" {
                        option value="" { "any" }
                        @for (reason, n) in &listing.by_reason {
                            option value=(reason) selected[filters.reason.as_deref() == Some(reason.as_str())] { (reason) " (" (n) ")" }
                        }
                    }
                }
                label { "Status" input name="status" size="6" value=(Filters::field(&filters.status)) placeholder="400"; }
                label { "Connection" input name="connection" size="12" value=(Filters::field(&filters.connection)); }
                label { "Parked before" input name="older_than" size="10" value=(Filters::field(&filters.older_than)) placeholder="2h"; }
                button type="submit" { "Filter" }
                a href=(format!("/parked?{}", query(&[("flow", flow.as_str())]))) { "clear" }
            }
            p { strong { (shown.len()) } " of " (listing.total) " parked in " (flow.as_str()) " match"
                @if shown.len() > SHOWN { " (the oldest " (SHOWN) " are listed)" } "." }
            @if !shown.is_empty() {
                form method="post" action=(format!("/parked/{}/act", flow.as_str())) {
                    input type="hidden" name="csrf" value=(session.csrf);
                    @for (k, v) in &keep { input type="hidden" name=(format!("filter_{k}")) value=(v); }
                    div.scroll { table #parked {
                        thead { tr { th { "" } th { "Event" } th { "Type" } th { "Asset" } th { "Connection" } th { "Reason" } th { "Status" } th.num { "Attempts" } th { "Parked at" } } }
                        tbody {
                            @for m in shown.iter().take(SHOWN) {
                                @let id = m.event_id.as_deref().unwrap_or("");
                                tr {
                                    td { @if !id.is_empty() { input type="checkbox" name="event_id" value=(id) aria-label=(format!("select {id}")); } }
                                    td { @if id.is_empty() { span.muted { "no id" } } @else {
                                        a href=(format!("/parked/{}/{}", flow.as_str(), url_part(id))) { code { (id) } } } }
                                    td { (m.event_type.as_deref().unwrap_or("")) }
                                    td { @match (m.subject.as_deref(), link_of(m)) {
                                        (Some(subject), Some(link)) => a href=(link) { (subject) },
                                        _ => span.muted { "none" },
                                    } }
                                    td { (m.connection.as_deref().unwrap_or("")) }
                                    td { span.pill { (m.reason.as_deref().unwrap_or("unknown")) } }
                                    td { (m.status.as_deref().unwrap_or("")) }
                                    td.num { (m.attempts.map(|a| a.to_string()).unwrap_or_default()) }
                                    td { (m.parked_at.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    } }
                    div.actions {
                        button type="submit" name="op" value="redrive-selected" { "Re-drive selected" }
                        button type="submit" name="op" value="redrive-filter" { "Re-drive all " (shown.len()) " matching" }
                        button.danger type="submit" name="op" value="purge-selected" { "Purge selected…" }
                        button.danger type="submit" name="op" value="purge-filter" { "Purge all matching…" }
                    }
                }
            }
        },
    ))
}

/// An event id as one path segment.
pub fn url_part(text: &str) -> String {
    percent_encode(text)
}

fn percent_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `GET /parked/{flow}/{event_id}`.
pub async fn show(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Path((name, event_id)): Path<(String, String)>,
) -> Result<Markup, ConsoleError> {
    let flow = flow_of(Some(&name))?.unwrap_or(Flow::ALL[0]);
    let message = parked::show(&state.broker, &state.topology, flow, &event_id)
        .await?
        .ok_or_else(|| {
            ConsoleError::not_found(format!(
                "no parked message with event id `{event_id}` in {name} (re-driven or purged since?)"
            ))
        })?;
    let body = serde_json::to_string_pretty(&redact::value(&message.body))
        .unwrap_or_else(|_| message.body.to_string());
    Ok(page(
        "Parked message",
        "/parked",
        &session,
        html! {
            p { a href=(format!("/parked?{}", query(&[("flow", flow.as_str())]))) { "← parked in " (flow.as_str()) } }
            h1 { "Parked message " code { (event_id) } }
            div.card { dl.kv {
                dt { "Flow" } dd { (flow.as_str()) }
                dt { "Reason" } dd { span.pill { (message.reason.as_deref().unwrap_or("unknown")) } }
                dt { "Detail" } dd { (message.detail.as_deref().unwrap_or("")) }
                dt { "Status" } dd { (message.status.as_deref().unwrap_or("")) }
                dt { "Attempts" } dd { (message.attempts.map(|a| a.to_string()).unwrap_or_default()) }
                dt { "Type" } dd { (message.event_type.as_deref().unwrap_or("")) }
                dt { "Asset" } dd {
                    @match (message.subject.as_deref(), link_of(&message)) {
                        (Some(subject), Some(link)) => { (subject) " · " a href=(link) { "timeline" } },
                        _ => span.muted { "none" },
                    }
                }
                dt { "Connection" } dd { (message.connection.as_deref().unwrap_or("")) }
                dt { "First seen" } dd { (message.first_seen.as_deref().unwrap_or("")) }
                dt { "Parked at" } dd { (message.parked_at.as_deref().unwrap_or("")) }
            } }
            form method="post" action=(format!("/parked/{}/act", flow.as_str())) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="event_id" value=(event_id);
                div.actions {
                    button type="submit" name="op" value="redrive-selected" { "Re-drive this message" }
                    button.danger type="submit" name="op" value="purge-selected" { "Purge this message…" }
                }
            }
            h2 { "Headers" }
            div.scroll { table #headers {
                tbody { @for (k, v) in &message.headers { tr { th { (k) } td { code { (redact::header(k, v)) } } } } }
            } }
            h2 { "Event (credentials redacted)" }
            pre #body { (body) }
        },
    ))
}
