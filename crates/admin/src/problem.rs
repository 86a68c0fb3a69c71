//! Errors as RFC 9457 `application/problem+json`: mapped once from [`OpsError`], from
//! every extractor rejection, and, as a last resort, from any error answer a layer wrote
//! without a body of ours (tower-http's 408 and 413), so no answer is anything else.

use assetrelay_ops::OpsError;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:assetrelay:problem:{slug}"),
            title: status.canonical_reason().unwrap_or("error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
        }
    }

    /// A problem whose type follows from its status alone.
    pub fn of_status(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::new(status, &slug(status), detail)
    }

    pub fn unauthorized(detail: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 400: the request is well-formed but asks for something the API does not do.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::of_status(StatusCode::BAD_REQUEST, detail)
    }

    /// 422: the JSON body does not fit the request's schema.
    pub fn invalid_body(detail: impl Into<String>) -> Self {
        Self::of_status(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
}

/// The problem type of a status: ours for the statuses the API documents, else the
/// reason phrase in snake case (`Request Timeout` → `request_timeout`).
fn slug(status: StatusCode) -> String {
    match status {
        StatusCode::BAD_REQUEST => "invalid_request".to_owned(),
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace([' ', '-'], "_"),
    }
}

impl From<OpsError> for Problem {
    fn from(error: OpsError) -> Self {
        match &error {
            OpsError::Invalid(_) => Self::invalid(error.to_string()),
            OpsError::Broker { .. } | OpsError::Management { .. } => {
                // The chain names what failed and why; our errors carry no secrets (URLs
                // are stripped before they become a source).
                let detail = assetrelay_broker::connection::error_chain(&error);
                tracing::warn!(error.message = %detail, "admin operation failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "broker_unavailable",
                    detail,
                )
            }
            OpsError::Store { .. } => {
                // Store errors name the call and the driver's reason, never the URL.
                let detail = assetrelay_broker::connection::error_chain(&error);
                tracing::warn!(error.message = %detail, "admin store read failed");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", detail)
            }
            OpsError::Unconfirmed { .. } => {
                Self::new(StatusCode::BAD_GATEWAY, "unconfirmed", error.to_string())
            }
        }
    }
}

// Rejections keep axum's status (400 unparsable, 415 not JSON, 413 too large, 422 does
// not fit the type); their text names the field and says what was wrong, and holds
// nothing but what the client sent.
impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        Self::of_status(
            rejection.status(),
            format!("request body: {}", rejection.body_text()),
        )
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Self::of_status(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Self {
        Self::of_status(rejection.status(), rejection.body_text())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The router's fallback: no route has this path.
pub async fn no_such_route() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "no_such_route",
        "no such route (see /openapi.yaml)",
    )
}

/// A route exists but not for this method; axum adds the `Allow` header.
pub async fn method_not_allowed(method: Method) -> Problem {
    Problem::of_status(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("this route does not serve {method}; the Allow header lists what it does"),
    )
}

/// Turn an error answer that is not problem+json (a layer's bare 408 or 413) into one
/// with the same status and headers.
pub async fn bare_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    // The console's error pages are HTML with their own explanation.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_page || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let detail = match status {
        StatusCode::REQUEST_TIMEOUT => "the request did not complete in time".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is over {} bytes", crate::BODY_LIMIT)
        }
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let (mut parts, _bare) = response.into_parts();
    let (problem, body) = Problem::of_status(status, detail)
        .into_response()
        .into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &problem.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}
