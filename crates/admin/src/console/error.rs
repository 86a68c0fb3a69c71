//! What a console page answers when it cannot do what was asked: an HTML page with the
//! status and a sentence that says why (the JSON API answers problem+json instead).

use assetrelay_ops::OpsError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::page::{bare_page, respond};

#[derive(Debug)]
pub struct ConsoleError {
    pub status: StatusCode,
    pub message: String,
}

impl ConsoleError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// The store could not be read or written.
    pub fn store(what: &str, error: &assetrelay_store::StoreError) -> Self {
        tracing::warn!(error.message = %assetrelay_broker::connection::error_chain(error), "console: {what}");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{what}: the store did not answer ({error})"),
        )
    }
}

/// The same statuses the JSON API gives the same failures.
impl From<OpsError> for ConsoleError {
    fn from(error: OpsError) -> Self {
        let problem = crate::Problem::from(error);
        Self {
            status: StatusCode::from_u16(problem.status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: problem.detail,
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        respond(
            self.status,
            bare_page(
                title,
                html! {
                    h1 { (self.status.as_u16()) " " (title) }
                    p.flash.error { (self.message) }
                    p { a href="/" { "Back to the overview" } }
                },
            ),
        )
    }
}
