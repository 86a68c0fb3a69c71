//! What a parked message shows of itself: a field or header whose name says it holds a
//! credential is replaced, a credential-looking value is too (a bearer token, a URL's
//! password), wherever it sits in the event.

use serde_json::Value;

pub const REDACTED: &str = "[redacted]";

/// Name parts that mark a credential (compared lower-case, `-`/`_` ignored).
const SECRET_NAMES: [&str; 12] = [
    "token",
    "secret",
    "password",
    "passwd",
    "authorization",
    "apikey",
    "signature",
    "cookie",
    "session",
    "credential",
    "privatekey",
    "clientsecret",
];

pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.iter().any(|part| folded.contains(part))
}

/// A value that is a credential whatever its field is called.
fn redact_text(text: &str) -> Option<String> {
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("bearer ") || lower.starts_with("basic ") {
        return Some(REDACTED.to_owned());
    }
    if text.contains("://")
        && let Ok(mut url) = url::Url::parse(text.trim())
        && (url.password().is_some() || !url.username().is_empty())
    {
        let _ = url.set_password(None);
        let _ = url.set_username("");
        return Some(format!("{url} {REDACTED}"));
    }
    None
}

/// `value` with every credential replaced.
pub fn value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let shown = if is_secret_name(k) && !v.is_null() {
                        Value::String(REDACTED.into())
                    } else {
                        self::value(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(self::value).collect()),
        Value::String(text) => redact_text(text).map_or_else(|| value.clone(), Value::String),
        other => other.clone(),
    }
}

/// A header's value as shown.
pub fn header(name: &str, text: &str) -> String {
    if is_secret_name(name) {
        return REDACTED.into();
    }
    if let Some(redacted) = redact_text(text) {
        return redacted;
    }
    // A header holding a table (JSON) is redacted field by field.
    match serde_json::from_str::<Value>(text) {
        Ok(parsed @ (Value::Object(_) | Value::Array(_))) => self::value(&parsed).to_string(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credentials_are_redacted_by_name_and_by_look() {
        let event = json!({
            "id": "e1",
            "data": {
                "asset_id": "I0001",
                "access_token": "abc",
                "nested": [{"Client-Secret": "s"}, {"callback": "https://user:pw@example.com/x"}],
                "auth": "Bearer eyJhbGciOi",
                "apiKey": null,
            }
        });
        let shown = value(&event);
        assert_eq!(shown["id"], "e1");
        assert_eq!(shown["data"]["asset_id"], "I0001");
        assert_eq!(shown["data"]["access_token"], REDACTED);
        assert_eq!(shown["data"]["nested"][0]["Client-Secret"], REDACTED);
        let callback = shown["data"]["nested"][1]["callback"].as_str().unwrap();
        assert!(
            !callback.contains("pw") && !callback.contains("user"),
            "{callback}"
        );
        assert_eq!(shown["data"]["auth"], REDACTED);
        assert!(shown["data"]["apiKey"].is_null());
    }

    #[test]
    fn headers_are_redacted_by_name_value_and_inside_tables() {
        assert_eq!(header("x-signature", "v1,abc"), REDACTED);
        assert_eq!(header("x-error", "http_400"), "http_400");
        let table = header("x-death", r#"[{"queue":"q","password":"p"}]"#);
        assert!(
            table.contains(REDACTED) && !table.contains("\"p\""),
            "{table}"
        );
    }
}
