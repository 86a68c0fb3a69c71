//! Stable event ids and W3C trace context.

use uuid::Uuid;

/// Namespace for name-based (v5) event ids. Changing it would change every event id.
const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c2e_9b7d_4e15_8c0a_5d2f_71e4_b903);

/// The event id for a platform delivery: a UUIDv5 over platform, connection and delivery
/// id, so a platform retrying the same delivery always yields the same event id, on any
/// ingress instance, without shared state.
pub fn event_id_for_delivery(platform: &str, connection: &str, delivery_id: &str) -> String {
    let name = format!("{platform}\n{connection}\n{delivery_id}");
    Uuid::new_v5(&EVENT_ID_NAMESPACE, name.as_bytes()).to_string()
}

/// A fresh W3C `traceparent` (version 00, sampled) for events that arrive without one.
pub fn new_traceparent() -> String {
    let trace_id: u128 = rand::random::<u128>().max(1);
    let span_id: u64 = rand::random::<u64>().max(1);
    format!("00-{trace_id:032x}-{span_id:016x}-01")
}

/// A child of `parent` for an outbound call: the same trace id and flags, a new span id.
/// `None` when `parent` is not a valid `traceparent` (W3C: then start no child of it).
pub fn child_traceparent(parent: &str) -> Option<String> {
    if !valid_traceparent(parent) {
        return None;
    }
    let (trace, rest) = parent.strip_prefix("00-")?.split_once('-')?;
    let (_parent_span, flags) = rest.split_once('-')?;
    let span_id: u64 = rand::random::<u64>().max(1);
    Some(format!("00-{trace}-{span_id:016x}-{flags}"))
}

/// Whether `value` is a well-formed version-00 `traceparent` with non-zero ids.
pub fn valid_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    matches!(parts.as_slice(), [version, trace, span, flags]
        if *version == "00" && hex(trace, 32) && hex(span, 16) && hex(flags, 2)
            && trace.bytes().any(|b| b != b'0') && span.bytes().any(|b| b != b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED: &str = "7f738e0d-90f0-5c84-9c0b-f5309cb0879d";

    #[test]
    fn the_same_delivery_always_yields_the_same_event_id() {
        assert_eq!(
            event_id_for_delivery("photoshelter", "demo", "d-1"),
            event_id_for_delivery("photoshelter", "demo", "d-1")
        );
    }

    #[test]
    fn the_event_id_is_pinned_so_a_release_cannot_change_it() {
        assert_eq!(event_id_for_delivery("photoshelter", "demo", "d-1"), PINNED);
    }

    #[test]
    fn other_connections_or_platforms_get_other_ids() {
        let base = event_id_for_delivery("photoshelter", "demo", "d-1");
        assert_ne!(base, event_id_for_delivery("photoshelter", "acme", "d-1"));
        assert_ne!(base, event_id_for_delivery("smintio", "demo", "d-1"));
        assert_ne!(base, event_id_for_delivery("photoshelter", "demo", "d-2"));
    }

    #[test]
    fn generated_traceparents_are_valid() {
        assert!(valid_traceparent(&new_traceparent()));
    }

    #[test]
    fn a_child_keeps_the_trace_id_and_flags_and_gets_a_new_span_id() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        let child = child_traceparent(parent).unwrap();
        assert!(valid_traceparent(&child), "{child}");
        assert!(
            child.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{child}"
        );
        assert!(child.ends_with("-00"), "{child}");
        assert_ne!(&child[36..52], "00f067aa0ba902b7");
        assert_eq!(child_traceparent("garbage"), None);
    }

    #[test]
    fn rejects_malformed_traceparents() {
        assert!(valid_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent(
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent(
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent("garbage"));
    }
}
