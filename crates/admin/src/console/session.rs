//! Signing in: an operator pastes an admin token once and gets a session cookie
//! (`HttpOnly`, `SameSite=Strict`, `Secure` over TLS or when configured, expiring). The
//! store keeps the session (the SHA-256 of the cookie's value, who, the CSRF token), so
//! it is valid on every admin replica and ends for all of them at sign-out.
//!
//! Every state-changing form carries the session's CSRF token, compared in constant
//! time; a POST whose `Origin` or `Sec-Fetch-Site` says it came from another site is
//! refused before that (the sign-in form included, which has no session yet).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ConsoleError;
use super::forms::Form;
use crate::AdminState;

/// The cookie's name; with `Secure`, the `__Host-` prefix also pins it to this host and
/// path (a browser refuses it otherwise).
pub(super) const COOKIE: &str = "assetrelay_session";
pub(super) const SECURE_COOKIE: &str = "__Host-assetrelay_session";

/// The signed-in operator of a request (an extension the session layer adds).
#[derive(Debug, Clone)]
pub struct Session {
    pub operator: String,
    pub csrf: String,
    pub(super) id_hash: String,
}

impl super::page::Viewer for Session {
    fn operator(&self) -> &str {
        &self.operator
    }

    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl Session {
    /// Refuse a form without this session's CSRF token.
    pub fn check_csrf(&self, form: &Form) -> Result<(), ConsoleError> {
        let sent = form.get("csrf").unwrap_or_default();
        if bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(ConsoleError::forbidden(
                "this form's CSRF token is missing or not this session's: reload the page and try again",
            ))
        }
    }
}

/// The session layer of every console page except sign-in and the static files: the
/// request's [`Session`], or a way to sign in (a redirect for a page, 401 with
/// `HX-Redirect` for an htmx refresh).
pub async fn require_session(
    State(state): State<AdminState>,
    mut request: Request,
    next: Next,
) -> Response {
    match session_of(&state, request.headers()).await {
        Ok(Some(session)) => {
            request.extensions_mut().insert(session);
            next.run(request).await
        }
        Ok(None) => {
            let target = sign_in_target(request.uri());
            if request.headers().contains_key("hx-request") {
                let mut response = StatusCode::UNAUTHORIZED.into_response();
                if let Ok(value) = HeaderValue::from_str(&target) {
                    response.headers_mut().insert("hx-redirect", value);
                }
                return response;
            }
            Redirect::to(&target).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Refuse a cross-site POST: browsers send `Origin` with every POST and
/// `Sec-Fetch-Site` with every request; either naming another site is a forgery.
pub async fn same_origin_posts(request: Request, next: Next) -> Response {
    if request.method() == Method::POST
        && let Err(why) = same_origin(request.headers())
    {
        return ConsoleError::forbidden(why).into_response();
    }
    next.run(request).await
}

fn same_origin(headers: &HeaderMap) -> Result<(), String> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(format!(
            "a form of this console was sent from another site (Sec-Fetch-Site: {site}): refused"
        ));
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = url::Url::parse(origin).ok().and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        });
        if origin_host.as_deref() != host {
            return Err("a form of this console was sent from another origin: refused".into());
        }
    }
    Ok(())
}

pub(super) async fn session_of(
    state: &AdminState,
    headers: &HeaderMap,
) -> Result<Option<Session>, ConsoleError> {
    let Some(id) = cookie_value(headers) else {
        return Ok(None);
    };
    let id_hash = hash(&id);
    let found = state
        .store
        .console_session(&id_hash)
        .await
        .map_err(|e| ConsoleError::store("cannot read the session", &e))?;
    Ok(found.map(|s| Session {
        operator: s.operator,
        csrf: s.csrf,
        id_hash,
    }))
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE || *name == SECURE_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

pub(super) fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// `/sign-in?next=<this page>`.
fn sign_in_target(uri: &axum::http::Uri) -> String {
    let here = uri
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    format!("/sign-in?{}", super::page::query(&[("next", here)]))
}

/// Only a path of this console: never another site (`//evil`, `https://…`).
/// Printable ASCII only, so it is also always a valid `Location` header value (a
/// control character would not be: `Redirect::to` panics on one).
pub(super) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub(super) fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_ever_a_local_path() {
        assert_eq!(
            local_path(Some("/parked?flow=to-smint")),
            "/parked?flow=to-smint"
        );
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "evil",
            "",
            "/x\r\nSet-Cookie: a=b",
            "/caf\u{e9}",
        ] {
            assert_eq!(local_path(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn a_cross_site_post_is_told_apart_from_a_same_origin_one() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8081"));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8081"),
        );
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers).is_ok());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(same_origin(&headers).is_err());
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8081"),
        );
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_origin(&headers).is_err());
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; assetrelay_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&headers).as_deref(), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("assetrelay_session="),
        );
        assert_eq!(cookie_value(&headers), None);
    }
}
