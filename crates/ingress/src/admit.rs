//! The first step of `POST /webhooks/{platform}/{connection}`, before a concurrency slot
//! or a body byte is spent: the path must name a served platform and a configured
//! connection (404), the body must be declared JSON (415). It also counts every answer
//! of the route by outcome and logs refusals, whichever layer made the answer.

use std::sync::Arc;

use assetrelay_contract::Platform;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{ApiError, Outcome};
use crate::state::{Admitted, AppState, Connection};
use crate::telemetry_names::REQUESTS;

/// Longest connection name served. Names appear in routing keys (at most 255 bytes in
/// AMQP) and as metric labels, so one from the internet is bounded before any lookup.
pub const CONNECTION_NAME_MAX: usize = 64;

/// `[a-z0-9_-]{1,64}`, the names `[connections.<name>]` may have.
pub fn is_connection_name(name: &str) -> bool {
    (1..=CONNECTION_NAME_MAX).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

pub async fn admit(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    // Labels name a platform and connection only once both are known to be served, so a
    // caller cannot create label values.
    let admitted = match resolve(&state, path, request.headers()) {
        Ok(admitted) => admitted,
        Err((error, labels)) => return count(labels, error.into_response()),
    };
    let labels = Some((admitted.platform, Arc::clone(&admitted.connection)));
    request.extensions_mut().insert(admitted);
    let response = next.run(request).await;
    let response = if response.extensions().get::<Outcome>().is_none()
        && response.status() == StatusCode::PAYLOAD_TOO_LARGE
    {
        // `RequestBodyLimitLayer` refused a declared length without reading: same answer
        // as a body cut off while reading.
        ApiError::PayloadTooLarge {
            limit: state.settings.body_limit_bytes,
        }
        .into_response()
    } else {
        response
    };
    count(labels, response)
}

type Labels = Option<(Platform, Arc<Connection>)>;

fn resolve(
    state: &AppState,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
    headers: &HeaderMap,
) -> Result<Admitted, (ApiError, Labels)> {
    // A segment that is not UTF-8 after percent-decoding names nothing we serve.
    let Ok(Path((platform, connection))) = path else {
        return Err((ApiError::NotFound, None));
    };
    let platform: Platform = platform
        .parse()
        .map_err(|_| (ApiError::UnknownPlatform, None))?;
    let connection = is_connection_name(&connection)
        .then(|| state.connection(&connection))
        .flatten()
        .ok_or((ApiError::UnknownConnection, None))?;
    if !is_json(headers) {
        let labels = Some((platform, connection));
        return Err((ApiError::UnsupportedMediaType, labels));
    }
    Ok(Admitted {
        platform,
        connection,
    })
}

fn count(labels: Labels, response: Response) -> Response {
    let outcome = response
        .extensions()
        .get::<Outcome>()
        .map_or("unclassified", |o| o.0);
    let (platform, connection) = match &labels {
        Some((platform, connection)) => (platform.as_str(), connection.name.clone()),
        None => ("unknown", "unknown".to_owned()),
    };
    if !matches!(outcome, "accepted" | "duplicate") {
        tracing::info!(platform, connection = %connection, outcome, status = response.status().as_u16(), "webhook refused");
    }
    metrics::counter!(REQUESTS, "platform" => platform, "connection" => connection, "outcome" => outcome).increment(1);
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_are_short_lower_case_words() {
        assert!(is_connection_name("demo"));
        assert!(is_connection_name("acme_eu-2"));
        assert!(is_connection_name(&"a".repeat(64)));
        for bad in ["", "Demo", "a.b", "a/b", "ü", &"a".repeat(65)] {
            assert!(!is_connection_name(bad), "{bad:?}");
        }
    }
}
