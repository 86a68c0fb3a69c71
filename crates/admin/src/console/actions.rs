//! The audit trail: every re-drive, purge, replay (and cancel) and sign-in, by whom and
//! when, kept in the store (`operator_actions`) and shown on `/actions`.

use assetrelay_store::OperatorAction;
use axum::Extension;
use axum::extract::State;
use maud::{Markup, html};

use super::error::ConsoleError;
use super::page::{age, page, time};
use super::session::Session;
use crate::AdminState;

/// How many of the latest actions the page shows.
const SHOWN: u32 = 200;

/// Append to the audit trail. An action already done is not undone when its record
/// cannot be written; the failure is logged as an error instead (with what was done).
pub async fn record(
    state: &AdminState,
    operator: &str,
    action: &str,
    flow: Option<&str>,
    selection: &str,
    result: &str,
) {
    let entry = OperatorAction {
        at_ms: 0,
        operator: operator.to_owned(),
        action: action.to_owned(),
        flow: flow.map(str::to_owned),
        selection: selection.to_owned(),
        result: result.to_owned(),
    };
    if let Err(e) = state.store.record_operator_action(&entry).await {
        tracing::error!(operator, action, flow, selection, result, error.message = %e, "console: cannot record an operator action in the store");
    } else {
        tracing::info!(operator, action, flow, selection, result, "console action");
    }
}

/// `GET /actions`.
pub async fn list(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
) -> Result<Markup, ConsoleError> {
    let actions = state
        .store
        .operator_actions(SHOWN)
        .await
        .map_err(|e| ConsoleError::store("cannot read the action log", &e))?;
    let now = state
        .store
        .now_ms()
        .await
        .map_err(|e| ConsoleError::store("cannot read the store's clock", &e))?;
    Ok(page(
        "Actions",
        "/actions",
        &session,
        html! {
            h1 { "Operator actions" }
            p.muted { "Who re-drove, purged or replayed what, and when: the latest " (SHOWN) ", from the store (every admin replica writes here)." }
            (table(&actions, now))
        },
    ))
}

pub fn table(actions: &[OperatorAction], now_ms: i64) -> Markup {
    html! {
        @if actions.is_empty() {
            p.muted { "No action recorded yet." }
        } @else {
            div.scroll { table {
                thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Flow" } th { "Selection" } th { "Result" } } }
                tbody {
                    @for a in actions {
                        tr {
                            td title=(time(a.at_ms)) { (age(now_ms, a.at_ms)) }
                            td { (a.operator) }
                            td { span.pill { (a.action) } }
                            td { (a.flow.as_deref().unwrap_or("")) }
                            td { code { (a.selection) } }
                            td { (a.result) }
                        }
                    }
                }
            } }
        }
    }
}
