//! `/parked`: a flow's parked messages with filters (reason class `x-error`, status,
//! connection, age), one message's detail (redacted), and re-drive or purge of the
//! selected ones or of everything the filter matches. A purge is confirmed first, on a
//! page that says how many messages it will drop; the confirmed purge drops exactly
//! those (by event id), not whatever matches by then.

use std::collections::BTreeSet;

use assetrelay_contract::Flow;
use assetrelay_ops::parked::{self, ParkedFilter, ParkedMessage};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::forms::Form;
use super::jobs::{JobKind, Outcome};
use super::page::{page, query, timeline_link};
use super::redact;
use super::session::Session;
use crate::AdminState;

/// At most this many messages are read for a listing or a selection by filter.
const SCAN_LIMIT: usize = 10_000;
/// Rows a listing shows.
const SHOWN: usize = 200;

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
    fn field(value: &Option<String>) -> &str {
        value.as_deref().map_or("", str::trim)
    }

    fn pairs(&self, flow: Flow) -> Vec<(&'static str, String)> {
        vec![
            ("flow", flow.as_str().to_owned()),
            ("reason", Self::field(&self.reason).to_owned()),
            ("status", Self::field(&self.status).to_owned()),
            ("connection", Self::field(&self.connection).to_owned()),
            ("older_than", Self::field(&self.older_than).to_owned()),
        ]
    }

    fn is_narrowed(&self) -> bool {
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
    fn describe(&self) -> String {
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

    fn matcher(&self) -> Result<impl Fn(&ParkedMessage) -> bool + '_, ConsoleError> {
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

fn parked_at(m: &ParkedMessage) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(m.parked_at.as_deref()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn flow_of(name: Option<&str>) -> Result<Option<Flow>, ConsoleError> {
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

fn link_of(m: &ParkedMessage) -> Option<String> {
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
    let mut totals = Vec::new();
    for flow in Flow::ALL {
        let list = parked::list(&state.broker, &state.topology, flow, 0).await?;
        totals.push((flow, list.total));
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

/// What a form selected: explicit event ids, or everything its filter matches.
enum Scope {
    Selected(Vec<String>),
    Filter(Filters),
}

impl Scope {
    fn of(form: &Form, by_filter: bool) -> Self {
        if by_filter {
            Scope::Filter(Filters {
                flow: form.text("filter_flow"),
                reason: form.text("filter_reason"),
                status: form.text("filter_status"),
                connection: form.text("filter_connection"),
                older_than: form.text("filter_older_than"),
            })
        } else {
            Scope::Selected(form.all("event_id"))
        }
    }
}

/// `POST /parked/{flow}/act`: `op` is `redrive-selected`, `redrive-filter`,
/// `purge-selected` or `purge-filter` (these two show the confirmation), or
/// `purge-confirmed` (the confirmation's button, with the event ids it counted).
pub async fn act(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
    form: Form,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form)?;
    let flow = flow_of(Some(&name))?.unwrap_or(Flow::ALL[0]);
    let op = form.get("op").unwrap_or_default();
    match op {
        "redrive-selected" | "redrive-filter" => {
            let scope = Scope::of(&form, op == "redrive-filter");
            let (filter, selection) = resolve(&state, flow, &scope).await?;
            Ok(start(
                &state,
                &session,
                flow,
                JobKind::Redrive,
                filter,
                selection,
            ))
        }
        "purge-selected" | "purge-filter" => {
            let scope = Scope::of(&form, op == "purge-filter");
            let ids = matching_ids(&state, flow, &scope).await?;
            Ok(confirm_purge(&session, flow, &ids).into_response())
        }
        "purge-confirmed" => {
            let ids = form.all("event_id");
            let expected: usize = form
                .text("expected")
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            if ids.is_empty() || ids.len() != expected {
                return Err(ConsoleError::invalid(
                    "the confirmation does not match its selection: start the purge again",
                ));
            }
            let selection = format!("{} event ids: {}", ids.len(), abbreviated(&ids));
            let filter = ParkedFilter {
                event_ids: ids,
                ..Default::default()
            };
            Ok(start(
                &state,
                &session,
                flow,
                JobKind::Purge,
                filter,
                selection,
            ))
        }
        other => Err(ConsoleError::invalid(format!(
            "unknown operation `{other}`"
        ))),
    }
}

/// A re-drive's filter: the selected ids, a reason class alone as itself (messages of
/// that class parked meanwhile are re-driven too, which is what was asked), anything
/// narrower as the ids it matches now.
async fn resolve(
    state: &AdminState,
    flow: Flow,
    scope: &Scope,
) -> Result<(ParkedFilter, String), ConsoleError> {
    match scope {
        Scope::Filter(filters) if !filters.is_narrowed() => Ok((
            ParkedFilter {
                all: true,
                ..Default::default()
            },
            filters.describe(),
        )),
        Scope::Filter(filters)
            if Filters::field(&filters.status).is_empty()
                && Filters::field(&filters.connection).is_empty()
                && Filters::field(&filters.older_than).is_empty() =>
        {
            Ok((
                ParkedFilter {
                    reason: filters.reason.clone(),
                    ..Default::default()
                },
                filters.describe(),
            ))
        }
        _ => {
            let ids = matching_ids(state, flow, scope).await?;
            let selection = match scope {
                Scope::Filter(f) => format!("{} ({} event ids)", f.describe(), ids.len()),
                Scope::Selected(_) => format!("{} event ids: {}", ids.len(), abbreviated(&ids)),
            };
            Ok((
                ParkedFilter {
                    event_ids: ids,
                    ..Default::default()
                },
                selection,
            ))
        }
    }
}

/// The event ids a scope selects among the parked messages now; refused when none.
async fn matching_ids(
    state: &AdminState,
    flow: Flow,
    scope: &Scope,
) -> Result<Vec<String>, ConsoleError> {
    let listing = parked::list(&state.broker, &state.topology, flow, SCAN_LIMIT).await?;
    let ids: Vec<String> = match scope {
        Scope::Selected(selected) => {
            let wanted: BTreeSet<&str> = selected.iter().map(String::as_str).collect();
            listing
                .oldest_first
                .iter()
                .filter_map(|m| m.event_id.clone())
                .filter(|id| wanted.contains(id.as_str()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        }
        Scope::Filter(filters) => {
            let matches = filters.matcher()?;
            listing
                .oldest_first
                .iter()
                .filter(|m| matches(m))
                .filter_map(|m| m.event_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        }
    };
    if ids.is_empty() {
        return Err(ConsoleError::invalid(
            "no parked message matches the selection (tick at least one, or they were re-driven or purged meanwhile)",
        ));
    }
    Ok(ids)
}

fn abbreviated(ids: &[String]) -> String {
    let mut text = ids.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 5 {
        text.push_str(&format!(", … ({} more)", ids.len() - 5));
    }
    text
}

fn confirm_purge(session: &Session, flow: Flow, ids: &[String]) -> Markup {
    page(
        "Confirm purge",
        "/parked",
        session,
        html! {
            h1 { "Purge " (ids.len()) " parked message" @if ids.len() != 1 { "s" } "?" }
            p.flash.error { "This drops " strong { (ids.len()) } " message" @if ids.len() != 1 { "s" } " from " (flow.as_str()) "'s parked queue for good: they cannot be re-driven afterwards (archived events can still be replayed from the archive)." }
            ul { @for id in ids.iter().take(20) { li { code { (id) } } } @if ids.len() > 20 { li { "… and " (ids.len() - 20) " more" } } }
            form method="post" action=(format!("/parked/{}/act", flow.as_str())) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="expected" value=(ids.len());
                @for id in ids { input type="hidden" name="event_id" value=(id); }
                div.actions {
                    button.danger type="submit" name="op" value="purge-confirmed" { "Purge " (ids.len()) " message" @if ids.len() != 1 { "s" } }
                    a href=(format!("/parked?{}", query(&[("flow", flow.as_str())]))) { "Cancel" }
                }
            }
        },
    )
}

/// Run the re-drive or purge as a job and show its page.
fn start(
    state: &AdminState,
    session: &Session,
    flow: Flow,
    kind: JobKind,
    filter: ParkedFilter,
    selection: String,
) -> Response {
    let (broker, publisher, topology) = (
        state.broker.clone(),
        state.publisher.clone(),
        state.topology.clone(),
    );
    let job = state.console.jobs.start(
        state,
        kind,
        &session.operator,
        flow.as_str(),
        selection,
        move |_job| async move {
            // The messages, for links to their timelines, read before they move.
            let touched: Vec<ParkedMessage> =
                match parked::list(&broker, &topology, flow, SCAN_LIMIT).await {
                    Ok(list) => list
                        .oldest_first
                        .into_iter()
                        .filter(|m| filter.matches(m))
                        .collect(),
                    Err(_) => Vec::new(),
                };
            let done = match kind {
                JobKind::Purge => parked::purge(&broker, &topology, flow, &filter).await,
                _ => parked::replay(&broker, &publisher, &topology, flow, &filter).await,
            };
            match done {
                Ok(outcome) => {
                    let verb = if kind == JobKind::Purge {
                        "purged"
                    } else {
                        "re-drove"
                    };
                    Outcome {
                        ok: outcome.moved == outcome.matched,
                        summary: format!(
                            "{verb} {} of {} selected; {} still parked",
                            outcome.moved, outcome.matched, outcome.kept
                        ),
                        figures: vec![
                            ("selected".into(), outcome.matched.to_string()),
                            (verb.into(), outcome.moved.to_string()),
                            ("still parked".into(), outcome.kept.to_string()),
                        ],
                        links: touched
                            .iter()
                            .filter_map(|m| {
                                let label = format!(
                                    "{} · {}",
                                    m.event_id.as_deref().unwrap_or("?"),
                                    m.subject.as_deref().unwrap_or("?")
                                );
                                link_of(m).map(|l| (label, l))
                            })
                            .take(SHOWN)
                            .collect(),
                        rerun: None,
                    }
                }
                Err(e) => Outcome {
                    ok: false,
                    summary: format!("failed: {}", crate::Problem::from(e).detail),
                    ..Outcome::default()
                },
            }
        },
    );
    Redirect::to(&format!("/jobs/{}", job.id)).into_response()
}
