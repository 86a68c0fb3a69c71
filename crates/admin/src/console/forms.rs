//! A posted HTML form, as its fields in order (a field may repeat: the checkboxes of the
//! selected parked messages).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

use super::error::ConsoleError;

#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, trimmed, `None` when empty.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every non-empty value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ConsoleError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the console's forms are sent as application/x-www-form-urlencoded",
            ));
        }
        let body = Bytes::from_request(request, state).await.map_err(|e| {
            ConsoleError::new(
                e.status(),
                format!("cannot read the form: {}", e.body_text()),
            )
        })?;
        Ok(Self::parse(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::Form;

    #[test]
    fn repeated_fields_are_all_kept_and_empty_ones_dropped() {
        let form = Form::parse(b"csrf=x&event_id=a&event_id=b%20&event_id=&reason=");
        assert_eq!(form.get("csrf"), Some("x"));
        assert_eq!(form.all("event_id"), ["a", "b"]);
        assert_eq!(form.text("reason"), None);
        assert_eq!(form.text("missing"), None);
    }
}
