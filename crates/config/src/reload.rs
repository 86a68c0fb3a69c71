//! What a configuration reload changes. The running binaries apply `[connections]` only
//! (credentials, secrets, rules, added and removed connections); every other section is
//! read at start and needs a restart (a reload says so in its log line).

use std::fmt;

use crate::Config;

/// The connections a new configuration adds, removes or changes against the running one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Named in both with any field different (a rotated secret included).
    pub changed: Vec<String>,
}

impl ConnectionChanges {
    pub fn between(running: &Config, new: &Config) -> Self {
        let mut changes = Self::default();
        for (name, connection) in &new.connections {
            match running.connections.get(name) {
                None => changes.added.push(name.clone()),
                Some(old) if old != connection => changes.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        changes.removed = running
            .connections
            .keys()
            .filter(|name| !new.connections.contains_key(*name))
            .cloned()
            .collect();
        changes
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Whether `name` must be built again (added or changed).
    pub fn rebuilds(&self, name: &str) -> bool {
        self.added.iter().chain(&self.changed).any(|n| n == name)
    }
}

impl fmt::Display for ConnectionChanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "added [{}], removed [{}], changed [{}]",
            self.added.join(", "),
            self.removed.join(", "),
            self.changed.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;

    fn example(env: &[(&str, &str)]) -> Config {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        crate::load(Some(&file), &env).unwrap()
    }

    #[test]
    fn the_same_file_changes_nothing() {
        let changes = ConnectionChanges::between(&example(&[]), &example(&[]));
        assert!(changes.is_empty(), "{changes}");
    }

    #[test]
    fn a_rotated_secret_is_a_change_though_its_debug_text_is_the_same() {
        let key = "ASSETRELAY_CONNECTIONS__DEMO__PHOTOSHELTER__API__API_KEY";
        let before = example(&[(key, "key-one")]);
        let after = example(&[(key, "key-two")]);
        assert_eq!(
            format!("{:?}", before.connections["demo"]),
            format!("{:?}", after.connections["demo"])
        );

        let changes = ConnectionChanges::between(&before, &after);

        assert_eq!(changes.changed, ["demo"]);
        assert!(changes.rebuilds("demo"));
    }

    #[test]
    fn added_and_removed_connections_are_named() {
        let with_b = example(&[
            (
                "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SCHEME",
                "standard-webhooks",
            ),
            (
                "ASSETRELAY_CONNECTIONS__CLIENT_B__PHOTOSHELTER__WEBHOOK__SECRETS",
                "[\"whsec_Y2xpZW50LWItcGhvdG9zaGVsdGVyLXNlY3JldA==\"]",
            ),
            (
                "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SCHEME",
                "standard-webhooks",
            ),
            (
                "ASSETRELAY_CONNECTIONS__CLIENT_B__SMINTIO__WEBHOOK__SECRETS",
                "[\"whsec_Y2xpZW50LWItc21pbnRpby1zZWNyZXQtMDA=\"]",
            ),
        ]);
        let demo_only = example(&[]);

        let added = ConnectionChanges::between(&demo_only, &with_b);
        let removed = ConnectionChanges::between(&with_b, &demo_only);

        assert_eq!(added.added, ["client_b"]);
        assert!(added.removed.is_empty() && added.changed.is_empty());
        assert_eq!(removed.removed, ["client_b"]);
        assert_eq!(
            removed.to_string(),
            "added [], removed [client_b], changed []"
        );
    }
}
