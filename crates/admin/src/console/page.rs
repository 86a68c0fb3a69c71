//! The page shell (navigation, who is signed in, sign-out), the security headers every
//! console answer carries, the vendored static files, and small formatting helpers.

use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// Scripts, styles and images only from this origin, no inline script or style, no
/// framing, forms post only here: a value that slipped past escaping still cannot run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// htmx, pinned and vendored from the npm registry (`htmx.org@2.0.11`, 0BSD; see
/// `crates/admin/static/README.md`): it refreshes the overview and a replay's progress.
const HTMX: &[u8] = include_bytes!("../../static/htmx-2.0.11.min.js");
const CSS: &[u8] = include_bytes!("../../static/console.css");
pub const HTMX_PATH: &str = "/static/htmx-2.0.11.min.js";
pub const CSS_PATH: &str = "/static/console.css";

/// htmx may not evaluate strings or inject its indicator `<style>` (the CSP forbids both).
const HTMX_CONFIG: &str = r#"{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"historyCacheSize":0}"#;

/// The pages of the navigation, in order: (path, label).
const NAV: [(&str, &str); 6] = [
    ("/", "Overview"),
    ("/parked", "Parked"),
    ("/replay", "Replay"),
    ("/assets", "Asset timeline"),
    ("/connections", "Connections"),
    ("/actions", "Actions"),
];

/// Who a page is shown to: the signed-in operator and the CSRF token of their forms
/// (the session, without this module depending on it).
pub trait Viewer {
    fn operator(&self) -> &str;
    fn csrf(&self) -> &str;
}

/// A whole page for a signed-in operator; `current` is the navigation entry to mark.
pub fn page(title: &str, current: &str, viewer: &impl Viewer, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.top {
                    span.brand { "assetrelay" }
                    nav {
                        @for (path, label) in NAV {
                            @if path == current {
                                a href=(path) aria-current="page" { (label) }
                            } @else {
                                a href=(path) { (label) }
                            }
                        }
                    }
                    span.who { "signed in as " (viewer.operator()) }
                    form method="post" action="/sign-out" {
                        input type="hidden" name="csrf" value=(viewer.csrf());
                        button.secondary type="submit" { "Sign out" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page without navigation (sign-in, errors before a session exists).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { main { (body) } }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=(HTMX_CONFIG);
            meta name="referrer" content="same-origin";
            title { (title) " · assetrelay" }
            link rel="stylesheet" href=(CSS_PATH);
            script src=(HTMX_PATH) defer {}
        }
    }
}

/// Every console answer: the CSP, no sniffing, no framing, a referrer (and so an `Origin`
/// on a form's POST, which `no-referrer` would make `null`) only to this origin, and no caching
/// (pages show live state and carry the CSRF token).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// `GET /static/{file}`: the stylesheet and htmx, cached for a day (their names change
/// with their content's version).
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "htmx-2.0.11.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// An HTML page answer with its status.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

/// "3 min ago" for a time `then_ms` against `now_ms` (both ms since the epoch).
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms - then_ms).max(0) / 1000;
    match secs {
        0..=59 => format!("{secs} s ago"),
        60..=3_599 => format!("{} min ago", secs / 60),
        3_600..=172_799 => format!("{} h {} min ago", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// A time (ms since the epoch) as RFC 3339, to the second, UTC.
pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// A query string of `pairs` (empty values left out), for links that keep filters.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if !value.is_empty() {
            out.append_pair(key, value);
        }
    }
    out.finish()
}

/// The link to an asset's timeline.
pub fn timeline_link(platform: Option<&str>, asset_id: &str, connection: Option<&str>) -> String {
    format!(
        "/assets?{}",
        query(&[
            ("platform", platform.unwrap_or("")),
            ("asset_id", asset_id),
            ("connection", connection.unwrap_or("")),
        ])
    )
}
