//! `/connections`: each connection's platforms, how its webhooks are verified, a summary
//! of its rules, and its sources' health. Never a secret, not even a prefix: secrets are
//! counted, URLs are shown as scheme, host and port only.

use std::collections::BTreeMap;

use assetrelay_config::{Config, ConnectionConfig, SchemeName, WebhookVerification};
use axum::Extension;
use axum::extract::State;
use maud::{Markup, html};

use super::error::ConsoleError;
use super::page::{age, page};
use super::session::Session;
use crate::AdminState;

/// What the page shows of one connection, taken from the configuration at start.
#[derive(Debug, Clone)]
pub struct ConnectionSummary {
    pub name: String,
    /// (label, value) per platform.
    pub photoshelter: Vec<(&'static str, String)>,
    pub smintio: Vec<(&'static str, String)>,
    pub rules: Vec<(&'static str, String)>,
}

pub fn summaries(config: &Config) -> Vec<ConnectionSummary> {
    config
        .connections
        .iter()
        .map(|(name, c)| summary(name, c))
        .collect()
}

/// A URL as scheme://host[:port] (no user, password, path or query).
fn origin(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

fn verification(webhook: &WebhookVerification) -> String {
    let scheme = match webhook.scheme {
        SchemeName::StandardWebhooks => "Standard Webhooks (HMAC-SHA256, timestamped)",
        SchemeName::Hmac => "HMAC signature header",
    };
    let n = webhook.secrets.len();
    format!(
        "{scheme}; {n} secret{} configured",
        if n == 1 { "" } else { "s" }
    )
}

fn on_off(enabled: bool, every: u64) -> String {
    if enabled {
        format!("every {every} s")
    } else {
        "off".into()
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn summary(name: &str, c: &ConnectionConfig) -> ConnectionSummary {
    let ps = &c.photoshelter;
    let mut photoshelter = vec![("Webhook verification", verification(&ps.webhook))];
    match &ps.api {
        Some(api) => photoshelter.push(("API", origin(&api.base_url))),
        None => photoshelter.push(("API", "not configured".into())),
    }
    photoshelter.push(("Poll", on_off(ps.poll.enabled, ps.poll.interval_secs)));
    photoshelter.push((
        "Reconciliation",
        on_off(ps.reconcile.enabled, ps.reconcile.interval_secs),
    ));
    let sm = &c.smintio;
    let mut smintio = vec![("Webhook verification", verification(&sm.webhook))];
    match &sm.api {
        Some(api) => {
            smintio.push(("Identity", origin(&api.identity_url)));
            smintio.push(("CLAPI", origin(&api.clapi_url)));
            smintio.push((
                "Data adapter",
                api.adapter
                    .as_ref()
                    .map_or_else(|| "not configured".into(), |a| origin(&a.webhook_url)),
            ));
        }
        None => smintio.push(("API", "not configured".into())),
    }
    smintio.push((
        "License sync",
        on_off(sm.sync.enabled, sm.sync.interval_secs),
    ));
    smintio.push((
        "Pusher",
        match &sm.sync.pusher {
            Some(p) if p.enabled && p.channel_id >= 0 => "subscribed to license changes".into(),
            _ => "off".into(),
        },
    ));
    let r = &c.rules;
    let rules = vec![
        ("Approval galleries", list(&r.approval.galleries)),
        ("Approval collections", list(&r.approval.collections)),
        ("Approval keywords", list(&r.approval.keywords)),
        (
            "Region rules",
            list(
                &r.regions
                    .iter()
                    .map(|g| format!("{} → {}", g.name, g.regions.join("/")))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("Regions required", r.regions_required.to_string()),
        (
            "Distribution gallery",
            r.distribution
                .gallery
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "Distributes editorial / restrictive",
            format!(
                "{} / {}",
                r.distribution.allow_editorial, r.distribution.allow_restrictive
            ),
        ),
        (
            "Restriction fields",
            list(
                &r.restrictions
                    .iter()
                    .map(|f| f.field.clone())
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "Previews",
            if r.previews.enabled {
                format!("{} / {}", r.previews.thumbnail_size, r.previews.large_size)
            } else {
                "off".into()
            },
        ),
    ];
    ConnectionSummary {
        name: name.to_owned(),
        photoshelter,
        smintio,
        rules,
    }
}

fn kv(rows: &[(&'static str, String)]) -> Markup {
    html! { dl.kv { @for (k, v) in rows { dt { (k) } dd { (v) } } } }
}

/// `GET /connections`.
pub async fn list_page(
    State(state): State<AdminState>,
    Extension(session): Extension<Session>,
) -> Result<Markup, ConsoleError> {
    let statuses = state
        .store
        .source_statuses()
        .await
        .map_err(|e| ConsoleError::store("cannot read the sources' health", &e))?;
    let now = state
        .store
        .now_ms()
        .await
        .map_err(|e| ConsoleError::store("cannot read the store's clock", &e))?;
    let mut health: BTreeMap<&str, Vec<&assetrelay_store::SourceStatus>> = BTreeMap::new();
    for s in &statuses {
        health.entry(s.connection.as_str()).or_default().push(s);
    }
    Ok(page(
        "Connections",
        "/connections",
        &session,
        html! {
            h1 { "Connections" }
            p.muted { "From the admin's configuration. Secrets are never shown, only how many are configured." }
            @for c in &state.console.connections {
                section.card data-connection=(c.name) {
                    h2 { (c.name) }
                    div.grid {
                        div { h3 { "PhotoShelter" } (kv(&c.photoshelter)) }
                        div { h3 { "Smint.io" } (kv(&c.smintio)) }
                        div { h3 { "Rules" } (kv(&c.rules)) }
                    }
                    h3 { "Health" }
                    @match health.get(c.name.as_str()) {
                        None => p.muted { "No source has reported for this connection." },
                        Some(rows) => ul { @for s in rows {
                            li {
                                strong { (s.source) } ": "
                                span class=(if matches!(s.state.as_str(), "ok" | "connected") { "ok" } else { "bad" }) { (s.state) }
                                " (" (age(now, s.updated_at_ms)) ")"
                                @if let Some(class) = &s.last_error_class { " · last error " code { (class) } }
                            }
                        } },
                    }
                }
            }
        },
    ))
}
