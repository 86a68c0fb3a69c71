//! The parked list's and detail's buttons: re-drive or purge the selected messages or
//! everything the filter matches; a purge through its confirmation page.

use std::collections::BTreeSet;

use assetrelay_contract::Flow;
use assetrelay_ops::parked::{self, ParkedFilter, ParkedMessage};
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{Filters, SCAN_LIMIT, SHOWN, flow_of, link_of};
use crate::AdminState;
use crate::console::error::ConsoleError;
use crate::console::forms::Form;
use crate::console::jobs::{JobKind, Outcome};
use crate::console::page::{page, query};
use crate::console::session::Session;

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
