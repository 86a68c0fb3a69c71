//! A minimal client of the RabbitMQ management HTTP API: authenticated GETs of JSON
//! objects. The credentials come from the URL's userinfo and are sent as basic auth;
//! they are removed from the URL first, so no error message or log can show them.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::OpsError;

/// The root virtual host; the API wants it as one path segment (`%2F`).
pub(super) const VHOST: &str = "/";

const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Management {
    client: reqwest::Client,
    /// Without userinfo.
    base: Url,
    user: String,
    password: SecretString,
}

impl Management {
    pub(super) fn new(management_url: &SecretString) -> Result<Self, OpsError> {
        // The parse error never quotes the input, so it is safe to show.
        let mut base = Url::parse(management_url.expose_secret())
            .map_err(|e| OpsError::Invalid(format!("broker.management_url is not a URL: {e}")))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(OpsError::Invalid(
                "broker.management_url must be an http(s) URL, e.g. http://user:pass@host:15672"
                    .into(),
            ));
        }
        let user = percent_decode(base.username());
        let password = SecretString::from(percent_decode(base.password().unwrap_or_default()));
        // Both only fail for URLs that cannot be a base, excluded above.
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| OpsError::Management(assetrelay_broker::connection::error_chain(&e)))?;
        Ok(Self {
            client,
            base,
            user,
            password,
        })
    }

    /// `GET /api/<segments…>` (each segment percent-encoded); `None` on 404.
    pub(super) async fn get(
        &self,
        segments: &[&str],
    ) -> Result<Option<serde_json::Value>, OpsError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| OpsError::Invalid("broker.management_url cannot be a base URL".into()))?
            .pop_if_empty()
            .push("api")
            .extend(segments);
        let mut request = self.client.get(url.clone());
        if !self.user.is_empty() {
            request = request.basic_auth(&self.user, Some(self.password.expose_secret()));
        }
        let response = request.send().await.map_err(|e| {
            OpsError::Management(format!(
                "cannot reach {}: {}",
                self.origin(),
                assetrelay_broker::connection::error_chain(&e.without_url())
            ))
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(OpsError::Management(format!(
                "{} refused the credentials of broker.management_url (401)",
                self.origin()
            )));
        }
        if !status.is_success() {
            return Err(OpsError::Management(format!(
                "GET {} answered {status}",
                url.path()
            )));
        }
        response.json().await.map(Some).map_err(|e| {
            OpsError::Management(format!(
                "GET {}: unexpected answer: {}",
                url.path(),
                assetrelay_broker::connection::error_chain(&e.without_url())
            ))
        })
    }

    fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }
}

/// `%XX` escapes of URL userinfo decoded (a password may contain `@` or `:` that way).
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| raw.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_escapes_are_decoded() {
        assert_eq!(percent_decode("p%40ss%3Aw0rd"), "p@ss:w0rd");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn the_credentials_leave_the_url() {
        let api = Management::new(&SecretString::from("http://ops:s3cret@rabbit:15672/")).unwrap();
        assert_eq!(api.user, "ops");
        assert_eq!(api.password.expose_secret(), "s3cret");
        assert_eq!(api.base.as_str(), "http://rabbit:15672/");
    }
}
