//! The two response envelopes, parsed leniently.
//!
//! - v3 `{"status":"ok","data":{"<RecordType>": ...}}` [DOC `S-response`]; errors are
//!   `{"status":"error", ...}` whose exact JSON shape is undocumented (ASSUMED: a `message`
//!   and optional `code`, either top-level or under `data`/`error`).
//! - v4 JSON:API `{"data": ..., "meta": ...}` and `{"errors":[{id,status,title,detail}]}`
//!   [SPEC-DRAFT `S-v4spec`]. The draft's own examples also write `errors` as an object and
//!   use `error`, so every shape is accepted.

use serde_json::Value;

/// Longest server message we keep in an error: bodies are not ours to log in full.
const MAX_MESSAGE: usize = 200;

/// The error id and message found in an error body, if any.
pub(crate) fn error_info(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let entry = match value.get("errors").or_else(|| value.get("error")) {
        Some(Value::Array(list)) => list.first().cloned(),
        Some(obj @ Value::Object(_)) => Some(obj.clone()),
        Some(Value::String(s)) => Some(serde_json::json!({ "message": s })),
        _ => None,
    };
    let entry = entry
        .or_else(|| value.get("data").filter(|d| d.is_object()).cloned())
        .unwrap_or_else(|| value.clone());
    let code = ["id", "code", "type"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))
        .map(str::to_owned);
    let message = ["title", "message", "detail"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))
        .map(truncate);
    (code, message)
}

/// The payload of a v3 answer; `Err((code, message))` when the envelope reports an error.
pub(crate) fn v3_data(body: Value) -> Result<Value, (Option<String>, String)> {
    match body.get("status").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("ok") => {
            Ok(body.get("data").cloned().unwrap_or(Value::Null))
        }
        _ => {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let (code, message) = error_info(&bytes);
            Err((
                code,
                message.unwrap_or_else(|| "status is not ok".to_owned()),
            ))
        }
    }
}

/// The `data` member of a v4 answer (object or array).
pub(crate) fn v4_data(body: &Value) -> Option<&Value> {
    body.get("data").filter(|d| !d.is_null())
}

/// Whether a v4 list answer says another page follows (`meta.paging.next`); `None` when
/// the answer has no paging block at all.
pub(crate) fn v4_has_next(body: &Value) -> Option<bool> {
    let paging = body.get("meta")?.get("paging")?;
    Some(match paging.get("next") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    })
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(v: Value) -> (Option<String>, Option<String>) {
        error_info(&serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn reads_the_v4_error_list_and_its_inconsistent_variants() {
        let list = json!({"errors":[{"id":"ResourceNotFoundException","status":"404","title":"Resource not found"}]});
        assert_eq!(
            info(list),
            (
                Some("ResourceNotFoundException".into()),
                Some("Resource not found".into())
            )
        );
        let object = json!({"errors":{"id":"TooManyRequestsException","title":"Too many"}});
        assert_eq!(info(object).0.as_deref(), Some("TooManyRequestsException"));
        let single = json!({"error":{"id":"ApiKeyInvalidException","title":"Invalid key"}});
        assert_eq!(info(single).0.as_deref(), Some("ApiKeyInvalidException"));
    }

    #[test]
    fn reads_a_v3_error_envelope() {
        let body = json!({"status":"error","message":"Invalid auth token","code":"AcsPermissionException"});
        assert_eq!(
            v3_data(body),
            Err((
                Some("AcsPermissionException".into()),
                "Invalid auth token".into()
            ))
        );
        assert_eq!(
            v3_data(json!({"status":"ok","data":{"a":1}})),
            Ok(json!({"a":1}))
        );
    }

    #[test]
    fn finds_the_next_page_marker() {
        assert_eq!(
            v4_has_next(&json!({"meta":{"paging":{"next":2}}})),
            Some(true)
        );
        assert_eq!(
            v4_has_next(&json!({"meta":{"paging":{"next":null}}})),
            Some(false)
        );
        assert_eq!(v4_has_next(&json!({"data":[]})), None);
    }

    #[test]
    fn undecodable_error_bodies_give_nothing() {
        assert_eq!(error_info(b"<html>"), (None, None));
    }
}
