//! The `webhook-id` a delivery is sent with. The Standard Webhooks spec makes it the
//! event's idempotency key, the same across retries, and signs `{id}.{timestamp}.{body}`,
//! so the id "must not be user controlled, or at least not include any `.`"; as an HTTP
//! header value it must be visible ASCII (the reference Rust library refuses anything
//! else with `InvalidHeader`). Shared research notes, `standard-webhooks.md` §1, §2, §6.
//!
//! Rule: the payload's `id` is used when it is a valid id (1 to [`MAX_LEN`] visible ASCII
//! characters, none of them `.`). Otherwise the id is `msg_` + 32 hex digits: derived from
//! the payload's `id` when it has a non-empty one (so re-sending the same event keeps its
//! key), random when it has none. Either way it is fixed when the delivery is registered, so every
//! retry of the delivery sends the same id.

use uuid::Uuid;

/// Longest payload id used as is. The spec sets no bound; receivers keep the id as an
/// idempotency key, so the sandbox does not send unbounded ones.
pub const MAX_LEN: usize = 255;

/// Namespace of ids derived from invalid payload ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x3b1f_64a2_9c0d_4e57_8a61_d2c4_7f90_b5e3);

/// The `webhook-id` for a payload.
pub fn for_payload(payload: &serde_json::Value) -> String {
    match payload.get("id").and_then(serde_json::Value::as_str) {
        Some(id) if is_valid(id) => id.to_owned(),
        // An empty id names no event, so it must not make every such payload one key.
        Some(id) if !id.is_empty() => {
            format!("msg_{}", Uuid::new_v5(&NAMESPACE, id.as_bytes()).simple())
        }
        _ => format!("msg_{}", Uuid::new_v4().simple()),
    }
}

/// Whether `id` may be sent as a `webhook-id` unchanged.
pub fn is_valid(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_style_ids_are_used_as_they_are() {
        for id in [
            "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
            "evt_1",
            "2:0:61019726",
            "a-b~c",
        ] {
            assert_eq!(for_payload(&json!({ "id": id })), id);
        }
    }

    #[test]
    fn ids_the_spec_does_not_allow_are_replaced_by_a_msg_id() {
        let too_long = "x".repeat(MAX_LEN + 1);
        for id in [
            "",
            "évènement",
            "a.b",
            "with space",
            "tab\t",
            too_long.as_str(),
        ] {
            let sent = for_payload(&json!({ "id": id }));
            assert!(
                sent.starts_with("msg_") && is_valid(&sent),
                "{id:?} → {sent}"
            );
        }
    }

    #[test]
    fn a_payload_without_a_string_id_gets_a_fresh_msg_id() {
        let first = for_payload(&json!({ "id": 7 }));
        let second = for_payload(&json!({}));
        let empty = [
            for_payload(&json!({"id": ""})),
            for_payload(&json!({"id": ""})),
        ];

        assert!(first.starts_with("msg_") && is_valid(&first), "{first}");
        assert_ne!(first, second);
        assert_ne!(empty[0], empty[1], "an empty id is no event's key");
    }

    #[test]
    fn the_longest_allowed_id_is_kept() {
        let id = "y".repeat(MAX_LEN);

        assert_eq!(for_payload(&json!({ "id": id })), id);
    }
}
