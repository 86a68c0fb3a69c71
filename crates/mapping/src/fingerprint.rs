//! Echo suppression (DESIGN §6.6): a flow hashes the fields it would write and skips the
//! write when the target already holds that hash.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// sha256 hex of the canonical JSON of `value` (object keys sorted, so equal data gives
/// equal fingerprints regardless of insertion order).
///
/// Serializing plain data (our `derive(Serialize)` types) cannot fail; should a custom
/// `Serialize` fail, the fingerprint is that of the error text under a distinct marker,
/// and [`try_fingerprint`] reports it instead.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    try_fingerprint(value).unwrap_or_else(|e| hash(&format!("!unserializable:{e}")))
}

/// [`fingerprint`], reporting a serialization failure.
pub fn try_fingerprint<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut canonical = String::new();
    write_canonical(&value, &mut canonical)?;
    Ok(hash(&canonical))
}

fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Compact JSON with object keys sorted by their UTF-8 bytes, whatever map type
/// `serde_json` was built with (`preserve_order` would keep insertion order).
fn write_canonical(value: &Value, out: &mut String) -> Result<(), serde_json::Error> {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key)?);
                out.push(':');
                write_canonical(item, out)?;
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar)?),
    }
    Ok(())
}
