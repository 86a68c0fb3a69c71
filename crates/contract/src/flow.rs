//! The flows (DESIGN §3): each has its own work queue, retry tiers and parked queue, and
//! the routing-key patterns that bind it to the events exchange.

use std::fmt;
use std::str::FromStr;

/// One consumer flow. The name (`to-smint`, …) is used in queue names, the `x-flow`
/// header, metrics labels, the CLI and the admin API; [`FromStr`] is the one parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flow {
    ToSmint,
    ToPhotoshelter,
    Lifecycle,
}

/// A name that is not one of the flows; its `Display` lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flow `{0}`; one of to-smint, to-photoshelter, lifecycle")]
pub struct UnknownFlow(pub String);

impl Flow {
    pub const ALL: [Flow; 3] = [Flow::ToSmint, Flow::ToPhotoshelter, Flow::Lifecycle];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToSmint => "to-smint",
            Self::ToPhotoshelter => "to-photoshelter",
            Self::Lifecycle => "lifecycle",
        }
    }

    /// Routing-key patterns (`<platform>.<connection>.<type>`) bound to the flow's work
    /// queue. Smint.io `asset.*` events are bound nowhere: no flow can act on them
    /// (docs/webhooks.md), so the ingress refuses them with 422.
    pub fn binding_keys(self) -> &'static [&'static str] {
        match self {
            Self::ToSmint => &["photoshelter.*.asset.*"],
            Self::ToPhotoshelter => &["smintio.*.license.*"],
            Self::Lifecycle => &[
                "photoshelter.*.asset.expired",
                "photoshelter.*.asset.archived",
                "photoshelter.*.asset.restricted",
                "photoshelter.*.asset.deleted",
            ],
        }
    }

    /// Whether an event with this routing key reaches the flow's work queue.
    pub fn is_bound_to(self, routing_key: &str) -> bool {
        self.binding_keys()
            .iter()
            .any(|pattern| topic_matches(pattern, routing_key))
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flow {
    type Err = UnknownFlow;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFlow(s.to_owned()))
    }
}

impl serde::Serialize for Flow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Flow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// AMQP topic matching as the broker does it: words are separated by `.`, `*` is exactly
/// one word, `#` is zero or more words.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    matches_from(&pattern, &key)
}

fn matches_from(pattern: &[&str], key: &[&str]) -> bool {
    match pattern.split_first() {
        None => key.is_empty(),
        Some((&"#", rest)) => (0..=key.len()).any(|skip| matches_from(rest, &key[skip..])),
        Some((&word, rest)) => match key.split_first() {
            Some((&first, key_rest)) => {
                (word == "*" || word == first) && matches_from(rest, key_rest)
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_round_trips_through_its_name() {
        for flow in Flow::ALL {
            assert_eq!(flow.as_str().parse::<Flow>(), Ok(flow));
            assert_eq!(flow.to_string(), flow.as_str());
        }
    }

    #[test]
    fn an_unknown_flow_name_lists_the_valid_ones() {
        let error = "to-mars".parse::<Flow>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown flow `to-mars`; one of to-smint, to-photoshelter, lifecycle"
        );
    }

    #[test]
    fn flows_serialize_as_their_names() {
        assert_eq!(serde_json::to_value(Flow::ToSmint).unwrap(), "to-smint");
        let back: Flow = serde_json::from_value("lifecycle".into()).unwrap();
        assert_eq!(back, Flow::Lifecycle);
        assert!(serde_json::from_value::<Flow>("nope".into()).is_err());
    }

    #[test]
    fn topic_patterns_match_like_the_broker() {
        assert!(topic_matches(
            "photoshelter.*.asset.*",
            "photoshelter.demo.asset.updated"
        ));
        assert!(!topic_matches(
            "photoshelter.*.asset.*",
            "smintio.demo.asset.updated"
        ));
        assert!(!topic_matches(
            "photoshelter.*.asset.*",
            "photoshelter.demo.asset"
        ));
        assert!(topic_matches("#", "a.b.c"));
        assert!(topic_matches("a.#", "a"));
        assert!(topic_matches("a.#.c", "a.b.b.c"));
        assert!(topic_matches("a.#.d", "a.d"));
        assert!(!topic_matches("a.#.d", "a.b.c"));
        assert!(!topic_matches("a.*", "a.b.c"));
    }

    #[test]
    fn smintio_asset_events_reach_no_flow() {
        for flow in Flow::ALL {
            for kind in ["updated", "expired", "deleted", "archived"] {
                assert!(
                    !flow.is_bound_to(&format!("smintio.demo.asset.{kind}")),
                    "{flow}"
                );
            }
        }
        assert!(Flow::ToPhotoshelter.is_bound_to("smintio.demo.license.purchased"));
        assert!(Flow::Lifecycle.is_bound_to("photoshelter.demo.asset.expired"));
        assert!(Flow::ToSmint.is_bound_to("photoshelter.demo.asset.expired"));
    }
}
