//! `/jobs/{id}`: a background operation's progress (refreshed every second until it
//! ends), its result with links to the timelines of what it touched, a replay's cancel
//! button, and a dry run's button to run the replay for real.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::error::ConsoleError;
use super::forms::Form;
use super::jobs::{Job, JobKind};
use super::page::{page, time};
use super::session::Session;
use crate::AdminState;

fn job_of(state: &AdminState, id: &str) -> Result<Arc<Job>, ConsoleError> {
    state.console.jobs.get(id).ok_or_else(|| {
        ConsoleError::not_found(format!(
            "no operation `{id}` on this admin replica (it keeps the latest 100; the action log has every finished one)"
        ))
    })
}

/// `GET /jobs/{id}`.
pub async fn show(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Markup, ConsoleError> {
    let job = job_of(&state, &id)?;
    let back = match job.kind {
        JobKind::DryRun | JobKind::Replay => "/replay",
        JobKind::Redrive | JobKind::Purge => "/parked",
    };
    Ok(page(
        job.kind.title(),
        back,
        &session,
        html! {
            h1 { (job.kind.title()) }
            div.card { dl.kv {
                dt { "Flow" } dd { (job.flow) }
                dt { "Selection" } dd { code { (job.selection) } }
                dt { "Started" } dd { (time(job.started_at_ms)) " by " (job.operator) }
            } }
            (live(&job, &session))
        },
    ))
}

/// `GET /jobs/{id}/live`: the part that changes.
pub async fn live_fragment(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Markup, ConsoleError> {
    let job = job_of(&state, &id)?;
    Ok(live(&job, &session))
}

fn live(job: &Job, session: &Session) -> Markup {
    let state = job.state();
    let refresh = state.outcome.is_none();
    html! {
        div #job data-state=(if refresh { "running" } else { "done" })
            hx-get=[refresh.then(|| format!("/jobs/{}/live", job.id))]
            hx-trigger=[refresh.then_some("every 1s")]
            hx-swap=[refresh.then_some("outerHTML")] {
            @match &state.outcome {
                None => {
                    p { strong { "Running…" } }
                    @if let Some(fraction) = state.progress.fraction {
                        progress max="1" value=(format!("{fraction:.3}")) {}
                    } @else {
                        progress {}
                    }
                    @if matches!(job.kind, JobKind::DryRun | JobKind::Replay) {
                        p #progress { "read " (state.progress.read) " · matching " (state.progress.matched) " · published " (state.progress.published) }
                    }
                    // Not `job.cancellable()`: that locks the state this holds.
                    @if job.kind == JobKind::Replay {
                        form method="post" action=(format!("/jobs/{}/cancel", job.id)) {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button.danger type="submit" { "Cancel replay" }
                        }
                    }
                    noscript { p { "Reload the page to see how far it is." } }
                }
                Some(outcome) => {
                    p #result class=(if outcome.ok { "flash info" } else { "flash error" }) { (outcome.summary) }
                    @if !outcome.figures.is_empty() {
                        div.card { dl.kv { @for (label, value) in &outcome.figures { dt { (label) } dd { (value) } } } }
                    }
                    @if let Some(fields) = &outcome.rerun {
                        form method="post" action="/replay/run" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            @for (k, v) in fields { input type="hidden" name=(k) value=(v); }
                            div.actions {
                                button type="submit" #run-replay { "Run this replay" }
                                a href=(format!("/replay?{}", super::page::query(&fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()))) { "Change the filters" }
                            }
                        }
                    }
                    @if !outcome.links.is_empty() {
                        h2 { @if job.kind == JobKind::DryRun { "First matching events" } @else { "What it touched" } }
                        ul #touched { @for (label, link) in &outcome.links {
                            li { @if link.is_empty() { (label) } @else { a href=(link) { (label) } } }
                        } }
                    }
                }
            }
        }
    }
}

/// `POST /jobs/{id}/cancel`: stop a replay at the next archived message (what it
/// published stays published).
pub async fn cancel(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, ConsoleError> {
    session.check_csrf(&form)?;
    let job = job_of(&state, &id)?;
    if job.cancellable() {
        job.cancel.cancel();
        super::actions::record(
            &state,
            &session.operator,
            "replay-cancel",
            Some(&job.flow),
            &job.selection,
            "cancel requested",
        )
        .await;
    }
    Ok(Redirect::to(&format!("/jobs/{id}")).into_response())
}
