//! Which archived events a replay takes: the time window, the CloudEvent filters, and the
//! few envelope fields they need (parsed without building the whole event).

use std::borrow::Cow;

use assetrelay_contract::Flow;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::OpsError;

/// RFC 3339 (`2026-11-29T10:00:00Z`), or a duration before `now`: `90s`, `15m`, `2h`, `3d`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, OpsError> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let invalid = || {
        OpsError::Invalid(format!(
            "`{text}` is neither an RFC 3339 time (2026-11-29T10:00:00Z) nor a duration ago (90s, 15m, 2h, 3d)"
        ))
    };
    // Split off the last *character*: a byte index could fall inside a multi-byte one.
    let mut chars = text.chars();
    let unit = chars.next_back().ok_or_else(invalid)?;
    let number = chars.as_str();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let amount: i64 = number.parse().map_err(|_| invalid())?;
    let seconds_per_unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(invalid()),
    };
    amount
        .checked_mul(seconds_per_unit)
        .and_then(Duration::try_seconds)
        .and_then(|ago| now.checked_sub_signed(ago))
        .ok_or_else(invalid)
}

/// `*` matches any run of characters (dots included), `?` exactly one.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is currently standing in for.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The envelope fields a replay filters and reports on; unknown fields are ignored so a
/// newer, additive envelope version still replays.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    pub event_type: Cow<'a, str>,
    #[serde(default, borrow)]
    pub subject: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub time: Cow<'a, str>,
    #[serde(borrow)]
    pub assetrelayconnection: Cow<'a, str>,
    #[serde(default, borrow)]
    pub data: Option<EnvelopeData<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EnvelopeData<'a> {
    #[serde(default, borrow)]
    pub platform: Option<Cow<'a, str>>,
}

impl<'a> Envelope<'a> {
    pub fn parse(body: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }

    pub fn platform(&self) -> Option<&str> {
        self.data.as_ref()?.platform.as_deref()
    }

    /// The CloudEvent `time` in whole seconds, when the message has no AMQP timestamp.
    pub fn time_secs(&self) -> Option<i64> {
        DateTime::parse_from_rfc3339(&self.time)
            .ok()
            .map(|t| t.timestamp())
    }
}

/// The CloudEvent filters of a request; every given filter must match.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub types: Vec<String>,
    pub subject: Option<String>,
    pub connection: Option<String>,
    pub platform: Option<String>,
    pub event_ids: Vec<String>,
    /// The target flow: only events it would have received from the exchange are
    /// replayed into it (a license event in to-smint would only be parked).
    pub flow: Option<Flow>,
}

impl Filters {
    pub fn validate(&self) -> Result<(), OpsError> {
        if let Some(empty) = self.types.iter().find(|t| t.trim().is_empty()) {
            return Err(OpsError::Invalid(format!(
                "type filter `{empty}` is empty; write a type or a glob such as asset.*"
            )));
        }
        if self.event_ids.iter().any(|id| id.trim().is_empty()) {
            return Err(OpsError::Invalid("an event id filter is empty".into()));
        }
        Ok(())
    }

    pub fn matches(&self, event: &Envelope<'_>) -> bool {
        (self.types.is_empty()
            || self
                .types
                .iter()
                .any(|g| glob_matches(g, &event.event_type)))
            && (self.event_ids.is_empty() || self.event_ids.iter().any(|id| *id == event.id))
            && self
                .subject
                .as_deref()
                .is_none_or(|s| event.subject.as_deref() == Some(s))
            && self
                .connection
                .as_deref()
                .is_none_or(|c| event.assetrelayconnection == c)
            && self
                .platform
                .as_deref()
                .is_none_or(|p| event.platform() == Some(p))
            && self.flow.is_none_or(|flow| {
                let key = format!(
                    "{}.{}.{}",
                    event.platform().unwrap_or(""),
                    event.assetrelayconnection,
                    event.event_type
                );
                flow.is_bound_to(&key)
            })
    }
}

/// The archive-time window in whole seconds (AMQP `timestamp` granularity), both ends
/// inclusive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub since: i64,
    pub until: Option<i64>,
}

/// Publishers' clocks (ingress replicas) and the broker's differ a little: reading starts
/// this much before `since` and stops only this much after `until`, so an event stamped
/// inside the window by a skewed clock is still seen.
pub(crate) const CLOCK_SLACK_SECS: i64 = 30;

impl Window {
    pub fn contains(&self, secs: i64) -> bool {
        secs >= self.since && self.until.is_none_or(|until| secs <= until)
    }

    /// Past the window by more than the slack: nothing later in the stream can be in it.
    pub fn is_past(&self, secs: i64) -> bool {
        self.until
            .is_some_and(|until| secs > until.saturating_add(CLOCK_SLACK_SECS))
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn parses_rfc3339_and_durations_ago() {
        let at = |s: &str| parse_time(s, now()).unwrap().to_rfc3339();
        assert_eq!(at("2026-11-29T10:00:00+01:00"), "2026-11-29T09:00:00+00:00");
        assert_eq!(at("90s"), "2026-11-29T11:58:30+00:00");
        assert_eq!(at("15m"), "2026-11-29T11:45:00+00:00");
        assert_eq!(at("2h"), "2026-11-29T10:00:00+00:00");
        assert_eq!(at("3d"), "2026-11-26T12:00:00+00:00");
    }

    #[test]
    fn rejects_what_is_neither_a_time_nor_a_duration() {
        for bad in [
            "",
            "h",
            "2x",
            "-2h",
            "2 h",
            "yesterday",
            "99999999999999999d",
        ] {
            assert!(
                matches!(parse_time(bad, now()), Err(OpsError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_time_ending_in_a_multi_byte_character_is_rejected_not_a_panic() {
        for bad in ["5ü", "ü", "12日", "3h\u{301}"] {
            assert!(
                matches!(parse_time(bad, now()), Err(OpsError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn globs_match_dotted_types() {
        assert!(glob_matches("asset.*", "asset.updated"));
        assert!(glob_matches("*.updated", "license.updated"));
        assert!(glob_matches("asset.?pdated", "asset.updated"));
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("asset.*", "license.updated"));
        assert!(!glob_matches("asset.updated", "asset.updated.x"));
        assert!(!glob_matches("a*b*c", "axxbyy"));
    }

    #[test]
    fn filters_match_on_the_envelope() {
        let body = br#"{"id":"e1","type":"asset.updated","subject":"I1","time":"2026-11-29T10:00:00Z",
            "assetrelayconnection":"acme","data":{"platform":"photoshelter","extra":1},"more":true}"#;
        let event = Envelope::parse(body).unwrap();
        let all = Filters {
            types: vec!["license.*".into(), "asset.*".into()],
            subject: Some("I1".into()),
            connection: Some("acme".into()),
            platform: Some("photoshelter".into()),
            event_ids: vec!["e0".into(), "e1".into()],
            flow: Some(Flow::ToSmint),
        };
        assert!(all.matches(&event));
        assert!(Filters::default().matches(&event));
        for miss in [
            Filters {
                types: vec!["license.*".into()],
                ..Filters::default()
            },
            Filters {
                subject: Some("I2".into()),
                ..Filters::default()
            },
            Filters {
                connection: Some("other".into()),
                ..Filters::default()
            },
            Filters {
                platform: Some("smintio".into()),
                ..Filters::default()
            },
            Filters {
                event_ids: vec!["e2".into()],
                ..Filters::default()
            },
            Filters {
                flow: Some(Flow::ToPhotoshelter),
                ..Filters::default()
            },
        ] {
            assert!(!miss.matches(&event), "{miss:?}");
        }
        assert_eq!(event.time_secs(), Some(now().timestamp() - 7_200));
    }

    #[test]
    fn the_window_is_inclusive_and_ends_after_the_slack() {
        let window = Window {
            since: 100,
            until: Some(200),
        };
        assert!(!window.contains(99));
        assert!(window.contains(100) && window.contains(200));
        assert!(!window.contains(201));
        assert!(!window.is_past(200 + CLOCK_SLACK_SECS));
        assert!(window.is_past(201 + CLOCK_SLACK_SECS));
        assert!(
            !Window {
                since: 0,
                until: None
            }
            .is_past(i64::MAX)
        );
    }
}
