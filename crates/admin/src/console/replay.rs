//! `/replay`: the form behind `assetrelay replay` (window, types, subject, connection,
//! platform, flow, rate). It always dry-runs first: the dry run's page says how many
//! archived events would be replayed (and shows the first ones), and only its "run"
//! button starts the replay, whose page shows live progress and a cancel button.

use assetrelay_contract::Flow;
use assetrelay_ops::replay::{self, ReplayProgress, ReplayRequest, ReplaySummary};
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::error::ConsoleError;
use super::forms::Form;
use super::jobs::{JobKind, Outcome, Progress};
use super::page::{page, timeline_link};
use super::session::Session;
use crate::AdminState;

/// Matches a dry run lists (the run itself is not limited).
const SAMPLE: usize = 20;

/// The form's fields, from a shareable URL (`/replay?since=2h&flow=to-smint`) or a post.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReplayForm {
    pub since: Option<String>,
    pub until: Option<String>,
    /// Comma-separated event types.
    pub types: Option<String>,
    pub subject: Option<String>,
    pub connection: Option<String>,
    pub platform: Option<String>,
    pub flow: Option<String>,
    /// Messages per second, empty for the default pace.
    pub rate: Option<String>,
}

const FIELDS: [&str; 8] = [
    "since",
    "until",
    "types",
    "subject",
    "connection",
    "platform",
    "flow",
    "rate",
];

impl ReplayForm {
    fn from_form(form: &Form) -> Self {
        Self {
            since: form.text("since"),
            until: form.text("until"),
            types: form.text("types"),
            subject: form.text("subject"),
            connection: form.text("connection"),
            platform: form.text("platform"),
            flow: form.text("flow"),
            rate: form.text("rate"),
        }
    }

    fn value(&self, field: &str) -> &str {
        let v = match field {
            "since" => &self.since,
            "until" => &self.until,
            "types" => &self.types,
            "subject" => &self.subject,
            "connection" => &self.connection,
            "platform" => &self.platform,
            "flow" => &self.flow,
            _ => &self.rate,
        };
        v.as_deref().map_or("", str::trim)
    }

    fn pairs(&self) -> Vec<(String, String)> {
        FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), self.value(f).to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    fn describe(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The request, or what is wrong with the form.
    fn request(&self, dry_run: bool) -> Result<ReplayRequest, ConsoleError> {
        let now = chrono::Utc::now();
        let flow: Flow =
            self.value("flow")
                .parse()
                .map_err(|e: assetrelay_contract::UnknownFlow| {
                    ConsoleError::invalid(format!("flow: {e}"))
                })?;
        let since = match self.value("since") {
            "" => {
                return Err(ConsoleError::invalid(
                    "since: give the window's start (2h, or an RFC 3339 time)",
                ));
            }
            text => replay::parse_time(text, now)?,
        };
        let until = match self.value("until") {
            "" => None,
            text => Some(replay::parse_time(text, now)?),
        };
        let platform = match self.value("platform") {
            "" => None,
            p @ ("photoshelter" | "smintio") => Some(p.to_owned()),
            other => {
                return Err(ConsoleError::invalid(format!(
                    "platform: `{other}` is neither photoshelter nor smintio"
                )));
            }
        };
        let rate = match self.value("rate") {
            "" => None,
            text => Some(text.parse::<u32>().ok().filter(|r| *r > 0).ok_or_else(|| {
                ConsoleError::invalid(format!(
                    "rate: `{text}` is not a whole number of messages per second above 0"
                ))
            })?),
        };
        let text = |f: &str| Some(self.value(f).to_owned()).filter(|v| !v.is_empty());
        Ok(ReplayRequest {
            since,
            until,
            types: self
                .value("types")
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            subject: text("subject"),
            connection: text("connection"),
            platform,
            event_ids: Vec::new(),
            flow,
            dry_run,
            rate,
            sample: SAMPLE,
        })
    }
}

/// `GET /replay`.
pub async fn form(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    Query(fields): Query<ReplayForm>,
) -> Markup {
    let recent = state.console.jobs.recent(20);
    let since = if fields.value("since").is_empty() {
        "1h"
    } else {
        fields.value("since")
    };
    page(
        "Replay",
        "/replay",
        &session,
        html! {
            h1 { "Replay archived events" }
            p.muted { "Every event published is archived. A replay publishes the archived events that match into one flow's work queue again; the flows' ledger keeps a replay from writing what a target already holds. A dry run comes first and says how many events would go." }
            form.filters.card method="post" action="/replay/dry-run" {
                input type="hidden" name="csrf" value=(session.csrf);
                label { "Since" input name="since" size="22" value=(since) required placeholder="2h or 2026-12-01T10:00:00Z"; }
                label { "Until" input name="until" size="22" value=(fields.value("until")) placeholder="now"; }
                label { "Types" input name="types" size="22" value=(fields.value("types")) placeholder="asset.updated,asset.deleted"; }
                label { "Subject (asset id)" input name="subject" size="16" value=(fields.value("subject")); }
                label { "Connection" input name="connection" size="12" value=(fields.value("connection")); }
                label { "Platform"
                    select name="platform" {
                        option value="" { "any" }
                        @for p in ["photoshelter", "smintio"] { option value=(p) selected[fields.value("platform") == p] { (p) } }
                    }
                }
                label { "Into flow"
                    select name="flow" required {
                        @for f in Flow::ALL { option value=(f.as_str()) selected[fields.value("flow") == f.as_str()] { (f.as_str()) } }
                    }
                }
                label { "Rate (msg/s)" input name="rate" size="6" value=(fields.value("rate")) inputmode="numeric"; }
                button type="submit" { "Dry run" }
            }
            @if !recent.is_empty() {
                h2 { "Recent operations on this admin replica" }
                div.scroll { table {
                    thead { tr { th { "Operation" } th { "Flow" } th { "By" } th { "State" } } }
                    tbody { @for job in &recent {
                        tr {
                            td { a href=(format!("/jobs/{}", job.id)) { (job.kind.title()) } }
                            td { (job.flow) }
                            td { (job.operator) }
                            td { @match &job.state().outcome { Some(o) => (o.summary), None => "running" } }
                        }
                    } }
                } }
            }
        },
    )
}

/// `POST /replay/dry-run`.
pub async fn dry_run(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    form: Form,
) -> Result<Response, ConsoleError> {
    submit(&state, &session, &form, JobKind::DryRun)
}

/// `POST /replay/run`: the dry run's button.
pub async fn run(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
    form: Form,
) -> Result<Response, ConsoleError> {
    submit(&state, &session, &form, JobKind::Replay)
}

fn submit(
    state: &AdminState,
    session: &Session,
    form: &Form,
    kind: JobKind,
) -> Result<Response, ConsoleError> {
    session.check_csrf(form)?;
    let fields = ReplayForm::from_form(form);
    let request = fields.request(kind == JobKind::DryRun)?;
    Ok(start(state, session, kind, fields, request))
}

fn start(
    state: &AdminState,
    session: &Session,
    kind: JobKind,
    fields: ReplayForm,
    request: ReplayRequest,
) -> Response {
    let (broker, publisher, topology) = (
        state.broker.clone(),
        state.publisher.clone(),
        state.topology.clone(),
    );
    let selection = fields.describe();
    let job = state.console.jobs.start(
        state,
        kind,
        &session.operator,
        request.flow.as_str(),
        selection,
        move |job| async move {
            let report = {
                let job = std::sync::Arc::clone(&job);
                move |p: &ReplayProgress| {
                    job.set_progress(Progress {
                        read: p.read,
                        matched: p.matched,
                        published: p.published,
                        fraction: p.fraction,
                    });
                }
            };
            let ran = replay::replay_until_cancelled(
                &broker,
                &publisher,
                &topology,
                &request,
                &report,
                &job.cancel,
            )
            .await;
            match ran {
                Ok(summary) => outcome(&summary, &fields),
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

fn outcome(summary: &ReplaySummary, fields: &ReplayForm) -> Outcome {
    let platform = Some(fields.value("platform")).filter(|p| !p.is_empty());
    let links = summary
        .first_matches
        .iter()
        .map(|m| {
            let label = format!(
                "{} · {} · {}",
                m.time,
                m.event_type,
                m.subject.as_deref().unwrap_or("no subject")
            );
            let link = m.subject.as_deref().map_or_else(String::new, |s| {
                timeline_link(platform, s, Some(&m.connection))
            });
            (label, link)
        })
        .collect();
    let mut figures = vec![
        ("archived events read".to_owned(), summary.read.to_string()),
        ("matching".to_owned(), summary.matched.to_string()),
    ];
    let text = if summary.dry_run {
        format!(
            "dry run: {} archived events would be replayed",
            summary.matched
        )
    } else {
        figures.push((
            "published (confirmed)".into(),
            summary.published.to_string(),
        ));
        figures.push(("unconfirmed".into(), summary.unconfirmed.to_string()));
        let mut text = format!(
            "replayed {} of {} matching events",
            summary.published, summary.matched
        );
        if summary.cancelled {
            text.push_str(" (cancelled before the window's end)");
        }
        if summary.unconfirmed > 0 {
            text.push_str(&format!(
                "; {} unconfirmed: run it again",
                summary.unconfirmed
            ));
        }
        text
    };
    figures.push(("replay id".into(), summary.replay_id.clone()));
    Outcome {
        ok: summary.unconfirmed == 0,
        summary: text,
        figures,
        links,
        rerun: summary.dry_run.then(|| fields.pairs()),
    }
}
