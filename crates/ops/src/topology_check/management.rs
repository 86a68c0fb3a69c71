//! A minimal client of the RabbitMQ management HTTP API: authenticated GETs of JSON
//! objects. The credentials were taken out of the URL at config load and are sent as
//! basic auth, so no error message or log can show them.

use std::time::Duration;

use assetrelay_config::ManagementUrl;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::ExposeSecret;
use url::Url;

use crate::OpsError;

const TIMEOUT: Duration = Duration::from_secs(10);

/// What a path segment keeps unescaped: RFC 3986's unreserved characters. Everything
/// else (`/` in a vhost, `%`, `#`, `?`, spaces in a queue name) is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(super) struct Management {
    client: reqwest::Client,
    url: ManagementUrl,
}

impl Management {
    pub(super) fn new(url: &ManagementUrl) -> Result<Self, OpsError> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| OpsError::management("cannot build the HTTP client", e))?;
        Ok(Self {
            client,
            url: url.clone(),
        })
    }

    /// `GET /api/<segments…>` (each segment percent-encoded); `None` on 404.
    pub(super) async fn get(
        &self,
        segments: &[&str],
    ) -> Result<Option<serde_json::Value>, OpsError> {
        let url = api_url(self.url.base(), segments)?;
        let mut request = self.client.get(url.clone());
        if let Some((user, password)) = self.url.credentials() {
            request = request.basic_auth(user, Some(password.expose_secret()));
        }
        let response = request.send().await.map_err(|e| {
            OpsError::management(format!("cannot reach {}", self.origin()), e.without_url())
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(OpsError::management_state(format!(
                "{} refused the credentials of broker.management_url (401)",
                self.origin()
            )));
        }
        if !status.is_success() {
            return Err(OpsError::management_state(format!(
                "GET {} answered {status}",
                url.path()
            )));
        }
        response.json().await.map(Some).map_err(|e| {
            OpsError::management(
                format!("GET {}: unexpected answer", url.path()),
                e.without_url(),
            )
        })
    }

    fn origin(&self) -> String {
        self.url.base().origin().ascii_serialization()
    }
}

/// `<base>api/<segment>/<segment>…`; `base` ends in `/` (as [`ManagementUrl`] keeps it), so
/// a base under a path (`https://proxy/rabbitmq/`) keeps that path.
fn api_url(base: &Url, segments: &[&str]) -> Result<Url, OpsError> {
    let mut path = String::from("api");
    for segment in segments {
        path.push('/');
        path.extend(utf8_percent_encode(segment, SEGMENT));
    }
    base.join(&path)
        .map_err(|e| OpsError::management(format!("cannot build the API path `{path}`"), e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_root_vhost_and_odd_queue_names_are_one_escaped_segment_each() {
        let base = Url::parse("http://rabbit:15672/").unwrap();

        let url = api_url(&base, &["queues", "/", "a b/c%d?#", "bindings"]).unwrap();

        assert_eq!(
            url.as_str(),
            "http://rabbit:15672/api/queues/%2F/a%20b%2Fc%25d%3F%23/bindings"
        );
    }

    #[test]
    fn a_base_under_a_path_keeps_it() {
        let base = ManagementUrl::parse("https://ops:pw@proxy.internal/rabbitmq").unwrap();

        let url = api_url(base.base(), &["overview"]).unwrap();

        assert_eq!(url.as_str(), "https://proxy.internal/rabbitmq/api/overview");
    }
}
