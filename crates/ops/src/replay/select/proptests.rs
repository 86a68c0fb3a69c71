//! Properties of the replay selection parsers: operator input (CLI flags, admin API JSON)
//! never panics them, and what they accept means what it says.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
}

/// Text shaped like a duration: digits, then one arbitrary (often multi-byte) character.
fn duration_like() -> impl Strategy<Value = String> {
    "\\s?[0-9]{0,4}\\PC{0,2}\\s?"
}

/// Any instant chrono can show in RFC 3339 (years 0000–9999), with nanoseconds.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_167_219_200_i64..=253_402_300_799, 0_u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap())
}

/// An envelope-ish JSON body: mostly the fields a replay reads, with arbitrary values.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let text = || proptest::option::of("\\PC{0,12}");
    (text(), text(), text(), text(), text(), text()).prop_map(
        |(id, event_type, subject, time, connection, platform)| {
            let mut event = serde_json::Map::new();
            for (key, value) in [
                ("id", id),
                ("type", event_type),
                ("subject", subject),
                ("time", time),
                ("assetrelayconnection", connection),
            ] {
                if let Some(value) = value {
                    event.insert(key.into(), value.into());
                }
            }
            if let Some(platform) = platform {
                event.insert("data".into(), serde_json::json!({ "platform": platform }));
            }
            serde_json::Value::Object(event).to_string().into_bytes()
        },
    )
}

/// A topic pattern or routing key: a few words of `a`, `b`, `*` or `#`.
fn topic(wildcards: bool) -> impl Strategy<Value = String> {
    let word = if wildcards { "[ab*#]" } else { "[ab]" };
    proptest::collection::vec(word, 1..6).prop_map(|words| words.join("."))
}

proptest! {
    #[test]
    fn no_text_panics_the_time_parser(text in any::<String>()) {
        let _ = parse_time(&text, now());
    }

    #[test]
    fn no_duration_shaped_text_panics_the_time_parser(text in duration_like()) {
        let _ = parse_time(&text, now());
    }

    #[test]
    fn a_duration_ago_is_that_many_units_before_now(
        amount in 0_i64..1_000_000,
        (unit, seconds) in prop_oneof![Just(('s', 1_i64)), Just(('m', 60)), Just(('h', 3_600)), Just(('d', 86_400))],
        padding in "\\s{0,2}",
    ) {
        let text = format!("{padding}{amount}{unit}{padding}");
        let expected = now() - Duration::seconds(amount * seconds);
        prop_assert_eq!(parse_time(&text, now()).unwrap(), expected);
    }

    #[test]
    fn an_rfc3339_time_round_trips_in_any_offset(
        time in instant(),
        offset_minutes in -1_439_i32..=1_439,
        use_z in any::<bool>(),
    ) {
        let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let local = time.with_timezone(&offset);
        // Years before 0000 or after 9999 in the given offset are not RFC 3339.
        prop_assume!((0..=9999).contains(&chrono::Datelike::year(&local)));
        let text = local.to_rfc3339_opts(SecondsFormat::AutoSi, use_z);
        prop_assert_eq!(parse_time(&text, now()).unwrap(), time);
    }

    #[test]
    fn no_pattern_or_text_panics_the_glob_matcher(pattern in "\\PC{0,12}", text in "\\PC{0,12}") {
        let _ = glob_matches(&pattern, &text);
    }

    #[test]
    fn a_glob_without_wildcards_matches_exactly_itself(text in "[^*?]{0,12}", other in "[^*?]{0,12}") {
        prop_assert!(glob_matches(&text, &text));
        prop_assert_eq!(glob_matches(&text, &other), text == other);
    }

    #[test]
    fn star_matches_everything_and_question_marks_match_one_character_each(text in "\\PC{0,12}") {
        prop_assert!(glob_matches("*", &text));
        let questions = "?".repeat(text.chars().count());
        prop_assert!(glob_matches(&questions, &text));
        let one_more = format!("{questions}?");
        prop_assert!(!glob_matches(&one_more, &text));
    }

    #[test]
    fn no_pattern_or_key_panics_the_topic_matcher(pattern in topic(true), key in "\\PC{0,16}") {
        let _ = assetrelay_contract::flow::topic_matches(&pattern, &key);
    }

    #[test]
    fn a_routing_key_matches_itself_and_hash_matches_every_key(key in topic(false)) {
        prop_assert!(assetrelay_contract::flow::topic_matches(&key, &key));
        prop_assert!(assetrelay_contract::flow::topic_matches("#", &key));
    }

    #[test]
    fn no_body_panics_the_envelope_parser_or_the_filters(
        body in prop_oneof![body(), proptest::collection::vec(any::<u8>(), 0..64)],
        types in proptest::collection::vec("\\PC{0,6}", 0..3),
        subject in proptest::option::of("\\PC{0,6}"),
        flow in proptest::option::of(proptest::sample::select(Flow::ALL.to_vec())),
    ) {
        let filters = Filters { types, subject, flow, ..Filters::default() };
        let _ = filters.validate();
        if let Some(event) = Envelope::parse(&body) {
            let _ = filters.matches(&event);
            let _ = event.time_secs();
        }
    }
}
