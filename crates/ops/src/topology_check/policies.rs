//! Policies and operator policies that reach our queues or exchange. Either changes what
//! a queue does while its declared arguments stay the same (a `max-length` drops or
//! dead-letters messages, a `delivery-limit` parks them sooner), so arguments that match
//! do not mean behaviour that matches.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Value;

use super::expected::json_text;
use super::management::Management;
use super::{Drift, PolicyKind};
use crate::OpsError;

/// One policy as `/api/policies/{vhost}` or `/api/operator-policies/{vhost}` lists it.
pub(super) struct LivePolicy {
    kind: PolicyKind,
    name: String,
    pattern: String,
    apply_to: String,
    /// `key=value, …`
    definition: String,
}

/// Something of ours a policy can apply to.
pub(super) struct Target {
    pub name: String,
    /// `quorum`, `stream` or `classic`; `None` for the exchange.
    pub queue_type: Option<String>,
}

/// What the broker says applies to one of our queues now: its `policy` or
/// `operator_policy` field, with its `effective_policy_definition`.
pub(super) struct Applied {
    pub queue: String,
    pub kind: PolicyKind,
    pub policy: String,
    pub effective: String,
}

pub(super) async fn fetch(api: &Management, vhost: &str) -> Result<Vec<LivePolicy>, OpsError> {
    let mut all = Vec::new();
    for (kind, path) in [
        (PolicyKind::Policy, "policies"),
        (PolicyKind::OperatorPolicy, "operator-policies"),
    ] {
        let listed = api.get(&[path, vhost]).await?.unwrap_or(Value::Null);
        for policy in listed.as_array().into_iter().flatten() {
            let field = |key: &str| policy.get(key).map(json_text).unwrap_or_default();
            all.push(LivePolicy {
                kind,
                name: field("name"),
                pattern: field("pattern"),
                apply_to: field("apply-to"),
                definition: definition_text(policy.get("definition")),
            });
        }
    }
    Ok(all)
}

/// The queue's `policy` and `operator_policy`, if any applies.
pub(super) fn applied(queue: &str, live: &Value) -> Vec<Applied> {
    let effective = definition_text(live.get("effective_policy_definition"));
    [
        (PolicyKind::Policy, "policy"),
        (PolicyKind::OperatorPolicy, "operator_policy"),
    ]
    .into_iter()
    .filter_map(|(kind, key)| {
        let policy = live.get(key)?.as_str().filter(|name| !name.is_empty())?;
        Some(Applied {
            queue: queue.to_owned(),
            kind,
            policy: policy.to_owned(),
            effective: effective.clone(),
        })
    })
    .collect()
}

/// A drift for every policy whose pattern matches one of `targets`, and for every policy
/// the broker reports as applied that the patterns did not already name.
pub(super) fn drift(
    policies: &[LivePolicy],
    targets: &[Target],
    applied: &[Applied],
) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut named = BTreeSet::new();
    for policy in policies {
        let Ok(pattern) = Regex::new(&policy.pattern) else {
            out.push(Drift::UncheckedPolicy {
                policy_kind: policy.kind,
                policy: policy.name.clone(),
                pattern: policy.pattern.clone(),
            });
            continue;
        };
        // RabbitMQ matches unanchored, like `is_match`.
        for target in targets.iter().filter(|t| applies_to(policy, t)) {
            if pattern.is_match(&target.name) {
                named.insert((policy.kind, policy.name.clone(), target.name.clone()));
                out.push(Drift::Policy {
                    policy_kind: policy.kind,
                    policy: policy.name.clone(),
                    name: target.name.clone(),
                    definition: policy.definition.clone(),
                });
            }
        }
    }
    // The broker's own answer catches a pattern whose PCRE dialect `regex` reads otherwise.
    for now in applied {
        if named.insert((now.kind, now.policy.clone(), now.queue.clone())) {
            let definition = policies
                .iter()
                .find(|p| p.kind == now.kind && p.name == now.policy)
                .map_or_else(|| now.effective.clone(), |p| p.definition.clone());
            out.push(Drift::Policy {
                policy_kind: now.kind,
                policy: now.policy.clone(),
                name: now.queue.clone(),
                definition,
            });
        }
    }
    out
}

fn applies_to(policy: &LivePolicy, target: &Target) -> bool {
    let Some(queue_type) = target.queue_type.as_deref() else {
        // Operator policies only ever apply to queues.
        return policy.kind == PolicyKind::Policy
            && matches!(policy.apply_to.as_str(), "all" | "exchanges");
    };
    match policy.apply_to.as_str() {
        "exchanges" => false,
        "classic_queues" => queue_type == "classic",
        "quorum_queues" => queue_type == "quorum",
        "streams" => queue_type == "stream",
        // `all`, `queues`, and whatever a newer RabbitMQ adds: reported rather than missed.
        _ => true,
    }
}

/// `{"max-length":1000,"overflow":"reject-publish"}` as `max-length=1000, overflow=reject-publish`.
fn definition_text(definition: Option<&Value>) -> String {
    // Sorted here: serde_json keeps insertion order when any crate enables `preserve_order`.
    let pairs: BTreeSet<String> = definition
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("{key}={}", json_text(value)))
        .collect();
    pairs.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn policy(kind: PolicyKind, pattern: &str, apply_to: &str) -> LivePolicy {
        LivePolicy {
            kind,
            name: "p".into(),
            pattern: pattern.into(),
            apply_to: apply_to.into(),
            definition: "max-length=1".into(),
        }
    }

    fn targets() -> Vec<Target> {
        vec![
            Target {
                name: "app.events".into(),
                queue_type: None,
            },
            Target {
                name: "app.to-smint".into(),
                queue_type: Some("quorum".into()),
            },
            Target {
                name: "app.archive".into(),
                queue_type: Some("stream".into()),
            },
        ]
    }

    fn names(drift: &[Drift]) -> Vec<String> {
        drift.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn apply_to_limits_a_policy_to_its_kind_of_object() {
        let cases = [
            (policy(PolicyKind::Policy, "^app\\.", "all"), 3),
            (policy(PolicyKind::Policy, "^app\\.", "queues"), 2),
            (policy(PolicyKind::Policy, "^app\\.", "exchanges"), 1),
            (policy(PolicyKind::Policy, "^app\\.", "streams"), 1),
            (policy(PolicyKind::Policy, "^app\\.", "classic_queues"), 0),
            (policy(PolicyKind::OperatorPolicy, "^app\\.", "all"), 2),
            (policy(PolicyKind::Policy, "^other\\.", "all"), 0),
        ];
        for (policy, expected) in cases {
            let found = drift(std::slice::from_ref(&policy), &targets(), &[]);
            assert_eq!(
                found.len(),
                expected,
                "{} {}",
                policy.apply_to,
                policy.pattern
            );
        }
    }

    #[test]
    fn a_pattern_regex_cannot_read_is_reported_not_skipped() {
        let found = drift(
            &[policy(PolicyKind::Policy, "(?<!x)app", "all")],
            &targets(),
            &[],
        );

        assert_eq!(
            names(&found),
            [
                "policy `p` has pattern `(?<!x)app`, which this check cannot evaluate: make sure it matches none of the topology's queues"
            ]
        );
    }

    #[test]
    fn a_policy_the_broker_applies_is_reported_once_even_if_its_pattern_did_not_match() {
        let listed = policy(PolicyKind::Policy, "^nothing$", "all");
        let applied = [Applied {
            queue: "app.to-smint".into(),
            kind: PolicyKind::Policy,
            policy: "p".into(),
            effective: "max-length=1".into(),
        }];

        let found = drift(&[listed], &targets(), &applied);

        assert_eq!(
            names(&found),
            ["policy `p` applies to `app.to-smint`: max-length=1"]
        );
    }

    #[test]
    fn a_definition_is_shown_as_sorted_key_value_pairs() {
        let definition = serde_json::json!({"overflow": "reject-publish", "max-length": 10});

        assert_eq!(
            definition_text(Some(&definition)),
            "max-length=10, overflow=reject-publish"
        );
    }
}
